"""One `git log -p` pass, streamed and parsed: commits and their line changes, paths as bytes.

The diff comes as git prints it (`-U0`, renames found with `-M`); the parser trusts only the
counts in the hunk headers to read the changed lines, so no file content can pass for a header.
File names are data: never decoded, never printed, never used as a path on this machine.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from itertools import islice
from typing import IO, NamedTuple

from agent_git_tracker.errors import TrackerError

# Each commit starts with a line no diff line can start with, and its message ends with a NUL.
FORMAT = "--format=%x00%x00%H %P %ct%n%B%x00"
_START = b"\x00\x00"
_HUNK = re.compile(rb"@@ -(\d+)(?:,(\d+))? \+\d+(?:,(\d+))? @@")
_SPECIAL_MODES = (b"120000", b"160000")  # symbolic links and submodules: not lines of code
_ESCAPES = {
    ord("a"): 7, ord("b"): 8, ord("t"): 9, ord("n"): 10, ord("v"): 11, ord("f"): 12,
    ord("r"): 13, ord('"'): 34, ord("\\"): 92,
}  # fmt: skip


class Hunk(NamedTuple):
    """Lines `start` … `start + len(removed)` (0-based, old file) replaced by `added`.

    Each line keeps git's `-` or `+` in front and its newline. A NamedTuple, not a dataclass:
    one is built per hunk of history, and it is the cheapest immutable record.
    """

    start: int
    removed: list[bytes]
    added: list[bytes]


class FileChange(NamedTuple):
    """One file of a commit's diff. `old`/`new` are None for a created/deleted file."""

    old: bytes | None
    new: bytes | None
    text: bool  # lines were read: a text file, wanted, not a link or submodule
    binary: bool
    copied: bool
    hunks: list[Hunk]


class Commit(NamedTuple):
    """One commit as the log shows it: for a merge, the diff against its first parent."""

    hash: str
    parents: tuple[str, ...]
    time: int
    message: str
    files: list[FileChange]


def parse(stream: IO[bytes], wanted: Callable[[bytes], bool]) -> Iterator[Commit]:
    """The commits of a `git log -p` stream made with FORMAT, in the order git prints them.

    The lines of a file whose path `wanted` refuses are skipped unread (its change is still
    reported, with `text` false). Each reader below takes the iterator and the line it is on,
    and returns what it read with the first line it did not use.
    """
    lines = iter(stream)
    line = next(lines, b"")
    while line:
        if line.startswith(_START):
            commit, line = _commit(lines, line, wanted)
            yield commit
        else:
            line = next(lines, b"")


def _commit(
    lines: Iterator[bytes], line: bytes, wanted: Callable[[bytes], bool]
) -> tuple[Commit, bytes]:
    head = line[2:].split()
    message, line = _message(lines)
    files = []
    while line and not line.startswith(_START):
        if line.startswith(b"diff --git "):
            change, line = _file(lines, line, wanted)
            files.append(change)
        else:
            line = next(lines, b"")
    parents = tuple(p.decode("ascii") for p in head[1:-1])
    return Commit(head[0].decode("ascii"), parents, int(head[-1]), message, files), line


def _message(lines: Iterator[bytes]) -> tuple[str, bytes]:
    parts = []
    for line in lines:
        if line.endswith((b"\x00\n", b"\x00")):
            parts.append(line.rstrip(b"\n")[:-1])
            break
        parts.append(line)
    return b"".join(parts).decode("utf-8", "replace"), next(lines, b"")


