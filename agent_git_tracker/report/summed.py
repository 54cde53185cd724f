"""Commits summed per cell by their source: for sources that read their commits themselves.

A team report reads its members' exports with DuckDB, which sums each cell's commits (`Summed`)
far faster than a pass over one digest per commit; `reading.Reader` turns them into the same
tallies, with the same sums in the same order, so the numbers are those of the personal report.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class Summed:
    """The commits of one cell, summed by a source that reads its commits itself (a team's
    exports, read by DuckDB: `reading.SummedSource`), for `Tally.add_summed`.

    `fields`: the cell's fields as stored (kind, agent, model, setup, project, confidence);
    `commits`: how many the time filters keep; `first`, `last`: their first and last UTC time
    keys; `sizes`, `files`, `outcomes`: lines changed, files changed (where known) and outcome
    measures (`digest.outcome_kind`, None: never measured) per commit, in commit key order, as
    the digests give them; `grades`: (grade as `digest.grade_kind` gives it, how many)."""

    fields: tuple[Any, ...]
    commits: int = 0
    first: str | None = None
    last: str | None = None
    sizes: list[float] = field(default_factory=list)
    files: list[int] = field(default_factory=list)
    outcomes: list[Any] = field(default_factory=list)
    grades: list[tuple[tuple[Any, ...], int]] = field(default_factory=list)


@runtime_checkable
class SummedSource(Protocol):
    """A source that reads and sums its commits itself (a team's exports, read by DuckDB), and
    gives its other records decoded (`scan`). `summed` gives each cell's commits within the
    time bounds (UTC keys, either None), cells in the order of their first commit key;
    `located` gives (commit key, stored fields, UTC time) of the commits that grades and bugs
    name, for them to find their cell; `scan("retrospective:")` gives only the grades that no
    commit record carries."""

    def scan(self, prefix: str) -> Iterator[tuple[str, Any]]: ...
    def summed(self, since: str | None, until: str | None) -> Iterator[Summed]: ...
    def located(self) -> Iterator[tuple[str, tuple[Any, ...], str | None]]: ...
