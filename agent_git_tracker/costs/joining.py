"""Joining a repository's commits to the agent sessions kept, and storing each commit's usage.

A pass over one repository searches again only what can have changed: commits not searched
yet (no `usage` in their record); commits of an agent one of whose sessions gained turns or
mentions (in this pass, or in another repository's pass, which leaves it `pending` here) that
are not joined and were made after what is new began, or are joined on weaker evidence (folder
and time, transcript) and were made while it was written; and joined commits no longer
attributed to an agent whose logs are read. The commits joined already to the sessions these
may join are joined again with them, keeping their session, so that each session's tokens are
split among all its commits. A commit joins only a session of the agent it is attributed to: a
human's commit, or another agent's, never takes a session's tokens. The join itself is
`agentlogs.join`; its answer goes into the commit record (`usage`), its digest and the
sessions (`commits`, `tied_until`). Nothing that did not change is written, so a second pass
writes nothing.

Commits are searched newest first, in chunks; past the deadline (after the first chunk) the
rest waits for the next pass, and so do the sessions that changed.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from agent_git_tracker.agentlogs import join
from agent_git_tracker.agentlogs.base import Turn
from agent_git_tracker.agentlogs.jsonl import past
from agent_git_tracker.agentlogs.prices import Prices
from agent_git_tracker.costs import stored
from agent_git_tracker.costs.commits import Found, apply_usage, log_agent, usage_of
from agent_git_tracker.costs.reading import Changed, leave, pending
from agent_git_tracker.store import keys
from agent_git_tracker.store.db import View, WriteView

CHUNK = 200
Key = tuple[str, str]


@dataclass
class Pass:
    """What a pass over a repository did."""

    searched: int = 0
    joined: int = 0
    written: int = 0
    complete: bool = True


def join_project(
    txn: WriteView,
    project: str,
    changed: Mapping[Key, Changed],
    prices: Prices,
    deadline: float | None = None,
    reprice: bool = False,
) -> Pass:
    """Join the commits of `project` that may have changed (see the module's docstring);
    with `reprice`, every joined commit of every repository is joined again (new prices)."""
    done = Pass()
    sessions = _Sessions(txn)
    dirty = pending(txn, project)
    for key, change in changed.items():
        if project in sessions.projects_of(change.record) or not change.record["projects"]:
            was = dirty.get(key, change)
            dirty[key] = Changed(
                change.record, min(was.first, change.first), max(was.last, change.last)
            )
    todo = _to_search(txn, project, dirty)
    everyone = (r for _, r in txn.scan(stored.SESSIONS)) if reprice else ()
    sources = [*(change.record for change in dirty.values()), *everyone]
    carried = {key for record in sources for key in sessions.commits_of(record)}
    for start in range(0, max(len(todo), 1), CHUNK):
        if start and past(deadline):  # the newest commits are joined whatever the time
            done.complete = False
            break
        chunk = todo[start : start + CHUNK]
        _join_chunk(
            txn, chunk, carried - set(chunk) if not start else set(), sessions, prices, done
        )
    sessions.write()
    leave(txn, project, dirty if not done.complete else {}, replace=True)
    return done


def has_work(view: View, project: str) -> bool:
    """Whether a pass over `project` would join anything when no log has anything new."""
    return bool(pending(view, project)) or bool(_to_search(view, project, {}))


# Joins that a session read later may take over: the weaker kinds of evidence.
_WEAK = ("folder-and-time", "transcript")


def _to_search(txn: View, project: str, dirty: Mapping[Key, Changed]) -> list[Key]:
    """The commits to search again, newest first: not searched yet; or of an agent with a
    session that changed, not joined and made after what is new in it began, or joined on
    weaker evidence during what is new; or joined but no longer attributed to an agent whose
    logs are read."""
    spans: dict[str, list[tuple[float, float]]] = {}
    for (who, _), change in dirty.items():
        spans.setdefault(who, []).append((change.first - join.SKEW, change.last + join.SKEW))
    found: dict[Key, str] = {}
    prefix = keys.digest_prefix(project)
    for key, fact in txn.scan(prefix):
        if not isinstance(fact, list) or len(fact) < 5:
            continue
        agent = log_agent(fact[1]) if fact[0] == "agent" else None
        usage = fact[10] if len(fact) > 10 else None
        if agent is None:
            search = bool(usage)
        elif usage is None:
            search = True
        elif agent in spans and (usage == [] or usage[0] in _WEAK):
            at = _epoch(fact[4])
            search = any(start <= at and (not usage or at <= end) for start, end in spans[agent])
        else:
            search = False
        if search:
            found[project, key[len(prefix) :]] = fact[4] or ""
    return sorted(found, key=lambda k: found[k], reverse=True)


def _epoch(key: Any) -> float:
    try:
        return datetime.fromisoformat(key).replace(tzinfo=UTC).timestamp()
    except (TypeError, ValueError):
        return 0.0


def _join_chunk(
    txn: WriteView,
    chunk: list[Key],
    carried: set[Key],
    sessions: _Sessions,
    prices: Prices,
    done: Pass,
) -> None:
    """Search some commits (`chunk`) for their session, and split again the tokens of the
    sessions they may join among all their commits. `carried` commits, and those others, keep
    their session: they are joined again only to split the tokens."""
    pool = {key: found for key in chunk if (found := Found.load(txn, *key)) is not None}
    candidates: dict[Key, dict[str, Any]] = {}
    for found in pool.values():
        candidates.update(sessions.candidates(found))
    more = carried | {key for r in list(candidates.values()) for key in sessions.commits_of(r)}
    for key in sorted(more - pool.keys()):
        if (found := Found.load(txn, *key)) is not None:
            pool[key] = found
            candidates.update(sessions.current(found))
    answers: dict[Key, join.CommitUsage] = {}
    for agent in sorted({found.agent for found in pool.values() if found.agent}):
        answers.update(_join_agent(agent, pool, candidates, sessions, prices))
    tied: dict[Key, list[tuple[Key, float]]] = {key: [] for key in candidates}
    searched = set(chunk)
    for key, found in pool.items():
        done.searched += key in searched
        done.joined += key in answers and key in searched
        if key in answers:
            tied[answers[key].agent, answers[key].session_id].append((key, found.time))
        if apply_usage(txn, found, usage_of(answers.get(key))):
            done.written += 1
    for session_key, record in candidates.items():
        sessions.tie(record, tied[session_key])


def _join_agent(
    agent: str,
    pool: Mapping[Key, Found],
    candidates: Mapping[Key, dict[str, Any]],
    sessions: _Sessions,
    prices: Prices,
) -> dict[Key, join.CommitUsage]:
    mine = [key for key, found in pool.items() if found.agent == agent]
    records = [record for (who, _), record in sorted(candidates.items()) if who == agent]
    if not mine or not records:
        return {}
    found = join.sessions(
        [sessions.moved_turn(t) for r in records for t in stored.turns_of(r)],
        [m for r in records for m in stored.mentions_of(r)],
    )
    others = {(project,) for record in records for project in sessions.projects_of(record)}
    result = join.join(found, [pool[key].commit for key in mine], prices, others)
    at = {(pool[key].commit.hash, pool[key].commit.roots): key for key in mine}
    return {at[usage.commit, usage.roots]: usage for usage in result.commits}


class _Sessions:
    """Session records read and written during one pass (each written once, at the end)."""

    def __init__(self, txn: WriteView) -> None:
        self.txn = txn
        self.cache: dict[Key, dict[str, Any] | None] = {}
        self.dirty: set[Key] = set()
        self.where: dict[str, list[list[Any]]] = {}

    def get(self, agent: str, session_id: str) -> dict[str, Any] | None:
        if (agent, session_id) not in self.cache:
            record = self.txn.get(stored.session_key(agent, session_id))
            ok = isinstance(record, dict) and record.get("v") == stored.VERSION
            self.cache[agent, session_id] = record if ok else None
        return self.cache[agent, session_id]

    def current(self, found: Found) -> dict[Key, dict[str, Any]]:
        """The session a commit is joined to now."""
        record = self.get(found.agent, found.current) if found.agent and found.current else None
        return {(record["agent"], record["session_id"]): record} if record else {}

    def candidates(self, found: Found) -> dict[Key, dict[str, Any]]:
        """The sessions a commit may join: named by it, printing its hash, working in its
        repository at its time, or joined to it already."""
        if found.agent is None:
            return {}
        agent, commit = found.agent, found.commit
        named = [found.current, commit.session_id, *commit.trailer_sessions]
        keys_: list[Key] = [(agent, s) for s in named if s]
        printed = self.txn.get(stored.printed_key(commit.hash))
        if isinstance(printed, dict):
            keys_ += [(a, s) for a, s in printed.get("sessions", []) if a == agent]
        for who, session_id, start, end in self._working(found.project):
            if who == agent and start <= commit.time <= end:
                keys_.append((who, session_id))
        return {key: record for key in keys_ if (record := self.get(*key)) is not None}

    def _working(self, project: str) -> list[list[Any]]:
        if project not in self.where:
            paths = [project, *(old for old, new in self.moved.items() if new == project)]
            self.where[project] = [
                v for path in paths for _, v in self.txn.scan(stored.where_prefix(path))
            ]
        return self.where[project]

    @functools.cached_property
    def moved(self) -> dict[str, str]:
        """Repositories that moved (`ledger.moves`): each earlier path → where it is now."""
        found: dict[str, str] = {}
        for _, profile in self.txn.scan("project:"):
            now = profile.get("project_path") if isinstance(profile, dict) else None
            if isinstance(now, str):
                found.update((old, now) for old in profile.get("moved_from") or [])
        return found

    def projects_of(self, record: Mapping[str, Any]) -> list[str]:
        """The repositories a session worked in, where they are now."""
        return [self.moved.get(path, path) for path in record["projects"]]

    def commits_of(self, record: Mapping[str, Any]) -> set[Key]:
        """The commits joined to a session, in their repositories as they are now."""
        return {(self.moved.get(path, path), commit) for path, commit in record["commits"]}

    def moved_turn(self, turn: Turn) -> Turn:
        if turn.cwd is None or turn.cwd not in self.moved:
            return turn
        return dataclasses.replace(turn, cwd=self.moved[turn.cwd])

    def tie(self, record: dict[str, Any], commits: Iterable[tuple[Key, float]]) -> None:
        """Remember the commits joined to a session and the time of its last one."""
        mine = sorted(commits, key=lambda pair: (pair[1], pair[0]))
        tied = [list(key) for key, _ in mine]
        until = mine[-1][1] if mine else None
        if record["commits"] != tied or record["tied_until"] != until:
            record["commits"], record["tied_until"] = tied, until
            self.dirty.add((record["agent"], record["session_id"]))

    def write(self) -> None:
        for agent, session_id in sorted(self.dirty):
            record = self.cache.get((agent, session_id))
            if record is not None:
                self.txn.put(stored.session_key(agent, session_id), record)
