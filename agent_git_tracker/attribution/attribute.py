"""Who made a commit, strongest evidence first (DESIGN.md, "Who made a commit")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from agent_git_tracker.attribution import detect
from agent_git_tracker.attribution.detect import Attribution


def attribute(
    commit: Mapping[str, Any],
    session: Mapping[str, str] | None,
    declared: Mapping[str, str],
    markers: Sequence[str],
    repo_agent: str | None,
) -> Attribution:
    """Session → environment → trailers and identities → `agent-tracker.agent` → bot or human."""
    found = detect.from_commit(
        commit.get("author_name", ""),
        commit.get("author_email", ""),
        commit.get("committer_name", ""),
        commit.get("committer_email", ""),
        commit.get("message", ""),
    )
    stated = found if found and found.kind == "agent" else None
    if session and session.get("agent"):
        return _declared(session, "active session (`agent-git-tracker session start`)", stated)
    if declared.get("agent"):
        return _declared(declared, "environment AGENT_TRACKER_AGENT", stated)
    from_env = detect.from_environment(markers)
    if from_env:
        model = stated.model if stated and stated.agent == from_env.agent else None
        return Attribution(from_env.agent, declared.get("model") or model, from_env.evidence)
    if stated:
        return stated
    if repo_agent:
        return Attribution(repo_agent, None, ("git config agent-tracker.agent",))
    return found or detect.HUMAN


def _declared(values: Mapping[str, str], evidence: str, stated: Attribution | None) -> Attribution:
    agent = values["agent"]
    model = values.get("model") or (stated.model if stated and stated.agent == agent else None)
    return Attribution(agent, model, (evidence,))
