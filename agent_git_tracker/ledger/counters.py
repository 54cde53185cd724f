"""An agent's counters (SP, XP, CS, commits, bugs, halt) replayed from its records.

The records are the facts: the agent's commits in time order (`timeline:` keys), the grade that
counts for each of its commits (`retrospective:`), its bugs, its resumes (activities), its tool
uses and commands (`usage:`). `points.replay` turns them into counters in time order, so the
counters are a function of the history alone: the same whatever order, batches or machines the
records came from. Values that depend on that order (CS before and after a grade) are never
stored in the records: `steps` gives them when they are shown.

An agent migrated from the older plugin starts from the counters the plugin kept (`baseline`
in its record); the plugin's own records (`"legacy": true`) are already in that baseline.
"""

from __future__ import annotations

from typing import Any

from agent_git_tracker.ledger import points
from agent_git_tracker.ledger.overlay import Overlay, Reader, Record
from agent_git_tracker.models import GRADE_LABELS, Rules
from agent_git_tracker.store import keys
from agent_git_tracker.times import origin, utc_millis

RESUME_TASK = "resume after halt"
_COUNTERS = (
    "skill_points",
    "experience_points",
    "communication_score",
    "total_commits",
    "total_bugs",
    "halted",
    "created_at",
    "updated_at",
)


def refresh(state: Overlay, agent_id: str, rules: Rules) -> Record:
    """Replay one agent's counters into its record; returns the record."""
    old = state.get(keys.agent(agent_id)) or {}
    entries, facts = _entries(state, agent_id, rules)
    derived, _ = points.replay(agent_id, entries, rules, old.get("baseline"))
    record = {**old, **{k: derived[k] for k in _COUNTERS}, **facts}
    record.setdefault("id", agent_id)
    record.setdefault("name", agent_id)
    for field in ("created_at", "updated_at"):
        record[field] = _iso(record[field]) or old.get(field)
    if record != old:
        state.put(keys.agent(agent_id), record)
    return record


def steps(state: Reader, agent_id: str, rules: Rules) -> dict[str, points.Step]:
    """What each record did to the agent (CS before and after each grade…), by record key."""
    old = state.get(keys.agent(agent_id)) or {}
    return points.replay(agent_id, _entries(state, agent_id, rules)[0], rules, old.get("baseline"))[
        1
    ]


def _entries(state: Reader, agent_id: str, rules: Rules) -> tuple[list[points.Entry], Record]:
    entries: list[points.Entry] = []
    facts: Record = {}
    last = None
    for key, _ in state.scan(keys.of_agent("timeline", agent_id)):
        entries.append(points.Entry(keys.parts(key)[2], "commit", key))
        last = key
    if last is not None:
        _, _, _, project, commit_hash = keys.parts(last)
        latest = state.get(keys.commit(project, commit_hash)) or {}
        facts["model"] = latest.get("model")
        facts["setup"] = latest.get("setup")
    for key, retro in state.scan(keys.retrospective_prefix(agent_id)):
        if retro.get("legacy"):
            continue  # in the baseline
        change = _change(retro, rules)
        when = utc_millis(retro.get("timestamp"))
        if change is not None and when:
            entries.append(points.Entry(when, "grade", key, change))
    for key, bug in state.scan(keys.of_agent("bug", agent_id)):
        entries.append(points.Entry(utc_millis(bug.get("timestamp")) or "", "bug", key))
    for key, activity in state.scan(keys.of_agent("activity", agent_id)):
        when = utc_millis(activity.get("timestamp")) or ""
        if activity.get("task") == RESUME_TASK:
            entries.append(points.Entry(when, "resume", key))
        facts["last_activity"] = max(
            facts.get("last_activity") or "", activity.get("timestamp", "")
        )
    entries += _usage(state, agent_id, rules, facts)
    return entries, facts


def _usage(state: Reader, agent_id: str, rules: Rules, facts: Record) -> list[points.Entry]:
    """A day's tool uses and commands earn their XP at the start of that day (UTC)."""
    entries = []
    totals: dict[str, int] = {}
    for key, usage in state.scan(keys.of_agent("usage", agent_id)):
        earned = 0
        for counts in (usage.get("setups") or {}).values():
            for name, count in counts.items():
                totals[name] = totals.get(name, 0) + int(count)
            earned += rules.tool_experience * int(counts.get("tool_uses", 0))
            earned += rules.command_experience * int(counts.get("commands", 0))
        entries.append(points.Entry(f"{usage.get('day', '')}T00:00:00.000", "usage", key, earned))
    for kind in ("tool_uses", "commands"):
        if kind in totals or f"failed_{kind}" in totals:
            facts[kind] = totals.get(kind, 0) + totals.get(f"failed_{kind}", 0)
            facts[f"failed_{kind}"] = totals.get(f"failed_{kind}", 0)
    return entries


def _change(retro: Record, rules: Rules) -> int | None:
    agent_grade, user_grade = retro.get("agent_grade"), retro.get("user_grade")
    if agent_grade in GRADE_LABELS and user_grade in GRADE_LABELS:
        return points.score_change(int(agent_grade), int(user_grade), rules)
    return None


def _iso(when: Any) -> str | None:
    """A replay time (a UTC key) as ISO 8601 with its offset."""
    if isinstance(when, str) and len(when) == 23:
        return f"{when}+00:00"
    return None


def rederive(state: Overlay, written: list[str], rules: Rules) -> None:
    """After records came from elsewhere (an import, a migration): the timeline keys of the
    commits written and the counters of every agent they name."""
    for agent_id in sorted(add_timelines(state, written)):
        refresh(state, agent_id, rules)


def add_timelines(state: Overlay, written: list[str]) -> set[str]:
    """The timeline keys of the commits written; returns the agents the records name, whose
    counters are then to be replayed."""
    agents = set()
    for key in written:
        kind = keys.prefix_of(key)
        if kind == "commit":
            record = state.get(key) or {}
            when = origin(record)[0]
            if counted(record) and when:
                project, commit_hash = keys.parts(key)[1:]
                state.put(keys.timeline(record["agent_id"], when, project, commit_hash), {})
                agents.add(record["agent_id"])
        elif kind in ("agent", "retrospective", "bug", "activity", "usage"):
            agents.add(keys.parts(key)[1])
    return agents


def counted(record: Record) -> bool:
    """Whether a commit record counts in its agent's timeline (the older plugin's commits are
    in the agent's baseline already)."""
    return (
        record.get("kind", "agent") == "agent"
        and bool(record.get("agent_id"))
        and not record.get("legacy")
    )
