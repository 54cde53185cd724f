"""How events become records: the git facts a commit record keeps, and the orders in which
commits and grades count."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agent_git_tracker.attribution.attribute import RECORD_FIELDS
from agent_git_tracker.ledger.overlay import Record
from agent_git_tracker.times import iso, utc_millis

ACTIVITY_FIELDS = ("task", "actions", "outcome", "decisions")


ATTRIBUTION = (*RECORD_FIELDS, "setup", "task_description")


GIT_FIELDS = (
    "author_name",
    "author_email",
    "authored_at",
    "committer_name",
    "committer_email",
    "committed_at",
    "parents",
    "branch",
    "files_changed",
    "insertions",
    "deletions",
    "stats_capped",
)


def git_facts(facts: Mapping[str, Any]) -> Record:
    moved = {
        "subject": subject(facts.get("message", "")),
        **{f: facts.get(f) for f in GIT_FIELDS},
    }
    if facts.get("committed_at"):
        moved["timestamp"] = facts["committed_at"]
    return moved


def subject(message: str) -> str:
    return message.strip().split("\n", 1)[0][:500]


def event_origin(event: Record) -> list[str]:
    """Where a commit's work began: when the hook recorded it (to the millisecond), and its
    hash."""
    return [utc_millis(iso(event["time"])) or "", event["commit"]["hash"]]


def grade_order(retro: Record) -> tuple[str, str]:
    """Grades count latest first: by the time given, then by the event that gave them."""
    return utc_millis(retro.get("timestamp")) or "", str(retro.get("event", ""))
