"""A commit's digest: the few facts the report needs, kept beside each commit record.

The report reads one small digest per commit instead of the whole commit record (and its
retrospective): over 100,000 commits that halves what it decodes. Digests are derived data:
written with every commit record, never exported, and a report that finds them incomplete reads
the commit records instead.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
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
# Digests written by earlier versions end after 6; readers take what is missing as None.
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
