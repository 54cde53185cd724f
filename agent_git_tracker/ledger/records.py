"""How events become records: the git facts a commit record keeps, and the orders in which
commits and grades count."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from agent_git_tracker.attribution.attribute import RECORD_FIELDS, SESSION_EVIDENCE
from agent_git_tracker.ledger.overlay import Record
from agent_git_tracker.times import iso, utc_millis

ACTIVITY_FIELDS = ("task", "actions", "outcome", "decisions")


# What follows a commit through rewrites: its attribution, the session that decided it and
# what the user set (`reassign`).
ATTRIBUTION = (*RECORD_FIELDS, "setup", "task_description", "session", "assigned")
SESSION_KEPT = ("agent", "started", "session_id")


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


def hook_context(event: Record, evidence: Any) -> Record:
    """The setup label and the session of a commit event, when the session decided who made
    the commit (a session its agent's marker contradicts names neither)."""
    session = event.get("session") or {}
    used = isinstance(session, dict) and SESSION_EVIDENCE in evidence
    setup = (session.get("setup") if used else None) or event.get("declared", {}).get("setup")
    fields: Record = {"setup": setup or None}
    if used:
        fields["session"] = {k: session[k] for k in SESSION_KEPT if session.get(k)}
    return fields


def subject(message: str) -> str:
    return message.strip().split("\n", 1)[0][:500]


def event_origin(event: Record) -> list[str]:
    """Where a commit's work began: when the hook recorded it (to the millisecond), and its
    hash."""
    return [utc_millis(iso(event["time"])) or "", event["commit"]["hash"]]


def grade_order(retro: Record) -> tuple[str, str]:
    """Grades count latest first: by the time given, then by the event that gave them."""
    return utc_millis(retro.get("timestamp")) or "", str(retro.get("event", ""))


# The environment's session ids first (the process that committed), then the session file's.
_CAPTURED = ("CODEX_THREAD_ID", "CODEX_SESSION_ID", "AMP_CURRENT_THREAD_ID")
_SESSION_TRAILER = re.compile(
    r"^(?:claude-session|amp-thread-id)[ \t]*:[ \t]*(\S+)[ \t]*$", re.IGNORECASE | re.MULTILINE
)
_ID = re.compile(r"[\w.@+=-]{1,200}")


def sessions_named(event: Record) -> Record:
    """The agent sessions a commit event names, for the join with the agents' logs:
    `session_ids`, captured at commit time (the agents' environment, then the session file),
    and `trailer_sessions`, from `Claude-Session:` and `Amp-Thread-ID:` trailers (a link's
    last part). Only fields that name one."""
    env = event.get("session_ids")
    env = env if isinstance(env, dict) else {}
    session = event.get("session")
    captured = [env.get(name) for name in _CAPTURED]
    captured.append(session.get("session_id") if isinstance(session, dict) else None)
    message = (event.get("commit") or {}).get("message")
    trailers = _SESSION_TRAILER.findall(message) if isinstance(message, str) else []
    named = {
        "session_ids": _ids(captured),
        "trailer_sessions": _ids(value.rstrip("/").rsplit("/", 1)[-1] for value in trailers),
    }
    return {field: ids for field, ids in named.items() if ids}


def _ids(values: Any) -> list[str]:
    return list(dict.fromkeys(v for v in values if isinstance(v, str) and _ID.fullmatch(v)))
