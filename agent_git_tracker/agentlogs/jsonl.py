"""Reading JSON Lines logs again and again, paying only for what was appended.

A root's cursor maps each file to what the last read saw: inode, size and modification time,
the byte offset after its last complete line, and the reader's state at that offset (plain
JSON data, such as the session id a header line gave). A file whose inode, size and time are
unchanged is not opened. A file being written is read up to its last complete line; the rest
waits for the next read. A file replaced (new inode) or truncated is read again from the start:
the turns it gives again carry the same keys, so nothing is counted twice.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from agent_git_tracker.agentlogs.base import Cursor, Found, Result

VERSION = 1
CHUNK = 8 * 1024 * 1024

LineParser = Callable[[bytes, dict[str, Any], Found], None]
StateMaker = Callable[[Path], dict[str, Any]]


def read_tree(
    root: Path,
    cursor: Cursor | None,
    wanted: Callable[[str], bool],
    parse_line: LineParser,
    start_state: StateMaker | None = None,
) -> Result:
    """Read what is new in every wanted file under `root`; a missing root gives nothing."""
    found = Found()
    files = read_files(root, cursor, wanted, parse_line, start_state, found)
    return found.result({"version": VERSION, "files": files})


def read_files(
    root: Path,
    cursor: Cursor | None,
    wanted: Callable[[str], bool],
    parse_line: LineParser,
    start_state: StateMaker | None,
    found: Found,
) -> dict[str, Any]:
    """Parse the new lines of the files whose path `wanted` accepts; their cursor entries."""
    seen = files_of(cursor)
    files: dict[str, Any] = {}
    for path in walk(root, wanted):
        entry = read_file(path, seen.get(str(path)), parse_line, start_state, found)
        if entry is not None:
            files[str(path)] = entry
    return files


def files_of(cursor: Cursor | None) -> dict[str, Any]:
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


def read_file(
    path: Path,
    entry: Any,
    parse_line: LineParser,
    start_state: StateMaker | None,
    found: Found,
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
            size, offset = _parse_lines(stream, offset, parse_line, state, found)
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
    stream: Any, offset: int, parse_line: LineParser, state: dict[str, Any], found: Found
) -> tuple[int, int]:
    """Feed each complete line to `parse_line`; (bytes seen up to, offset after last line)."""
    seen, pending = offset, b""
    while chunk := stream.read(CHUNK):
        seen += len(chunk)
        lines = (pending + chunk if pending else chunk).split(b"\n")
        pending = lines.pop()
        for line in lines:
            if line:
                parse_line(line, state, found)
    return seen, seen - len(pending)
