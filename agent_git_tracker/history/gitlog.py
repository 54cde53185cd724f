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
    hash: str
    parents: tuple[str, ...]
    time: int
    message: str
    files: list[FileChange]


class _Lines:
    """git's output one line at a time, with the current line kept for a look at it."""

    __slots__ = ("_it", "line")

    def __init__(self, stream: IO[bytes]) -> None:
        self._it = iter(stream)
        self.line = next(self._it, b"")

    def advance(self) -> bytes:
        self.line = next(self._it, b"")
        return self.line

    def take(self, count: int) -> list[bytes]:
        """The current line and the `count − 1` after it, then past git's "\\ No newline"."""
        if not count:
            return []
        taken = [self.line, *islice(self._it, count - 1)]
        if len(taken) < count or not taken[-1].endswith(b"\n"):
            raise TrackerError("git log stopped in the middle of a change; run the command again")
        if self.advance().startswith(b"\\"):
            self.advance()
        return taken

    def skip(self, count: int) -> None:
        if count:
            next(islice(self._it, count - 1, count - 1), None)
            if self.advance().startswith(b"\\"):
                self.advance()


def parse(stream: IO[bytes], wanted: Callable[[bytes], bool]) -> Iterator[Commit]:
    """The commits of a `git log -p` stream made with FORMAT, in the order git prints them.

    The lines of a file whose path `wanted` refuses are skipped unread (its change is still
    reported, with `text` false).
    """
    lines = _Lines(stream)
    while lines.line:
        if lines.line.startswith(_START):
            yield _commit(lines, wanted)
        else:
            lines.advance()


def _commit(lines: _Lines, wanted: Callable[[bytes], bool]) -> Commit:
    head = lines.line[2:].split()
    message = _message(lines)
    files = []
    line = lines.line
    while line and not line.startswith(_START):
        if line.startswith(b"diff --git "):
            files.append(_file(lines, wanted))
        else:
            lines.advance()
        line = lines.line
    parents = tuple(p.decode("ascii") for p in head[1:-1])
    return Commit(head[0].decode("ascii"), parents, int(head[-1]), message, files)


def _message(lines: _Lines) -> str:
    parts = []
    line = lines.advance()
    while line and not line.endswith((b"\x00\n", b"\x00")):
        parts.append(line)
        line = lines.advance()
    parts.append(line.rstrip(b"\n")[:-1])
    lines.advance()
    return b"".join(parts).decode("utf-8", "replace")


def _file(lines: _Lines, wanted: Callable[[bytes], bool]) -> FileChange:
    old = new = _header_path(lines.line)
    created = deleted = binary = copied = special = False
    line = lines.advance()
    while line and not line.startswith((b"@@ ", b"diff --git ", _START)):
        if line.startswith((b"rename from ", b"copy from ")):
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
        elif line.startswith(b"index ") and line.count(b" ") == 2:
            special = line.rsplit(b" ", 1)[1][:-1] in _SPECIAL_MODES
        elif line.startswith(b"Binary files "):
            binary = True
        line = lines.advance()
    text = not (binary or special) and wanted(new if new is not None else old)
    hunks = _hunks(lines, text)
    return FileChange(
        None if created else old, None if deleted else new, text, binary, copied, hunks
    )


def _hunks(lines: _Lines, keep: bool) -> list[Hunk]:
    hunks = []
    while lines.line.startswith(b"@@ -"):
        match = _HUNK.match(lines.line)
        if not match:
            raise TrackerError("git log printed a hunk header this version cannot read")
        first, count = int(match[1]), 1 if match[2] is None else int(match[2])
        new_count = 1 if match[3] is None else int(match[3])
        lines.advance()
        if keep:
            removed = lines.take(count)
            hunks.append(Hunk(first - 1 if count else first, removed, lines.take(new_count)))
        else:
            lines.skip(count)
            lines.skip(new_count)
    return hunks


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
