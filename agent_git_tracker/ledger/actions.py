"""The user's writes: grade, bug, resume, activity. Each checks its input, then appends one
event to the spool; the next flush writes it (the same single write path as the hooks)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from agent_git_tracker.capture import spool
from agent_git_tracker.capture.workspace import here, record, spool_dir
from agent_git_tracker.config.settings import Config
from agent_git_tracker.errors import UsageError
from agent_git_tracker.ledger import points as rules
from agent_git_tracker.ledger.rewrites import Rewrites
from agent_git_tracker.ledger.state import current
from agent_git_tracker.models import GRADE_LABELS, check_name, parse_grade
from agent_git_tracker.store import keys


def check_time(text: str) -> str:
    """An ISO 8601 timestamp with a UTC offset (a `Z` suffix is fine)."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as e:
        raise UsageError(f"bad timestamp {text!r}: use ISO 8601, e.g. 2026-02-10T08:00:00Z") from e
    if moment.tzinfo is None:
        raise UsageError(f"timestamp {text!r} has no UTC offset: add Z or +HH:MM")
    return moment.isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class GradeTarget:
    """What a grade will apply to, shown before prompting and in the result."""

    commit: str
    subject: str
    agent: str
    project: str
    previous: dict[str, Any] | None


def grade_target(config: Config, rev: str, agent: str | None) -> GradeTarget:
    """Resolve the commit with GitPython and find its agent (the database or the spool)."""
    from agent_git_tracker.gitmeta import resolve_commit

    repo = here()
    info = resolve_commit(rev)
    with current(config, [spool_dir(config, repo)]) as (_, state, _):
        final = Rewrites(state).final(info.project_path, info.hash)
        if final != info.hash:  # amended or rebased away: the grade goes where it went
            info = resolve_commit(final)
        recorded = state.get(keys.commit(info.project_path, info.hash)) or {}
        chosen = agent or (recorded.get("agent_id") if recorded.get("kind") == "agent" else None)
        if not chosen:
            who = recorded.get("kind", "not recorded by the tracker")
            raise UsageError(
                f"commit {info.hash[:12]} has no recorded agent ({who}); "
                "name the agent with --agent"
            )
        chosen = check_name(chosen)
        previous = state.get(keys.retrospective(chosen, info.project_path, info.hash))
    return GradeTarget(info.hash, info.subject, chosen, info.project_path, previous)


def grade(
    config: Config,
    target: GradeTarget,
    agent_grade: str | int,
    user_grade: str | int,
    task: str | None,
    agent_note: str | None,
    user_note: str | None,
) -> dict[str, Any]:
    """Spool a grade of a commit; returns what it will do."""
    graded = {"agent_grade": parse_grade(agent_grade), "user_grade": parse_grade(user_grade)}
    change = rules.score_change(graded["agent_grade"], graded["user_grade"], config.rules)
    record(
        config,
        here(),
        "grade",
        commit=target.commit,
        agent=target.agent,
        task=task or target.subject,
        agent_note=agent_note or "",
        user_note=user_note or "",
        **graded,
    )
    return {
        "commit": target.commit,
        "agent": target.agent,
        "task": task or target.subject,
        "agent_grade": GRADE_LABELS[graded["agent_grade"]],
        "user_grade": GRADE_LABELS[graded["user_grade"]],
        "score_change": change,
        "replaces_earlier_grade": target.previous is not None,
    }


def bug(config: Config, agent: str | None, commit: str | None, note: str | None) -> dict[str, Any]:
    """Spool a bug report; returns the agent's skill points after it and whether it halts."""
    repo = here()
    full = None
    if commit:
        from agent_git_tracker.gitmeta import resolve_commit

        full = resolve_commit(commit).hash
    with current(config, [spool_dir(config, repo)]) as (_, state, _):
        if full:
            full = Rewrites(state).final(repo["project"], full)
        if not agent and full:
            recorded = state.get(keys.commit(repo["project"], full)) or {}
            agent = recorded.get("agent_id") if recorded.get("kind") == "agent" else None
        agent = check_name(agent or _session_agent(config, repo))
        before = known_agent(state.get(keys.agent(agent)), agent)
    after = rules.bug(before, config.rules)
    record(config, repo, "bug", agent=agent, commit=full, note=note or "")
    if after["halted"]:
        spool.mark_halted(str(config.spool_root), agent, True)
    return {
        "agent": agent,
        "commit": full,
        "skill_points": after["skill_points"],
        "halted": after["halted"],
    }


def known_agent(record: dict[str, Any] | None, agent: str) -> dict[str, Any]:
    """The agent's record; an unknown id is refused, so a typo never creates an agent."""
    if record is None:
        raise UsageError(f"unknown agent {agent!r}; `agent-git-tracker agents` lists them")
    return record


def _session_agent(config: Config, repo: dict[str, str]) -> str:
    session = spool.read_session(spool_dir(config, repo), common_dir=repo["common_dir"])
    if not session:
        raise UsageError(
            "which agent? pass --agent, or --commit with a recorded commit, or "
            "start a session with `agent-git-tracker session start --agent NAME`"
        )
    return session["agent"]


def resume(config: Config, agent: str, plan: str) -> dict[str, Any]:
    """Spool the reinstatement of a halted agent at SP 1, with its plan as an activity."""
    agent = check_name(agent)
    if not plan.strip():
        raise UsageError("resume needs a plan: --plan 'what the agent will do differently'")
    with current(config) as (_, state, _):
        known = known_agent(state.get(keys.agent(agent)), agent)
    if not rules.is_halted(known):
        raise UsageError(
            f"{agent} is not halted (SP {known.get('skill_points')}); `resume` reinstates a "
            "halted agent only, and nothing was changed"
        )
    record(config, here(), "resume", agent=agent, plan=plan.strip())
    spool.mark_halted(str(config.spool_root), agent, False)
    return {
        "agent": agent,
        "skill_points": config.rules.resume_skill_points,
        "was_halted": rules.is_halted(known),
    }


def activity(
    config: Config, agent: str | None, fields: dict[str, str | None], timestamp: str | None
) -> dict[str, Any]:
    """Spool an activity journal entry (task, actions, outcome, decisions)."""
    repo = here()
    agent = check_name(agent or _session_agent(config, repo))
    at = check_time(timestamp) if timestamp else None
    if not any((v or "").strip() for v in fields.values()):
        raise UsageError(
            "an activity needs at least one of --task, --actions, --outcome, --decisions"
        )
    event = record(
        config,
        repo,
        "activity",
        agent=agent,
        timestamp=at,
        **{k: (v or "").strip() for k, v in fields.items()},
    )
    return {"agent": agent, "timestamp": at or event["time"], **fields}
