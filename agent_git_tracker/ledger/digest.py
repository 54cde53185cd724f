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

from agent_git_tracker.models import GRADE_LABELS, Rules
from agent_git_tracker.times import utc_key

_DEFAULT_RULES = Rules()

# What a commit record keeps of its grade (the retrospective has it all).
GRADE_SUMMARY = ("agent_grade", "user_grade", "score_before", "score_after", "timestamp")
# The digest: [kind, agent_id, model, setup, time as a UTC key, lines changed or None, and the
# grade as `grade_kind` gives it, or None].
FIELDS = ("kind", "agent_id", "model", "setup")


def of(record: Mapping[str, Any]) -> list[Any]:
    """The digest of one commit record."""
    try:
        lines = record["insertions"] + record["deletions"]
    except (KeyError, TypeError):
        lines = None  # older records have no line counts
    stamp = utc_key(record.get("timestamp"))
    grade = record.get("grade")
    return [*(record.get(f) for f in FIELDS), stamp, lines, grade_kind(grade) if grade else None]


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
