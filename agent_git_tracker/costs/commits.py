"""A commit record as the join sees it, and the usage the join gives it.

The record keeps `usage`: absent until the logs are searched for the commit, None when no
session joined it, else `{"agent", "session_id", "joined_by", "model", "model_canonical",
"tokens": {input, cached_input, cache_write, output, reasoning}, "cost"}` (USD, None when a
model has no price). When the commit stated no model (`model` is None), `model_canonical`
and `model_variant` come from the log, and the evidence says so (`model from Claude Code's
log`); `model` stays as the commit wrote it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from agent_git_tracker.agentlogs import READERS, join
from agent_git_tracker.attribution.agents import known_agent_near
from agent_git_tracker.attribution.modelnames import split_model
from agent_git_tracker.ledger import digest
from agent_git_tracker.store import keys
from agent_git_tracker.store.db import View, WriteView

AGENTS = frozenset(reader.AGENT for reader in READERS)
LOG_NAMES = {
    "claude-code": "Claude Code",
    "codex": "Codex",
    "opencode": "OpenCode",
    "gemini-cli": "Gemini CLI",
}
FILLED = "model from "  # the start of the evidence a model filled from a log adds


def log_agent(agent_id: Any) -> str | None:
    """The agent whose logs are read for commits of `agent_id` (`claude` is `claude-code`)."""
    if not isinstance(agent_id, str):
        return None
    agent = agent_id if agent_id in AGENTS else known_agent_near(agent_id)
    return agent if agent in AGENTS else None


@dataclass
class Found:
    """A recorded commit: its record, the agent whose sessions it may join (None: none), the
    join's view of it, and the session it is joined to now."""

    project: str
    record: dict[str, Any]
    agent: str | None
    commit: join.Commit
    current: str | None

    @property
    def time(self) -> float:
        return self.commit.time

    @classmethod
    def load(cls, view: View, project: str, commit_hash: str) -> Found | None:
        record = view.get(keys.commit(project, commit_hash))
        if not isinstance(record, dict):
            return None
        agent = log_agent(record.get("agent_id")) if record.get("kind") == "agent" else None
        ids = _texts(record.get("session_ids"))
        named = join.Commit(
            commit_hash,
            (project,),
            _epoch(record.get("timestamp")),
            ids[0] if ids else None,
            (*ids[1:], *_texts(record.get("trailer_sessions"))),
        )
        usage = record.get("usage")
        current = usage.get("session_id") if isinstance(usage, dict) else None
        return cls(project, record, agent, named, current if isinstance(current, str) else None)


def _texts(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _epoch(stamp: Any) -> float:
    try:
        return datetime.fromisoformat(stamp).timestamp()
    except (TypeError, ValueError):
        return 0.0


def usage_of(joined: join.CommitUsage | None) -> dict[str, Any] | None:
    """The record's `usage` for the join's answer (None: not joined)."""
    if joined is None:
        return None
    tokens = joined.tokens
    return {
        "agent": joined.agent,
        "session_id": joined.session_id,
        "joined_by": joined.joined_by,
        "model": joined.model,
        "model_canonical": joined.canonical_model,
        "tokens": {
            "input": tokens.input,
            "cached_input": tokens.cached_input,
            "cache_write": tokens.cache_write,
            "output": tokens.output,
            "reasoning": tokens.reasoning,
        },
        "cost": joined.cost,
    }


def with_usage(record: dict[str, Any], usage: dict[str, Any] | None) -> dict[str, Any]:
    """The commit record with its usage, and its model from the log when it stated none."""
    new = {**record, "usage": usage}
    if record.get("model") is not None:
        return new
    evidence = [e for e in record.get("evidence") or [] if not str(e).startswith(FILLED)]
    model = usage.get("model") if usage else None
    canonical, variant = split_model(model) or (None, None)
    new["model_canonical"], new["model_variant"] = canonical, variant
    if canonical and usage:
        evidence.append(f"{FILLED}{LOG_NAMES.get(usage['agent'], usage['agent'])}'s log")
    new["evidence"] = evidence
    return new


def apply_usage(txn: WriteView, found: Found, usage: dict[str, Any] | None) -> bool:
    """Store the commit's usage (and its digest) if it changed; whether it was written."""
    new = with_usage(found.record, usage)
    if "usage" in found.record and new == found.record:
        return False
    txn.put(keys.commit(found.project, found.commit.hash), new)
    txn.put(keys.digest(found.project, found.commit.hash), digest.of(new))
    found.record = new
    return True
