"""Which commit each line of a file comes from, as runs of (origin, count).

A hunk costs what it touches: finding its place is a bisection over the runs' ends (summed
once per file change, in C), and the runs it replaces are spliced out by slice assignment.
Origins are small integers; `UNKNOWN` is a line whose origin this pass never saw (it existed
before the pass started, or came from a copy, a binary file or a left-out path).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate
from typing import NamedTuple

UNKNOWN = 0
# A file first met in a pass has an unknown length: one run of unknown lines longer than any
# file, so that a hunk anywhere in it finds its place.
_ENDLESS = 1 << 40

Runs = list[tuple[int, int]]


class Edit(NamedTuple):
    """Lines `start` … `start + removed` of the old file replaced by the runs `origins`/`counts`."""

    start: int
    removed: int
    origins: list[int]
    counts: list[int]


class FileLines:
    """The origins of one file's lines, in order, as runs."""

    __slots__ = ("counts", "origins")

    def __init__(self, origins: list[int], counts: list[int]) -> None:
        self.origins, self.counts = origins, counts

    @classmethod
    def empty(cls) -> FileLines:
        """A new file."""
        return cls([], [])

    @classmethod
    def unknown(cls) -> FileLines:
        """A file whose lines this pass never saw written."""
        return cls([UNKNOWN], [_ENDLESS])

    def runs(self) -> Runs:
        """Every run, top to bottom."""
        return list(zip(self.origins, self.counts, strict=True))

    def read(self, start: int, count: int) -> Runs:
        """The runs of lines `start` … `start + count`, unchanged (lines past the end: unknown)."""
        runs: Runs = []
        position = 0
        if not count:
            return runs
        for origin, length in zip(self.origins, self.counts, strict=True):
            low, high = max(start, position), min(start + count, position + length)
            if low < high:
                runs.append((origin, high - low))
            position += length
            if position >= start + count:
                return runs
        return [*runs, (UNKNOWN, start + count - max(start, position))]

    def apply(self, edits: Sequence[Edit]) -> list[Runs]:
        """Apply one file change's edits (in file order, not overlapping); the runs each removed.

        The edits are applied bottom up, so that the old line numbers of the edits above
        stay true, and the runs' ends summed once stay true for every run above the last
        edit applied.
        """
        if not edits:
            return []
        ends = list(accumulate(self.counts))
        total = ends[-1] if ends else 0
        beyond = max(edit.start + edit.removed for edit in edits) - total
        if beyond > 0:  # the pass lost track of this file's length: assume unknown lines
            self.origins.append(UNKNOWN)
            self.counts.append(beyond)
            ends.append(total + beyond)
        removed: list[Runs] = [[] for _ in edits]
        for index in range(len(edits) - 1, -1, -1):
            removed[index] = self._replace(ends, edits[index])
        return removed

    def _replace(self, ends: list[int], edit: Edit) -> Runs:
        origins, counts = self.origins, self.counts
        first = bisect_right(ends, edit.start)
        head = edit.start - (ends[first - 1] if first else 0)
        new_origins = [origins[first]] if head else []
        new_counts = [head] if head else []
        removed: Runs = []
        last, used, left = first, head, edit.removed
        while left:
            take = min(counts[last] - used, left)
            removed.append((origins[last], take))
            left -= take
            used += take
            if left:
                last, used = last + 1, 0
        new_origins += edit.origins
        new_counts += edit.counts
        stop = last
        if last < len(counts):
            stop = last + 1
            tail = counts[last] - used
            if tail:
                new_origins.append(origins[last])
                new_counts.append(tail)
        origins[first:stop] = new_origins
        counts[first:stop] = new_counts
        return removed


def runs_of(origins: Sequence[int]) -> tuple[list[int], list[int]]:
    """Per-line origins as runs (origins, counts)."""
    run_origins: list[int] = []
    run_counts: list[int] = []
    for origin in origins:
        if run_origins and run_origins[-1] == origin:
            run_counts[-1] += 1
        else:
            run_origins.append(origin)
            run_counts.append(1)
    return run_origins, run_counts


def per_line(runs: Runs) -> list[int]:
    """Runs as one origin per line."""
    return [origin for origin, count in runs for _ in range(count)]
