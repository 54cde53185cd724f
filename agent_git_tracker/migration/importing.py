"""`import` of an export file, streamed: memory bounded whatever the file's size, every record
landed once however often the import is stopped and run again.

Two passes, each reading one line at a time:

1. `check`: the header and every line (a bad file writes nothing at all), keys unique, the
   record count the header announces, what is new to the database and whether it fits under
   `max_database_size` (said before anything is written, with a limit above the one set).
   For files of version 1, the project of each commit (their grade keys lack it).
2. `write`: batches of `BATCH` records, each ONE transaction that records itself as a flush
   records its batches (`meta:import:<file digest>:<batch>`, with what it wrote): a run that
   is killed and run again skips the batches done and counts them in its summary. A last
   transaction replays the counters of the agents the records name and forgets the batch
   records. Until it has, `meta:refresh-agents` asks the next flush to replay every agent.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from array import array
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from agent_git_tracker.config.settings import Config
from agent_git_tracker.errors import TrackerError, UsageError
from agent_git_tracker.ledger import counters, digest
from agent_git_tracker.ledger.overlay import Overlay
from agent_git_tracker.migration.merge import EXPORT, MAX_KEY_BYTES, Merged, MergeResult, Source
from agent_git_tracker.migration.merge import plan as merge_plan
from agent_git_tracker.store import compact, keys, upgrade
from agent_git_tracker.store.views import COUNTS

FORMAT = "agent-git-tracker-export"
# 2: grade keys hold the project, bug and activity keys a unique id (`store.upgrade`).
VERSION = 2
UNIQUE_KEYS = 2  # files of earlier versions have their keys upgraded on the way in
BATCH = 5000
LINE_LIMIT = 64 * 1024**2
PREFIX = keys.meta("import:")
# Share of a page's bytes LMDB fills, on average, as records are added in no order.
FILL = 0.6
NODE = 10  # LMDB's bytes per record beyond its key and value
SAMPLE = 8  # one record in SAMPLE is packed to measure what the others will take
CEILING = 2 * 1024**3


@dataclass
class Checked:
    """What the first pass learnt of a file."""

    version: int
    digest: str
    records: int = 0  # records to import (another machine's bookkeeping left out)
    skipped: int = 0
    result: MergeResult = field(default_factory=MergeResult)
    needed: float = 0  # bytes the new records will take on disk, estimated
    projects: dict[str, str] = field(default_factory=dict)  # version 1: commit → project


def exported(key: str) -> bool:
    """Whether a key is a record an export carries (not a machine's bookkeeping, nor what is
    derived again from the records)."""
    local = (keys.meta("schema"), keys.meta("batch:"), keys.meta("upgrade"), PREFIX, COUNTS)
    logs = keys.meta("logs:")  # the agents' logs read on this machine (`costs.stored`)
    return not key.startswith(
        (*local, logs, upgrade.REFRESH_AGENTS, keys.meta("migration:"), "digest:", "timeline:")
    )


def import_export(config: Config, path: Path, dry_run: bool) -> Merged:
    """Merge an export file into the database, additively and exactly once."""
    from agent_git_tracker.store.db import exists, open_store

    if dry_run and not exists(config):
        checked = check(path, None, None)
        return Merged(path, EXPORT, checked.records, checked.result, checked.skipped)
    with open_store(config) as store:
        with store.reading() as view:
            used, room = store.space()
            checked = check(path, view, (used, room, config))
        if dry_run:
            return Merged(path, EXPORT, checked.records, checked.result, checked.skipped)
        result = write(store, path, checked)
    return Merged(path, EXPORT, checked.records, result, checked.skipped)


def check(path: Path, view: Any, space: tuple[int, int, Config] | None) -> Checked:
    """The first pass: every line checked, nothing written; raises for a bad file and for
    records that cannot fit."""
    with _open(path) as f:
        first = _line(path, f, 1)
        version, announced = _header(path, first)
        checked = Checked(version, "")
        content = hashlib.sha256(first)
        digests = array("Q")
        in_order, last = True, ""
        written: Counter[str] = Counter()
        present: Counter[str] = Counter()
        differing = 0
        for number, raw in _lines(path, f):
            content.update(raw)
            key, value = _record(path, number, raw)
            digests.append(_code(key))
            if version < UNIQUE_KEYS:
                upgrade.note_project(checked.projects, key, value)
                key, value = upgrade.schema_2_record(key, value, checked.projects)
            in_order, last = in_order and key > last, key
            if not exported(key):
                checked.skipped += 1
                continue
            checked.records += 1
            if key.startswith("digest:"):
                continue
            old = view.get(key) if view is not None else None
            if old is None:
                written[keys.prefix_of(key)] += 1
                if (written.total() - 1) % SAMPLE == 0:
                    checked.needed += SAMPLE * _stored_size(key, value)
            else:
                present[keys.prefix_of(key)] += 1
                differing += old != value and not key.startswith("agent:")
    total = len(digests)
    if not in_order:
        _no_repeats(path, digests)
    if total != announced:
        raise UsageError(
            f"{path} holds {total} records but its header says {announced}: the file is "
            "incomplete or was edited. Nothing was imported; export it again"
        )
    checked.digest = content.hexdigest()[:24]
    checked.result = MergeResult(dict(written), dict(present), differing)
    if space is not None:
        _fits(path, checked, *space)
    return checked


def _stored_size(key: str, value: Any) -> float:
    """What a new record will take in the database, with the records derived from it."""
    size: float = len(key) + len(compact.pack(key, value)) + NODE
    if key.startswith("communication:"):
        size = (size + 8) / 2  # a grade's two events are one record
    elif key.startswith("commit:") and isinstance(value, dict):
        size += len(key) + len(compact.dumps(digest.of(value))) + NODE  # its digest
        size += len(key) + 40 + NODE  # its place in its agent's timeline
    return size / FILL


def _fits(path: Path, checked: Checked, used: int, room: int, config: Config) -> None:
    if checked.needed <= room:
        return
    mib = 1024**2
    needed = used + checked.needed
    source = config.sources.get("max_database_size", "the default")
    limit = config.max_database_size
    why = (
        f"the {checked.result.total_written} new records of {path} need about "
        f"{checked.needed / mib:,.0f} MiB in the database, which has {room / mib:,.0f} MiB "
        f"free under its limit of {limit} bytes (max_database_size, from {source}); "
        "nothing was imported"
    )
    if needed > CEILING:
        raise TrackerError(
            f"{why}. That is more than the 2GiB a database may take: import it into a "
            "database of its own (--db-path), or a part of the file"
        )
    suggestion = min(CEILING, max(limit + mib, -(-int(needed * 1.1) // (64 * mib)) * 64 * mib))
    raise TrackerError(
        f"{why}. Raise max_database_size to at least {suggestion // mib}MiB (at most 2GiB), "
        f"for example with AGENT_TRACKER_MAX_DB_SIZE={suggestion // mib}MiB, and run the "
        "command again"
    )


def write(store: Any, path: Path, checked: Checked) -> MergeResult:
    """The second pass: one transaction per batch, each recorded, then the counters."""
    written: Counter[str] = Counter()
    present: Counter[str] = Counter()
    differing = 0
    for number, entries in enumerate(_batches(path, checked)):
        marker = keys.meta(f"import:{checked.digest}:{number:06d}")
        with store.writing() as txn:
            done = txn.get(marker)
            if done is None:
                done = _write_batch(txn, path, entries, marker)
        written.update(done["written"])
        present.update(done["present"])
        differing += done["differing"]
    with store.writing() as txn:
        state = Overlay(txn)
        agents: set[str] = set()
        for key, done in txn.scan(keys.meta(f"import:{checked.digest}:")):
            agents.update(done.get("agents", ()))
            state.delete(key)
        for agent_id in sorted(agents):
            counters.refresh(state, agent_id, store.config.rules, whole=True)
        if (state.get(upgrade.REFRESH_AGENTS) or {}).get("import") == checked.digest:
            state.delete(upgrade.REFRESH_AGENTS)
        txn.put_many(state.dirty)
    return MergeResult(dict(written), dict(present), differing)


def _write_batch(txn: Any, path: Path, entries: dict[str, Any], marker: str) -> dict[str, Any]:
    writes, merged = merge_plan(txn.get, [Source(path, EXPORT, entries)])
    state = Overlay(txn)
    for key, value in writes.items():
        state.put(key, value)
    agents = counters.add_timelines(state, list(writes))
    if state.get(upgrade.REFRESH_AGENTS) is None:
        digest_of_file = marker.split(":")[2]
        state.put(upgrade.REFRESH_AGENTS, {"reason": "an import", "import": digest_of_file})
    result = merged[0].result
    done = {
        "records": len(entries),
        "written": dict(result.written),
        "present": dict(result.present),
        "differing": result.differing,
        "agents": sorted(agents),
    }
    state.put(marker, done)
    txn.put_many(state.dirty)
    return done


def _batches(path: Path, checked: Checked) -> Iterator[dict[str, Any]]:
    """The file's records again, in batches (checked again: the file may have changed)."""
    entries: dict[str, Any] = {}
    with _open(path) as f:
        _header(path, _line(path, f, 1))
        for number, raw in _lines(path, f):
            key, value = _record(path, number, raw)
            if checked.version < UNIQUE_KEYS:
                key, value = upgrade.schema_2_record(key, value, checked.projects)
            if exported(key):
                entries[key] = value
            if len(entries) == BATCH:
                yield entries
                entries = {}
    if entries:
        yield entries


