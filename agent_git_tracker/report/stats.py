"""The report's numbers from plain facts: outcome measures, grades and bugs, with intervals.

Pure: no I/O, no clock, no unseeded randomness. With `score` it is the one implementation of
the report's maths: the personal report feeds it from the database's digests (`reading`), a
team report feeds it from its members' exported records (rows read by DuckDB), and both get
the same numbers from the same facts.

Interface
---------
Per commit, `Outcomes.add(outcome)` with the outcome measures as the digest keeps them
(`ledger.digest.outcome_kind`: `[survival_14d, survival_30d, reverted_30d, fixed_30d, bulk]`,
shares or None while pending, 1/0/None, 1/0; or None when never measured). One `Outcomes` per
(row, repository) pair: `merge` adds two together, so sums per finer group roll up. The fields
are plain counts and sums, so a caller may also fill them from sums it computed itself, as long
as each commit's score came from `commit_score`.

Per row, `Judgement.of_counts(commits, user_counts, agent_counts, bugs)`: the user's and the
agent's own grades of the row's graded commits (counts per label, `GRADE_POINTS`), and the bugs
reported against its commits.

Then `score.fit(cells, judgements, within_repositories=True)` gives each row its score and 90 %
interval, and `score.choose(fit, candidates)` the probability that each candidate row is the
best; `measures(outcomes)` gives a row's four measures with their intervals, `median(values)`
its median lines and files per commit. `facts.rank(facts)` does all of it in one call from a
list of per-commit `facts.Fact`s (row, repository, outcome, lines, files, grades, bugs).

The rules
---------
A commit's outcome score, in [0, 1], once its 30-day window is decided (both `reverted_30d` and
`fixed_30d` known) and it is not bulk::

    0.50 × survival  +  0.25 × (not reverted)  +  0.25 × (not fixed)

`survival` is `survival_30d`, else `survival_14d`; a commit with neither (it added no counted
lines) is scored on the other two, their weights scaled to sum to 1. Younger commits are pending:
never counted, as good or bad. Bulk commits (`bulk`: huge) are counted apart, never scored.

Measures: `value` is the mean share (survival) or the share of measured commits (reverted,
fixed); `low`, `high` a 90 % Wilson interval. A survival share varies less than a yes-or-no of
the same mean, so treating it as one gives an interval at least as wide as it needs to be. A
measure is pending for a commit measured too young to know it; commits never measured (history
not scanned) are neither measured nor pending.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from statistics import NormalDist
from typing import Any

WEIGHT_SURVIVAL = 0.5
WEIGHT_NOT_REVERTED = 0.25
WEIGHT_NOT_FIXED = 0.25


INTERVAL = 0.90


Z = NormalDist().inv_cdf(0.5 + INTERVAL / 2)  # 1.645: a two-sided 90 % interval


# A grade as evidence about a commit, from bad to excellent: neutral says nothing either way.
GRADE_POINTS = {"bad": -1.0, "neutral": 0.0, "good": 0.5, "excellence": 1.0}


@dataclass(slots=True)
class Outcomes:
    """Sums over the outcome measures of some commits: one per (row, repository) pair."""

    commits: int = 0
    unmeasured: int = 0  # never measured (their history was not scanned)
    bulk: int = 0  # measured, huge: counted apart, never scored
    pending: int = 0  # measured, but their 30-day window is not decided yet
    scored: int = 0
    score_sum: float = 0.0
    score_squares: float = 0.0
    s14_measured: int = 0
    s14_sum: float = 0.0
    s14_pending: int = 0
    s30_measured: int = 0
    s30_sum: float = 0.0
    s30_pending: int = 0
    reverted_measured: int = 0
    reverted: int = 0
    reverted_pending: int = 0
    fixed_measured: int = 0
    fixed: int = 0
    fixed_pending: int = 0

    def add(self, outcome: Sequence[Any] | None) -> None:
        """One commit's measures (`digest.outcome_kind`), or None when never measured."""
        self.add_all((outcome,))

    def add_all(self, outcomes: Iterable[Sequence[Any] | None]) -> None:
        """Many commits' measures: the report's hottest loop, so sums are kept in locals."""
        commits = unmeasured = bulks = pending = scored = 0
        score_sum = score_squares = 0.0
        s14_n = s14_pending = s30_n = s30_pending = 0
        s14_sum = s30_sum = 0.0
        rev_n = rev = rev_pending = fix_n = fix = fix_pending = 0
        for outcome in outcomes:
            commits += 1
            if outcome is None:
                unmeasured += 1
                continue
            try:
                s14, s30, reverted, fixed, bulk = outcome
            except ValueError:  # a longer list, from a later digest format
                s14, s30, reverted, fixed, bulk = outcome[:5]
            if bulk:
                bulks += 1
                continue
            rev_known, fix_known = reverted is not None, fixed is not None
            decided = rev_known and fix_known
            if s14 is not None:
                s14_n += 1
                s14_sum += s14
            elif not decided:
                s14_pending += 1
            if s30 is not None:
                s30_n += 1
                s30_sum += s30
            elif not decided:
                s30_pending += 1
            rev_n += rev_known
            rev += reverted or 0
            rev_pending += not rev_known
            fix_n += fix_known
            fix += fixed or 0
            fix_pending += not fix_known
            if not decided:
                pending += 1
                continue
            score = _score(s30 if s30 is not None else s14, reverted, fixed)
            scored += 1
            score_sum += score
            score_squares += score * score
        self.merge(
            Outcomes(
                commits, unmeasured, bulks, pending, scored, score_sum, score_squares,
                s14_n, s14_sum, s14_pending, s30_n, s30_sum, s30_pending,
                rev_n, rev, rev_pending, fix_n, fix, fix_pending,
            )
        )  # fmt: skip

    def merge(self, other: Outcomes) -> None:
        """Add another's sums to these."""
        for field in _FIELDS:
            setattr(self, field, getattr(self, field) + getattr(other, field))


