"""Bring history in from elsewhere: the older plugin's lmdb-js files and export files.

Every path here is an additive diff-merge (SPEC R4): a key the central database already holds is
never overwritten, so a second run writes nothing. Sources are only ever read.

- `auto_migrate` runs when a command starts in a repository. It merges the older plugin's
  per-project database (`<cwd>/~/.config/opencode/agent-tracker.lmdb`, or the same under the
  repository's top level) and records `meta:migration:<source>` with the source's size and mtime
  IN THE SAME transaction, so a kill leaves both or neither and the next start skips the source.
  A source that fails is remembered in a small file in the spool folder and is not tried again
  until it changes.
- `migrate` does the same on request. With `move_aside` it also takes in an lmdb-js file that
  sits at the database path itself and puts this tool's database in its place, keeping the old
  file under a backup name beside it.
- `export` writes JSON Lines; `import_` merges an export file or an lmdb-js file.

The export format, version 1: a header line
`{"format": "agent-git-tracker-export", "version": 1, "exported_at": ISO-8601, "records": N,
"database": PATH, "agent_git_tracker": VERSION}`, then N lines `{"key": KEY, "value": OBJECT}` in
key order. Every record is exported except this machine's own bookkeeping: `meta:schema`,
`meta:batch:*` (flush batches applied) and `meta:migration:*` (local files migrated), and the
report's `digest:*` records, which are derived from the commit records and made again here.
"""

from __future__ import annotations

import contextlib
import json
import os
import zlib
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from agent_git_tracker import __version__
from agent_git_tracker.capture import spool
from agent_git_tracker.config.settings import Config
from agent_git_tracker.errors import TrackerError, UsageError
from agent_git_tracker.ledger import digest
from agent_git_tracker.store import keys

# `store` (py-lmdb) and `legacy` are imported where they are used: a command start that finds
# no legacy file must not pay for them.
if TYPE_CHECKING:
    from agent_git_tracker.store.db import Store

LEGACY_RELATIVE = Path("~", ".config", "opencode", "agent-tracker.lmdb")
EXPORT_FORMAT = "agent-git-tracker-export"
EXPORT_VERSION = 1
MIGRATION_PREFIX = keys.meta("migration:")
LOCAL_META = (keys.meta("schema"), keys.meta("batch:"), MIGRATION_PREFIX)
BACKUP_INFIX = ".lmdb-js-backup-"
TEMP_INFIX = ".migrating-"
FAILED_PREFIX = "legacy-failed-"
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


@dataclass(frozen=True)
class Merged:
    """What one source brought (or, in a dry run, would bring)."""

    path: Path
    kind: str
    records: int
    result: MergeResult
    skipped: int = 0


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


# --- finding the older plugin's files --------------------------------------------------------


def legacy_candidates(cwd: Path, toplevel: Path | None) -> list[Path]:
    """The older plugin's per-project databases under `cwd` and `toplevel`: lmdb-js files only,
    each once."""
    found: list[Path] = []
    for base in (cwd, toplevel):
        if base is None:
            continue
        path = Path(os.path.abspath(base / LEGACY_RELATIVE))
        if path in found or not os.path.exists(path):
            continue
        if _is_legacy(path) and not any(_same_file(path, other) for other in found):
            found.append(path)
    return found


def _toplevel(cwd: Path) -> Path | None:
    """The nearest folder holding `.git`, without starting git."""
    for folder in (cwd, *cwd.parents):
        if os.path.exists(folder / ".git"):
            return folder
    return None


def _is_legacy(path: Path) -> bool:
    from agent_git_tracker.migration.legacy import is_legacy_file

    return is_legacy_file(path)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


# --- merging -------------------------------------------------------------------------------


def merge(
    store: Store, entries: Mapping[str, Any], fingerprint: Fingerprint | None = None
) -> MergeResult:
    """Write the entries whose keys the database lacks, in ONE transaction; never overwrite.

    With a fingerprint, the source's `meta:migration:` record is written in the same
    transaction, so a kill leaves both the records and the record of them, or neither.
    """
    path = Path(fingerprint.path if fingerprint else "-")
    return _write(store, [Source(path, LMDB_JS, entries, fingerprint)])[0].result


def _write(store: Store, sources: Sequence[Source]) -> list[Merged]:
    with store.writing() as txn:
        writes, merged = _plan(txn.get, sources)
        txn.put_many(writes)
    return merged


