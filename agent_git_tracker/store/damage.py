"""A damaged database: found before LMDB reads it or when a page fails, remembered beside it,
never written again.

A file cut short is found before LMDB maps it (`pages.shortfall`); a page that fails to read is
found by LMDB when a command reaches it. Either way a small marker `<database>-damaged` names the
file (device and inode) and what failed, so that no later command writes to it until the user
rebuilds it: a new file at the path has another inode, and the marker no longer applies.
"""

from __future__ import annotations

import errno
import json
import os
import stat
import time
from pathlib import Path

from agent_git_tracker.errors import TrackerError
from agent_git_tracker.store import pages


def marker(path: Path) -> Path:
    return Path(f"{path}-damaged")


def error(path: Path, why: str, written: bool = False) -> TrackerError:
    """The one line a damaged database gets: what is wrong and how to rebuild it."""
    state = "" if written else " Nothing was written to it."
    return TrackerError(
        f"the database {path} is damaged: {why}.{state} Rebuild it: `agent-git-tracker export "
        f"-o FILE` salvages every record it can still read, then move {path} aside and run "
        "`agent-git-tracker import FILE` (or restore the file from a backup)"
    )


def remember(path: Path, why: str) -> None:
    """Write the marker once; a failure to write it only loses the memory, never data."""
    try:
        stat = os.stat(path)
        if recorded(path) is not None:
            return
        text = json.dumps(
            {
                "device": stat.st_dev,
                "inode": stat.st_ino,
                "what": why,
                "found_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            }
        )
        temp = f"{marker(path)}.{os.getpid()}.tmp"
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC
        fd = os.open(temp, flags, 0o600)
        try:
            os.write(fd, text.encode() + b"\n")
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, marker(path))
    except OSError:
        return


def recorded(path: Path) -> str | None:
    """What failed in this very file, when its marker says so; None for a healthy file (or a
    new file at the same path)."""
    try:
        fd = os.open(marker(path), os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as f:
            note = json.loads(f.read(1 << 16))
        stat = os.stat(path)
    except (OSError, ValueError):
        return None
    if not isinstance(note, dict):
        return None
    same = (note.get("device"), note.get("inode")) == (stat.st_dev, stat.st_ino)
    return str(note.get("what") or "a page failed to read") if same else None


def open_regular(path: Path) -> int:
    """A read-only descriptor of a regular file: never follows a symlink or waits on a FIFO."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(errno.EINVAL, "not a regular file", str(path))
    return fd


def read_head(path: Path, size: int) -> bytes:
    fd = open_regular(path)
    try:
        return os.pread(fd, size, 0)
    finally:
        os.close(fd)


def check_pages(path: Path) -> None:
    """Refuse a file LMDB would read past the end of (SIGBUS kills the process otherwise)."""
    try:
        fd = open_regular(path)
    except OSError as e:
        raise TrackerError(f"cannot read the database {path}: {e.strerror}") from e
    try:
        why = pages.shortfall(fd)
    finally:
        os.close(fd)
    if why:
        remember(path, why)
        raise error(path, why)
