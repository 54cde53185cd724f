"""Commits summed per cell by their source: for sources that read their commits themselves.

A team report reads its members' exports with DuckDB, which sums each cell's commits far faster
than a pass over one fact per commit. The sums are those `Tally.add_commit` and `add_grade`
keep (added in another order, so equal up to the rounding of the last bits); the rules and the
maths on them (`stats`, `score`, `tally.grade_slot`) are the report's own.

    read(reader, source)   the commits of a `SummedSource` into the reader's tallies
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from agent_git_tracker.ledger.digest import UsageCount
from agent_git_tracker.report.stats import Outcomes


@dataclass
class Summed:
    """The commits of one cell within the time bounds: how many, their first and last UTC
    time keys, lines changed (sum, and how many commits know it), lines and files changed per
    commit where known, grades as ((agent grade, user grade, CS change), how many) and per
    week ([how many, sum of CS changes], `tally.grade_slot`), and the sums of their outcome
    measures and usage."""

    commits: int = 0
    first: str | None = None
    last: str | None = None
    lines: float = 0
    sized: int = 0
    sizes: list[float] = field(default_factory=list)
    files: list[int] = field(default_factory=list)
    kinds: list[tuple[tuple[Any, Any, float], int]] = field(default_factory=list)
    weeks: dict[str, list[float]] = field(default_factory=dict)
    outcomes: Outcomes = field(default_factory=Outcomes)
    usage: UsageCount = field(default_factory=UsageCount)


@runtime_checkable
class SummedSource(Protocol):
    """A source that reads and sums its commits itself (a team's exports, read by DuckDB).

    `fields`: each distinct combination of a commit's stored fields (kind, agent, model,
    setup, project, confidence, member), in the order of their first commit key. `summed`:
    each combination's `Summed` within the time bounds (UTC keys, either None). `located`:
    (commit key, stored fields, UTC time) of the commits that grades and bugs name. `scan`
    gives the other records decoded; under "retrospective:" only the grades no commit record
    carries."""

    def scan(self, prefix: str) -> Iterator[tuple[str, Any]]: ...
    def fields(self) -> list[tuple[Any, ...]]: ...
    def summed(
        self, since: str | None, until: str | None
    ) -> Iterator[tuple[tuple[Any, ...], Summed]]: ...
    def located(self) -> Iterator[tuple[str, tuple[Any, ...], str | None]]: ...


def read(reader: Any, source: SummedSource) -> None:
    """The source's commits into `reader`'s tallies (`reading.Reader`), made in the order of
    their first commit as the report's own pass makes them; and the commits that grades and
    bugs name into its index (None: left out by the filters)."""
    for fields in source.fields():
        reader.raw_tally(fields)
    for fields, summed in source.summed(reader.since, reader.until):
        tally = reader.raw_tally(fields)
        if tally is not None:
            tally.add_summed(summed)
    for key, fields, stamp in source.located():
        tally = reader.raw_tally(fields)
        reader.index[key] = tally if tally is not None and reader.in_time(stamp) else None
        reader.stamps[key] = stamp  # its grades count in its week