def _open(path: Path) -> BinaryIO:
    try:
        return path.open("rb")
    except OSError as e:
        raise TrackerError(f"cannot read {path}: {e.strerror}") from e


def _line(path: Path, f: BinaryIO, number: int) -> bytes:
    raw = f.readline(LINE_LIMIT + 1)
    if len(raw) > LINE_LIMIT:
        raise _bad_line(path, number, f"is longer than {LINE_LIMIT // 1024**2} MiB")
    return raw


def _lines(path: Path, f: BinaryIO) -> Iterator[tuple[int, bytes]]:
    """(line number, line) of every line after the header that is not blank."""
    number = 1
    while raw := _line(path, f, number + 1):
        number += 1
        if raw.strip():
            yield number, raw


def _no_repeats(path: Path, digests: array[int]) -> None:
    """Refuse a key that comes twice (keys out of order: by their sorted digests)."""
    ordered = sorted(digests)  # only for a file out of key order: export writes them in order
    twice = {a for a, b in itertools.pairwise(ordered) if a == b}
    if not twice:
        return
    seen: dict[str, int] = {}
    with _open(path) as f:
        _line(path, f, 1)
        for number, raw in _lines(path, f):
            key = _record(path, number, raw)[0]
            if _code(key) not in twice:
                continue
            if key in seen:
                raise _bad_line(path, number, f"repeats the key of line {seen[key]}")
            seen[key] = number