def _file(
    lines: Iterator[bytes], header: bytes, wanted: Callable[[bytes], bool]
) -> tuple[FileChange, bytes]:
    old = new = _header_path(header)
    created = deleted = binary = copied = special = False
    for line in lines:
        if line[:1] in b"-+":
            continue  # `--- a/…`, `+++ b/…`: the paths come from the other lines
        if line.startswith(b"index "):
            if line.count(b" ") == 2:  # `index a..b MODE`: the mode when it did not change
                special = line.rsplit(b" ", 1)[1][:-1] in _SPECIAL_MODES
        elif line.startswith((b"@@ ", b"diff --git ", _START)):
            break
        elif line.startswith((b"rename from ", b"copy from ")):
            old = _path(line[line.index(b"from ") + 5 : -1])
            copied = line.startswith(b"copy")
        elif line.startswith((b"rename to ", b"copy to ")):
            new = _path(line[line.index(b"to ") + 3 : -1])
        elif line.startswith(b"new file mode "):
            created, special = True, line[14:-1] in _SPECIAL_MODES
        elif line.startswith(b"deleted file mode "):
            deleted, special = True, line[18:-1] in _SPECIAL_MODES
        elif line.startswith(b"new mode "):
            special = line[9:-1] in _SPECIAL_MODES
        elif line.startswith(b"Binary files "):
            binary = True
    else:
        line = b""
    text = not (binary or special) and wanted(new if new is not None else old)
    hunks, line = _hunks(lines, line, text)
    change = FileChange(
        None if created else old, None if deleted else new, text, binary, copied, hunks
    )
    return change, line


def _hunks(lines: Iterator[bytes], line: bytes, keep: bool) -> tuple[list[Hunk], bytes]:
    hunks = []
    while line.startswith(b"@@ -"):
        match = _HUNK.match(line)
        if not match:
            raise TrackerError("git log printed a hunk header this version cannot read")
        first, count = int(match[1]), 1 if match[2] is None else int(match[2])
        new_count = 1 if match[3] is None else int(match[3])
        if not keep:
            line = _skip(lines, count, new_count)
            continue
        removed = list(islice(lines, count))
        line = _past_marker(lines)
        added = [line, *islice(lines, new_count - 1)] if new_count else []
        if len(removed) < count or len(added) < new_count or added[-1:] == [b""]:
            raise TrackerError("git log stopped in the middle of a change; run the command again")
        if new_count:
            line = _past_marker(lines)
        hunks.append(Hunk(first - 1 if count else first, removed, added))
    return hunks, line


def _skip(lines: Iterator[bytes], count: int, new_count: int) -> bytes:
    """Past a hunk's lines, unread; the line after them."""
    next(islice(lines, count, count), None)
    line = _past_marker(lines)
    if new_count:
        next(islice(lines, new_count - 1, new_count - 1), None)
        line = _past_marker(lines)
    return line


def _past_marker(lines: Iterator[bytes]) -> bytes:
    """The next line, past git's "\\ No newline at end of file" (no line of the file)."""
    line = next(lines, b"")
    return next(lines, b"") if line[:1] == b"\\" else line


def _header_path(line: bytes) -> bytes:
    """The path of `diff --git a/X b/X` (renames are read again from their own lines)."""
    rest = line[11:].rstrip(b"\n")
    if rest.startswith(b'"'):
        return _unquote(rest)[2:]
    # Unquoted, both sides are the same path, which may hold spaces: split in the middle.
    half = (len(rest) - 5) // 2
    if half > 0 and rest[half + 2 : half + 5] == b" b/" and rest[2 : half + 2] == rest[half + 5 :]:
        return rest[2 : half + 2]
    return rest[2:].split(b" b/", 1)[0]


def _path(raw: bytes) -> bytes:
    return _unquote(raw) if raw.startswith(b'"') else raw


def _unquote(quoted: bytes) -> bytes:
    """The first C-quoted string of `quoted` (git's quoting of unusual file names)."""
    out = bytearray()
    i = 1
    while i < len(quoted) and quoted[i] != ord('"'):
        char = quoted[i]
        if char == ord("\\") and i + 1 < len(quoted):
            nxt = quoted[i + 1]
            if 48 <= nxt <= 55:  # \ooo: an octal byte
                out.append(int(quoted[i + 1 : i + 4], 8) & 0xFF)
                i += 4
                continue
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        out.append(char)
        i += 1
    return bytes(out)
