"""Apply spooled events to the database state. Used by the flush, and by `status` to show
pending events: the same code either way, over an overlay that collects every write so that
each key is written once."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from agent_git_tracker.attribution.attribute import attribute
from agent_git_tracker.ledger import digest
from agent_git_tracker.ledger import points as rules
from agent_git_tracker.ledger.events import clean_event, iso
from agent_git_tracker.ledger.overlay import Overlay, Record
from agent_git_tracker.models import GRADE_LABELS, Rules
from agent_git_tracker.store import keys


@dataclass
class Context:
    """What a flush knows beyond the events: rules, and per project facts read from git."""

    rules: Rules
    repo_agents: Mapping[str, str | None] = field(default_factory=dict)
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
    """Applies events in order to an overlay."""

    def __init__(self, state: Overlay, context: Context) -> None:
        self.state = state
        self.context = context
        self.rules = context.rules
        self.outcome = Outcome()
        self._final: dict[tuple[str, str], str] = {}
        self._inherited: dict[tuple[str, str], Record] = {}

    # --- agents -----------------------------------------------------------------------------

    def agent(self, agent_id: str, now: str) -> Record:
        return self.state.get(keys.agent(agent_id)) or rules.new_agent(agent_id, now, self.rules)

    def save_agent(self, agent: Record, now: str) -> None:
        agent = {**agent, "updated_at": now}
        self.state.put(keys.agent(agent["id"]), agent)
        self.outcome.agents.add(agent["id"])

    # --- the batch --------------------------------------------------------------------------

    def apply(self, events: Iterable[Record]) -> Outcome:
        events = list(events)
        for event in events:
            if event.get("type") == "rewrite":
                for old, new in event.get("mappings", []):
                    self._final[(event["project"], old)] = new
                    # A commit rewritten back to an earlier hash is alive again: "" stops the walk.
                    self._final[(event["project"], new)] = ""
        handlers: dict[str, Callable[[Record], None]] = {
            "commit": self.on_commit,
            "rewrite": self.on_rewrite,
            "grade": self.on_grade,
            "bug": self.on_bug,
            "activity": self.on_activity,
            "resume": self.on_resume,
            "tool": self.on_usage,
            "command": self.on_usage,
        }
        for event in events:
            handlers[event["type"]](clean_event(event))
        for (project, target), origin in self._inherited.items():
            if self.state.get(keys.commit(project, target)) is None:
                facts = {**origin["commit"], "hash": target}
                who = {**origin["_attribution"], "rewritten_from": origin["_replaced"]}
                self._create_commit({**origin, "commit": facts}, who)
        return self.outcome

    def final(self, project: str, commit_hash: str) -> str:
        """The hash a commit ended up with after amends and rebases (in this batch or earlier)."""
        seen = set()
        current = commit_hash
        while current not in seen:
            seen.add(current)
            nxt = self._final.get((project, current))
            if nxt == "":
                return current
            if nxt is None:
                stored = self.state.get(keys.meta(f"rewrite:{keys.quote(project)}:{current}"))
                nxt = stored.get("to") if stored else None
            if not nxt:
                return current
            current = nxt
        return current

    def _preimages(self, project: str, target: str) -> list[str]:
        return [
            old
            for (p, old), new in self._final.items()
            if p == project and new and old != target and self.final(project, old) == target
        ]

    # --- commits ----------------------------------------------------------------------------

    def put_commit(self, project: str, commit_hash: str, record: Record) -> None:
        """A commit record and its digest, always together."""
        self.state.put(keys.commit(project, commit_hash), record)
        self.state.put(keys.digest(project, commit_hash), digest.of(record))

    def delete_commit(self, project: str, commit_hash: str) -> None:
        self.state.delete(keys.commit(project, commit_hash))
        self.state.delete(keys.digest(project, commit_hash))

    def on_commit(self, event: Record) -> None:
        project, facts = event["project"], event["commit"]
        target = self.final(project, facts["hash"])
        who = self._attribute(event)
        if target != facts["hash"]:
            origin = self._inherited.setdefault((project, target), {**event, "_attribution": who})
            origin.setdefault("_replaced", []).append(facts["hash"])
            return
        inherited = self._inherited.pop((project, target), None)
        if inherited:
            who = {**inherited["_attribution"], "rewritten_from": inherited["_replaced"]}
        earlier = [
            p for p in self._preimages(project, target) if self.state.get(keys.commit(project, p))
        ]
        if earlier:
            self._move(project, earlier, target, event)
        elif self.state.get(keys.commit(project, target)) is None:
            self._create_commit(event, who)

    def _attribute(self, event: Record) -> Record:
        found = attribute(
            event["commit"],
            event.get("session"),
            event.get("declared", {}),
            event.get("markers", []),
            self.context.repo_agents.get(event["project"]),
        )
        setup = (event.get("session") or {}).get("setup") or event.get("declared", {}).get("setup")
        kind = found.kind if found.agent not in ("bot", "human") else found.agent
        return {
            "agent_id": found.agent,
            "model": found.model,
            "setup": setup or None,
            "kind": kind,
            "evidence": list(found.evidence),
        }

    def _create_commit(self, event: Record, who: Record) -> None:
        project, facts = event["project"], event["commit"]
        now = iso(event["time"])
        record = {
            **who,
            "commit_hash": facts["hash"],
            "project_path": project,
            "task_description": _subject(facts.get("message", "")),
            "experience_gained": 0,
            "timestamp": facts.get("committed_at") or now,
            **_git_facts(facts),
            "recorded_at": now,
        }
        if who["kind"] == "agent":
            agent = rules.commit(self.agent(who["agent_id"], now), self.rules)
            agent["model"] = who["model"] or agent.get("model")
            agent["setup"] = who["setup"] or agent.get("setup")
            record["experience_gained"] = self.rules.commit_experience
            self.save_agent(agent, now)
        self.put_commit(project, facts["hash"], record)
        self._embed_grade(project, who["agent_id"], facts["hash"])
        self.outcome.commits += 1
        self.outcome.projects.add(project)

    def on_rewrite(self, event: Record) -> None:
        project = event["project"]
        for old, new in event.get("mappings", []):
            target = self.final(project, new)
            self.state.put(
                keys.meta(f"rewrite:{keys.quote(project)}:{old}"),
                {"to": target, "time": iso(event["time"])},
            )
            self.state.delete(keys.meta(f"rewrite:{keys.quote(project)}:{target}"))
            if self.state.get(keys.commit(project, old)) is not None:
                self._move(project, [old], target, None)

    def _move(self, project: str, olds: list[str], target: str, event: Record | None) -> None:
        """Re-key rewritten commits (and their grades and bugs) under their new hash."""
        records = [r for r in (self.state.get(keys.commit(project, o)) for o in olds) if r]
        existing = self.state.get(keys.commit(project, target))
        keep = records[0]
        extra = records if existing else records[1:]
        for record in extra:  # counted once: a squash of two commits is one commit
            if record.get("kind") == "agent":
                agent = self.agent(record["agent_id"], record["timestamp"])
                agent["total_commits"] = max(0, agent["total_commits"] - 1)
                self.save_agent(agent, record["timestamp"])
        moved = {
            **(existing or keep),
            **{k: keep[k] for k in _ATTRIBUTION if k in keep},
            "commit_hash": target,
            "rewritten_from": sorted({*keep.get("rewritten_from", []), *olds}),
        }
        if event is not None:
            moved.update(_git_facts(event["commit"]))
        for old in olds:
            self.delete_commit(project, old)
            self._move_children(project, keep.get("agent_id", ""), old, target)
        self.put_commit(project, target, moved)
        self._embed_grade(project, moved.get("agent_id", ""), target)
        self.outcome.rewritten += len(olds)

    def _move_children(self, project: str, agent_id: str, old: str, new: str) -> None:
        for key, value in list(self.state.scan(keys.communication_prefix(agent_id, old))):
            self.state.delete(key)
            seq = int(keys.parts(key)[3])
            self.state.put(keys.communication(agent_id, new, seq), {**value, "commit_hash": new})
        retro = self.state.get(keys.retrospective(agent_id, old))
        if retro is not None:
            self.state.delete(keys.retrospective(agent_id, old))
            if self.state.get(keys.retrospective(agent_id, new)) is None:
                self.state.put(keys.retrospective(agent_id, new), {**retro, "commit": new})
        for key, value in list(self.state.scan(keys.bug(agent_id, ""))):
            if value.get("commit") == old and value.get("project_path") == project:
                self.state.put(key, {**value, "commit": new})

    # --- grades, bugs, activity -------------------------------------------------------------

    def commit_agent(self, project: str, commit_hash: str) -> str | None:
        record = self.state.get(keys.commit(project, commit_hash))
        return record["agent_id"] if record and record.get("kind") == "agent" else None

    def on_grade(self, event: Record) -> None:
        project, now = event["project"], iso(event["time"])
        commit_hash = self.final(project, event["commit"])
        agent_id = event.get("agent") or self.commit_agent(project, commit_hash)
        if not agent_id:
            self.outcome.notes.append(f"grade of {commit_hash[:12]} skipped: no agent recorded")
            return
        previous = self.state.get(keys.retrospective(agent_id, commit_hash))
        agent = self.agent(agent_id, now)
        score = agent["communication_score"]
        if previous:  # a re-grade replaces the earlier grade instead of adding to it
            undo = previous["score_after"] - previous["score_before"]
            score = max(self.rules.communication_score_floor, score - undo)
            for key, _ in list(self.state.scan(keys.communication_prefix(agent_id, commit_hash))):
                self.state.delete(key)
            self.outcome.regraded.append(commit_hash)
        change = rules.score_change(event["agent_grade"], event["user_grade"], self.rules)
        agent = rules.grade(
            {**agent, "communication_score": score}, change, self.rules, first=previous is None
        )
        self.save_agent(agent, now)
        self.state.put(
            keys.retrospective(agent_id, commit_hash),
            {
                "agent_id": agent_id,
                "project_path": project,
                "commit": commit_hash,
                "timestamp": now,
                "task": event.get("task") or "",
                "agent_grade": event["agent_grade"],
                "user_grade": event["user_grade"],
                "score_before": score,
                "score_after": agent["communication_score"],
                "agent_note": event.get("agent_note") or "",
                "user_note": event.get("user_note") or "",
            },
        )
        self._embed_grade(project, agent_id, commit_hash)
        millis = int(event["time"] * 1000)
        for seq, who in enumerate(("agent", "user")):
            grade = event[f"{who}_grade"]
            self.state.put(
                keys.communication(agent_id, commit_hash, millis + seq),
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
        self._note_halt(agent)

    def _embed_grade(self, project: str, agent_id: str, commit_hash: str) -> None:
        """Keep the grade's summary in the commit record too, so that the report reads one
        record per commit instead of two."""
        key = keys.commit(project, commit_hash)
        record = self.state.get(key)
        if record is None or record.get("agent_id") != agent_id:
            return
        retro = self.state.get(keys.retrospective(agent_id, commit_hash))
        summary = {f: retro[f] for f in digest.GRADE_SUMMARY} if retro else None
        if record.get("grade") != summary:
            self.put_commit(project, commit_hash, {**record, "grade": summary})

    def on_bug(self, event: Record) -> None:
        now = iso(event["time"])
        agent = self.agent(event["agent"], now)
        commit_hash = event.get("commit")
        if commit_hash:
            commit_hash = self.final(event["project"], commit_hash)
        updated = rules.bug(agent, self.rules)
        self.save_agent(updated, now)
        self.state.put(
            keys.bug(event["agent"], now),
            {
                "agent_id": event["agent"],
                "timestamp": now,
                "commit": commit_hash,
                "project_path": event["project"],
                "note": event.get("note") or "",
                "skill_points_before": agent["skill_points"],
                "skill_points_after": updated["skill_points"],
            },
        )
        self._note_halt(updated)

    def _note_halt(self, agent: Record) -> None:
        if rules.is_halted(agent) and agent["id"] not in self.outcome.halted:
            self.outcome.halted.append(agent["id"])

    def on_activity(self, event: Record) -> None:
        now = event.get("timestamp") or iso(event["time"])
        self._log(
            event,
            now,
            {f: event.get(f) or "" for f in ACTIVITY_FIELDS},
            self.agent(event["agent"], now),
        )

    def on_resume(self, event: Record) -> None:
        now = iso(event["time"])
        agent = rules.resume(self.agent(event["agent"], now), self.rules)
        plan = event.get("plan") or ""
        entry = {
            "task": "resume after halt",
            "actions": plan,
            "outcome": f"reinstated at SP {agent['skill_points']}",
            "decisions": plan,
        }
        self._log(event, now, entry, agent)

    def _log(self, event: Record, now: str, entry: Record, agent: Record) -> None:
        """An activity journal entry, and the agent's last activity."""
        self.save_agent({**agent, "last_activity": now}, now)
        self.state.put(
            keys.activity(event["agent"], now),
            {
                "agent_id": event["agent"],
                "project_path": event["project"],
                "timestamp": now,
                **entry,
            },
        )

    def on_usage(self, event: Record) -> None:
        """A tool use or command of an agent: XP when it succeeded, and a usage count."""
        now = iso(event["time"])
        kind = "tool_uses" if event["type"] == "tool" else "commands"
        agent = self.agent(event["agent"], now)
        agent[kind] = agent.get(kind, 0) + 1
        if event.get("failed"):
            agent[f"failed_{kind}"] = agent.get(f"failed_{kind}", 0) + 1
        else:
            experience = (
                self.rules.tool_experience
                if event["type"] == "tool"
                else self.rules.command_experience
            )
            agent = rules.gain(agent, experience, self.rules)
        self.save_agent(agent, now)
        setup = f"{event.get('model') or ''}|{event.get('setup') or ''}"
        key = keys.usage(event["agent"], now[:10])
        usage = self.state.get(key) or {"agent_id": event["agent"], "day": now[:10], "setups": {}}
        counts = usage["setups"].setdefault(setup, {})
        name = f"failed_{kind}" if event.get("failed") else kind
        counts[name] = counts.get(name, 0) + 1
        self.state.put(key, usage)


ACTIVITY_FIELDS = ("task", "actions", "outcome", "decisions")


_ATTRIBUTION = ("agent_id", "model", "setup", "kind", "evidence", "task_description")


_GIT_FIELDS = (
    "author_name",
    "author_email",
    "authored_at",
    "committer_name",
    "committer_email",
    "committed_at",
    "parents",
    "branch",
    "files_changed",
    "insertions",
    "deletions",
    "stats_capped",
)


def _git_facts(facts: Mapping[str, Any]) -> Record:
    return {"subject": _subject(facts.get("message", "")), **{f: facts.get(f) for f in _GIT_FIELDS}}


def _subject(message: str) -> str:
    return message.strip().split("\n", 1)[0][:500]
