"""The state of one pass: every tracked file's line origins, and each commit's open windows.

Commits are fed in git's order (parents first). A first-parent commit changes the tracked
files; a side commit waits in `Sides` for the merge that brings it. Before a first-parent
commit is applied, every window that ended before its date is closed: survival is read then,
from the number of lines each origin still has (`live`), kept up to date as runs come and go.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Collection, Mapping
from typing import TypeVar

from agent_git_tracker.history.gitlog import Commit, FileChange
from agent_git_tracker.history.lines import UNKNOWN, Edit, FileLines, Runs, per_line, runs_of
from agent_git_tracker.history.markers import (
    Fingerprint,
    fingerprints,
    is_fix,
    is_revert,
    reverted_hashes,
)
from agent_git_tracker.history.sides import Landing, Side, Sides

DAY = 86_400
WINDOWS = (14 * DAY, 30 * DAY)  # survival is read at each; reverts and fixes count within the last
_LAST = len(WINDOWS) - 1

_T = TypeVar("_T")
MakeEdits = Callable[[FileLines, FileChange], list[Edit]]


class Record:
    """What the pass knows of one commit so far (merges too: their lines need an origin)."""

    __slots__ = (
        "added", "brought", "closed", "deleted", "files", "fixed_by", "forward", "hash",
        "ignored", "measured", "reverted_by", "settled", "survival", "time",
    )  # fmt: skip

    def __init__(self, commit: Commit, measured: bool, ignored: bool) -> None:
        self.hash, self.time, self.measured, self.ignored = (
            commit.hash,
            commit.time,
            measured,
            ignored,
        )
        changes = [change for change in commit.files if change.text] if measured else []
        self.files = len(changes)
        self.added = sum(len(hunk.added) for change in changes for hunk in change.hunks)
        self.deleted = sum(len(hunk.removed) for change in changes for hunk in change.hunks)
        self.survival: list[float | None] = [None] * len(WINDOWS)
        self.reverted_by: str | None = None
        self.fixed_by: str | None = None
        self.settled = False  # its last window closed with "now" past it: no news is final
        self.closed = False
        self.brought: list[int] = []  # a merge's side commits: reverting the merge reverts them
        self.forward: Fingerprint = frozenset()


_NOBODY = Record(Commit("", (), 0, "", []), measured=False, ignored=False)  # unknown or closed
_NOBODY.closed = True


class Tracker:
    """One pass over a branch's history, fed commit by commit."""

    def __init__(
        self,
        now: float,
        ignored: Collection[str],
        renamed: Mapping[str, str],
        cut: Collection[str] = (),
    ) -> None:
        self.now = now
        self._ignored = frozenset(ignored)
        self._cut = frozenset(cut)  # a shallow clone's boundary: diffs of whole trees
        self._rewrites = {old.lower(): new.lower() for old, new in renamed.items()}
        self._records = [_NOBODY]
        self._ids: dict[str, int] = {}
        self._live = [0]  # lines each origin has in the tracked files now
        self._files: dict[bytes, FileLines] = {}
        self._due: list[tuple[float, int, int]] = []  # (end of window, origin, window index)
        self._inverses: dict[Fingerprint, int] = {}
        self._sides = Sides()
        self._closed: list[Record] = []

    def first_parent(self, commit: Commit) -> None:
        """Apply a commit of the first-parent line, after closing the windows it ends."""
        self._close_before(commit.time)
        if commit.hash in self._cut:
            self._apply(commit.files, _plain(UNKNOWN))  # its parents are missing, not its lines
            return
        if len(commit.parents) > 1:
            self._merge(commit)
            return
        origin = self._record(commit, measured=True)
        forward, inverted = fingerprints(commit.files)
        revert = self._revert(commit.message, inverted, origin)
        ignored = self._records[origin].ignored
        removed = self._apply(commit.files, _kept if ignored else _plain(origin))
        if not revert and not ignored and is_fix(commit.message):
            for _, runs in removed:
                for hunk_runs in runs:
                    for source, _count in hunk_runs:
                        self._fix(source, origin)
        self._remember(origin, forward)
        self._schedule(origin)

    def side(self, commit: Commit) -> None:
        """Hold a commit off the first-parent line until a merge brings it."""
        merge = len(commit.parents) > 1 or commit.hash in self._cut
        origin = self._record(commit, measured=not merge)
        ignored = self._records[origin].ignored
        side = Side(commit, origin, fix=not merge and not ignored and is_fix(commit.message))
        if not merge:
            side.forward, side.inverted = fingerprints(commit.files)
            side.files = [] if ignored else [change for change in commit.files if change.text]
        self._sides.add(commit, side)

    def finish(self) -> None:
        """The branch has no more commits: close every window in the final state."""
        while self._due:
            end, origin, window = heapq.heappop(self._due)
            self._checkpoint(origin, window, end)

    def closed(self) -> list[Record]:
        """The measured commits whose windows closed since the last call."""
        closed, self._closed = self._closed, []
        return [record for record in closed if record.measured]

    def still_open(self) -> list[Record]:
        """The measured commits not closed yet, oldest first."""
        return [record for record in self._records if record.measured and not record.closed]

    def _record(self, commit: Commit, measured: bool) -> int:
        origin = len(self._records)
        ignored = measured and commit.hash in self._ignored
        self._records.append(Record(commit, measured, ignored))
        self._live.append(0)
        self._ids[commit.hash] = origin
        return origin

    def _merge(self, commit: Commit) -> None:
        origin = self._record(commit, measured=False)
        sides = self._sides.brought(commit)
        for side in sides:
            if self._revert(side.message, side.inverted, side.id):
                side.fix = False
            self._remember(side.id, side.forward)
        landing = Landing(sides, self._fix)
        for change, runs in self._apply(commit.files, _landed(landing, origin)):
            fixers = landing.fixers(change.new if change.new is not None else change.old)
            for hunk, hunk_runs in zip(change.hunks, runs, strict=True) if fixers else ():
                for line, source in zip(hunk.removed, per_line(hunk_runs), strict=False):
                    fixer = fixers.get(line)
                    if fixer is not None:
                        self._fix(source, fixer)
        self._records[origin].brought = [side.id for side in sides]
        self._remember(origin, fingerprints(commit.files)[0])
        for side in sides:
            self._schedule(side.id)
        self._schedule(origin)

    def _revert(self, message: str, inverted: Fingerprint, origin: int) -> bool:
        """Mark what this commit reverts; whether it is a revert."""
        targets = [self._resolve(ref) for ref in reverted_hashes(message)]
        if inverted:
            targets.append(self._inverses.get(inverted))
        found = False
        for target in targets:
            if target is not None and target != origin:
                found = True
                record = self._records[target]
                for reverted in record.brought if not record.measured else [target]:
                    self._mark_reverted(reverted, origin)
        return found or is_revert(message)

    def _mark_reverted(self, target: int, by: int) -> None:
        record = self._records[target]
        if record.measured and not record.closed and record.reverted_by is None:
            record.reverted_by = self._records[by].hash

    def _fix(self, target: int, by: int) -> None:
        record = self._records[target]
        if target != by and record.measured and not record.closed and record.fixed_by is None:
            record.fixed_by = self._records[by].hash

    def _resolve(self, ref: str) -> int | None:
        """A hash from a message, full or abbreviated, through rewrites, as a commit seen."""
        for _ in range(len(self._rewrites) + 1):
            found = _unique(ref, self._ids)
            if found is not None:
                return found
            new = _unique(ref, self._rewrites)
            if new is None:
                return None
            ref = new
        return None

    def _remember(self, origin: int, forward: Fingerprint) -> None:
        if forward:
            self._inverses[forward] = origin
            self._records[origin].forward = forward

    def _schedule(self, origin: int) -> None:
        record = self._records[origin]
        windows = range(len(WINDOWS)) if record.measured else [_LAST]
        for window in windows:
            heapq.heappush(self._due, (record.time + WINDOWS[window], origin, window))

    def _close_before(self, time: float) -> None:
        while self._due and self._due[0][0] < time:
            end, origin, window = heapq.heappop(self._due)
            self._checkpoint(origin, window, end)

    def _checkpoint(self, origin: int, window: int, end: float) -> None:
        record = self._records[origin]
        if self.now >= end and record.measured:
            if record.added and not record.ignored:
                record.survival[window] = min(1.0, self._live[origin] / record.added)
            record.settled = window == _LAST
        if window == _LAST:
            record.closed = True
            if self._inverses.get(record.forward) == origin:
                del self._inverses[record.forward]
            self._closed.append(record)
            # Nothing can change a closed commit any more: let the pass forget it.
            self._ids.pop(record.hash, None)
            self._records[origin] = _NOBODY

    def _apply(
        self, files: list[FileChange], make: MakeEdits
    ) -> list[tuple[FileChange, list[Runs]]]:
        """Apply one commit's file changes to the tracked files; the runs each hunk removed."""
        moved = {}
        for change in files:
            if _renamed(change) and change.old in self._files:
                moved[change.old] = self._files.pop(change.old)
        applied = []
        for change in files:
            state = self._state_for(change, moved)
            if not change.text:
                self._drop(state)
                continue
            edits = make(state, change)
            removed = state.apply(edits)
            self._count(edits, removed)
            if change.new is None:
                self._drop(state)  # what is left of a deleted file: lines never known
            else:
                self._files[change.new] = state
            applied.append((change, removed))
        for state in moved.values():
            self._drop(state)
        return applied

    def _state_for(self, change: FileChange, moved: dict[bytes, FileLines]) -> FileLines:
        if change.old is None or _renamed(change) or change.copied:
            self._drop(self._files.pop(change.new or b"", None))
        if change.old is None:
            return FileLines.empty()
        if change.copied:
            return FileLines.unknown()  # copied lines are not the copier's, nor twice the author's
        if _renamed(change):
            return moved.pop(change.old, None) or FileLines.unknown()
        return self._files.pop(change.old, None) or FileLines.unknown()

    def _drop(self, state: FileLines | None) -> None:
        if state is not None:
            live = self._live
            for origin, count in zip(state.origins, state.counts, strict=True):
                live[origin] -= count

    def _count(self, edits: list[Edit], removed: list[Runs]) -> None:
        live = self._live
        for edit in edits:
            for origin, count in zip(edit.origins, edit.counts, strict=True):
                live[origin] += count
        for runs in removed:
            for origin, count in runs:
                live[origin] -= count


