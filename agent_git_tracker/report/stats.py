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
(row, repository) pair: `merge` adds two together, so sums per finer group roll up. A source
that sums its commits itself (a team's exports, summed by DuckDB) gives, per group of commits
that share what is known of them (`Known`), their count and the sums of their shares:
`Outcomes.add_known` applies the rules to them, as it does for the commits `add_all` gathers.

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


# What is known of a measured commit: whether its 14-day and 30-day survival shares are known,
# reverted_30d and fixed_30d (1, 0 or None while pending), and whether it is bulk.
Known = tuple[bool, bool, Any, Any, bool]


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
        """Many commits' measures: the report's hottest loop. Commits are gathered by what is
        known of them (`Known`) with the sums of their survival shares, then counted by
        `add_known`, the one place the rules are applied."""
        groups: dict[Known, list[float]] = {}
        unmeasured = 0
        for outcome in outcomes:
            if outcome is None:
                unmeasured += 1
                continue
            try:
                s14, s30, reverted, fixed, bulk = outcome
            except ValueError:  # a longer list, from a later digest format
                s14, s30, reverted, fixed, bulk = outcome[:5]
            known = (s14 is not None, s30 is not None, reverted, fixed, bool(bulk))
            sums = groups.get(known)
            if sums is None:
                sums = groups[known] = [0, 0.0, 0.0, 0.0]
            sums[0] += 1
            if s14 is not None:
                sums[1] += s14
            survival = s30 if s30 is not None else s14
            if survival is not None:
                sums[2] += survival
                sums[3] += survival * survival
        if unmeasured:
            self.add_known(None, unmeasured)
        for known, (count, s14_sum, survival_sum, squares) in groups.items():
            self.add_known(known, int(count), s14_sum, survival_sum, squares)

    def add_known(
        self,
        known: Known | None,
        count: int,
        s14_sum: float = 0.0,
        survival_sum: float = 0.0,
        squares: float = 0.0,
    ) -> None:
        """`count` commits that share what is known of them (None: never measured), with the
        sums of their 14-day shares, of their survival (the 30-day share, else the 14-day one)
        and of its squares. A commit's score is affine in its survival (`_score`), so the sum
        of the scores and of their squares follow from these sums exactly."""
        self.commits += count
        if known is None:
            self.unmeasured += count
            return
        s14_known, s30_known, reverted, fixed, bulk = known
        if bulk:
            self.bulk += count
            return
        decided = reverted is not None and fixed is not None
        if s14_known:
            self.s14_measured += count
            self.s14_sum += s14_sum
        elif not decided:
            self.s14_pending += count
        if s30_known:
            self.s30_measured += count
            self.s30_sum += survival_sum
        elif not decided:
            self.s30_pending += count
        for measure, name in ((reverted, "reverted"), (fixed, "fixed")):
            if measure is None:
                setattr(self, f"{name}_pending", getattr(self, f"{name}_pending") + count)
            else:
                setattr(self, f"{name}_measured", getattr(self, f"{name}_measured") + count)
                setattr(self, name, getattr(self, name) + count * measure)
        if not decided:
            self.pending += count
            return
        self.scored += count
        if not (s14_known or s30_known):
            base = _score(None, reverted, fixed)
            self.score_sum += count * base
            self.score_squares += count * base * base
            return
        base = _score(0.0, reverted, fixed)
        slope = _score(1.0, reverted, fixed) - base
        self.score_sum += count * base + slope * survival_sum
        self.score_squares += count * base * base + 2 * base * slope * survival_sum
        self.score_squares += slope * slope * squares

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
