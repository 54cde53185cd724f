"""The fields of the records written once per commit or per grade, in the order they are
stored (`compact`), and how a field left out is restored.

A field is restored only from the key's parts and the fields before it; `compact` leaves it out
only when that gives the very value written. Field names are the older plugin's (DESIGN.md,
Storage); a field no layout names is stored with its name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from agent_git_tracker.models import GRADE_LABELS
from agent_git_tracker.times import iso_millis, utc_millis

Record = dict[str, Any]
# How a left-out field is restored: from the record so far and the key's decoded parts.
Derive = Callable[[Record, list[str]], Any]


@dataclass(frozen=True)
class Field:
    name: str
    derive: Derive | None = None
    time: bool = False  # one of the ledger's times: stored as milliseconds when exact
    keyed: bool = False  # restored from the key: exact only for text that is valid UTF-8


def _key(index: int) -> Field:
    """A field the key holds (part `index`)."""
    return Field("", lambda record, parts: parts[index], keyed=True)


def _same_as(name: str) -> Derive:
    return lambda record, parts: record.get(name)


def _constant(value: Any) -> Derive:
    return lambda record, parts: value


def _agents(record: Record, parts: list[str]) -> Any:
    """A commit naming one agent: the primary, with its model."""
    return [
        {
            "agent_id": record.get("agent_id"),
            "model": record.get("model"),
            "model_canonical": record.get("model_canonical"),
        }
    ]


def _kind(record: Record, parts: list[str]) -> Any:
    """Human and bot commits carry their kind as their agent id."""
    agent = record.get("agent_id")
    return agent if agent in ("human", "bot") else "agent"


def _origin(record: Record, parts: list[str]) -> Any:
    """Where a commit's work began: when it was recorded, under its own hash."""
    return [utc_millis(record.get("recorded_at")) or "", record.get("commit_hash")]


def _label(record: Record, parts: list[str]) -> Any:
    grade = record.get("grade")
    return GRADE_LABELS.get(grade) if type(grade) is int else None


# The largest number a grade's event has: twice a time in ms before the year 10000.
_LAST_SEQ = 2 * 253_402_300_800_000


def _seq(parts: list[str]) -> int | None:
    """A grade event's number, from its key: 2 × its time in ms, + 1 for the user's (None for
    a key the ledger did not write, such as an import's)."""
    text = parts[4]
    if not (text.isascii() and text.isdigit() and len(text) <= 16):
        return None
    number = int(text)
    return number if number < _LAST_SEQ else None


def _given_by(record: Record, parts: list[str]) -> Any:
    seq = _seq(parts)
    return None if seq is None else ("agent", "user")[seq % 2]


def _grade_time(record: Record, parts: list[str]) -> Any:
    seq = _seq(parts)
    return None if seq is None else iso_millis(seq // 2)


def _named(name: str, field: Field) -> Field:
    return Field(name, field.derive, field.time, field.keyed)


COMMIT = (
    _named("commit_hash", _key(2)),
    _named("project_path", _key(1)),
    Field("agent_id"),
    Field("model"),
    Field("kind", _kind),
    Field("evidence"),
    Field("model_canonical"),
    Field("model_variant", _constant(None)),
    Field("confidence", _constant("high")),
    Field("agents", _agents),
    Field("setup"),
    Field("subject"),
    Field("task_description", _same_as("subject")),
    Field("experience_gained", _constant(0)),
    Field("committed_at", time=True),
    Field("timestamp", _same_as("committed_at"), time=True),
    Field("author_name"),
    Field("author_email"),
    Field("authored_at", _same_as("committed_at"), time=True),
    Field("committer_name", _same_as("author_name")),
    Field("committer_email", _same_as("author_email")),
    Field("parents"),
    Field("branch"),
    Field("files_changed"),
    Field("insertions"),
    Field("deletions"),
    Field("stats_capped", _constant(False)),
    Field("recorded_at", time=True),
    Field("origin", _origin),
    Field("grade"),
    Field("outcomes"),
    Field("rewritten_from"),
    Field("scanned"),
)
RETROSPECTIVE = (
    _named("agent_id", _key(1)),
    _named("project_path", _key(2)),
    _named("commit", _key(3)),
    Field("timestamp", time=True),
    Field("task"),
    Field("agent_grade"),
    Field("user_grade"),
    Field("agent_note"),
    Field("user_note", _constant("")),
    Field("event"),
)
COMMUNICATION = (
    _named("agent_id", _key(1)),
    _named("commit_hash", _key(3)),
    _named("project_path", _key(2)),
    Field("grade"),
    Field("label", _label),
    Field("given_by", _given_by),
    Field("timestamp", _grade_time, time=True),
)
LAYOUTS: dict[str, tuple[Field, ...]] = {
    "commit": COMMIT,
    "retrospective": RETROSPECTIVE,
    "communication": COMMUNICATION,
}
# How many parts each kind's keys split into at `:` when no part holds an encoded one.
KEY_PARTS = {"commit": 3, "retrospective": 4, "communication": 5}
