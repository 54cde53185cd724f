"""What the database keeps of the agents' logs: sessions, their indexes, and the cursors.

Records (all `meta:logs:…`, this machine's own: never exported):

- `session:<agent>:<session id>`: one agent session, `{"v": 1, "agent", "session_id",
  "projects", "models", "turns", "mentions", "commits", "tied_until"}`. `turns` lists each
  model response once, by time: `[key, time, model, project, input, cached input, cache write,
  output, reasoning, side conversation]`, `model` and `project` being positions in `models`
  (as the log writes them) and `projects` (the repositories it worked in, -1 for none);
  `mentions` the commit hashes it printed, `[hash, time]`; `commits` the commits joined to
  it, `[project, hash]`; `tied_until` the time of the last of them (its tokens after that
  time are not tied to a commit).
- `where:<project>:<agent>:<session id>`: `[start, end]` of a session that worked in a
  repository (the join's folder-and-time evidence).
- `printed:<7 hex>`: `[[agent, session id], …]`, the sessions that printed a commit hash
  starting so (the transcript evidence).
- `pending:<project>`: `{"sessions": [[agent, session id, first, last], …]}`, sessions that
  gained turns or mentions (from `first` to `last`) in a pass that did not join this
  repository's commits to them: its next pass does.
- `prices`: `{"prices": fingerprint}` of the price table the commits' costs were computed
  with (`passes`).
- `cursor:<agent>:<root>`: `{"agent", "root", "cursor"}`, how far each log file under one of
  the reader's roots was read (the reader's cursor: the files' paths, sizes, offsets and the
  state to resume with, a working folder in it named by its repository).

Only ids, model ids, times, token counts and repository paths are stored, and, in the
cursors, the paths of the log files read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from agent_git_tracker.agentlogs.base import Mention, Turn, unique
from agent_git_tracker.store import keys

VERSION = 1
PREFIX = "logs:"


def _key(*parts: str) -> str:
    return keys.meta(PREFIX + ":".join(keys.quote(part) for part in parts))


def meta_key(name: str) -> str:
    return _key(name)


def session_key(agent: str, session_id: str) -> str:
    return _key("session", agent, session_id)


SESSIONS = keys.meta(PREFIX + "session:")


def where_key(project: str, agent: str, session_id: str) -> str:
    return _key("where", project, agent, session_id)


def where_prefix(project: str) -> str:
    return _key("where", project) + ":"


def printed_key(commit: str) -> str:
    return _key("printed", commit[:7])


def pending_key(project: str) -> str:
    return _key("pending", project)


def cursor_key(agent: str, root: str) -> str:
    return _key("cursor", agent, root)


def new_session(agent: str, session_id: str) -> dict[str, Any]:
    return {
        "v": VERSION,
        "agent": agent,
        "session_id": session_id,
        "projects": [],
        "models": [],
        "turns": [],
        "mentions": [],
        "commits": [],
        "tied_until": None,
    }


def turns_of(record: Mapping[str, Any]) -> list[Turn]:
    """The session's turns, as the readers gave them (the folder is the repository)."""
    agent, session_id = record["agent"], record["session_id"]
    models, projects = record["models"], record["projects"]
    return [
        Turn(
            agent=agent,
            session_id=session_id,
            key=key,
            time=time,
            model=models[model],
            cwd=projects[project] if project >= 0 else None,
            git_branch=None,
            input_tokens=tokens[0],
            cached_input_tokens=tokens[1],
            cache_write_tokens=tokens[2],
            output_tokens=tokens[3],
            reasoning_tokens=tokens[4],
            sidechain=bool(side),
        )
        for key, time, model, project, *tokens, side in record["turns"]
    ]


def mentions_of(record: Mapping[str, Any]) -> list[Mention]:
    agent, session_id = record["agent"], record["session_id"]
    return [Mention(agent, session_id, commit, time) for commit, time in record["mentions"]]


def merged(
    record: Mapping[str, Any], turns: Iterable[Turn], mentions: Iterable[Mention]
) -> dict[str, Any]:
    """The session with more turns (one per key, `base.best` of copies) and mentions, in
    time order; the same whichever way the turns came."""
    fresh = unique(turns)
    rows = record["turns"]
    known = {row[0] for row in rows}
    last = rows[-1][1] if rows else float("-inf")
    if all(t.key not in known and t.time > last for t in fresh):
        kept, models, projects = fresh, list(record["models"]), list(record["projects"])
    else:  # a turn again, or an older one read late: everything is merged and sorted again
        kept, models, projects, rows = [*turns_of(record), *fresh], [], [], []
    kept = sorted(unique(kept), key=lambda t: (t.time, t.key))
    model_at = {
        name: n for n, name in enumerate(dict.fromkeys([*models, *(t.model for t in kept)]))
    }
    project_at = {
        path: n
        for n, path in enumerate(dict.fromkeys([*projects, *(t.cwd for t in kept if t.cwd)]))
    }
    printed = {(m.hash, m.time) for m in mentions_of(record)} | {(m.hash, m.time) for m in mentions}
    return {
        **record,
        "projects": list(project_at),
        "models": list(model_at),
        "turns": [*rows, *(_row(t, model_at, project_at) for t in kept)],
        "mentions": [[commit, time] for commit, time in sorted(printed, key=lambda m: m[::-1])],
    }


def _row(turn: Turn, model_at: Mapping[str, int], project_at: Mapping[str, int]) -> list[Any]:
    return [
        turn.key,
        turn.time,
        model_at[turn.model],
        project_at[turn.cwd] if turn.cwd else -1,
        turn.input_tokens,
        turn.cached_input_tokens,
        turn.cache_write_tokens,
        turn.output_tokens,
        turn.reasoning_tokens,
        int(turn.sidechain),
    ]


def span(record: Mapping[str, Any]) -> tuple[float, float] | None:
    """The times of the session's first and last events; None when it has none."""
    times = [turn[1] for turn in record["turns"][:1] + record["turns"][-1:]]
    times += [mention[1] for mention in record["mentions"][:1] + record["mentions"][-1:]]
    return (min(times), max(times)) if times else None
