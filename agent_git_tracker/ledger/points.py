"""The points rules as pure functions over agent records (plain dicts, no I/O, no clock)."""

from __future__ import annotations

from typing import Any

from agent_git_tracker.models import Rules

Agent = dict[str, Any]


def new_agent(agent_id: str, now: str, rules: Rules) -> Agent:
    """A new agent: SP 1, XP 0, CS 60, no commits, no bugs."""
    return {
        "id": agent_id,
        "name": agent_id,
        "model": None,
        "setup": None,
        "skill_points": rules.new_agent_skill_points,
        "experience_points": rules.new_agent_experience_points,
        "communication_score": rules.new_agent_communication_score,
        "total_commits": 0,
        "total_bugs": 0,
        "halted": False,
        "created_at": now,
        "updated_at": now,
    }


def level_up(agent: Agent, rules: Rules) -> Agent:
    """While SP > 0 and XP ≥ factor × SP: XP −= factor × SP, SP += 1."""
    sp, xp = agent["skill_points"], agent["experience_points"]
    while sp > 0 and xp >= rules.level_up_factor * sp:
        xp -= rules.level_up_factor * sp
        sp += 1
    return {**agent, "skill_points": sp, "experience_points": xp}


def gain(agent: Agent, experience: int, rules: Rules) -> Agent:
    """Add experience, then apply the level-up rule."""
    return level_up({**agent, "experience_points": agent["experience_points"] + experience}, rules)


def commit(agent: Agent, rules: Rules) -> Agent:
    """A recorded commit: commits +1, XP +5."""
    return gain(
        {**agent, "total_commits": agent["total_commits"] + 1}, rules.commit_experience, rules
    )


def score_change(agent_grade: int, user_grade: int, rules: Rules) -> int:
    """How far one graded commit moves the communication score (−2 … +10 by default)."""
    return rules.points(agent_grade) + rules.points(user_grade)


def grade(agent: Agent, change: int, rules: Rules, *, first: bool = True) -> Agent:
    """Apply a commit's grade: CS moves by `change`, floored; XP +1 unless it is a re-grade."""
    score = max(rules.communication_score_floor, agent["communication_score"] + change)
    graded = {**agent, "communication_score": score}
    return gain(graded, rules.grade_experience, rules) if first else graded


def bug(agent: Agent, rules: Rules) -> Agent:
    """A reported bug: SP −1, bugs +1; at SP ≤ 0 the agent is halted."""
    sp = agent["skill_points"] - rules.bug_skill_points
    return {**agent, "skill_points": sp, "total_bugs": agent["total_bugs"] + 1, "halted": sp <= 0}


def resume(agent: Agent, rules: Rules) -> Agent:
    """The user reinstates a halted agent at SP 1."""
    return {**agent, "skill_points": rules.resume_skill_points, "halted": False}


def is_halted(agent: Agent) -> bool:
    return bool(agent.get("halted")) or agent.get("skill_points", 1) <= 0
