"""`show` and `log`: what the tracker holds for a commit and why, and the commits it recorded,
pending events included (the database as it will be after the next flush)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agent_git_tracker.capture.workspace import here, spool_dir
from agent_git_tracker.config.settings import Config
from agent_git_tracker.errors import UsageError
from agent_git_tracker.ledger.overlay import Overlay, Record
from agent_git_tracker.ledger.state import current
from agent_git_tracker.store import keys
from agent_git_tracker.times import utc_key

# What `show` prints of a commit record beyond its attribution, when the record has it.
EXTRA = ("tokens", "cost_usd", "agent_session", "joined_by")
GIT = ("author_name", "author_email", "committed_at", "branch", "files_changed")


def show(config: Config, rev: str) -> dict[str, Any]:
    """Everything recorded of one commit (default HEAD) and why it was attributed so."""
    from agent_git_tracker.gitmeta import resolve_commit

    repo = here()
    info = resolve_commit(rev)
    project = repo["project"]
    with current(config, [spool_dir(config, repo)]) as (stored, state, _):
        record = state.get(keys.commit(project, info.hash))
        if record is None:
            return {"commit": info.hash, "project": project, "recorded": False,
                    "subject": info.subject}  # fmt: skip
        pending = stored.get(keys.commit(project, info.hash)) != record
        return _details(state, project, info.hash, record, pending)


def _details(
    state: Overlay, project: str, commit_hash: str, record: Record, pending: bool
) -> dict[str, Any]:
    agent = record.get("agent_id")
    grades = [
        value
        for who in {agent, *(a.get("agent_id") for a in record.get("agents") or [])}
        if who
        for _, value in state.scan(keys.communication_prefix(who, project, commit_hash))
    ]
    bugs = [
        value
        for key, value in state.scan("bug:")
        if value.get("commit") == commit_hash and value.get("project_path") in (project, None)
    ]
    return {
        "commit": commit_hash,
        "project": project,
        "recorded": True,
        "pending": pending,
        "subject": record.get("subject") or record.get("task_description"),
        "agent": agent,
        "kind": record.get("kind"),
        "confidence": record.get("confidence"),
        "model": record.get("model"),
        "model_canonical": record.get("model_canonical"),
        "model_variant": record.get("model_variant"),
        "setup": record.get("setup"),
        "session": record.get("session"),
        "agents": record.get("agents") or [],
        "evidence": record.get("evidence") or [],
        "assigned": record.get("assigned"),
        "scanned": bool(record.get("scanned")),
        "grade": state.get(keys.retrospective(agent or "", project, commit_hash))
        or record.get("grade"),
        "grades": sorted(grades, key=lambda g: str(g.get("timestamp"))),
        "bugs": bugs,
        "outcomes": record.get("outcomes"),
        **{f: record.get(f) for f in (*GIT, "insertions", "deletions")},
        **{f: record[f] for f in EXTRA if f in record},
    }


def log(
    config: Config, agent: str | None, since: str | None, project: str | None
) -> dict[str, Any]:
    """Every recorded commit, newest first, one summary each; filtered by agent (`human` for
    people), by commit time and by project (a path or part of one)."""
    start = _since(since) if since else None
    where = str(Path(project).resolve()) if project and Path(project).is_dir() else project
    rows, agents = [], set()
    with current(config) as (stored, state, count):
        for key, record in state.scan("commit:"):
            project_path, commit_hash = keys.parts(key)[1:]
            agents.add(record.get("agent_id"))
            if agent and record.get("agent_id") != agent:
                continue
            when = utc_key(record.get("timestamp")) or ""
            if (start and when < start) or (where and where not in project_path):
                continue
            rows.append(_row(record, project_path, commit_hash, stored.get(key) != record))
    if agent and agent not in agents:
        known = ", ".join(sorted(a for a in agents if a)) or "none yet"
        raise UsageError(f"no commit is recorded for {agent!r}; the agents recorded are {known}")
    rows.sort(key=lambda r: (r["time"] or "", r["commit"]), reverse=True)
    return {"commits": rows, "pending_events": count}


def _row(record: Record, project: str, commit_hash: str, pending: bool) -> dict[str, Any]:
    return {
        "time": utc_key(record.get("timestamp")),
        "commit": commit_hash,
        "project": project,
        "agent": record.get("agent_id"),
        "model": record.get("model_canonical") or record.get("model"),
        "setup": record.get("setup"),
        "confidence": record.get("confidence"),
        "set_by_user": bool(record.get("assigned")),
        "subject": record.get("subject") or record.get("task_description"),
        "pending": pending,
    }


def _since(text: str) -> str:
    """A date or an ISO 8601 time as a UTC key (a date counts from the start of its day)."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as e:
        raise UsageError(f"--since {text!r}: use a date such as 2026-01-31 or an ISO time") from e
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.isoformat(timespec="seconds")[:19]
