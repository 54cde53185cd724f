"""A commit's digest: the few facts the report needs, kept beside each commit record.

The report reads one small digest per commit instead of the whole commit record (and its
retrospective): over 100,000 commits that halves what it decodes. Digests are derived data:
written with every commit record, never exported, and a report that finds them incomplete reads
the commit records instead.

`usage_totals` adds up a row's commits for the report's columns from the agents' logs:
tokens and cost per commit, and cost per commit that survived 30 days.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from agent_git_tracker.attribution.modelnames import canonical_model
from agent_git_tracker.models import GRADE_LABELS, Rules
from agent_git_tracker.times import utc_key

_DEFAULT_RULES = Rules()

# What a commit record keeps of its grade (the retrospective has it all).
GRADE_SUMMARY = ("agent_grade", "user_grade", "score_before", "score_after", "timestamp")
# The digest, a list:
#  0 kind (`agent`, `human`, `bot`)   1 agent id   2 model, canonical (`claude-opus-4.5`)
#  3 setup label   4 commit time as a UTC key   5 lines changed or None
#  6 the grade as `grade_kind` gives it, or None   7 files changed or None
#  8 the outcome measures as `outcome_kind` gives them, or None (not measured yet)
#  9 confidence of the attribution (`high`, or `medium` for subject-only hints)
# 10 the tokens and cost from the agent's own log as `usage_kind` gives them: a list when the
#    commit was joined to a session, [] when the logs were searched and none joined, None when
#    not searched yet
# Digests written by earlier versions end after 6 (or 9); readers take what is missing as None.
FIELDS = ("kind", "agent_id")
OUTCOMES = ("survival_14d", "survival_30d", "reverted_30d", "fixed_30d", "bulk")


def of(record: Mapping[str, Any]) -> list[Any]:
    """The digest of one commit record."""
    try:
        lines = record["insertions"] + record["deletions"]
    except (KeyError, TypeError):
        lines = None  # older records have no line counts
    stamp = utc_key(record.get("timestamp"))
    grade = record.get("grade")
    model = record.get("model_canonical") or canonical_model(record.get("model"))
    return [
        *(record.get(f) for f in FIELDS),
        model,
        record.get("setup"),
        stamp,
        lines,
        grade_kind(grade) if grade else None,
        record.get("files_changed"),
        outcome_kind(record.get("outcomes")),
        record.get("confidence") or "high",
        usage_kind(record["usage"]) if "usage" in record else None,
    ]


def outcome_kind(outcomes: Any) -> list[Any] | None:
    """A commit's outcome measures as the report counts them: [survival at 14 days, at 30
    days (shares, None while pending), reverted within 30 days, fixed within 30 days (1, 0,
    or None while pending), bulk (1: shown, never scored)]; None when never measured."""
    if not isinstance(outcomes, Mapping):
        return None
    return [
        outcomes.get("survival_14d"),
        outcomes.get("survival_30d"),
        _flag(outcomes.get("reverted_30d")),
        _flag(outcomes.get("fixed_30d")),
        1 if outcomes.get("bulk") else 0,
    ]


# What `usage_kind` lists, after how the commit was joined to its session.
TOKEN_KINDS = ("input", "cached_input", "cache_write", "output", "reasoning")


def usage_kind(usage: Any) -> list[Any]:
    """A commit's usage from the agents' logs (the record's `usage`) as the report counts it:
    [how joined, input, cached input, cache write, output (reasoning in it), reasoning tokens,
    cost in USD or None when a model has no price]; [] when no session joined (None)."""
    if not isinstance(usage, Mapping):
        return []
    tokens = usage.get("tokens") or {}
    return [usage.get("joined_by"), *(tokens.get(k, 0) for k in TOKEN_KINDS), usage.get("cost")]


def _flag(value: Any) -> int | None:
    return None if value is None else int(bool(value))


def grade_kind(grade: Mapping[str, Any]) -> list[Any] | None:
    """A grade (a retrospective, or a commit record's summary of it) as the report counts it:
    [week graded, agent grade, user grade, CS change]; None when it says too little."""
    try:
        change = grade["score_after"] - grade["score_before"]
    except (KeyError, TypeError):
        change = _grade_points(grade)
        if change is None:
            return None
    stamp = grade.get("timestamp")
    week = None
    if isinstance(stamp, str):
        # Grade times are in UTC (the ledger writes them so): the day finds the week.
        week = week_of(stamp[:10] if stamp.endswith(("+00:00", "Z")) else stamp)
    return [week, grade.get("agent_grade"), grade.get("user_grade"), change]


@functools.lru_cache(maxsize=4096)
def week_of(stamp: str) -> str | None:
    """The Monday (UTC) starting the week of an ISO 8601 time; None for a bad one."""
    key = utc_key(stamp)
    if key is None:
        return None
    day = date.fromisoformat(key[:10])
    return (day - timedelta(days=day.weekday())).isoformat()


def _grade_points(record: Mapping[str, Any]) -> float | None:
    """The CS change of a retrospective without scores, from its two grades."""
    agent_grade, user_grade = record.get("agent_grade"), record.get("user_grade")
    if agent_grade in GRADE_LABELS and user_grade in GRADE_LABELS:
        return _DEFAULT_RULES.points(agent_grade) + _DEFAULT_RULES.points(user_grade)
    return None


@dataclass(frozen=True, slots=True)
class UsageTotals:
    """The agents' logs over a row's commits (`usage_totals`): counts, tokens and USD.

    `commits`: the row's commits. `joined`: those joined to a session of the agent's log,
    whose `tokens` (by kind, `TOKEN_KINDS`) are summed in `tokens`. `priced`: joined commits
    whose cost is known (every model priced), their USD summed in `cost`. `settled`: priced
    commits whose 30-day outcome is known (the window closed), their USD in `settled_cost`;
    `surviving`: settled commits that survived 30 days (not reverted within 30 days and, when
    they added counted lines, some still present). A commit without a digest entry from the
    logs (not joined, or not searched yet) counts in `commits` only.
    """

    commits: int = 0
    joined: int = 0
    tokens: tuple[int, int, int, int, int] = (0, 0, 0, 0, 0)
    priced: int = 0
    cost: float = 0.0
    settled: int = 0
    settled_cost: float = 0.0
    surviving: int = 0

    @property
    def total_tokens(self) -> int:
        """Every token billed (reasoning is inside output)."""
        return sum(self.tokens[:4])

    @property
    def tokens_per_commit(self) -> float | None:
        """Tokens per joined commit; None when no commit was joined."""
        return self.total_tokens / self.joined if self.joined else None

    @property
    def cost_per_commit(self) -> float | None:
        """USD per priced commit; None when no commit has a known cost."""
        return self.cost / self.priced if self.priced else None

    @property
    def cost_per_surviving_commit(self) -> float | None:
        """USD of the settled commits per commit that survived 30 days: what one lasting
        commit cost. None when no settled commit survived."""
        return self.settled_cost / self.surviving if self.surviving else None


def usage_totals(digests: Iterable[Sequence[Any]]) -> UsageTotals:
    """Add up the usage (index 10) and outcomes (index 8) of a row's commit digests."""
    count = UsageCount()
    for fact in digests:
        count.add(fact[10] if len(fact) > 10 else None, fact[8] if len(fact) > 8 else None)
    return count.totals()


class UsageCount:
    """`UsageTotals` added up one commit at a time (a report's cell), and merged."""

    __slots__ = (
        "commits",
        "cost",
        "joined",
        "priced",
        "settled",
        "settled_cost",
        "surviving",
        "tokens",
    )

    def __init__(self) -> None:
        self.commits = self.joined = self.priced = self.settled = self.surviving = 0
        self.tokens = [0, 0, 0, 0, 0]
        self.cost = self.settled_cost = 0.0

    def add(self, usage: Any, outcome: Any) -> None:
        """One commit: its digest's usage (index 10) and outcome measures (index 8)."""
        if not usage:
            self.add_counted(1, None)
            return
        cost = usage[6]
        self.add_counted(1, usage[1:6], cost, None if cost is None else survived_30d(outcome))

    def add_counted(
        self,
        commits: int,
        tokens: Sequence[Any] | None,
        cost: float | None = None,
        fate: bool | None = None,
    ) -> None:
        """`commits` commits alike: not joined (`tokens` None), or joined with these tokens
        summed; their cost summed (None: not priced), and whether they survived 30 days
        (`survived_30d`, None while pending)."""
        self.commits += commits
        if tokens is None:
            return
        self.joined += commits
        for index in range(5):
            self.tokens[index] += tokens[index] or 0
        if cost is None:
            return
        self.priced += commits
        self.cost += cost
        if fate is not None:
            self.settled += commits
            self.settled_cost += cost
            self.surviving += commits * fate

    def merge(self, other: UsageCount) -> None:
        self.commits += other.commits
        if not other.joined:
            return
        self.joined += other.joined
        self.priced += other.priced
        self.settled += other.settled
        self.surviving += other.surviving
        self.cost += other.cost
        self.settled_cost += other.settled_cost
        self.tokens = [a + b for a, b in zip(self.tokens, other.tokens, strict=True)]

    def totals(self) -> UsageTotals:
        t = self.tokens
        return UsageTotals(
            self.commits, self.joined, (t[0], t[1], t[2], t[3], t[4]), self.priced, self.cost,
            self.settled, self.settled_cost, self.surviving,
        )  # fmt: skip


def survived_30d(outcome: Any) -> bool | None:
    """Whether a commit survived 30 days, from its `outcome_kind`; None while pending."""
    if not isinstance(outcome, Sequence) or len(outcome) < 3 or outcome[2] is None:
        return None
    share = outcome[1]
    return not outcome[2] and (share is None or share > 0)
