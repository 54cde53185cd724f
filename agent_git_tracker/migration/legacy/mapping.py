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
Mapper = Callable[[str, dict[str, Any]], Entry | None]


def to_entries(records: Iterable[LegacyRecord]) -> dict[str, dict[str, Any]]:
    """Our key and JSON-ready value for every legacy record."""
    entries: dict[str, dict[str, Any]] = {}
    for record in records:
        value = _jsonable(record.value)
        value = value if isinstance(value, dict) else {"value": value}
        mapper, rest = _mapper(record)
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
    ours = {"halted": isinstance(points, int | float) and points <= 0}
    if "scope" in value:
        ours["setup"] = value["scope"]
    return (keys.agent(agent_id), _with(value, ours)) if agent_id else None


def _commit(rest: str, value: dict[str, Any]) -> Entry | None:
    project_path, _, commit_hash = rest.rpartition(":")  # the path may hold ':' itself
    if not (project_path and commit_hash):
        return None
    ours = {"kind": "agent", "evidence": ["legacy agent-tracker plugin"]}
    return keys.commit(project_path, commit_hash), _with(value, ours)


def _communication(rest: str, value: dict[str, Any]) -> Entry | None:
    agent_id, tail = _split_agent(rest, value)
    commit_hash, _, millis = tail.rpartition(":")
    if not (agent_id and commit_hash and millis.isascii() and millis.isdigit()):
        return None
    key = keys.communication(agent_id, commit_hash, int(millis))
    return key, _with(value, {"given_by": "unknown"})


def _retrospective(rest: str, value: dict[str, Any]) -> Entry | None:
    agent_id, commit_hash = _split_agent(rest, value)
    if not (agent_id and commit_hash):
        return None
    return keys.retrospective(agent_id, commit_hash), _with(value, {"agent_id": agent_id})


def _activity(rest: str, value: dict[str, Any]) -> Entry | None:
    agent_id, timestamp = _split_agent(rest, value)
    if not (agent_id and timestamp):
        return None
    return keys.activity(agent_id, timestamp), _with(value, {"agent_id": agent_id})


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
