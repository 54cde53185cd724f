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

from collections.abc import Iterator
from datetime import date, timedelta
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


_KINDS = ("timeline", "retrospective", "bug", "activity", "usage")
_TOOLS = ("tool_uses", "commands", "failed_tool_uses", "failed_commands")


def refresh(state: Overlay, agent_id: str, rules: Rules, whole: bool = False) -> Record:
    """Replay one agent's counters into its record; returns the record. When every record
    written in `state` is new and later than the last one replayed (a commit, a grade, a bug:
    the usual case), the replay goes on from the counters kept, so a flush costs its own
    events, not the agent's whole history. `whole`: records came from elsewhere (an import, an
    upgrade), written beside `state`: replay everything."""
    old = state.get(keys.agent(agent_id)) or {}
    record = None if whole else _continued(state, agent_id, rules, old)
    if record is None:
        facts = _Facts()
        entries = [
            entry
            for kind, key, value in _records(state, agent_id)
            if (entry := facts.add(kind, key, value, rules)) is not None
        ]
        derived, _ = points.replay(agent_id, entries, rules, old.get("baseline"))
        record = {**old, **{k: derived[k] for k in _COUNTERS}, **facts.fields(state)}
        record["created_at"] = _iso(record["created_at"]) or old.get("created_at")
        _through(record, max(entries, key=points.Entry.order, default=None), facts.latest)
    record.setdefault("id", agent_id)
    record.setdefault("name", agent_id)
    record["updated_at"] = _iso(record["updated_at"]) or old.get("updated_at")
    if record != old:
        state.put(keys.agent(agent_id), record)
    return record


def _continued(state: Overlay, agent_id: str, rules: Rules, old: Record) -> Record | None:
    """The counters after only the records written in `state`, from those kept in `old`; None
    when a written record is not new (changed, deleted) or not later than the last replayed,
    but for a day's tool uses counted on."""
    through = (old.get("replayed") or {}).get("through")
    if not isinstance(through, list) or len(through) != 3 or keys.agent(agent_id) in state.dirty:
        return None  # never replayed here, or a record written since (an import's): replay all
    facts = _Facts(old)
    entries = []
    for kind in _KINDS:
        for key, value in state.written(keys.of_agent(kind, agent_id)):
            before = None if value is None else state.base.get(key)
            if value is None or (before is not None and kind != "usage"):
                return None
            if before is None:
                entry = facts.add(kind, key, value, rules)
            elif (entry := facts.grown(key, before, value, rules)) is None:
                return None  # a day's tool uses counted down: replay all
            if entry is None:
                continue
            # Only a day's tool uses may count before the last entry replayed (`_set_back`).
            if list(entry.order()) <= through and (
                kind != "usage" or _set_back(state, agent_id, entry.time, through)
            ):
                return None
            entries.append(entry)
    agent = {**old}
    for entry in sorted(entries, key=points.Entry.order):
        agent, _ = points.apply(agent, entry, rules)
        if list(entry.order()) > through:
            agent["updated_at"] = entry.time
        elif entry.time < str(agent.get("created_at") or "")[:23]:
            agent["created_at"] = _iso(entry.time)  # a day's tool uses before its first commit
    record = {**agent, **facts.fields(state)}
    last = max(entries, key=points.Entry.order, default=None)
    if last is not None and list(last.order()) > through:
        _through(record, last, facts.latest)
    return record


def _set_back(state: Overlay, agent_id: str, since: str, through: list[Any]) -> bool:
    """Whether a bug or a resume of the agent, from `since` (a day's start) to the last entry
    replayed, may have changed what experience earned then was worth. Without one, XP gained
    at the day's start or after the entries replayed since reaches the same counters (commits
    and grades only add XP, and level-ups depend on its sum alone). Checked over at most a
    week of days: longer, the caller replays everything."""
    first, last = date.fromisoformat(since[:10]), str(through[0])[:10]
    days = [(first + timedelta(days=n)).isoformat() for n in range(8)]
    if last not in days:
        return True
    for day in days[: days.index(last) + 1]:
        for _ in state.scan(f"{keys.of_agent('bug', agent_id)}{day}"):
            return True
        for _, value in state.scan(f"{keys.of_agent('activity', agent_id)}{day}"):
            if value.get("task") == RESUME_TASK:
                return True
    return False