def _apply(config: Config, sources: Sequence[Source], dry_run: bool) -> list[Merged]:
    """Merge the sources in one transaction, or only count what that would do."""
    from agent_git_tracker.store.db import exists, open_store

    if dry_run and not exists(config):
        return _plan(_absent, sources)[1]  # a dry run creates no database
    with open_store(config) as store:
        if not dry_run:
            return _write(store, sources)
        with store.reading() as view:
            return _plan(view.get, sources)[1]


def _absent(key: str) -> None:
    del key


def _plan(get: Getter, sources: Sequence[Source]) -> tuple[dict[str, Any], list[Merged]]:
    """The values to write for the sources in order (an earlier source wins a shared key)."""
    writes: dict[str, Any] = {}

    def current(key: str) -> Any:
        return writes[key] if key in writes else get(key)

    merged = []
    for source in sources:
        result = _diff(current, source.entries, writes)
        if source.fingerprint is not None:
            _mark(current, source, result, writes)
        merged.append(Merged(source.path, source.kind, len(source.entries), result, source.skipped))
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
            differing += old != value
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
        "migrated_at": _now(),
    }


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# --- reading sources -----------------------------------------------------------------------


def _load_legacy(path: Path) -> Source:
    """Every record of an lmdb-js file, mapped onto our keys; refuses a file that changed
    while it was read (the older plugin still running)."""
    from agent_git_tracker.migration.legacy import read_records, to_entries

    try:
        before = Fingerprint.of(path)
        entries = to_entries(read_records(path))
        changed = not before.same_state(Fingerprint.of(path))
    except OSError as e:
        raise TrackerError(f"cannot read {path}: {e.strerror}") from e
    if changed:
        raise TrackerError(
            f"{path} changed while it was read; if the older agent-tracker plugin is still "
            f"running, stop it, then run `agent-git-tracker migrate --from {path}`"
        )
    for key in entries:
        if len(key.encode()) > MAX_KEY_BYTES:
            raise TrackerError(
                f"{path} holds a record whose key is longer than LMDB allows "
                f"({MAX_KEY_BYTES} bytes): {key[:80]}…; nothing was migrated"
            )
    return Source(path, LMDB_JS, entries, before)


def _existing(path: Path) -> Path:
    path = Path(os.path.abspath(os.path.expanduser(path)))
    if not path.exists():
        raise UsageError(f"{path} does not exist")
    if path.is_dir():
        raise UsageError(
            f"{path} is a folder: name the file, such as {path / 'agent-tracker.lmdb'}"
        )
    return path


def _what_it_is(path: Path) -> str | None:
    """None for a database of this tool; otherwise a description for the error message."""
    from agent_git_tracker.store.db import identify

    if path.stat().st_size == 0:
        return "it is empty"
    writer = identify(path)
    return None if writer is None else f"it was written by {writer}"


def _ours_hint(path: Path) -> str:
    return (
        f"{path} is a database of agent-git-tracker itself, not of the older plugin. Move its "
        f"history with `agent-git-tracker --db-path {path} export -o FILE`, then "
        "`agent-git-tracker import FILE`"
    )


def _not_legacy(path: Path) -> UsageError:
    what = _what_it_is(path)
    if what is None:
        return UsageError(_ours_hint(path))
    return UsageError(
        f"{path} is not a database of the older agent-tracker plugin (lmdb-js): {what}"
    )


# --- the explicit command ------------------------------------------------------------------


def migrate(
    config: Config,
    source: Path | None,
    dry_run: bool,
    move_aside: bool,
    cwd: Path,
    toplevel: Path | None = None,
) -> Summary:
    """Merge the older plugin's databases into the central one: `source`, or those found under
    `cwd` and the repository's top level (found from `cwd` when not given)."""
    database = config.database_path
    at_database = database.is_file() and _is_legacy(database)
    paths = _sources(database, source, cwd, toplevel)
    if at_database and not move_aside:
        raise UsageError(_move_aside_needed(database))
    loaded = [_load_legacy(path) for path in paths]  # everything is read before anything changes
    if at_database:
        summary = _move_aside(config, loaded, dry_run)
    else:
        summary = _merge_found(config, loaded, dry_run, cwd, toplevel)
        if move_aside:
            note = f"--move-aside: {database} is not a file of the older plugin; nothing was moved"
            summary = replace(summary, notes=(*summary.notes, note))
    if not dry_run:
        for path in paths:
            _forget_failure(config, path)
    return summary


