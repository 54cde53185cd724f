"""Apply spooled events to the database state. Used by the flush, and by `status` to show
pending events: the same code either way, over an overlay that collects every write so that
each key is written once.

Events write facts: commit records under the hash a commit ended with, every grade given (the
latest one counts), bugs, activities, usage. The agents' counters are not added up event by
event: they are replayed from those facts (`counters`), so that the same history gives the
same numbers whatever order and batches its events were flushed in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from agent_git_tracker.attribution.agents import near_known_warning
from agent_git_tracker.attribution.attribute import attribute, record_fields
from agent_git_tracker.ledger import assignment, counters, digest
from agent_git_tracker.ledger.events import clean_event
from agent_git_tracker.ledger.overlay import Overlay, Record
from agent_git_tracker.ledger.records import (
    ACTIVITY_FIELDS,
    ATTRIBUTION,
    event_origin,
    git_facts,
    grade_order,
    hook_context,
    sessions_named,
    subject,
)
from agent_git_tracker.ledger.rewrites import Rewrites, earliest
from agent_git_tracker.models import GRADE_LABELS, Rules
from agent_git_tracker.store import keys, upgrade
from agent_git_tracker.times import iso
from agent_git_tracker.times import origin as origin_of


@dataclass
class Context:
    """What a flush knows beyond the events: rules, and per project facts read from git."""

    rules: Rules
    repo_agents: Mapping[str, str | None] = field(default_factory=dict)
    own_agents: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    profiles: Mapping[str, Record] = field(default_factory=dict)


@dataclass
class Outcome:
    """What applying a batch did, for the user and for the caller."""

    commits: int = 0
    rewritten: int = 0
    grades: list[str] = field(default_factory=list)
    regraded: list[str] = field(default_factory=list)
    halted: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    projects: set[str] = field(default_factory=set)
    agents: set[str] = field(default_factory=set)


class Ledger:
    """Applies events in order to an overlay, then replays the counters of the agents they
    touched."""

    def __init__(self, state: Overlay, context: Context) -> None:
        self.state = state
        self.context = context
        self.rules = context.rules
        self.outcome = Outcome()
        self.rewrites = Rewrites(state)
        self.touched: set[str] = set()
        self.whole = False  # replay the touched agents' whole history (after an upgrade)
        # Commits whose events arrived under an earlier hash: (project, final hash) → events.
        self._inherited: dict[tuple[str, str], list[Record]] = {}
        self._moved: dict[tuple[str, str], str] = {}
        self._known: set[str] | None = None
        self.later: list[tuple[Record, str]] = []  # corrections of commits not recorded yet

    def apply(self, events: Iterable[Record], refresh: bool = True) -> Outcome:
        events = [clean_event(event) for event in events]
        self.rewrites.index(events)
        handlers: dict[str, Callable[[Record], None]] = {
            "commit": self.on_commit,
            "rewrite": self.on_rewrite,
            "grade": self.on_grade,
            "bug": self.on_bug,
            "activity": self.on_activity,
            "resume": self.on_resume,
            "tool": self.on_usage,
            "command": self.on_usage,
            "reassign": lambda event: assignment.apply(self, event),
        }
        for event in events:
            handlers[event["type"]](event)
        for (project, target), inherited in sorted(self._inherited.items()):
            if self.state.get(keys.commit(project, target)) is None:
                self._create(project, target, inherited, None)
        self.outcome.notes += assignment.finish(self)
        self._repoint_bugs()
        if self.state.get(upgrade.REFRESH_AGENTS) is not None:
            self.touched |= set(self._agents())  # an upgrade asks for every agent's replay
            self.whole = True
            self.state.delete(upgrade.REFRESH_AGENTS)
        if refresh:  # else the caller replays the counters once for many ledgers
            self.refresh()
        return self.outcome

    # --- commits ----------------------------------------------------------------------------

    def put_commit(self, project: str, commit_hash: str, record: Record) -> None:
        """A commit record, its digest and its place in its agent's timeline, together."""
        old = self.state.get(keys.commit(project, commit_hash))
        if old is not None:
            self._untime(project, commit_hash, old)
        self.state.put(keys.commit(project, commit_hash), record)
        self.state.put(keys.digest(project, commit_hash), digest.of(record))
        when = origin_of(record)[0]
        if counters.counted(record) and when:
            agent = record["agent_id"]
            self.state.put(keys.timeline(agent, when, project, commit_hash), {})
            self.touched.add(agent)

    def delete_commit(self, project: str, commit_hash: str) -> None:
        old = self.state.get(keys.commit(project, commit_hash))
        if old is not None:
            self._untime(project, commit_hash, old)
        self.state.delete(keys.commit(project, commit_hash))
        self.state.delete(keys.digest(project, commit_hash))

    def _untime(self, project: str, commit_hash: str, record: Record) -> None:
        when = origin_of(record)[0]
        if counters.counted(record) and when:
            agent = record["agent_id"]
            self.state.delete(keys.timeline(agent, when, project, commit_hash))
            self.touched.add(agent)

    def on_commit(self, event: Record) -> None:
        project, facts = event["project"], event["commit"]
        event = {**event, "_attribution": self._attribute(event)}
        target = self.rewrites.final(project, facts["hash"])
        if target != facts["hash"]:
            self._inherited.setdefault((project, target), []).append(event)
            return
        inherited = self._inherited.pop((project, target), [])
        earlier = [
            old
            for old in self.rewrites.preimages(project, target)
            if self.state.get(keys.commit(project, old)) is not None
        ]
        if earlier:
            self._move(project, earlier, target, facts)
        existing = self.state.get(keys.commit(project, target))
        if existing is None:
            self._create(project, target, inherited, event)
        elif inherited:
            self._adopt(project, target, inherited)
        elif existing.get("scanned") and not event.get("scanned") and not existing.get("assigned"):
            self._hook_wins(project, target, existing, event)

    def _hook_wins(self, project: str, target: str, record: Record, event: Record) -> None:
        """What the hooks saw when a commit was made (session, environment) is stronger than
        what a scan reads from its text, whichever was written first."""
        record = {**record, **event["_attribution"], "origin": event_origin(event)}
        record.pop("scanned", None)
        record.pop("usage", None)  # joined again to the agents' logs, with what the hook saw
        self.put_commit(project, target, record)

    def _attribute(self, event: Record) -> Record:
        found = attribute(
            event["commit"],
            event.get("session"),
            event.get("declared", {}),
            event.get("markers", []),
            self.context.repo_agents.get(event["project"]),
            self.context.own_agents,
        )
        note = near_known_warning(event.get("declared", {}).get("agent"), "AGENT_TRACKER_AGENT")
        if note and note not in self.outcome.notes:
            self.outcome.notes.append(note)
        fields = {
            **record_fields(found),
            **hook_context(event, found.evidence),
            **sessions_named(event),
        }
        if event.get("scanned"):
            fields["evidence"] = [*fields["evidence"], "scan"]
        return fields

    def _create(
        self, project: str, target: str, inherited: list[Record], own: Record | None
    ) -> None:
        """A new commit record. A commit made by rewriting others (an amend, a fixup, a
        rebase) keeps the attribution of its earliest pre-image: the rewrite's own event
        tells who ran the rewrite, not who made the work."""
        first = min(inherited, key=event_origin) if inherited else own
        assert first is not None
        facts = {**(own or first)["commit"], "hash": target}
        now = iso((own or first)["time"])
        record = {
            **first["_attribution"],
            "commit_hash": target,
            "project_path": project,
            "task_description": subject(first["commit"].get("message", "")),
            "experience_gained": 0,
            "timestamp": facts.get("committed_at") or now,
            **git_facts(facts),
            "recorded_at": now,
            "origin": event_origin(first),
        }
        if inherited:
            record["rewritten_from"] = sorted({e["commit"]["hash"] for e in inherited})
        if first.get("scanned"):
            record["scanned"] = True
        self.put_commit(project, target, record)
        self.embed_grades(project, target)
        self.outcome.commits += 1
        self.outcome.projects.add(project)

    def _adopt(self, project: str, target: str, inherited: list[Record]) -> None:
        """Pre-images seen only in this batch, of a commit recorded already."""
        record = self.state.get(keys.commit(project, target)) or {}
        first = min(inherited, key=event_origin)
        if event_origin(first) < origin_of(record) and not record.get("assigned"):
            record = {**record, **first["_attribution"], "origin": event_origin(first)}
        olds = {e["commit"]["hash"] for e in inherited}
        record["rewritten_from"] = sorted({*record.get("rewritten_from", []), *olds})
        self.put_commit(project, target, record)

    def on_rewrite(self, event: Record) -> None:
        project = event["project"]
        for old, new in event.get("mappings", []):
            if old == new:
                continue  # an amend that changed nothing (same second): the same commit
            target = self.rewrites.record(project, old, new, iso(event["time"]))
            if self.state.get(keys.commit(project, old)) is not None:
                self._move(project, [old], target, None)

    def _move(
        self, project: str, olds: list[str], target: str, facts: Mapping[str, Any] | None
    ) -> None:
        """Re-key rewritten commits (and their grades and bugs) under their new hash. A fold
        of several commits is one commit, attributed to its earliest pre-image."""
        records = [r for r in (self.state.get(keys.commit(project, o)) for o in olds) if r]
        existing = self.state.get(keys.commit(project, target))
        primary = earliest([*records, *([existing] if existing else [])])
        source = assignment.assigned_of([*records, existing]) or primary  # the user's word wins
        moved = {
            **(existing or primary),
            **{k: source[k] for k in ATTRIBUTION if k in source},
            "origin": origin_of(primary),
            "commit_hash": target,
            "rewritten_from": sorted(
                {o for r in records for o in r.get("rewritten_from", [])}
                | set(olds)
                | set((existing or {}).get("rewritten_from", []))
            ),
        }
        moved.pop("usage", None)  # a new hash and time: joined again to the agents' logs
        if not primary.get("scanned"):
            moved.pop("scanned", None)  # the hooks saw this work being made
        if facts is not None:
            moved.update(git_facts(facts))
        for old in olds:
            self.delete_commit(project, old)
            self._move_children(project, old, target)
        self.put_commit(project, target, moved)
        self.embed_grades(project, target)
        self.outcome.rewritten += len(olds)

    def _move_children(self, project: str, old: str, new: str) -> None:
        """Grades (all of them, the latest still counting) follow their commit; bugs follow
        at the end of the batch (`_repoint_bugs`)."""
        for agent in self._agents():
            retro = self.state.get(keys.retrospective(agent, project, old))
            if retro is None:
                continue
            self.state.delete(keys.retrospective(agent, project, old))
            self._keep_latest(agent, project, new, {**retro, "commit": new})
            history = keys.communication_prefix(agent, project, old)
            for grade_key, value in list(self.state.scan(history)):
                self.state.delete(grade_key)
                seq = int(keys.parts(grade_key)[4])
                self.state.put(
                    keys.communication(agent, project, new, seq), {**value, "commit_hash": new}
                )
        self._moved[(project, old)] = new

    def _agents(self) -> list[str]:
        """Every agent id known (grades of a commit may be given to any of them)."""
        if self._known is None:
            self._known = {keys.parts(k)[1] for k, _ in self.state.scan("agent:")}
        return sorted(self._known | self.touched)

    def _repoint_bugs(self) -> None:
        """Bugs name the commit that carried them: follow this batch's rewrites, in one pass."""
        if not self._moved:
            return
        for key, value in list(self.state.scan("bug:")):
            where = (value.get("project_path"), value.get("commit"))
            if where in self._moved:
                new = self.rewrites.final(where[0] or "", self._moved[where])
                self.state.put(key, {**value, "commit": new})

    def _keep_latest(self, agent: str, project: str, commit_hash: str, retro: Record) -> bool:
        """Store `retro` as the grade that counts unless a later one is there already."""
        key = keys.retrospective(agent, project, commit_hash)
        current = self.state.get(key)
        if current is not None and grade_order(current) > grade_order(retro):
            return False
        self.state.put(key, retro)
        self.touched.add(agent)
        return True

    def embed_grades(self, project: str, commit_hash: str) -> None:
        """Keep the counting grade's summary in the commit record too, so that the report
        reads one record per commit instead of two."""
        key = keys.commit(project, commit_hash)
        record = self.state.get(key)
        if record is None:
            return
        agent = record.get("agent_id", "")
        retro = self.state.get(keys.retrospective(agent, project, commit_hash))
        summary = {f: retro.get(f) for f in digest.GRADE_SUMMARY} if retro else None
        if record.get("grade") != summary:
            self.state.put(key, {**record, "grade": summary})
            self.state.put(
                keys.digest(project, commit_hash), digest.of({**record, "grade": summary})
            )

    # --- grades, bugs, activity -------------------------------------------------------------

    def commit_agent(self, project: str, commit_hash: str) -> str | None:
        record = self.state.get(keys.commit(project, commit_hash))
        if record is None:
            pending = self._inherited.get((project, commit_hash))
            record = pending[0]["_attribution"] if pending else None
        return record["agent_id"] if record and record.get("kind") == "agent" else None

    def on_grade(self, event: Record) -> None:
        project, now = event["project"], iso(event["time"])
        commit_hash = self.rewrites.final(project, event["commit"])
        agent_id = event.get("agent") or self.commit_agent(project, commit_hash)
        if not agent_id:
            self.outcome.notes.append(f"grade of {commit_hash[:12]} skipped: no agent recorded")
            return
        if self.state.get(keys.retrospective(agent_id, project, commit_hash)) is not None:
            self.outcome.regraded.append(commit_hash)
        retro = {
            "agent_id": agent_id,
            "project_path": project,
            "commit": commit_hash,
            "timestamp": now,
            "task": event.get("task") or "",
            "agent_grade": event["agent_grade"],
            "user_grade": event["user_grade"],
            "agent_note": event.get("agent_note") or "",
            "user_note": event.get("user_note") or "",
            "event": event["id"],
        }
        if self._keep_latest(agent_id, project, commit_hash, retro):
            self.embed_grades(project, commit_hash)
        millis = int(event["time"] * 1000)
        for seq, who in enumerate(("agent", "user")):
            grade = event[f"{who}_grade"]
            self.state.put(
                keys.communication(agent_id, project, commit_hash, millis * 2 + seq),
                {
                    "agent_id": agent_id,
                    "commit_hash": commit_hash,
                    "project_path": project,
                    "grade": grade,
                    "label": GRADE_LABELS[grade],
                    "given_by": who,
                    "timestamp": now,
                },
            )
        self.outcome.grades.append(commit_hash)

    def on_bug(self, event: Record) -> None:
        now = iso(event["time"])
        commit_hash = event.get("commit")
        if commit_hash:
            commit_hash = self.rewrites.final(event["project"], commit_hash)
        self.state.put(
            keys.bug(event["agent"], now, event["id"]),
            {
                "agent_id": event["agent"],
                "timestamp": now,
                "commit": commit_hash,
                "project_path": event["project"],
                "note": event.get("note") or "",
            },
        )
        self.touched.add(event["agent"])

    def on_activity(self, event: Record) -> None:
        now = event.get("timestamp") or iso(event["time"])
        self._log(event, now, {f: event.get(f) or "" for f in ACTIVITY_FIELDS})

    def on_resume(self, event: Record) -> None:
        plan = event.get("plan") or ""
        entry = {
            "task": counters.RESUME_TASK,
            "actions": plan,
            "outcome": f"reinstated at SP {self.rules.resume_skill_points}",
            "decisions": plan,
        }
        self._log(event, iso(event["time"]), entry)

    def _log(self, event: Record, now: str, entry: Record) -> None:
        """An activity journal entry (a resume is one too)."""
        agent = event["agent"]
        record = {"agent_id": agent, "project_path": event["project"], "timestamp": now, **entry}
        self.state.put(keys.activity(agent, now, event["id"]), record)
        self.touched.add(agent)

    def on_usage(self, event: Record) -> None:
        """A tool use or command of an agent, counted per day and setup (XP at replay)."""
        now = iso(event["time"])
        kind = "tool_uses" if event["type"] == "tool" else "commands"
        setup = f"{event.get('model') or ''}|{event.get('setup') or ''}"
        key = keys.usage(event["agent"], now[:10])
        usage = self.state.get(key) or {"agent_id": event["agent"], "day": now[:10], "setups": {}}
        counts = usage["setups"].setdefault(setup, {})
        name = f"failed_{kind}" if event.get("failed") else kind
        counts[name] = counts.get(name, 0) + 1
        self.state.put(key, usage)
        self.touched.add(event["agent"])

    # --- counters ---------------------------------------------------------------------------

    def refresh(self) -> None:
        for agent_id in sorted(self.touched):
            before = self.state.get(keys.agent(agent_id))
            agent = counters.refresh(self.state, agent_id, self.rules, whole=self.whole)
            self.outcome.agents.add(agent_id)
            if agent.get("halted") and not (before or {}).get("halted"):
                self.outcome.halted.append(agent_id)
