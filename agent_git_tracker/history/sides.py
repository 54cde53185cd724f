"""Commits off the first-parent line, held until the merge that brings them onto it.

A merge's first-parent diff brings the side branch's lines. Each line it adds takes the origin
of the last side commit (brought by that merge) that added that exact text to that file (the
path it has at the merge, after the side branch's own renames), each side addition used once;
a line no side commit added is the merge's own. Lines a side commit deleted again before the
merge cancel the addition; when the deleting commit is a fix, the adding one counts as fixed.
"""

from __future__ import annotations

from collections.abc import Callable

from agent_git_tracker.history.gitlog import Commit, FileChange
from agent_git_tracker.history.markers import Fingerprint


class Side:
    """A commit off the first-parent line: its origin id, and what the merge will need."""

    __slots__ = ("files", "fix", "forward", "id", "inverted", "message", "order", "parents")

    def __init__(self, commit: Commit, origin: int, fix: bool) -> None:
        self.id = self.order = origin
        self.fix = fix
        self.parents = commit.parents
        self.message = commit.message
        self.files: list[FileChange] = []
        self.forward: Fingerprint = frozenset()
        self.inverted: Fingerprint = frozenset()


class Sides:
    """The side commits streamed so far and not yet brought by a first-parent merge."""

    def __init__(self) -> None:
        self._waiting: dict[str, Side] = {}

    def add(self, commit: Commit, side: Side) -> None:
        """Hold `side` until a merge brings `commit`."""
        self._waiting[commit.hash] = side

    def brought(self, merge: Commit) -> list[Side]:
        """The side commits `merge` brings (reachable from its other parents), oldest first."""
        found = []
        stack = list(merge.parents[1:])
        while stack:
            side = self._waiting.pop(stack.pop(), None)
            if side is not None:
                found.append(side)
                stack.extend(side.parents)
        return sorted(found, key=lambda side: side.order)

    def left(self) -> list[Side]:
        """Side commits no merge brought (only when a pass stops early or starts oddly)."""
        return sorted(self._waiting.values(), key=lambda side: side.order)


Fixed = Callable[[int, int], None]  # (origin id, fixing commit id)


class Landing:
    """The origins of the lines one merge brings, from the side commits it brings."""

    def __init__(self, sides: list[Side], fixed: Fixed) -> None:
        self._added: dict[bytes, dict[bytes, list[int]]] = {}
        self._fixers: dict[bytes, dict[bytes, int]] = {}
        for side in sides:
            for change in side.files:
                self._take(side, change, fixed)

    def origins(self, path: bytes, added: list[bytes], merge: int) -> list[int]:
        """One origin per added line of `path`: a side commit's, else the merge's."""
        texts = self._added.get(path)
        if texts is None:
            return [merge] * len(added)
        out = []
        for line in added:
            adders = texts.get(line)
            out.append(adders.pop() if adders else merge)
        return out

    def fixers(self, path: bytes | None) -> dict[bytes, int]:
        """The line texts fix-marked side commits deleted from `path`, with the last one's id."""
        return self._fixers.get(path or b"") or {}

    def _take(self, side: Side, change: FileChange, fixed: Fixed) -> None:
        renamed = change.old is not None and change.new is not None and change.old != change.new
        if renamed and not change.copied:
            self._move(change.old or b"", change.new or b"")
        path = change.new if change.new is not None else change.old
        if path is None or not change.text:
            return
        texts = self._added.setdefault(path, {})
        fixers = self._fixers.setdefault(path, {}) if side.fix else None
        for hunk in change.hunks:
            for line in hunk.removed:
                adders = texts.get(b"+" + line[1:])
                if adders:
                    origin = adders.pop()
                    if side.fix:
                        fixed(origin, side.id)
                if fixers is not None:
                    fixers[line] = side.id
            for line in hunk.added:
                texts.setdefault(line, []).append(side.id)
        if change.new is None:
            self._added.pop(path, None)

    def _move(self, old: bytes, new: bytes) -> None:
        added = self._added.pop(old, None)
        if added is not None:
            self._added.setdefault(new, {}).update(added)
        fixers = self._fixers.pop(old, None)
        if fixers is not None:
            self._fixers.setdefault(new, {}).update(fixers)