def _sources(database: Path, source: Path | None, cwd: Path, toplevel: Path | None) -> list[Path]:
    if source is None:
        found = legacy_candidates(cwd, toplevel if toplevel is not None else _toplevel(cwd))
        return [path for path in found if not _same_file(path, database)]
    path = _existing(source)
    if _same_file(path, database):
        if not _is_legacy(path):
            raise UsageError(f"{path} is this tool's own database; there is nothing to migrate")
        return []  # the file at the database path is taken in by the move-aside
    if not _is_legacy(path):
        raise _not_legacy(path)
    return [path]


def _move_aside_needed(database: Path) -> str:
    return (
        f"the database path {database} holds the older agent-tracker plugin's lmdb-js database. "
        "Run `agent-git-tracker migrate --move-aside` to import it, keep it under a backup name "
        "beside it and start this tool's database in its place (add --dry-run to see what it "
        "would do), or choose another path with --db-path and use `migrate --from "
        f"{database}`"
    )


def _merge_found(
    config: Config, loaded: list[Source], dry_run: bool, cwd: Path, toplevel: Path | None
) -> Summary:
    if not loaded:
        top = toplevel if toplevel is not None else _toplevel(cwd)
        places = " or ".join(str(p / LEGACY_RELATIVE) for p in dict.fromkeys([cwd, top]) if p)
        note = (
            f"nothing to migrate: no database of the older plugin at {places}; "
            "name one with --from PATH"
        )
        return Summary(config.database_path, dry_run, notes=(note,))
    merged = _apply(config, loaded, dry_run)
    note = "the source files were only read; delete them yourself once you no longer need them"
    return Summary(config.database_path, dry_run, tuple(merged), notes=(note,))


# --- moving an lmdb-js file at the database path aside ---------------------------------------
#
# Crash safety: at every instant the database path holds either the complete old file or the
# complete new database, and the old data always has a name.
#  1. read everything (the old file and any other sources); nothing has changed yet
#  2. give the old file a second name, the backup (a hard link, or a copy made under a temporary
#     name and renamed); a rerun finds this backup again by its size and mtime
#  3. rename the old `-lock` file to the backup's (lmdb-js's lock is no use to py-lmdb)
#  4. build this tool's database under a temporary name beside it, in ONE transaction with a
#     `meta:migration:<backup>` record
#  5. rename it over the database path (atomic). A kill before this leaves the old file at the
#     path and a temporary file that the next run removes.


def _move_aside(config: Config, others: list[Source], dry_run: bool) -> Summary:
    database = config.database_path
    if database.is_symlink():
        real = os.path.realpath(database)
        raise UsageError(
            f"the database path {database} is a symlink to {real}; --move-aside replaces the "
            f"file at the path, so name the real file: `agent-git-tracker --db-path {real} "
            "migrate --move-aside`"
        )
    own = _load_legacy(database)
    assert own.fingerprint is not None
    backup = _backup_name(database, own.fingerprint)
    kept = replace(own, path=backup, fingerprint=replace(own.fingerprint, path=str(backup)))
    sources = [kept, *others]
    if dry_run:
        merged = _plan(_absent, sources)[1]
    else:
        _remove_temporaries(database)
        _keep_backup(database, backup, own.fingerprint)
        merged = _build_in_place(config, sources, own.fingerprint)
    now = "would then hold" if dry_run else "now holds"
    notes = (
        f"{database} {now} this tool's database; the older plugin's file is kept at "
        f"{backup} (with its -lock file): delete it yourself once you no longer need it",
        "if the older agent-tracker plugin for OpenCode is still installed, remove it: "
        "it cannot read this tool's database",
    )
    return Summary(database, dry_run, tuple(merged), backup, notes)


def _backup_name(database: Path, fingerprint: Fingerprint) -> Path:
    """The backup an interrupted earlier run left (same size and mtime), or a new name."""
    stem = f"{database.name}{BACKUP_INFIX}"
    for name in sorted(os.listdir(database.parent)):
        old = database.parent / name
        candidate = name.startswith(stem) and not name.endswith("-lock") and old.is_file()
        if candidate and fingerprint.same_state(Fingerprint.of(old)):
            return old
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    backup, n = database.parent / f"{stem}{stamp}", 1
    while os.path.lexists(backup) or os.path.lexists(f"{backup}-lock"):
        n += 1
        backup = database.parent / f"{stem}{stamp}-{n}"
    return backup