def _renamed(change: FileChange) -> bool:
    moved = change.old is not None and change.new is not None and change.old != change.new
    return moved and not change.copied


def _unique(ref: str, known: Mapping[str, _T]) -> _T | None:
    if len(ref) >= 40:
        return known.get(ref)
    matches = [value for key, value in known.items() if key.startswith(ref)]
    return matches[0] if len(matches) == 1 else None


def _plain(origin: int) -> MakeEdits:
    """Every added line is the committer's."""

    def edits(_state: FileLines, change: FileChange) -> list[Edit]:
        return [
            Edit(hunk.start, len(hunk.removed), [origin], [len(hunk.added)])
            if hunk.added
            else Edit(hunk.start, len(hunk.removed), [], [])
            for hunk in change.hunks
        ]

    return edits


def _kept(state: FileLines, change: FileChange) -> list[Edit]:
    """An ignored commit's lines keep the origins of the lines they replace, in order; the
    lines it adds beyond those are unknown (git blame marks them unblamable)."""
    edits = []
    for hunk in change.hunks:
        before = per_line(state.read(hunk.start, len(hunk.removed)))[: len(hunk.added)]
        origins, counts = runs_of(before + [UNKNOWN] * (len(hunk.added) - len(before)))
        edits.append(Edit(hunk.start, len(hunk.removed), origins, counts))
    return edits


def _landed(landing: Landing, merge: int) -> MakeEdits:
    """A merge's added lines take the origins of the side commits that wrote them."""

    def edits(_state: FileLines, change: FileChange) -> list[Edit]:
        path = change.new or b""
        return [
            Edit(hunk.start, len(hunk.removed), *runs_of(landing.origins(path, hunk.added, merge)))
            for hunk in change.hunks
        ]

    return edits
