"""`export` and `import`: every record as JSON Lines, and back."""

from __future__ import annotations

import contextlib
import json
import os
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from agent_git_tracker import __version__
from agent_git_tracker.capture import spool
from agent_git_tracker.config.settings import Config
from agent_git_tracker.errors import TrackerError, UsageError
from agent_git_tracker.migration.auto import forget_failure
from agent_git_tracker.migration.merge import (
    EXPORT,
    MAX_KEY_BYTES,
    MIGRATION_PREFIX,
    Source,
    Summary,
    apply,
    now,
)
from agent_git_tracker.migration.sources import (
    existing,
    is_legacy,
    load_legacy,
    ours_hint,
    same_file,
    what_it_is,
)
from agent_git_tracker.store import keys, upgrade
from agent_git_tracker.store.pairs import records as stored_records
from agent_git_tracker.text import json_safe, printable, without_credentials

EXPORT_FORMAT = "agent-git-tracker-export"


# 2: grade keys hold the project, bug and activity keys a unique id (`store.upgrade`).
EXPORT_VERSION = 2
UNIQUE_KEYS = 2  # files of earlier versions have their keys upgraded on the way in


LOCAL_META = (
    keys.meta("schema"),
    keys.meta("batch:"),
    keys.meta("upgrade:"),
    upgrade.REFRESH_AGENTS,
    MIGRATION_PREFIX,
)
# Made again from the records by whoever imports them.
DERIVED = ("digest:", "timeline:")


def exported(key: str) -> bool:
    """Whether `export` writes a key: everything but this machine's bookkeeping and digests."""
    return not key.startswith((*LOCAL_META, *DERIVED))


@dataclass(frozen=True)
class Exported:
    """How many records an export wrote, and what it could not read (a damaged database)."""

    records: int
    skipped: tuple[str, ...] = ()


def export(config: Config, out: TextIO) -> Exported:
    """Write every record as JSON Lines (the format is in this module's docstring). Reads the
    pages itself, so a damaged database gives every record it still holds."""
    from agent_git_tracker.store.db import exists
    from agent_git_tracker.store.salvage import reading

    if not exists(config):
        raise UsageError(f"there is no database at {config.database_path} yet; nothing to export")
    with reading(config) as snapshot:
        count = sum(1 for _ in _records(snapshot.records(), []))
        header = {
            "format": EXPORT_FORMAT,
            "version": EXPORT_VERSION,
            "exported_at": now(),
            "records": count,
            "database": str(config.database_path),
            "agent_git_tracker": __version__,
        }
        out.write(_line(header))
        unreadable: list[str] = []
        for key, value in _records(snapshot.records(), unreadable):
            out.write(_line({"key": key, "value": value}))
        skipped = (*snapshot.skipped, *unreadable)
    return Exported(count, tuple(printable(s) for s in skipped))


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


def _line(item: Mapping[str, Any]) -> str:
    return json_safe(json.dumps(item, ensure_ascii=False, separators=(",", ":"))) + "\n"


def export_file(config: Config, path: Path) -> Exported:
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
            done = export(config, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    return done


def import_(config: Config, source: Path, dry_run: bool) -> Summary:
    """Merge an export file or an lmdb-js file into the central database, additively: keys it
    holds already are kept as they are. A bad export file writes nothing at all."""
    path = existing(source)
    if same_file(path, config.database_path):
        raise UsageError(f"{path} is the database itself; name another file to import")
    loaded = _load_import(path)
    merged = apply(config, [loaded], dry_run)
    if loaded.fingerprint is not None and not dry_run:
        forget_failure(config, path)
    notes = (f"{path} was only read",)
    return Summary(config.database_path, dry_run, tuple(merged), notes=notes)


def _load_import(path: Path) -> Source:
    if is_legacy(path):
        return load_legacy(path)
    with path.open("rb") as f:
        first = f.read(1)
    if first == b"{":
        return _load_export(path)
    what = what_it_is(path)
    if what is None:
        raise UsageError(ours_hint(path))
    raise UsageError(
        f"{path} is neither an export of agent-git-tracker (JSON Lines) nor a database of the "
        f"older agent-tracker plugin (lmdb-js): {what}"
    )


def _load_export(path: Path) -> Source:
    """The records of an export file, all checked before anything is written."""
    try:
        lines = path.read_bytes().split(b"\n")
    except OSError as e:
        raise TrackerError(f"cannot read {path}: {e.strerror}") from e
    version, expected = _header(path, lines[0])
    entries: dict[str, Any] = {}
    seen: dict[str, int] = {}
    skipped = 0
    for number, raw in enumerate(lines[1:], start=2):
        if not raw.strip():
            continue
        key, value = _record(path, number, raw)
        if key in seen:
            raise _bad_line(path, number, f"repeats the key of line {seen[key]}")
        seen[key] = number
        if exported(key):
            entries[key] = value
        else:
            skipped += 1
    if len(seen) != expected:
        raise UsageError(
            f"{path} holds {len(seen)} records but its header says {expected}: the file is "
            "incomplete or was edited. Nothing was imported; export it again"
        )
    if version < UNIQUE_KEYS:
        for old, new, value in list(upgrade.project_in_grade_keys(entries.items())):
            entries.pop(old or new, None)
            entries[new] = value
    return Source(path, EXPORT, entries, skipped=skipped)


def _header(path: Path, raw: bytes) -> tuple[int, int]:
    """The format version and the number of records the header announces; refuses another
    format or a newer one."""
    try:
        header = json.loads(raw)
    except ValueError:
        header = None
    if not isinstance(header, dict) or header.get("format") != EXPORT_FORMAT:
        raise _bad_line(
            path, 1, f'is not the header of an export ({{"format": "{EXPORT_FORMAT}"…}})'
        )
    version, records = _count(header.get("version")), _count(header.get("records"))
    if version is None or version < 1:
        raise _bad_line(path, 1, f"has no valid version: {header.get('version')!r}")
    if version > EXPORT_VERSION:
        raise TrackerError(
            f"{path} is an export of format version {version}, newer than this "
            f"agent-git-tracker reads ({EXPORT_VERSION}); upgrade with "
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
