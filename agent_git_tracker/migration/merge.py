"""The additive diff-merge every import path shares: a key the database holds is never
overwritten, so a second run writes nothing; and the summary of what a merge did.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent_git_tracker.config.settings import Config
from agent_git_tracker.ledger import digest
from agent_git_tracker.store import keys

if TYPE_CHECKING:
    from agent_git_tracker.store.db import Store

MIGRATION_PREFIX = keys.meta("migration:")


MAX_KEY_BYTES = 511  # LMDB's compiled-in key size limit


LMDB_JS = "lmdb-js database of the older plugin"


EXPORT = "export file"


Getter = Callable[[str], Any]


@dataclass(frozen=True)
class Fingerprint:
    """One state of a source file: its absolute path, size and modification time."""

    path: str
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: Path) -> Fingerprint:
        stat = os.stat(path)
        return cls(os.path.abspath(path), stat.st_size, stat.st_mtime_ns)

    @property
    def key(self) -> str:
        """The `meta:migration:` record of this source."""
        return keys.meta(f"migration:{keys.quote(self.path)}")

    def same_state(self, record: Any) -> bool:
        """Whether a stored record (or another fingerprint's fields) saw this size and mtime."""
        if isinstance(record, Fingerprint):
            record = {"size": record.size, "mtime_ns": record.mtime_ns}
        return (
            isinstance(record, dict)
            and record.get("size") == self.size
            and record.get("mtime_ns") == self.mtime_ns
        )


@dataclass(frozen=True)
class MergeResult:
    """Counts per key prefix of one source's merge."""

    written: Mapping[str, int] = field(default_factory=dict)
    present: Mapping[str, int] = field(default_factory=dict)
    differing: int = 0  # already present with another value: the database's own was kept

    @property
    def total_written(self) -> int:
        return sum(self.written.values())

    @property
    def total_present(self) -> int:
        return sum(self.present.values())


@dataclass(frozen=True)
class Source:
    """One source read completely into memory, before anything is written."""

    path: Path
    kind: str
    entries: Mapping[str, Any]
    fingerprint: Fingerprint | None = None  # lmdb-js files: recorded in `meta:migration:`
    skipped: int = 0  # another machine's bookkeeping records, left out
    left_out: tuple[str, ...] = ()  # values that could not be read safely, one line each


@dataclass(frozen=True)
class Merged:
    """What one source brought (or, in a dry run, would bring)."""

    path: Path
    kind: str
    records: int
    result: MergeResult
    skipped: int = 0
    left_out: tuple[str, ...] = ()


@dataclass(frozen=True)
class Summary:
    """The outcome of `migrate` or `import_`, for `summary_text` and `summary_data`."""

    database: Path
    dry_run: bool
    sources: tuple[Merged, ...] = ()
    backup: Path | None = None
    notes: tuple[str, ...] = ()

    @property
    def written(self) -> int:
        return sum(s.result.total_written for s in self.sources)


def merge(
    store: Store, entries: Mapping[str, Any], fingerprint: Fingerprint | None = None
) -> MergeResult:
    """Write the entries whose keys the database lacks, in ONE transaction; never overwrite.

    With a fingerprint, the source's `meta:migration:` record is written in the same
    transaction, so a kill leaves both the records and the record of them, or neither.
    """
    path = Path(fingerprint.path if fingerprint else "-")
    return write(store, [Source(path, LMDB_JS, entries, fingerprint)])[0].result


def write(store: Store, sources: Sequence[Source]) -> list[Merged]:
    """Merge the sources in ONE transaction, with what derives from their records (the
    agents' timelines and counters, replayed from everything the database then holds)."""
    from agent_git_tracker.ledger.counters import rederive
    from agent_git_tracker.ledger.overlay import Overlay

    with store.writing() as txn:
        writes, merged = plan(txn.get, sources)
        state = Overlay(txn)
        for key, value in writes.items():
            state.put(key, value)
        rederive(state, list(writes), store.config.rules)
        txn.put_many(state.dirty)
    return merged


def apply(config: Config, sources: Sequence[Source], dry_run: bool) -> list[Merged]:
    """Merge the sources in one transaction, or only count what that would do."""
    from agent_git_tracker.store.db import exists, open_store

    if dry_run and not exists(config):
        return plan(absent, sources)[1]  # a dry run creates no database
    with open_store(config) as store:
        if not dry_run:
            return write(store, sources)
        with store.reading() as view:
            return plan(view.get, sources)[1]


def absent(key: str) -> None:
    del key


def plan(get: Getter, sources: Sequence[Source]) -> tuple[dict[str, Any], list[Merged]]:
    """The values to write for the sources in order (an earlier source wins a shared key)."""
    writes: dict[str, Any] = {}

    def current(key: str) -> Any:
        return writes[key] if key in writes else get(key)

    merged = []
    for source in sources:
        result = _diff(current, source.entries, writes)
        if source.fingerprint is not None:
            _mark(current, source, result, writes)
        merged.append(
            Merged(
                source.path,
                source.kind,
                len(source.entries),
                result,
                source.skipped,
                source.left_out,
            )
        )
    return writes, merged


def _diff(current: Getter, entries: Mapping[str, Any], writes: dict[str, Any]) -> MergeResult:
    written: Counter[str] = Counter()
    present: Counter[str] = Counter()
    differing = 0
    for key, value in entries.items():
        if key.startswith("digest:"):
            continue  # derived data: made from the commit records below
        old = current(key)
        if old is None:
            writes[key] = value
            written[keys.prefix_of(key)] += 1
            if key.startswith("commit:") and isinstance(value, dict):
                writes[keys.digest_of(key)] = digest.of(value)
        else:
            present[keys.prefix_of(key)] += 1
            # Agent records are derived (their counters are replayed): never "another value".
            differing += old != value and not key.startswith("agent:")
    return MergeResult(dict(written), dict(present), differing)


def _mark(current: Getter, source: Source, result: MergeResult, writes: dict[str, Any]) -> None:
    """The `meta:migration:` record: the source's state and a running total of records taken."""
    assert source.fingerprint is not None
    fingerprint = source.fingerprint
    old = current(fingerprint.key)
    if fingerprint.same_state(old) and not result.total_written:
        return  # recorded already, by an earlier or a concurrent run
    before = old.get("written_total", 0) if isinstance(old, dict) else 0
    writes[fingerprint.key] = {
        "source": fingerprint.path,
        "size": fingerprint.size,
        "mtime_ns": fingerprint.mtime_ns,
        "records": len(source.entries),
        "written": result.total_written,
        "written_total": before + result.total_written,
        "migrated_at": now(),
    }


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def summary_text(summary: Summary) -> str:
    """The summary as lines for a person."""
    dry = summary.dry_run
    lines = []
    if summary.backup is not None:
        verb = "would move" if dry else "moved"
        lines.append(
            f"{verb} the older plugin's database aside: {summary.database} → {summary.backup} "
            "(and its -lock file)"
        )
    for source in summary.sources:
        lines.extend(_source_lines(source, dry))
    lines.extend(summary.notes)
    if dry:
        lines.append("dry run: nothing was written or moved")
    elif summary.sources:
        lines.append(f"{summary.written} record(s) written to {summary.database}")
    return "\n".join(lines)


def _source_lines(source: Merged, dry: bool) -> list[str]:
    result = source.result
    verb = "would write" if dry else "wrote"
    lines = [
        f"{source.path} ({source.kind}, {source.records} records): {verb} "
        f"{result.total_written}, {result.total_present} already present"
    ]
    if result.written:
        lines.append(f"  {verb}: {_by_prefix(result.written)}")
    if result.differing:
        lines.append(
            f"  {result.differing} already present with other values: the database's own were kept"
        )
    if source.skipped:
        lines.append(f"  {source.skipped} bookkeeping record(s) of the other machine left out")
    if source.left_out:
        lines.append(
            f"  {len(source.left_out)} value(s) left out, unread: {source.left_out[0]}"
            + (" …" if len(source.left_out) > 1 else "")
        )
    return lines


def _by_prefix(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{prefix} {n}" for prefix, n in sorted(counts.items()))


def summary_data(summary: Summary) -> dict[str, Any]:
    """The summary as JSON-ready data for `--json`."""
    return {
        "database": str(summary.database),
        "dry_run": summary.dry_run,
        "backup": None if summary.backup is None else str(summary.backup),
        "written": summary.written,
        "sources": [_source_data(source) for source in summary.sources],
        "notes": list(summary.notes),
    }


def _source_data(source: Merged) -> dict[str, Any]:
    return {
        "path": str(source.path),
        "kind": source.kind,
        "records": source.records,
        "written": dict(source.result.written),
        "already_present": dict(source.result.present),
        "differing": source.result.differing,
        "skipped": source.skipped,
        "left_out": list(source.left_out),
    }
