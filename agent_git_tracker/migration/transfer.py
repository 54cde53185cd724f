"""`export` and `import`: every record as JSON Lines, and back.

The export format, version 2: a header line `{"format": "agent-git-tracker-export", "version": 2,
"exported_at": ISO-8601, "records": N, "database": PATH, "agent_git_tracker": VERSION}`, then N
lines `{"key": KEY, "value": OBJECT}` in key order. A team's export (`team.exporting`) adds
`member`, `since` (null: every record) and `anonymized` to the header, and may leave records
out or change them (an anonymized record's key keeps the place of the key it replaces, and its
header names no database). Every record is exported except this machine's own bookkeeping
(`meta:schema`, `meta:batch:*`, `meta:upgrade:*`, `meta:migration:*`, and `meta:logs:*`, the
agents' logs read here: commit records keep their usage) and what derives from the records
(`digest:*`, `timeline:*`), which an import makes again. Version 1 files (grade keys without
their project) are upgraded as they are read (`store.upgrade`).
"""

from __future__ import annotations

import contextlib
import json
import os
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from agent_git_tracker import __version__
from agent_git_tracker.capture import spool
from agent_git_tracker.config.settings import Config
from agent_git_tracker.errors import TrackerError, UsageError
from agent_git_tracker.migration.auto import forget_failure
from agent_git_tracker.migration.importing import FORMAT, VERSION, exported, import_export
from agent_git_tracker.migration.merge import Summary, apply, now
from agent_git_tracker.migration.sources import (
    existing,
    is_legacy,
    load_legacy,
    ours_hint,
    same_file,
    what_it_is,
)
from agent_git_tracker.store import keys
from agent_git_tracker.store.pairs import records as stored_records
from agent_git_tracker.text import json_safe, printable, without_credentials


@dataclass(frozen=True)
class Exported:
    """How many records an export wrote, and what it could not read (a damaged database)."""

    records: int
    skipped: tuple[str, ...] = ()


# What an export keeps of each record: the record as written (a changed copy, say one without
# personal data), or None to leave it out. `key` may change too: (key, value) or None.
Select = Callable[[str, dict[str, Any]], tuple[str, dict[str, Any]] | None]


@contextlib.contextmanager
def snapshot(config: Config) -> Iterator[Any]:
    """One read of every page of the database (`store.salvage.reading`): a damaged database
    gives every record it still holds."""
    from agent_git_tracker.store.db import exists
    from agent_git_tracker.store.salvage import reading

    if not exists(config):
        raise UsageError(f"there is no database at {config.database_path} yet; nothing to export")
    with reading(config) as opened:
        yield opened


def header(count: int, config: Config, **more: Any) -> dict[str, Any]:
    """The export's first line (this module's docstring); `more` adds fields after these. An
    anonymized export names no database (its path)."""
    first = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": now(),
        "records": count,
        "database": str(config.database_path),
        "agent_git_tracker": __version__,
        **more,
    }
    if more.get("anonymized"):
        del first["database"]
    return first


def export(
    config: Config,
    out: TextIO,
    select: Select | None = None,
    more: dict[str, Any] | None = None,
) -> Exported:
    """Write every record as JSON Lines (the format is in this module's docstring). Reads the
    pages itself, so a damaged database gives every record it still holds. `select` keeps,
    changes or leaves out each record; `more` adds fields to the header."""
    with snapshot(config) as opened:
        count = sum(1 for _ in records(opened, [], select))
        out.write(_line(header(count, config, **(more or {}))))
        unreadable: list[str] = []
        for key, value in records(opened, unreadable, select):
            out.write(_line({"key": key, "value": value}))
        skipped = (*opened.skipped, *unreadable)
    return Exported(count, tuple(printable(s) for s in skipped))


def records(
    opened: Any, unreadable: list[str], select: Select | None = None
) -> Iterator[tuple[str, dict[str, Any]]]:
    """The exported records of a `snapshot`, in key order, as `select` keeps them."""
    for key, value in _records(opened.records(), unreadable):
        chosen = (key, value) if select is None else select(key, value)
        if chosen is not None:
            yield chosen


def _records(
    items: Iterable[tuple[bytes, bytes]], unreadable: list[str]
) -> Iterator[tuple[str, Any]]:
    """The exported records; a value that is not a JSON object is noted and left out."""
    for raw_key, raw in items:
        stored_key = raw_key.decode("utf-8", "surrogateescape")
        if not exported(stored_key):
            continue
        try:
            found = list(stored_records(stored_key, raw))
        except (ValueError, zlib.error, IndexError, TypeError, KeyError, AttributeError):
            found = [(stored_key, None)]
        for key, value in found:
            if isinstance(value, dict):
                yield key, _no_credentials(key, value)
            else:
                unreadable.append(f"the record {key[:80]!r}: its value is not a JSON object")


def _no_credentials(key: str, value: dict[str, Any]) -> dict[str, Any]:
    """A project profile's remote URL without credentials (older records may hold them)."""
    remote = value.get("remote_url")
    if keys.prefix_of(key) != "project" or not isinstance(remote, str):
        return value
    return {**value, "remote_url": without_credentials(remote)}


def json_text(item: Any) -> str:
    """A value as the export writes it: compact JSON, safe for any terminal or editor."""
    return json_safe(json.dumps(item, ensure_ascii=False, separators=(",", ":")))


def _line(item: Mapping[str, Any]) -> str:
    return json_text(item) + "\n"


def export_file(
    config: Config,
    path: Path,
    select: Select | None = None,
    more: dict[str, Any] | None = None,
) -> Exported:
    """`export` into a file private to the user (0600) that appears only once complete."""
    path = Path(os.path.abspath(os.path.expanduser(path)))
    if path.is_dir():
        raise UsageError(f"{path} is a folder: name the file to write, such as {path / 'x.jsonl'}")
    temp = path.parent / f".{path.name}.{spool.new_id()}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(temp, flags, 0o600)
    except OSError as e:
        raise TrackerError(f"cannot write {path}: {e.strerror}") from e
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            done = export(config, out, select, more)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    return done


def import_(config: Config, source: Path, dry_run: bool) -> Summary:
    """Merge an export file (streamed: `importing`) or an lmdb-js file into the central
    database, additively: keys it holds already are kept as they are. A bad export file
    writes nothing at all."""
    path = existing(source)
    if same_file(path, config.database_path):
        raise UsageError(f"{path} is the database itself; name another file to import")
    notes = (f"{path} was only read",)
    if is_legacy(path):
        loaded = load_legacy(path)
        merged = apply(config, [loaded], dry_run)
        if not dry_run:
            forget_failure(config, path)
        return Summary(config.database_path, dry_run, tuple(merged), notes=notes)
    with path.open("rb") as f:
        first = f.read(1)
    if first != b"{":
        what = what_it_is(path)
        if what is None:
            raise UsageError(ours_hint(path))
        raise UsageError(
            f"{path} is neither an export of agent-git-tracker (JSON Lines) nor a database of "
            f"the older agent-tracker plugin (lmdb-js): {what}"
        )
    merged_export = import_export(config, path, dry_run)
    return Summary(config.database_path, dry_run, (merged_export,), notes=notes)
