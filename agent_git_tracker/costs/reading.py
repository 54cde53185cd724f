"""Reading what is new in the agents' logs on this machine, and keeping it.

`read_logs` runs outside any write transaction (a first read of a large history takes a
while, and hooks must not wait for it): each reader reads its roots from the cursors stored,
within a deadline. `keep` then writes, in the caller's one write transaction, the sessions
with their new turns and mentions, their indexes and the new cursors: a kill at any instant
leaves both or neither, and a turn read twice (a cursor lost, a log copied) is kept once.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent_git_tracker.agentlogs import READERS
from agent_git_tracker.agentlogs.base import Cursor, Mention, Turn
from agent_git_tracker.agentlogs.folders import repository_of
from agent_git_tracker.agentlogs.jsonl import past
from agent_git_tracker.costs import stored
from agent_git_tracker.store.db import View, WriteView


@dataclass
class Changed:
    """A session that gained turns or mentions: its record, and the times of what is new."""

    record: dict[str, Any]
    first: float
    last: float


Sessions = dict[tuple[str, str], Changed]


@dataclass
class Read:
    """What one read of every log found: new turns and mentions, the cursors that moved."""

    turns: list[Turn] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    cursors: dict[str, dict[str, Any]] = field(default_factory=dict)
    skipped: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    complete: bool = True


def read_logs(
    view: View, environ: Mapping[str, str], home: Path, deadline: float | None = None
) -> Read:
    """Read every agent's logs from where the stored cursors left off; past `deadline` (a
    `time.monotonic()` instant), the rest waits for the next read."""
    found = Read()
    where = _Folders()
    for reader in READERS:
        for root in reader.roots(environ, home):
            if past(deadline):
                found.complete = False
                return found
            key = stored.cursor_key(reader.AGENT, str(root))
            old = view.get(key)
            cursor = old.get("cursor") if isinstance(old, dict) else None
            try:
                result = reader.read(root, cursor, deadline)
            except OSError as error:
                found.notes.append(f"the logs under {root} were not read: {error.strerror}")
                continue
            found.turns += [dataclasses.replace(t, cwd=where(t.cwd)) for t in result.turns]
            found.mentions += result.mentions
            found.skipped.update(result.skipped)
            new = {"agent": reader.AGENT, "root": str(root), "cursor": _scrub(result.cursor, where)}
            if new != old:
                found.cursors[key] = new
    found.complete = not past(deadline)
    return found


class _Folders:
    """Working folders named by their repository (`folders.repository_of`), each looked up
    once per read."""

    def __init__(self) -> None:
        self.seen: dict[str, str | None] = {}

    def __call__(self, folder: str | None) -> str | None:
        if folder is None:
            return None
        if folder not in self.seen:
            self.seen[folder] = repository_of(folder)
        return self.seen[folder]


def _scrub(cursor: Cursor, where: Callable[[str | None], str | None]) -> Cursor:
    """The cursor with the working folder a reader keeps in a file's state (`cwd`) named by
    its repository, as the turns are: no other path of the user's is stored."""
    files = cursor.get("files")
    if not isinstance(files, dict):
        return cursor
    scrubbed = {}
    for path, entry in files.items():
        state = entry.get("state") if isinstance(entry, dict) else None
        if isinstance(state, dict) and isinstance(state.get("cwd"), str):
            scrubbed[path] = {**entry, "state": {**state, "cwd": where(state["cwd"])}}
        else:
            scrubbed[path] = entry
    return {**cursor, "files": scrubbed}


def keep(txn: WriteView, found: Read) -> Sessions:
    """Write the sessions that gained turns or mentions, their indexes and the cursors; the
    sessions that changed, by (agent, session id)."""
    turns: dict[tuple[str, str], list[Turn]] = defaultdict(list)
    mentions: dict[tuple[str, str], list[Mention]] = defaultdict(list)
    for turn in found.turns:
        turns[turn.agent, turn.session_id].append(turn)
    for mention in found.mentions:
        mentions[mention.agent, mention.session_id].append(mention)
    changed: Sessions = {}
    for agent, session_id in sorted(turns.keys() | mentions.keys()):
        key = stored.session_key(agent, session_id)
        old = txn.get(key)
        if not isinstance(old, dict) or old.get("v") != stored.VERSION:
            old = stored.new_session(agent, session_id)
        new = stored.merged(old, turns[agent, session_id], mentions[agent, session_id])
        if new != old:
            txn.put(key, new)
            _index(txn, old, new)
            times = [t.time for t in turns[agent, session_id]]
            times += [m.time for m in mentions[agent, session_id]]
            changed[agent, session_id] = Changed(new, min(times), max(times))
    for key, value in found.cursors.items():
        txn.put(key, value)
    return changed


def _index(txn: WriteView, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
    """The session's place in the folder-and-time and the printed-hash indexes."""
    agent, session_id = new["agent"], new["session_id"]
    start, end = stored.span(new) or (0.0, 0.0)
    for project in new["projects"]:
        txn.put(stored.where_key(project, agent, session_id), [agent, session_id, start, end])
    known = {commit for commit, _ in old["mentions"]}
    for commit in {commit for commit, _ in new["mentions"]} - known:
        key = stored.printed_key(commit)
        printed = txn.get(key)
        sessions = printed.get("sessions", []) if isinstance(printed, dict) else []
        if [agent, session_id] not in sessions:
            txn.put(key, {"sessions": [*sessions, [agent, session_id]]})


def postpone(txn: WriteView, changed: Sessions, project: str) -> None:
    """Sessions of other repositories wait for those repositories' next pass."""
    waiting: dict[str, Sessions] = defaultdict(dict)
    for key, change in changed.items():
        for other in change.record["projects"]:
            if other != project:
                waiting[other][key] = change
    for other, sessions in waiting.items():
        leave(txn, other, sessions)


def pending(txn: View, project: str) -> Sessions:
    """The sessions other passes left for a repository's next pass."""
    waiting = txn.get(stored.pending_key(project))
    found: Sessions = {}
    for agent, session_id, first, last in (waiting or {}).get("sessions", []):
        record = txn.get(stored.session_key(agent, session_id))
        if isinstance(record, dict) and record.get("v") == stored.VERSION:
            found[agent, session_id] = Changed(record, first, last)
    return found


def leave(txn: WriteView, project: str, sessions: Sessions, replace: bool = False) -> None:
    """Add sessions (and the times of what is new in them) to a repository's next pass; with
    `replace`, they are all it will have."""
    key = stored.pending_key(project)
    before = txn.get(key)
    spans = {} if replace else {(a, s): (f, t) for a, s, f, t in (before or {}).get("sessions", [])}
    for (agent, session_id), change in sessions.items():
        first, last = spans.get((agent, session_id), (change.first, change.last))
        spans[agent, session_id] = (min(first, change.first), max(last, change.last))
    after = {"sessions": [[a, s, first, last] for (a, s), (first, last) in sorted(spans.items())]}
    if spans and after != before:
        txn.put(key, after)
    elif not spans and before is not None:
        txn.delete(key)