def _remove_temporaries(database: Path) -> None:
    """Files an interrupted earlier run left: only ever the temporary names of step 2 and 4."""
    stem = f"{database.name}{TEMP_INFIX}"
    for name in os.listdir(database.parent):
        if name.startswith(stem):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(database.parent / name)


def _keep_backup(database: Path, backup: Path, fingerprint: Fingerprint) -> None:
    made = not backup.exists()
    if made:
        try:
            os.link(database, backup, follow_symlinks=False)
        except OSError:  # a file system without hard links
            _copy(database, backup)
    if not fingerprint.same_state(Fingerprint.of(backup)):
        if made:
            os.unlink(backup)
        raise _changed(database)
    _private(backup)
    lock = Path(f"{database}-lock")
    if lock.exists():
        os.replace(lock, f"{backup}-lock")
        _private(Path(f"{backup}-lock"))
    spool.sync_dir(str(database.parent))


def _changed(database: Path) -> TrackerError:
    return TrackerError(
        f"{database} changed while it was read; if the older agent-tracker plugin is still "
        "running, stop it and run the command again. The file was left at its path"
    )


def _copy(source: Path, target: Path) -> None:
    import shutil

    temp = source.parent / f"{source.name}{TEMP_INFIX}{spool.new_id()}"
    shutil.copy2(source, temp)  # keeps the mtime, by which a rerun finds the backup
    with temp.open("rb+") as f:
        os.fsync(f.fileno())
    os.replace(temp, target)


def _build_in_place(
    config: Config, sources: Sequence[Source], fingerprint: Fingerprint
) -> list[Merged]:
    from agent_git_tracker.store.db import open_store

    database = config.database_path
    temp = database.parent / f"{database.name}{TEMP_INFIX}{spool.new_id()}"
    with open_store(replace(config, database_path=temp)) as store:
        merged = _write(store, sources)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(f"{temp}-lock")  # py-lmdb makes its own beside the database path
    if not fingerprint.same_state(Fingerprint.of(database)):
        os.unlink(temp)  # the older plugin wrote meanwhile: what was read is not all there is
        raise _changed(database)
    os.replace(temp, database)
    spool.sync_dir(str(database.parent))
    return merged


def _private(path: Path) -> None:
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o600)


# --- the automatic path --------------------------------------------------------------------


def auto_migrate(config: Config, cwd: Path, toplevel: Path | None = None) -> str | None:
    """Merge the older plugin's per-project databases found here, once; returns the line to log
    (prefixed `warning:` on failure), or None when there was nothing new.

    Never raises. Without a legacy file this costs two `os.path.exists` calls (plus a walk up
    from `cwd` to find `.git` when `toplevel` is not given).
    """
    try:
        found = legacy_candidates(cwd, toplevel if toplevel is not None else _toplevel(cwd))
        paths = [
            path
            for path in found
            if not _same_file(path, config.database_path) and not _failed_before(config, path)
        ]
        return _auto(config, paths) if paths else None
    except Exception as e:  # a migration never stops the command it runs in (R4)
        return f"warning: could not look for the older agent-tracker plugin's databases: {e}"


def _auto(config: Config, paths: list[Path]) -> str | None:
    from agent_git_tracker.store.db import open_store

    try:
        store = open_store(config)
    except TrackerError:
        return None  # the command reports a database it cannot open; once is enough
    with store:
        lines = [_auto_one(store, path) for path in paths]
    return "; ".join(line for line in lines if line) or None


def _auto_one(store: Store, path: Path) -> str | None:
    try:
        fingerprint = Fingerprint.of(path)
        with store.reading() as view:
            if fingerprint.same_state(view.get(fingerprint.key)):
                return None
        merged = _write(store, [_load_legacy(path)])[0]
    except Exception as e:  # damaged files fail in many ways; never stop the command (R4)
        return _failed(store.config, path, e)
    _forget_failure(store.config, path)
    result = merged.result
    if not result.total_written:
        return None
    return (
        f"migrated {result.total_written} record(s) from the older agent-tracker plugin's "
        f"database {path} ({result.total_present} were here already); the file was left in place"
    )


