"""Who made a commit, strongest evidence first (DESIGN.md, "Who made a commit").

Session (for an agent that marks its own shell, only when the commit carries its marker) →
environment → the commit's identities, trailers and disclosure lines →
`git config agent-tracker.agent` → a bot author → the subject alone (confidence medium) → human.
What the hooks saw at commit time names the primary agent; the agents the commit itself names
are kept beside it, and their model fills in when the session or environment gives none.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from agent_git_tracker.attribution import detect
from agent_git_tracker.attribution.agents import MARKING_AGENTS, marker_agent
from agent_git_tracker.attribution.detect import Attribution, Named
from agent_git_tracker.attribution.modelnames import canonical_model, split_model

# What a commit record keeps of its attribution. `agent_id`, `model` (as the evidence writes
# it), `kind` and `evidence` keep their first meaning; `model_canonical` is what reports group
# by, `confidence` is `high` or `medium` (the subject alone), `agents` every agent named.
RECORD_FIELDS = (
    "agent_id",
    "model",
    "kind",
    "evidence",
    "model_canonical",
    "model_variant",
    "confidence",
    "agents",
)


SESSION_EVIDENCE = "active session (`agent-git-tracker session start`)"
MISSING_MARKER = "the commit's shell did not carry the agent's own marker (another terminal)"


def outside_its_shell(agent: str, markers: Collection[str]) -> bool:
    """Whether a session's agent, one that marks its own shell (CLAUDECODE, CODEX_*…), did
    not make this commit: its marker is missing, so the commit came from another terminal."""
    if agent not in MARKING_AGENTS:
        return False
    return not any((named := marker_agent(m)) and named[1] == agent for m in markers)


def attribute(
    commit: Mapping[str, Any],
    session: Mapping[str, str] | None,
    declared: Mapping[str, str],
    markers: Sequence[str],
    repo_agent: str | None,
    own_agents: Mapping[str, Iterable[str]] | None = None,
) -> Attribution:
    """The commit's attribution from everything known about it; `own_agents` are the user's
    agents from the configuration (id → identities)."""
    found = detect.from_commit(
        commit.get("author_name", ""),
        commit.get("author_email", ""),
        commit.get("committer_name", ""),
        commit.get("committer_email", ""),
        commit.get("message", ""),
        own_agents=own_agents,
    )
    stated = found if found and found.kind == "agent" else None
    if session and session.get("agent"):
        if not outside_its_shell(session["agent"], markers):
            return _declared(session, (SESSION_EVIDENCE,), stated)
        without = attribute(commit, None, declared, markers, repo_agent, own_agents)
        note = f"{session['agent']} session not applied: {MISSING_MARKER}"
        return dataclasses.replace(without, evidence=(*without.evidence, note))
    return _without_session(found, stated, declared, markers, repo_agent)


def _without_session(
    found: Attribution | None,
    stated: Attribution | None,
    declared: Mapping[str, str],
    markers: Sequence[str],
    repo_agent: str | None,
) -> Attribution:
    if declared.get("agent"):
        return _declared(declared, ("environment AGENT_TRACKER_AGENT",), stated)
    from_env = detect.from_environment(markers)
    if from_env:
        values = {"agent": from_env.agent, "model": declared.get("model", "")}
        return _declared(values, from_env.evidence, stated)
    if stated and stated.confidence == "high":
        return stated
    if repo_agent:
        return Attribution(
            repo_agent, None, ("git config agent-tracker.agent",), agents=(Named(repo_agent),)
        )
    return found or detect.HUMAN


def _declared(
    values: Mapping[str, str], evidence: tuple[str, ...], stated: Attribution | None
) -> Attribution:
    """The agent the hooks saw, with the commit's own evidence and agents kept beside it."""
    agent = values["agent"]
    named = (
        {n.agent: n.model for n in stated.agents} if stated and stated.confidence == "high" else {}
    )
    model = values.get("model") or named.get(agent)
    others = tuple(Named(a, m) for a, m in named.items() if a != agent)
    extra = stated.evidence if stated and stated.confidence == "high" else ()
    return Attribution(agent, model, (*evidence, *extra), "high", (Named(agent, model), *others))


def record_fields(found: Attribution) -> dict[str, Any]:
    """The commit record's attribution fields (RECORD_FIELDS)."""
    canonical, variant = split_model(found.model) or (None, None)
    return {
        "agent_id": found.agent,
        "model": found.model,
        "kind": found.kind,
        "evidence": list(found.evidence),
        "model_canonical": canonical,
        "model_variant": variant,
        "confidence": found.confidence,
        "agents": [
            {"agent_id": n.agent, "model": n.model, "model_canonical": canonical_model(n.model)}
            for n in found.agents
        ],
    }
