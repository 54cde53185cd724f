"""Reading JSON Lines logs again and again, paying only for what was appended.

Only the lines holding one of the reader's needles (such as `"usage":`) are cut out of the
file and handed to it: the others, most of the bytes, are never copied or parsed.

A root's cursor maps each file to what the last read saw: inode, size and modification time,
the byte offset after its last complete line, and the reader's state at that offset (plain
JSON data, such as the session id a header line gave). A file whose inode, size and time are
unchanged is not opened. A file being written is read up to its last complete line; the rest
waits for the next read. A file replaced (new inode) or truncated is read again from the start:
the turns it gives again carry the same keys, so nothing is counted twice.

A read given a `deadline` (a `time.monotonic()` instant) reads the most recently modified files
first and stops between two blocks once past it: the cursor says how far each file was read,
and the rest is read next time.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent_git_tracker.agentlogs.base import Cursor, Found, Result

VERSION = 1
CHUNK = 8 * 1024 * 1024

StateMaker = Callable[[Path], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Lines:
    """Which lines a reader wants (those holding any of `needles`) and what it does with each.

    `keep`, if given, sees each block's wanted lines first and returns those worth parsing.
    """

    needles: tuple[bytes, ...]
    parse: Callable[[bytes, dict[str, Any], Found], None]
    keep: Callable[[list[bytes]], list[bytes]] | None = None


def read_tree(
    root: Path,
    cursor: Cursor | None,
    wanted: Callable[[str], bool],
    lines: Lines,
    start_state: StateMaker | None = None,
    deadline: float | None = None,
) -> Result:
    """Read what is new in every wanted file under `root`; a missing root gives nothing."""
    found = Found()
    files = read_files(root, cursor, wanted, lines, start_state, found, deadline)
    return found.result({"version": VERSION, "files": files})


def read_files(
    root: Path,
    cursor: Cursor | None,
    wanted: Callable[[str], bool],
    lines: Lines,
    start_state: StateMaker | None,
    found: Found,
    deadline: float | None = None,
) -> dict[str, Any]:
    """Parse the new lines of the files whose path `wanted` accepts; their cursor entries.
    Past `deadline`, the files not read yet keep their entries."""
    seen = _files_of(cursor)
    files: dict[str, Any] = {}
    paths = list(walk(root, wanted))
    if deadline is not None:
        paths.sort(key=_newest_first)
    for path in paths:
        old = seen.get(str(path))
        if past(deadline):
            entry = old
        else:
            entry = _read_file(path, old, lines, start_state, found, deadline)
        if entry is not None:
            files[str(path)] = entry
    return files


def past(deadline: float | None) -> bool:
    """Whether a read's deadline (a `time.monotonic()` instant, or None) has passed."""
    return deadline is not None and time.monotonic() >= deadline


def _newest_first(path: Path) -> float:
    try:
        return -os.stat(path).st_mtime
    except OSError:
        return 0.0


def _files_of(cursor: Cursor | None) -> dict[str, Any]:
    """The per-file entries of a cursor this version wrote (else none: read from the start)."""
    if not cursor or cursor.get("version") != VERSION:
        return {}
    files = cursor.get("files")
    return files if isinstance(files, dict) else {}


def walk(root: Path, wanted: Callable[[str], bool]) -> Iterator[Path]:
    """Files under `root` whose path `wanted` accepts, sorted; a missing root has none."""
    try:
        entries = sorted(os.scandir(root), key=lambda entry: entry.name)
    except OSError:
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            yield from walk(Path(entry.path), wanted)
        elif wanted(entry.path) and entry.is_file():
            yield Path(entry.path)


def unchanged(entry: Any, status: os.stat_result) -> bool:
    """Whether a cursor entry still describes the file exactly (so it need not be opened)."""
    return (
        isinstance(entry, dict)
        and entry.get("inode") == status.st_ino
        and entry.get("size") == status.st_size
        and entry.get("mtime") == status.st_mtime_ns
    )


def _read_file(
    path: Path,
    entry: Any,
    lines: Lines,
    start_state: StateMaker | None,
    found: Found,
    deadline: float | None = None,
) -> dict[str, Any] | None:
    """Parse the complete lines appended since `entry`; the file's new entry (None if gone)."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    if unchanged(entry, status):
        return dict(entry)
    offset, state = _resume(entry, status) or (0, start_state(path) if start_state else {})
    try:
        with open(path, "rb") as stream:
            stream.seek(offset)
            size, offset = _parse_lines(stream, offset, lines, state, found, deadline)
    except OSError:
        return None
    return {
        "inode": status.st_ino,
        "size": size,
        "mtime": status.st_mtime_ns,
        "offset": offset,
        "state": state,
    }


def _resume(entry: Any, status: os.stat_result) -> tuple[int, dict[str, Any]] | None:
    if not isinstance(entry, dict) or entry.get("inode") != status.st_ino:
        return None
    offset, state = entry.get("offset"), entry.get("state")
    if not isinstance(offset, int) or offset > status.st_size or not isinstance(state, dict):
        return None
    return offset, dict(state)


def _parse_lines(
    stream: Any,
    offset: int,
    lines: Lines,
    state: dict[str, Any],
    found: Found,
    deadline: float | None = None,
) -> tuple[int, int]:
    """Feed each complete wanted line to the parser; (bytes seen up to, offset after last line).
    Past `deadline`, it stops after the block it is reading."""
    seen, pending = offset, b""
    while not past(deadline) and (chunk := stream.read(CHUNK)):
        seen += len(chunk)
        block = pending + chunk if pending else chunk
        cut = block.rfind(b"\n") + 1
        pending = block[cut:]
        wanted = _lines_with(block, cut, lines.needles)
        for line in lines.keep(wanted) if lines.keep else wanted:
            lines.parse(line, state, found)
    return seen, seen - len(pending)


def _lines_with(block: bytes, end: int, needles: tuple[bytes, ...]) -> list[bytes]:
    """The lines of `block[:end]` holding any of `needles`, in order."""
    starts = set()
    for needle in needles:
        at = block.find(needle, 0, end)
        while at != -1:
            starts.add(block.rfind(b"\n", 0, at) + 1)
            at = block.find(needle, block.find(b"\n", at, end), end)
    return [block[start : block.find(b"\n", start, end)] for start in sorted(starts)]