_FIELDS = tuple(f.name for f in fields(Outcomes))


def commit_score(outcome: Sequence[Any] | None) -> float | None:
    """One commit's outcome score in [0, 1]; None while pending, for bulk commits, and for
    commits never measured."""
    if outcome is None:
        return None
    s14, s30, reverted, fixed, bulk = outcome[:5]
    if bulk or reverted is None or fixed is None:
        return None
    return _score(s30 if s30 is not None else s14, reverted, fixed)


def _score(survival: float | None, reverted: int, fixed: int) -> float:
    kept = WEIGHT_NOT_REVERTED * (1 - reverted) + WEIGHT_NOT_FIXED * (1 - fixed)
    if survival is None:
        return kept / (WEIGHT_NOT_REVERTED + WEIGHT_NOT_FIXED)
    return WEIGHT_SURVIVAL * survival + kept


@dataclass(frozen=True)
class Judgement:
    """A row's grades and bugs: sums of `GRADE_POINTS` over its graded commits."""

    commits: int = 0
    graded: int = 0
    user_sum: float = 0.0
    user_squares: float = 0.0
    agent_graded: int = 0
    agent_sum: float = 0.0
    agent_squares: float = 0.0
    bugs: int = 0

    @classmethod
    def of_counts(
        cls,
        commits: int,
        user_counts: Mapping[str, int],
        agent_counts: Mapping[str, int],
        bugs: int,
    ) -> Judgement:
        """From counts of grades per label (bad, neutral, good, excellence)."""
        user = _sums(user_counts)
        agent = _sums(agent_counts)
        return cls(commits, user[0], user[1], user[2], agent[0], agent[1], agent[2], bugs)


def _sums(counts: Mapping[str, int]) -> tuple[int, float, float]:
    pairs = [(n, GRADE_POINTS[label]) for label, n in counts.items() if label in GRADE_POINTS]
    return (
        sum(n for n, _ in pairs),
        sum(n * p for n, p in pairs),
        sum(n * p * p for n, p in pairs),
    )


@dataclass(frozen=True)
class Share:
    """A survival measure: the mean share of added lines still the commit's own."""

    value: float | None
    low: float | None
    high: float | None
    measured: int
    pending: int


@dataclass(frozen=True)
class Rate:
    """A yes-or-no measure: how many measured commits were reverted (or fixed), and the share."""

    count: int
    rate: float | None
    low: float | None
    high: float | None
    measured: int
    pending: int


@dataclass(frozen=True)
class Measures:
    """A row's four outcome measures, and its commits never measured or too big to score."""

    survival_14d: Share
    survival_30d: Share
    reverted_30d: Rate
    fixed_30d: Rate
    bulk: int
    unmeasured: int


def measures(o: Outcomes) -> Measures:
    """The four measures of a row, each with its 90 % interval and counts."""
    return Measures(
        survival_14d=_share(o.s14_sum, o.s14_measured, o.s14_pending),
        survival_30d=_share(o.s30_sum, o.s30_measured, o.s30_pending),
        reverted_30d=_rate(o.reverted, o.reverted_measured, o.reverted_pending),
        fixed_30d=_rate(o.fixed, o.fixed_measured, o.fixed_pending),
        bulk=o.bulk,
        unmeasured=o.unmeasured,
    )


def _share(total: float, measured: int, pending: int) -> Share:
    if not measured:
        return Share(None, None, None, 0, pending)
    value = total / measured
    low, high = wilson(value, measured)
    return Share(value, low, high, measured, pending)


def _rate(count: int, measured: int, pending: int) -> Rate:
    if not measured:
        return Rate(count, None, None, None, 0, pending)
    value = count / measured
    low, high = wilson(value, measured)
    return Rate(count, value, low, high, measured, pending)


def wilson(share: float, n: int, z: float = Z) -> tuple[float, float]:
    """The Wilson score interval of a share observed over `n` trials (closed form)."""
    z2 = z * z
    centre = (share + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(share * (1 - share) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def median(values: Iterable[float]) -> float | None:
    """The median, None for no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2
