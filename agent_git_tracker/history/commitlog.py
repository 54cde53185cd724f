"""The commits of a repository as the post-commit hook records them: one quick `git log` lists
every reachable commit (and the branch it was reached from), then one streamed `git log
--numstat -z --no-walk --stdin` reads the facts of those not recorded yet: identities, times,
message, files and lines changed.

Framing: every field is ended by NUL, which no commit message, name or path can hold. A commit
starts with SOH and its hash; after its fields come its numstat entries (`added TAB
deleted TAB path NUL`), which start with a digit or `-` (binary files), never with SOH.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from agent_git_tracker.capture.hook import cap_message

# %S: the branch the commit was reached from (with --source).
FORMAT = "--format=%x01" + "%x00".join(("%H", "%P", "%an", "%ae", "%aI", "%cn", "%ce", "%cI", "%B"))
FIELDS = (
    "hash",
    "parents",
    "author_name",
    "author_email",
    "authored_at",
    "committer_name",
    "committer_email",
    "committed_at",
    "message",
)
ARGS = ("log", "-z", "--numstat", "--no-renames", "--no-walk", "--stdin", "--encoding=UTF-8")
# The cheap listing first: every reachable commit and the branch it was reached from.
LIST = ("log", "-z", "--source", "--date-order", "--format=%H%x00%S")
_CHUNK = 1 << 16


def listing(revisions: list[str], since: str | None) -> list[str]:
    """The argv (after `git` and the pinned options) that lists the commits to scan."""
    return [*LIST, *([f"--since={since}"] if since else []), *revisions, "--"]


def listed(stream: IO[bytes]) -> dict[str, str | None]:
    """Each listed commit and the local branch it was reached from (None: another ref)."""
    fields = stream.read().split(b"\0")
    found: dict[str, str | None] = {}
    for commit, source in zip(fields[0::2], fields[1::2], strict=False):
        ref = source.decode("utf-8", "surrogateescape")
        local = ref.startswith("refs/heads/")
        found[commit.strip().decode("ascii")] = ref.removeprefix("refs/heads/") if local else None
    return found


def args() -> list[str]:
    """The argv that reads the facts of the commits given on stdin, one hash a line."""
    return [*ARGS, FORMAT]


def parse(stream: IO[bytes]) -> Iterator[dict[str, Any]]:
    """Every commit of the stream, as the facts the post-commit hook records."""
    buffer = b""
    position = 0
    ended = False
    while True:
        found = _one(buffer, position, ended)
        if found is not None:
            facts, position = found
            yield facts
            continue
        if ended:
            return
        chunk = stream.read(_CHUNK)
        ended = not chunk
        buffer = buffer[position:] + chunk
        position = 0


def _one(buffer: bytes, start: int, ended: bool) -> tuple[dict[str, Any], int] | None:
    """One commit from `buffer[start:]` and where the next starts; None: more is needed."""
    start = _skip(buffer, start)
    if start >= len(buffer) or buffer[start] != 1:
        return None
    fields, position = [], start + 1
    for _ in FIELDS:
        end = buffer.find(b"\0", position)
        if end < 0:
            return None
        fields.append(buffer[position:end])
        position = end + 1
    stats, position, complete = _numstat(buffer, position, ended)
    if not complete:
        return None
    return _facts(fields, stats), position


def _skip(buffer: bytes, position: int) -> int:
    while position < len(buffer) and buffer[position] in (0, 10):
        position += 1
    return position


def _numstat(buffer: bytes, position: int, ended: bool) -> tuple[list[bytes], int, bool]:
    """The numstat entries from `position`; complete once the next commit (or the end) shows."""
    entries: list[bytes] = []
    while True:
        position = _skip(buffer, position)
        if position >= len(buffer):
            return entries, position, ended
        if buffer[position] == 1:
            return entries, position, True
        end = buffer.find(b"\0", position)
        if end < 0:
            return entries, position, ended and False
        entries.append(buffer[position:end])
        position = end + 1


def _facts(fields: list[bytes], stats: list[bytes]) -> dict[str, Any]:
    values = [f.decode("utf-8", "surrogateescape") for f in fields]
    facts: dict[str, Any] = dict(zip(FIELDS, values, strict=True))
    facts["parents"] = facts["parents"].split()
    facts["message"] = cap_message(facts["message"])
    if len(facts["parents"]) > 1:  # a merge's lines are its branch's, counted there
        facts.update(files_changed=None, insertions=None, deletions=None, stats_capped=False)
        return facts
    files = insertions = deletions = 0
    for entry in stats:
        added, _, rest = entry.partition(b"\t")
        removed = rest.partition(b"\t")[0]
        files += 1
        insertions += int(added) if added.isdigit() else 0  # "-" for binary files
        deletions += int(removed) if removed.isdigit() else 0
    facts.update(
        files_changed=files, insertions=insertions, deletions=deletions, stats_capped=False
    )
    return facts
