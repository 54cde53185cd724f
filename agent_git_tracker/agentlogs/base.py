"""The records every reader returns, and the rules shared by all of them.

A reader turns an agent's own log into `Turn`s (one model response each: model, tokens, time,
session, folder) and `Mention`s (a commit hash that `git commit` or `git log` printed in the
session's tool output). Nothing else of a transcript is kept: no prompt, no code, no output.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import orjson

# What a reader remembers between two reads of one root: plain JSON data, stored by the caller.
Cursor = dict[str, Any]

# `[main 1a2b3c4] subject` (git commit, also `[detached HEAD …]` and `(root-commit)`), and the
# `commit <full hash>` header of `git log`/`git show` at the start of a JSON string or line.
# Both patterns start with a literal, which the regex engine finds faster than `in` would.
_COMMIT_LINE = re.compile(rb"\[[^\[\]\s\"\\]+(?: HEAD)?(?: \(root-commit\))? ([0-9a-f]{7,64})\] ")
_LOG_HEADER = re.compile(rb"commit ([0-9a-f]{40}|[0-9a-f]{64})(?![0-9a-f])")


@dataclass(frozen=True, slots=True)
class Turn:
    """One model response: who, when, where, which model (as the log wrote it) and its tokens.

    `input_tokens` excludes cache reads and writes; `output_tokens` includes reasoning, of which
    `reasoning_tokens` is the share the log reports. `key` names the response: two turns of one
    agent with the same key are copies of it (a streamed line, a copied or archived transcript,
    a side conversation's replay), of which `best` keeps one.
    """

    agent: str
    session_id: str
    key: str
    time: float
    model: str
    cwd: str | None
    git_branch: str | None
    input_tokens: int
    cached_input_tokens: int
    cache_write_tokens: int
    output_tokens: int
    reasoning_tokens: int = 0
    sidechain: bool = False

    @property
    def total_tokens(self) -> int:
        """Every token billed for this response (reasoning is inside output)."""
        return (
            self.input_tokens
            + self.cached_input_tokens
            + self.cache_write_tokens
            + self.output_tokens
        )


@dataclass(frozen=True, slots=True)
class Mention:
    """A commit hash (7–64 hex, possibly abbreviated) printed in a session's tool output."""

    agent: str
    session_id: str
    hash: str
    time: float


@dataclass(frozen=True, slots=True)
class Result:
    """What one read found: new turns and mentions, the cursor to pass next time, lines skipped."""

    turns: tuple[Turn, ...]
    mentions: tuple[Mention, ...]
    cursor: Cursor
    skipped: Mapping[str, int]


class Reader(Protocol):
    """The interface of each reader module (`claude_code`, `codex`, `opencode`, `gemini`)."""

    AGENT: str

    def roots(self, environ: Mapping[str, str], home: Path) -> list[Path]: ...

    def read(self, root: Path, cursor: Cursor | None, deadline: float | None = None) -> Result: ...


@dataclass
class Found:
    """What a read collects as it goes; `result` freezes it."""

    turns: list[Turn] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)

    def load(self, raw: bytes | str) -> dict[str, Any] | None:
        """The JSON object in `raw`, or None (counted) when it is not one."""
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError:
            self.skipped["not json"] += 1
            return None
        if not isinstance(value, dict):
            self.skipped["unexpected shape"] += 1
            return None
        return value

    def mention(
        self, agent: str, session_id: object, when: object, hashes: Collection[str]
    ) -> None:
        """Keep commit hashes a session printed, if the session and time are known."""
        if not hashes:
            return
        time = parse_time(when)
        if not isinstance(session_id, str) or not session_id or time is None:
            return
        for commit in sorted(hashes):
            self.mentions.append(Mention(agent, session_id, commit, time))

    def result(self, cursor: Cursor) -> Result:
        """The read's result: turns (copies dropped), mentions (each once), cursor, skips."""
        return Result(
            tuple(unique(self.turns)),
            tuple(dict.fromkeys(self.mentions)),
            cursor,
            dict(self.skipped),
        )


def commit_hashes(raw: bytes) -> set[str]:
    """The commit hashes `git commit` or `git log` printed in `raw` (a log line)."""
    found = {match.group(1) for match in _COMMIT_LINE.finditer(raw)}
    for match in _LOG_HEADER.finditer(raw):
        before = raw[max(match.start() - 2, 0) : match.start()]
        if match.start() == 0 or before.endswith(b'"') or before == b"\\n":
            found.add(match.group(1))
    return {commit.decode() for commit in found}


def parse_time(value: object) -> float | None:
    """Epoch seconds from an ISO 8601 text (UTC when it has no offset) or epoch s/ms number."""
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.timestamp()
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        # Epoch milliseconds are past 1e11; seconds will not be for another 3,000 years.
        return value / 1000 if value > 1e11 else float(value)
    return None


def count(value: object) -> int:
    """A token count from the log; a missing one (None) is zero, anything else is a bad shape."""
    if type(value) is int and value >= 0:
        return value
    if value is None:
        return 0
    raise TypeError(f"not a token count: {value!r}")


def text(value: object) -> str | None:
    """A non-empty string field, else None."""
    return value if isinstance(value, str) and value else None


def best(first: Turn, second: Turn) -> Turn:
    """Of two copies of one response, the one to keep (`first` on a tie).

    A parent's line beats a side conversation's replay of it; then the copy with more tokens
    (Claude Code and Gemini CLI write a response again as it streams, the last copy complete);
    then the earlier one (a resumed or forked session copies its parent's lines).
    """
    return min((first, second), key=_rank)


def _rank(turn: Turn) -> tuple[bool, int, float]:
    return (turn.sidechain, -turn.total_tokens, turn.time)


def unique(turns: Iterable[Turn]) -> list[Turn]:
    """One turn per (agent, key), chosen by `best`, in first-seen order."""
    kept: dict[tuple[str, str], Turn] = {}
    for turn in turns:
        slot = (turn.agent, turn.key)
        kept[slot] = best(kept[slot], turn) if slot in kept else turn
    return list(kept.values())


def existing_dirs(paths: Iterable[Path]) -> list[Path]:
    """The paths that are folders, each once, in order."""
    return [path for path in dict.fromkeys(paths) if path.is_dir()]


def home_path(raw: str, home: Path) -> Path:
    """`~` and `~/x` relative to `home`; other paths as given."""
    if raw == "~":
        return home
    if raw.startswith("~/"):
        return home / raw[2:]
    return Path(raw)
