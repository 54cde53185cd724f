"""Commits summed per cell by their source: for sources that read their commits themselves.

A team report reads its members' exports with DuckDB, which sums each cell's commits far faster
than a pass over one fact per commit. The sums are those `Tally.add_commit` and `add_grade`
keep, summed in the same order (commit key order), so the numbers are bit for bit those of the
personal report; the maths on them (`stats`, `score`) is the report's own.

    read(reader, source)   the commits of a `SummedSource` into the reader's tallies
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from agent_git_tracker.ledger.digest import UsageCount
from agent_git_tracker.report.stats import Outcomes


@dataclass
class Summed:
    """The commits of one cell within the time bounds: how many, their first and last UTC
    time keys, lines changed (sum, and how many commits know it), lines and files changed as
    (value, how many commits), grades as (`digest.grade_kind` as a tuple, how many) in the
    order of their first commit, and the sums of their outcome measures and usage."""

    commits: int = 0
    first: str | None = None
    last: str | None = None
    lines: float = 0
    sized: int = 0
    sizes: list[tuple[float, int]] = field(default_factory=list)
    files: list[tuple[int, int]] = field(default_factory=list)
    grades: list[tuple[tuple[Any, ...], int]] = field(default_factory=list)
    outcomes: Outcomes = field(default_factory=Outcomes)
    usage: UsageCount = field(default_factory=UsageCount)


@runtime_checkable
class SummedSource(Protocol):
    """A source that reads and sums its commits itself (a team's exports, read by DuckDB).

    `fields`: each distinct combination of a commit's stored fields (kind, agent, model,
    setup, project, confidence, member), in the order of their first commit key. `summed`:
    given, per combination, the number of the cell it counts in (None: left out), each cell's
    `Summed` within the time bounds (UTC keys, either None). `located`: (commit key,
    combination, UTC time) of the commits that grades and bugs name. `scan` gives the other
    records decoded; under "retrospective:" only the grades no commit record carries."""

    def scan(self, prefix: str) -> Iterator[tuple[str, Any]]: ...
    def fields(self) -> list[tuple[Any, ...]]: ...
    def summed(
        self, cells: Sequence[int | None], since: str | None, until: str | None
    ) -> Iterator[tuple[int, Summed]]: ...
    def located(self) -> Iterator[tuple[str, int, str | None]]: ...


def read(reader: Any, source: SummedSource) -> None:
    """The source's commits into `reader`'s tallies (`reading.Reader`), and the commits that
    grades and bugs name into its index (None: left out by the filters)."""
    tallies = [reader.raw_tally(fields) for fields in source.fields()]
    numbers: dict[int, int] = {}
    targets: list[Any] = []
    cells: list[int | None] = []
    for tally in tallies:
        if tally is None:
            cells.append(None)
            continue
        number = numbers.setdefault(id(tally), len(targets))
        if number == len(targets):
            targets.append(tally)
        cells.append(number)
    for number, summed in source.summed(cells, reader.since, reader.until):
        targets[number].add_summed(summed)
    for key, combination, stamp in source.located():
        tally = tallies[combination]
        reader.index[key] = tally if tally is not None and reader.in_time(stamp) else None
        reader.stamps[key] = stamp  # its grades count in its week
