"""Named, ordered upgrades of databases (and export files) written by earlier versions.

Each step runs once, inside the write transaction that opens an older database, and is
recorded as `meta:upgrade:<name>`; `meta:schema` then says the version reached.

1. `project-in-grade-keys` (schema 2): grades, bugs and activities carry what makes them unique.
   `communication:<agent>:<hash>:<seq>` → `communication:<agent>:<project>:<hash>:<seq>` and
   `retrospective:<agent>:<hash>` → `retrospective:<agent>:<project>:<hash>` (two repositories
   can share a commit hash); `bug:` and `activity:` keys end with a unique id (two of one
   millisecond are two records); each agent commit gets its `timeline:` key, and the agents'
   counters are replayed from the records (`meta:refresh-agents`, done by the next flush or
   read).
2. `compact-records` (schema 3): every record in the stored form of `compact` (the ledger's
   records without what their keys and other fields hold, the two communication events of a
   grade as one record, large text deflated); readers see the same records. Done in chunks
   of `CHUNK` records, each its own transaction that records how far it got
   (`meta:upgrade-progress`): a database near its size limit has room for it, and a process
   killed part way leaves records that read the same either way, and the next open goes on.
3. `deflate-with-shared-words` (schema 4): records of a layout (commits, grades) deflated
   against the words records share (`words`), in chunks as in schema 3. About 12 % fewer
   bytes of B-tree pages per graded commit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from typing import Any, Protocol

from agent_git_tracker.store import compact, keys, pairs
from agent_git_tracker.times import origin

REFRESH_AGENTS = keys.meta("refresh-agents")
SCHEMA = keys.meta("schema")
PROGRESS = keys.meta("upgrade-progress")
CHUNK = 5000
# The unique part given to the bug and activity keys of earlier versions, unique already.
MIGRATED = "migrated"


class Writable(Protocol):
    def get(self, key: str) -> Any | None: ...
    def scan(self, prefix: str) -> Iterator[tuple[str, Any]]: ...
    def stored(self, after: str | None, limit: int) -> list[tuple[str, bytes]]: ...
    def put(self, key: str, value: Any) -> None: ...
    def delete(self, key: str) -> None: ...


Change = tuple[str | None, str, Any]  # (old key to delete, or None; new key; value)


def project_in_grade_keys(items: Iterable[tuple[str, Any]]) -> Iterator[Change]:
    """The schema 2 form of schema 1 records (only the ones that change), from all of them."""
    records = list(items)
    projects: dict[str, str] = {}
    for key, value in records:
        note_project(projects, key, value)
    for key, value in records:
        yield from _rekey(key, value, projects)


def note_project(projects: dict[str, str], key: str, value: Any) -> None:
    """Remember the project of a commit record, by hash (schema 1 grade keys lack it)."""
    if key.startswith("commit:") and isinstance(value, dict):
        project, commit_hash = keys.parts(key)[1:]
        projects[commit_hash] = value.get("project_path") or project


def schema_2_record(key: str, value: Any, projects: Mapping[str, str]) -> tuple[str, Any]:
    """One schema 1 record in its schema 2 form (the timeline a commit gets is made apart)."""
    for old, new, changed in _rekey(key, value, projects):
        if old is not None:
            return new, changed
    return key, value


def _rekey(key: str, value: Any, projects: Mapping[str, str]) -> Iterator[Change]:
    prefix, _, rest = key.partition(":")
    record = value if isinstance(value, dict) else {}
    if prefix == "communication" and rest.count(":") == 2:
        agent, commit_hash, seq = rest.split(":")
        project = record.get("project_path") or projects.get(commit_hash, "")
        new = keys.communication(keys.unquote(agent), project, commit_hash, int(seq))
        yield key, new, value
    elif prefix == "retrospective" and rest.count(":") == 1:
        agent, commit_hash = rest.split(":")
        project = record.get("project_path") or projects.get(commit_hash, "")
        new = keys.retrospective(keys.unquote(agent), project, commit_hash)
        yield key, new, {**record, "commit": record.get("commit") or commit_hash}
    elif prefix in ("bug", "activity"):
        agent, _, timestamp = rest.partition(":")
        maker = keys.bug if prefix == "bug" else keys.activity
        yield key, maker(keys.unquote(agent), timestamp, MIGRATED), value
    elif prefix == "commit" and record.get("kind", "agent") == "agent":
        when = origin(record)[0]
        if when and record.get("agent_id"):
            project, commit_hash = keys.parts(key)[1:]
            yield None, keys.timeline(record["agent_id"], when, project, commit_hash), {}


def _to_schema_2(txn: Writable) -> None:
    items = [
        (key, value)
        for prefix in ("commit:", "communication:", "retrospective:", "bug:", "activity:")
        for key, value in txn.scan(prefix)
    ]
    for old, new, value in project_in_grade_keys(items):
        if old is not None:
            txn.delete(old)
        txn.put(new, value)
    txn.put(REFRESH_AGENTS, {"reason": "counters are replayed from the records"})


def _compact_records(txn: Writable) -> bool:
    """One chunk of records into their stored form of this version (schema 3: compact; 4:
    deflated against the shared words); True when none is left."""
    after = (txn.get(PROGRESS) or {}).get("after")
    chunk = txn.stored(after, CHUNK)
    for key, raw in chunk:
        if key.startswith("meta:"):
            continue
        place = pairs.slot(key)
        for name, value in pairs.records(key, raw):
            if (place is not None and not pairs.is_pair(raw)) or compact.pack(name, value) != raw:
                txn.put(name, value)
    if len(chunk) < CHUNK:
        txn.delete(PROGRESS)
        return True
    txn.put(PROGRESS, {"after": chunk[-1][0]})
    return False


# (schema reached, name, step): a step returns False to be called again in a new transaction.
STEPS: tuple[tuple[int, str, Callable[[Writable], bool | None]], ...] = (
    (2, "project-in-grade-keys", _to_schema_2),
    (3, "compact-records", _compact_records),
    (4, "deflate-with-shared-words", _compact_records),
)
VERSION = STEPS[-1][0]


def upgrade(writing: Callable[[], AbstractContextManager[Writable]], when: str) -> list[str]:
    """Run every step the database still needs, each in transactions of its own that also
    record the schema reached: whatever instant a process stops at, the next open goes on
    from there. Returns the steps' names."""
    done = []
    for number, name, step in STEPS:
        while True:
            with writing() as txn:
                version = int((txn.get(SCHEMA) or {}).get("version", 0))
                finished = version >= number or step(txn) is not False
                if finished and version < number:
                    txn.put(keys.meta(f"upgrade:{name}"), {"version": number, "at": when})
                    txn.put(SCHEMA, {"version": number})
                    done.append(name)
            if finished:
                break
    return done
