"""Map the older plugin's records onto our keys and values (DESIGN.md, Storage).

Every legacy field is kept as it is; ours are added only where the legacy value lacks that name.
A record of a kind we do not know, or whose key does not parse, goes under `meta:legacy:…`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from agent_git_tracker.store import keys


@dataclass(frozen=True)
class LegacyRecord:
    """One record as lmdb-js returns it: dates as ISO strings, hidden keys never included."""

    db: str | None  # the sub-DB's name, or None in the flat layout
    key: str
    value: Any


Entry = tuple[str, dict[str, Any]]
_BASELINE = (
    "skill_points",
    "experience_points",
    "communication_score",
    "total_commits",
    "total_bugs",
)
# The unique part of keys made from the older plugin's, whose own keys were unique already.
LEGACY_UNIQUE = "legacy"
Mapper = Callable[[str, dict[str, Any]], Entry | None]


def to_entries(records: Iterable[LegacyRecord]) -> dict[str, dict[str, Any]]:
    """Our key and JSON-ready value for every legacy record. Grades name their project (our
    keys hold it): from their own value, else from the commit they grade."""
    entries: dict[str, dict[str, Any]] = {}
    values = []
    for record in records:
        value = _jsonable(record.value)
        values.append((record, value if isinstance(value, dict) else {"value": value}))
    projects = {
        str(v.get("commit_hash")): v["project_path"]
        for _, v in values
        if isinstance(v.get("project_path"), str) and v.get("commit_hash")
    }
    for record, raw in values:
        mapper, rest = _mapper(record)
        value = raw
        if mapper in (_communication, _retrospective) and not raw.get("project_path"):
            found = projects.get(str(raw.get("commit_hash") or raw.get("commit") or ""))
            value = {**raw, "project_path": found or ""}
        key, mapped = (mapper and mapper(rest, value)) or _unknown(record, value)
        entries[key] = mapped
    return entries


def _mapper(record: LegacyRecord) -> tuple[Mapper | None, str]:
    """The mapper for a record and the part of its key that it parses."""
    if record.db is not None:
        return _BY_DB.get(record.db), record.key
    prefix, _, rest = record.key.partition(":")
    return _BY_PREFIX.get(prefix), rest


def _unknown(record: LegacyRecord, value: dict[str, Any]) -> Entry:
    name = record.key if record.db is None else f"{record.db}:{record.key}"
    return keys.meta(f"legacy:{name}"), value


def _agent(agent_id: str, value: dict[str, Any]) -> Entry | None:
    points = value.get("skill_points")
    ours: dict[str, Any] = {"halted": isinstance(points, int | float) and points <= 0}
    # The plugin's counters: the agent's later counters start from them (`ledger.counters`).
    ours["baseline"] = {k: value[k] for k in _BASELINE if k in value} | {"halted": ours["halted"]}
    if "scope" in value:
        ours["setup"] = value["scope"]
    return (keys.agent(agent_id), _with(value, ours)) if agent_id else None


def _commit(rest: str, value: dict[str, Any]) -> Entry | None:
    project_path, _, commit_hash = rest.rpartition(":")  # the path may hold ':' itself
    if not (project_path and commit_hash):
        return None
    ours = {"kind": "agent", "evidence": ["legacy agent-tracker plugin"], "legacy": True}
    return keys.commit(project_path, commit_hash), _with(value, ours)


def _communication(rest: str, value: dict[str, Any]) -> Entry | None:
    agent_id, tail = _split_agent(rest, value)
    commit_hash, _, millis = tail.rpartition(":")
    if not (agent_id and commit_hash and millis.isascii() and millis.isdigit()):
        return None
    project = str(value.get("project_path") or "")
    key = keys.communication(agent_id, project, commit_hash, int(millis))
    return key, _with(value, {"given_by": "unknown"})


def _retrospective(rest: str, value: dict[str, Any]) -> Entry | None:
    agent_id, commit_hash = _split_agent(rest, value)
    if not (agent_id and commit_hash):
        return None
    project = str(value.get("project_path") or "")
    ours = {"agent_id": agent_id, "commit": commit_hash, "legacy": True}
    return keys.retrospective(agent_id, project, commit_hash), _with(value, ours)


def _activity(rest: str, value: dict[str, Any]) -> Entry | None:
    agent_id, timestamp = _split_agent(rest, value)
    if not (agent_id and timestamp):
        return None
    key = keys.activity(agent_id, timestamp, LEGACY_UNIQUE)
    return key, _with(value, {"agent_id": agent_id})


def _project(path: str, value: dict[str, Any]) -> Entry | None:
    ours = {"project_path": path}
    if "language" in value:
        ours["main_language"] = value["language"]
    return (keys.project(path), _with(value, ours)) if path else None


def _migration(path: str, value: dict[str, Any]) -> Entry | None:
    return keys.meta(f"legacy-migration:{path}"), value


def _split_agent(rest: str, value: dict[str, Any]) -> tuple[str, str]:
    """The agent id and the rest of a key: the id ends at the first ':', unless the value's own
    `agent_id` holds ':' and starts the key (ids are free text; the old keys did not quote them).
    """
    agent_id = value.get("agent_id")
    if isinstance(agent_id, str) and rest.startswith(f"{agent_id}:"):
        return agent_id, rest[len(agent_id) + 1 :]
    agent_id, _, tail = rest.partition(":")
    return agent_id, tail


def _with(value: dict[str, Any], ours: dict[str, Any]) -> dict[str, Any]:
    return {**value, **{name: v for name, v in ours.items() if name not in value}}


def _jsonable(value: Any) -> Any:
    """The value with bytes as hex strings, so that `json.dumps` takes it."""
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return {str(name): _jsonable(v) for name, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


_BY_DB: dict[str, Mapper] = {
    "agents": _agent,
    "commits": _commit,
    "communication": _communication,
    "retrospectives": _retrospective,
    "activities": _activity,
    "projects": _project,
    "migrations": _migration,
}
_BY_PREFIX: dict[str, Mapper] = {
    "agent": _agent,
    "commit": _commit,
    "communication": _communication,
}