def _through(record: Record, last: points.Entry | None, latest: str | None) -> None:
    """Where the replay stopped: the last entry replayed, and the agent's latest commit."""
    if last is None:
        record.pop("replayed", None)
    else:
        record["replayed"] = {"through": list(last.order()), "latest": latest}


def _records(state: Reader, agent_id: str) -> Iterator[tuple[str, str, Record]]:
    """Every record of the agent that its counters or facts come from, with its kind."""
    for kind in _KINDS:
        for key, value in state.scan(keys.of_agent(kind, agent_id)):
            yield kind, key, value


class _Facts:
    """What the agent record shows beside its counters: the model and setup of its latest
    commit, its last activity, its tool uses and commands; from `old` when going on."""

    def __init__(self, old: Record | None = None) -> None:
        old = old or {}
        self.latest: str | None = (old.get("replayed") or {}).get("latest")
        self.last_activity: str | None = old.get("last_activity")
        self.tools = {name: old[name] for name in _TOOLS if name in old}
        self.tools_seen = False

    def add(self, kind: str, key: str, value: Record, rules: Rules) -> points.Entry | None:
        """Note one record; returns its entry in the replay, if it has one."""
        if kind == "timeline":
            self.latest = max(self.latest or "", key)
            return points.Entry(keys.parts(key)[2], "commit", key)
        if kind == "retrospective":
            change = None if value.get("legacy") else _change(value, rules)  # legacy: baseline
            when = utc_millis(value.get("timestamp"))
            return points.Entry(when, "grade", key, change) if change is not None and when else None
        if kind == "bug":
            return points.Entry(utc_millis(value.get("timestamp")) or "", "bug", key)
        if kind == "activity":
            self.last_activity = max(self.last_activity or "", value.get("timestamp", ""))
            when = utc_millis(value.get("timestamp")) or ""
            return points.Entry(when, "resume", key) if value.get("task") == RESUME_TASK else None
        return self._usage(key, value, rules)

    def _usage(self, key: str, usage: Record, rules: Rules, sign: int = 1) -> points.Entry:
        """A day's tool uses and commands earn their XP at the start of that day (UTC);
        `sign` -1 takes a record's counts back out."""
        earned = 0
        for counts in (usage.get("setups") or {}).values():
            for name in ("tool_uses", "commands"):
                count, failed = int(counts.get(name, 0)), int(counts.get(f"failed_{name}", 0))
                if name in counts or f"failed_{name}" in counts:
                    self.tools[name] = self.tools.get(name, 0) + sign * (count + failed)
                    self.tools[f"failed_{name}"] = (
                        self.tools.get(f"failed_{name}", 0) + sign * failed
                    )
            earned += rules.tool_experience * int(counts.get("tool_uses", 0))
            earned += rules.command_experience * int(counts.get("commands", 0))
        return points.Entry(f"{usage.get('day', '')}T00:00:00.000", "usage", key, sign * earned)

    def grown(self, key: str, before: Record, after: Record, rules: Rules) -> points.Entry | None:
        """A day's usage record counted on from `before` to `after`: what it adds (None when
        it is of another day, or earns less than before)."""
        if before.get("day") != after.get("day"):
            return None
        taken = self._usage(key, before, rules, -1)
        added = self._usage(key, after, rules)
        earned = added.amount + taken.amount
        return None if earned < 0 else points.Entry(added.time, "usage", key, earned)

    def fields(self, state: Reader) -> Record:
        facts: Record = dict(self.tools)
        if self.last_activity:
            facts["last_activity"] = self.last_activity
        if self.latest:
            _, _, _, project, commit_hash = keys.parts(self.latest)
            commit = state.get(keys.commit(project, commit_hash)) or {}
            facts["model"], facts["setup"] = commit.get("model"), commit.get("setup")
        return facts


def steps(state: Reader, agent_id: str, rules: Rules) -> dict[str, points.Step]:
    """What each record did to the agent (CS before and after each grade…), by record key."""
    old = state.get(keys.agent(agent_id)) or {}
    facts = _Facts()
    entries = [
        entry
        for kind, key, value in _records(state, agent_id)
        if (entry := facts.add(kind, key, value, rules)) is not None
    ]
    return points.replay(agent_id, entries, rules, old.get("baseline"))[1]


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
        refresh(state, agent_id, rules, whole=True)


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