def _failed(config: Config, path: Path, error: Exception) -> str:
    try:
        _remember_failure(config, path, error)
        again = "it is not tried again until the file changes"
    except OSError:
        again = "it is tried again at the next command"
    return (
        f"warning: could not migrate the older agent-tracker plugin's database {path}: {error} "
        f"({again}; `agent-git-tracker migrate --from {path}` tries now)"
    )


def _failure_file(config: Config, path: Path) -> Path:
    name = f"{FAILED_PREFIX}{zlib.crc32(os.path.abspath(path).encode()):08x}.json"
    return config.spool_root / name


def _remember_failure(config: Config, path: Path, error: Exception) -> None:
    fingerprint = Fingerprint.of(path)
    spool.private_dir(str(config.spool_root))
    record = {
        "source": fingerprint.path,
        "size": fingerprint.size,
        "mtime_ns": fingerprint.mtime_ns,
        "error": str(error),
        "failed_at": _now(),
    }
    spool.write_file(str(_failure_file(config, path)), json.dumps(record) + "\n")


def _failed_before(config: Config, path: Path) -> bool:
    """Whether this very state of the file failed already (a changed file is tried again)."""
    failure = _failure_file(config, path)
    if not os.path.exists(failure):
        return False
    try:
        record = json.loads(failure.read_text(encoding="utf-8"))
        fingerprint = Fingerprint.of(path)
    except (OSError, ValueError):
        return False
    return (
        isinstance(record, dict)
        and record.get("source") == fingerprint.path
        and fingerprint.same_state(record)
    )


def _forget_failure(config: Config, path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(_failure_file(config, path))


# --- export and import ---------------------------------------------------------------------


def exported(key: str) -> bool:
    """Whether `export` writes a key: everything but this machine's bookkeeping and digests."""
    return not key.startswith((*LOCAL_META, "digest:"))


def export(config: Config, out: TextIO) -> int:
    """Write every record as JSON Lines (the format is in this module's docstring); returns
    the number of records."""
    from agent_git_tracker.store.db import exists, open_store

    if not exists(config):
        raise UsageError(f"there is no database at {config.database_path} yet; nothing to export")
    with open_store(config) as store, store.reading() as view:
        count = sum(1 for key, _ in view.scan_raw("") if exported(key))
        header = {
            "format": EXPORT_FORMAT,
            "version": EXPORT_VERSION,
            "exported_at": _now(),
            "records": count,
            "database": str(config.database_path),
            "agent_git_tracker": __version__,
        }
        out.write(_line(header))
        for key, value in view.scan(""):
            if exported(key):
                out.write(_line({"key": key, "value": value}))
    return count


def _line(item: Mapping[str, Any]) -> str:
    return json.dumps(item, ensure_ascii=False, separators=(",", ":")) + "\n"


def export_file(config: Config, path: Path) -> int:
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
            count = export(config, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    return count


def import_(config: Config, source: Path, dry_run: bool) -> Summary:
    """Merge an export file or an lmdb-js file into the central database, additively: keys it
    holds already are kept as they are. A bad export file writes nothing at all."""
    path = _existing(source)
    if _same_file(path, config.database_path):
        raise UsageError(f"{path} is the database itself; name another file to import")
    loaded = _load_import(path)
    merged = _apply(config, [loaded], dry_run)
    if loaded.fingerprint is not None and not dry_run:
        _forget_failure(config, path)
    notes = (f"{path} was only read",)
    return Summary(config.database_path, dry_run, tuple(merged), notes=notes)


def _load_import(path: Path) -> Source:
    if _is_legacy(path):
        return _load_legacy(path)
    with path.open("rb") as f:
        first = f.read(1)
    if first == b"{":
        return _load_export(path)
    what = _what_it_is(path)
    if what is None:
        raise UsageError(_ours_hint(path))
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
    expected = _header(path, lines[0])
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
    return Source(path, EXPORT, entries, skipped=skipped)


def _header(path: Path, raw: bytes) -> int:
    """The number of records the header announces; refuses another format or a newer one."""
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
    return records


def _count(value: Any) -> int | None:
    """A count from JSON: a whole number ≥ 0 (not a boolean), or None."""
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
    return value if ok else None


def _record(path: Path, number: int, raw: bytes) -> tuple[str, dict[str, Any]]:
    try:
        item = json.loads(raw, parse_constant=_no_constant)
        json.dumps(item, ensure_ascii=False).encode()  # lone surrogates cannot be stored
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
    if len(key.encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES:
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


# --- what the command line prints ----------------------------------------------------------


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
    }
