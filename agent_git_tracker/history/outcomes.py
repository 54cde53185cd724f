"""The outcome measures of a branch's commits, from one streamed pass over its history.

See the package's docstring for the rules; this module only runs the pass.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from agent_git_tracker.errors import UsageError
from agent_git_tracker.history import gitrun
from agent_git_tracker.history.gitlog import parse
from agent_git_tracker.history.paths import counted
from agent_git_tracker.history.tracker import Record, Tracker

BULK_LINES = 2000  # added + deleted counted lines above which a commit is bulk
BULK_FILES = 50  # counted files above which a commit is bulk


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one commit's work on its branch afterwards. None: not known yet."""

    commit: str  # full hash
    time: float  # committer time, epoch seconds
    files: int  # counted files changed (text, not left out)
    added: int  # counted lines added
    deleted: int  # counted lines deleted
    bulk: bool  # counted and shown, never scored
    ignored: bool  # listed in the blame ignore-revs: its lines stay their authors', not scored
    survival_14d: float | None  # share of its added lines still its own 14 days on
    survival_30d: float | None
    reverted_30d: bool | None
    fixed_30d: bool | None
    reverted_by: str | None
    fixed_by: str | None

    @property
    def final(self) -> bool:
        """Whether no later pass can change these measures."""
        decided = self.reverted_30d is not None and self.fixed_30d is not None
        unmeasured = self.ignored or not self.added
        return decided and (unmeasured or None not in (self.survival_14d, self.survival_30d))


def measure(
    repo: Path,
    branch: str | None = None,
    *,
    now: float,
    start_after: str | None = None,
    deadline: float | None = None,
    ignore_revs: Collection[str] = (),
    renamed: Mapping[str, str] | None = None,
) -> Iterator[Outcome]:
    """The outcome measures of the commits of `branch` after `start_after`, as of `now`.

    Streams one `git log` over the history; yields each commit as soon as its windows have
    closed, then, at the end, those still open. `deadline` is a `time.monotonic()` instant:
    past it the pass stops between two commits and yields the rest with only what is final.
    """
    if deadline is not None and time.monotonic() >= deadline:
        return
    tip = gitrun.tip(repo, branch)
    start = _start(repo, start_after)
    first_parents = gitrun.first_parents(repo, tip, start)
    ignored = {rev.lower() for rev in ignore_revs} | gitrun.ignore_revs(repo, tip)
    tracker = Tracker(now, ignored, renamed or {}, gitrun.shallow_boundary(repo))
    with gitrun.Log(repo, tip, start) as log:
        for commit in parse(log.stdout, counted):
            if deadline is not None and time.monotonic() >= deadline:
                break
            if commit.hash in first_parents:
                tracker.first_parent(commit)
            else:
                tracker.side(commit)
            yield from map(outcome_of, tracker.closed())
        else:
            log.check()
            tracker.finish()
            yield from map(outcome_of, tracker.closed())
    yield from map(outcome_of, tracker.still_open())


def first_parent_before(repo: Path, branch: str | None, time: float) -> str | None:
    """The newest first-parent commit of `branch` dated before `time` (None: there is none).

    A pass that starts after it measures every commit dated from `time` on, as a full pass
    would (with committer dates in order along the line, as merges and rebases leave them).
    """
    return gitrun.first_parent_before(repo, gitrun.tip(repo, branch), time)


def _start(repo: Path, start_after: str | None) -> str | None:
    if start_after is None:
        return None
    start = gitrun.commit_of(repo, start_after)
    if start is None:
        raise UsageError(f"no commit {start_after!r} in {repo} to start after")
    return start


def outcome_of(record: Record) -> Outcome:
    """What a pass says of one commit so far."""
    no_news: bool | None = False if record.settled else None
    return Outcome(
        commit=record.hash,
        time=float(record.time),
        files=record.files,
        added=record.added,
        deleted=record.deleted,
        bulk=record.added + record.deleted > BULK_LINES or record.files > BULK_FILES,
        ignored=record.ignored,
        survival_14d=record.survival[0],
        survival_30d=record.survival[1],
        reverted_30d=True if record.reverted_by else no_news,
        fixed_30d=True if record.fixed_by else no_news,
        reverted_by=record.reverted_by,
        fixed_by=record.fixed_by,
    )
