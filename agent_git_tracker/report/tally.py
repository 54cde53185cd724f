"""Sums over the commits, grades, bugs and outcomes of one cell (kind, agent, model, setup,
project, confidence)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agent_git_tracker.ledger.digest import UsageCount, week_of
from agent_git_tracker.models import GRADE_LABELS
from agent_git_tracker.report.model import GRADES
from agent_git_tracker.report.stats import Outcomes
from agent_git_tracker.report.summed import Summed

_GRADE_SLOT = {value: GRADES.index(label) for value, label in GRADE_LABELS.items()}


_NUMBERS = (int, float)


def number(value: Any) -> float | None:
    return value if isinstance(value, _NUMBERS) and not isinstance(value, bool) else None


# (kind, agent, model, setup, project, confidence, member: a team report's, by member, else None)
Cell = tuple[str, str, str | None, str | None, str, str, str | None]


def grade_slot(
    kind: Sequence[Any], committed: str | None
) -> tuple[str | None, tuple[Any, Any, float]]:
    """Where a grade (`digest.grade_kind`) counts: the week of its commit (`committed`, a UTC
    key) when known, else the week it was graded; and (agent grade, user grade, CS change)."""
    week = week_of(committed[:10]) if committed else kind[0]
    return week, (kind[1], kind[2], kind[3])


class Tally:
    """Sums over commits, grades, bugs and outcomes: one per cell (kind, agent, model, setup,
    project, confidence), merged into one per row."""

    __slots__ = (
        "agent_counts",
        "bugs",
        "cell",
        "commits",
        "cs",
        "files",
        "graded",
        "kinds",
        "lines",
        "measures",
        "outcomes",
        "owner",
        "projects",
        "sized",
        "sizes",
        "stamps",
        "usage",
        "user_counts",
        "weeks",
    )

    def __init__(self, cell: Cell | None = None) -> None:
        self.cell = cell
        # The agent whose commits these are; None for human and bot commits.
        self.owner = cell[1] if cell is not None and cell[0] == "agent" else None
        self.commits = self.sized = self.graded = self.bugs = 0
        self.lines: float = 0
        self.cs: float = 0
        self.user_counts = [0, 0, 0, 0]
        self.agent_counts = [0, 0, 0, 0]
        self.weeks: dict[str, list[float]] = {}  # week → [grades, sum of their CS changes]
        # Grades counted by (agent grade, user grade, CS change), summed up in `settle`.
        self.kinds: dict[tuple[Any, Any, float], int] = {}
        self.projects: set[str] = set() if cell is None else {cell[4]}
        self.stamps: list[str] = []  # commit times as UTC keys (`digest.utc_key`)
        self.sizes: list[float] = []  # lines changed per commit, where known
        self.files: list[int] = []  # files changed per commit, where known
        self.outcomes = Outcomes()
        self.measures: list[Any] = []  # outcome measures per commit, summed in `settle`
        self.usage = UsageCount()  # tokens and cost from the agents' logs

    def add_commit(
        self,
        stamp: str | None,
        lines: Any,
        files: Any = None,
        outcome: Any = None,
        usage: Any = None,
    ) -> None:
        """One commit: its UTC time key, lines and files changed, outcome measures
        (`digest.outcome_kind`) and usage (`digest.usage_kind`), each None where older records
        lack it."""
        self.commits += 1
        self.usage.add(usage, outcome)
        if stamp:
            self.stamps.append(stamp)
        if isinstance(lines, int | float):  # older records have no line counts
            self.lines += lines
            self.sized += 1
            self.sizes.append(lines)
        if type(files) is int:
            self.files.append(files)
        self.measures.append(outcome)

    def add_summed(self, summed: Summed) -> None:
        """Many commits at once, with the sums `add_commit` and `add_grade` would reach one by
        one. Only the first and last times are kept: all that `seen` needs."""
        self.commits += summed.commits
        self.stamps += [stamp for stamp in (summed.first, summed.last) if stamp]
        self.lines += summed.lines
        self.sized += summed.sized
        self.sizes += summed.sizes
        self.files += summed.files
        for kind, count in summed.kinds:
            self.kinds[kind] = self.kinds.get(kind, 0) + count
        self._add_weeks(summed.weeks)
        self.outcomes.merge(summed.outcomes)
        self.usage.merge(summed.usage)

    def add_grade(self, kind: Sequence[Any] | None, committed: str | None = None) -> None:
        """One graded commit, as `digest.grade_kind` describes it; summed up in `settle`. The
        timeline counts it in the week of its commit (`committed`, a UTC key) when known,
        else in the week it was graded."""
        if kind:
            week, counted = grade_slot(kind, committed)
            self.kinds[counted] = self.kinds.get(counted, 0) + 1
            if week is not None:
                bucket = self.weeks.setdefault(week, [0, 0])
                bucket[0] += 1
                bucket[1] += counted[2]

    def settle(self) -> None:
        """Sum the grades counted by `add_grade`: (agent grade, user grade, CS change) → how
        many; and the outcome measures of the commits."""
        self.outcomes.add_all(self.measures)
        self.measures.clear()
        for (agent_grade, user_grade, change), count in self.kinds.items():
            self.graded += count
            self.cs += change * count
            if user_grade in _GRADE_SLOT:
                self.user_counts[_GRADE_SLOT[user_grade]] += count
            if agent_grade in _GRADE_SLOT:
                self.agent_counts[_GRADE_SLOT[agent_grade]] += count
        self.kinds.clear()

    def _add_weeks(self, weeks: dict[str, list[float]]) -> None:
        for week, (graded, change) in weeks.items():
            bucket = self.weeks.setdefault(week, [0, 0])
            bucket[0] += graded
            bucket[1] += change

    def seen(self) -> tuple[str | None, str | None]:
        """The first and last commit time, as UTC keys."""
        return min(self.stamps, default=None), max(self.stamps, default=None)

    def merge(self, other: Tally) -> None:
        self.commits += other.commits
        self.sized += other.sized
        self.lines += other.lines
        self.graded += other.graded
        self.cs += other.cs
        self.bugs += other.bugs
        self.projects |= other.projects
        for mine, theirs in (
            (self.user_counts, other.user_counts),
            (self.agent_counts, other.agent_counts),
        ):
            for slot, count in enumerate(theirs):
                mine[slot] += count
        self._add_weeks(other.weeks)
        self.stamps += other.stamps
        self.sizes += other.sizes
        self.files += other.files
        self.outcomes.merge(other.outcomes)
        self.usage.merge(other.usage)
