"""The points rules as pure functions over agent records (plain dicts, no I/O, no clock)."""

from __future__ import annotations

from dataclasses import dataclass
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
    """A reported bug: SP −1 (never below 0), bugs +1; at SP 0 the agent is halted."""
    sp = max(0, agent["skill_points"] - rules.bug_skill_points)
    return {**agent, "skill_points": sp, "total_bugs": agent["total_bugs"] + 1, "halted": sp <= 0}


def resume(agent: Agent, rules: Rules) -> Agent:
    """The user reinstates a halted agent at SP 1."""
    return {**agent, "skill_points": rules.resume_skill_points, "halted": False}


def is_halted(agent: Agent) -> bool:
    return bool(agent.get("halted")) or agent.get("skill_points", 1) <= 0


# --- the agent's counters, replayed from its records ----------------------------------------

# What an agent migrated from the older plugin starts from.
BASELINE = (
    "skill_points",
    "experience_points",
    "communication_score",
    "total_commits",
    "total_bugs",
    "halted",
)

# At one instant: a resume applies before a bug, usage before commits, commits before grades.
_ORDER = {"resume": 0, "usage": 1, "commit": 2, "grade": 3, "bug": 4}


@dataclass(frozen=True, slots=True)
class Entry:
    """One record's effect on its agent: `time` in UTC (`YYYY-MM-DDTHH:MM:SS.mmm`), which sorts
    as text, `key` the record's key, and `amount` the XP (usage) or CS change (grade)."""

    time: str
    kind: str
    key: str
    amount: int = 0

    def order(self) -> tuple[str, int, str]:
        return self.time, _ORDER[self.kind], self.key


@dataclass(frozen=True, slots=True)
class Step:
    """What one entry did: the value before and after (CS for a grade, SP for a bug, XP
    earned for a commit)."""

    before: int
    after: int


def replay(
    agent_id: str, entries: list[Entry], rules: Rules, baseline: Agent | None = None
) -> tuple[Agent, dict[str, Step]]:
    """The agent's counters as a function of its records alone, whatever order they were
    written in: every entry in time order (README, "Points"), from `baseline` (counters kept
    by the older plugin) or a new agent.

    A halted agent earns no XP (its commits and grades still count); SP never goes below 0;
    `resume` reinstates a halted agent at SP `resume_skill_points` with XP 0.
    """
    ordered = sorted(entries, key=Entry.order)
    first = ordered[0].time if ordered else ""
    agent = new_agent(agent_id, first, rules)
    if baseline:
        agent.update({k: baseline[k] for k in BASELINE if k in baseline})
    steps: dict[str, Step] = {}
    for entry in ordered:
        agent, steps[entry.key] = apply(agent, entry, rules)
    if ordered:
        agent["updated_at"] = ordered[-1].time
    return agent, steps


def apply(agent: Agent, entry: Entry, rules: Rules) -> tuple[Agent, Step]:
    halted = is_halted(agent)
    if entry.kind == "commit":
        agent = {**agent, "total_commits": agent["total_commits"] + 1}
        earned = 0 if halted else rules.commit_experience
        return gain(agent, earned, rules), Step(0, earned)
    if entry.kind == "grade":
        before = agent["communication_score"]
        after = max(rules.communication_score_floor, before + entry.amount)
        agent = {**agent, "communication_score": after}
        return (agent if halted else gain(agent, rules.grade_experience, rules)), Step(
            before, after
        )
    if entry.kind == "bug":
        before = agent["skill_points"]
        agent = bug(agent, rules)
        return agent, Step(before, agent["skill_points"])
    if entry.kind == "resume":
        before = agent["skill_points"]
        if halted:
            agent = {**resume(agent, rules), "experience_points": 0}
        return agent, Step(before, agent["skill_points"])
    return (agent if halted else gain(agent, entry.amount, rules)), Step(0, entry.amount)