def _code(key: str) -> int:
    """64 bits of a key's digest: what the first pass keeps of each key."""
    data = keys.to_bytes(key)
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big")


def _header(path: Path, raw: bytes) -> tuple[int, int]:
    """The format version and the number of records the header announces; refuses another
    format or a newer one."""
    try:
        header = json.loads(raw)
    except ValueError:
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise _bad_line(path, 1, f'is not the header of an export ({{"format": "{FORMAT}"…}})')
    version, records = _count(header.get("version")), _count(header.get("records"))
    if version is None or version < 1:
        raise _bad_line(path, 1, f"has no valid version: {header.get('version')!r}")
    if version > VERSION:
        raise TrackerError(
            f"{path} is an export of format version {version}, newer than this "
            f"agent-git-tracker reads ({VERSION}); upgrade with "
            "`pip install --upgrade agent-git-tracker`. Nothing was imported"
        )
    if records is None:
        raise _bad_line(path, 1, f"has no valid record count: {header.get('records')!r}")
    return version, records


def _count(value: Any) -> int | None:
    """A count from JSON: a whole number ≥ 0 (not a boolean), or None."""
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
    return value if ok else None


def _record(path: Path, number: int, raw: bytes) -> tuple[str, dict[str, Any]]:
    try:
        item = json.loads(raw, parse_constant=_no_constant)
        # Lone surrogates cannot be stored in a value; a key keeps them as the bytes of a
        # path that is not UTF-8 (see `keys.to_bytes`).
        value = item.get("value") if isinstance(item, dict) else item
        json.dumps(value, ensure_ascii=False).encode()
    except UnicodeError as e:
        raise _bad_line(path, number, "holds text that is not valid Unicode") from e
    except ValueError as e:
        raise _bad_line(path, number, f"is not valid JSON ({getattr(e, 'msg', e)})") from e
    if not isinstance(item, dict) or set(item) != {"key", "value"}:
        raise _bad_line(path, number, 'is not a record {"key": …, "value": …}')
    key, value = item["key"], item["value"]
    if not isinstance(key, str) or ":" not in key or keys.prefix_of(key) not in keys.PREFIXES:
        known = ", ".join(keys.PREFIXES)
        raise _bad_line(path, number, f"has the key {key!r}, which does not start with {known}:")
    if len(keys.to_bytes(key)) > MAX_KEY_BYTES:
        raise _bad_line(path, number, f"has a key longer than {MAX_KEY_BYTES} bytes")
    if not isinstance(value, dict):
        raise _bad_line(path, number, "has a value that is not a JSON object")
    return key, value


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def _bad_line(path: Path, number: int, why: str) -> UsageError:
    return UsageError(
        f"{path}, line {number}: {why}. Nothing was imported; fix or remove that line, "
        "or export again"
    )
