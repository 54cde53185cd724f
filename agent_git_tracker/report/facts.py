"""The ranking from plain per-commit facts, in one call: for readers other than the database's.

A team report reads its members' exported records with DuckDB; it turns each commit into a
`Fact` and calls `rank`, and gets the same numbers as the personal report, from the same
formulas (`stats`, `score`). Pure, like them.

    rank(facts: Iterable[Fact], candidates: Callable[[key], bool] | None = None,
         *, within_repositories: bool = True) -> Ranked

`Fact.row` is whatever the caller groups rows by (a setup's (agent, canonical model, setup,
confidence), an agent…); `candidates` says which rows may be recommended (default: all);
`Ranked` holds each row's `Estimate`, `Measures` and median lines and files, the keys in rank
order (by score), and the `Choice`: the probability that each candidate is best, whether the
leader is separated, the leading group and what would separate it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from agent_git_tracker.report import score
from agent_git_tracker.report.stats import Judgement, Measures, Outcomes, measures, median


@dataclass(frozen=True)
class Fact:
    """One commit: its row, repository and outcome measures (`digest.outcome_kind`), size,
    the grades it got (labels: bad, neutral, good, excellence) and the bugs reported on it."""

    row: Hashable
    repository: str
    outcome: Sequence[Any] | None = None
    lines: float | None = None
    files: int | None = None
    user_grade: str | None = None
    agent_grade: str | None = None
    bugs: int = 0


@dataclass(frozen=True)
class Summary:
    """One row: its score and interval, its four measures, and its median size."""

    estimate: score.Estimate
    measures: Measures
    median_lines: float | None
    median_files: float | None


@dataclass(frozen=True)
class Ranked:
    """Every row's summary, the keys by score (best first), and which candidate is best."""

    rows: dict[Hashable, Summary]
    order: tuple[Hashable, ...]
    choice: score.Choice[Hashable]


@dataclass
class _Row:
    outcomes: Outcomes = field(default_factory=Outcomes)
    lines: list[float] = field(default_factory=list)
    files: list[int] = field(default_factory=list)
    user: dict[str, int] = field(default_factory=dict)
    agent: dict[str, int] = field(default_factory=dict)
    commits: int = 0
    bugs: int = 0


def rank(
    facts: Iterable[Fact],
    candidates: Callable[[Hashable], bool] | None = None,
    *,
    within_repositories: bool = True,
) -> Ranked:
    """Rows scored and ranked from per-commit facts, with the probability of being best."""
    rows: dict[Hashable, _Row] = {}
    cells: dict[tuple[Hashable, str], Outcomes] = {}
    for fact in facts:
        row = rows.setdefault(fact.row, _Row())
        row.commits += 1
        row.bugs += fact.bugs
        row.outcomes.add(fact.outcome)
        cells.setdefault((fact.row, fact.repository), Outcomes()).add(fact.outcome)
        if fact.lines is not None:
            row.lines.append(fact.lines)
        if fact.files is not None:
            row.files.append(fact.files)
        for grades, given in ((row.user, fact.user_grade), (row.agent, fact.agent_grade)):
            if given is not None:
                grades[given] = grades.get(given, 0) + 1
    judgements = {
        key: Judgement.of_counts(row.commits, row.user, row.agent, row.bugs)
        for key, row in rows.items()
    }
    fitted = score.fit(cells, judgements, within_repositories=within_repositories)
    order = tuple(sorted(rows, key=lambda key: -fitted.estimates[key].score))
    chosen = [key for key in order if candidates is None or candidates(key)]
    summaries = {
        key: Summary(
            fitted.estimates[key], measures(row.outcomes), median(row.lines), median(row.files)
        )
        for key, row in rows.items()
    }
    return Ranked(summaries, order, score.choose(fitted, chosen))
