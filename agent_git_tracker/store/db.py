"""The central LMDB database: the only module that imports `lmdb`.

Keys are the prefixed strings built by `keys`; values are UTF-8 JSON objects. Every transaction
sits in a `with`; a write transaction is all or nothing.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import lmdb
import orjson

from agent_git_tracker.capture import spool
from agent_git_tracker.config.settings import Config
from agent_git_tracker.errors import TrackerError
from agent_git_tracker.store import compact, damage, keys, upgrade, views

# Reads and writes in a transaction (their own module; named here as ever).
View = views.View
WriteView = views.WriteView
SCHEMA_VERSION = upgrade.VERSION
SCHEMA_KEY = keys.meta("schema")
LMDB_MAGIC = 0xBEEFC0DE
CEILING = 2 * 1024**3  # the largest max_database_size allowed
# What a graded commit takes on disk with everything derived from it (`bench.storage`), and
# how many commits a database needs before its own average says it better.
TYPICAL_COMMIT = 1600
MEASURED_FROM = 1000
OLD_PLUGIN_DIR = Path(".config", "opencode", "plugins", "agent-tracker")
# What LMDB raises for a page that fails to read (a damaged file, never a bug of ours).
DAMAGE = (lmdb.CorruptedError, lmdb.PageNotFoundError, lmdb.InvalidError)


def encode(value: Any) -> bytes:
    """A value as JSON. Text that is not UTF-8 (a repository path with other bytes, kept by
    `surrogateescape`) is stored with U+FFFD in their place: the key keeps the exact bytes,
    the value a readable form."""
    return compact.dumps(value)


def decode(raw: bytes | memoryview) -> Any:
    return orjson.loads(raw)


class Store:
    """One open database environment. Open it with `open_store`."""

    def __init__(self, env: Any, config: Config) -> None:
        self._env = env
        self.config = config
        self.path = config.database_path
        self._users = 1

    def close(self) -> None:
        self._users -= 1
        if self._users == 0:
            _OPEN.pop(str(self.path), None)
            self._env.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def reading(self) -> Iterator[View]:
        try:
            with self._env.begin() as txn:
                yield View(txn)
        except DAMAGE as e:
            raise self._damaged(e) from e

    @contextmanager
    def writing(self, seconds: float = spool.COMMAND_WAIT) -> Iterator[WriteView]:
        """One write transaction: committed when the block ends, aborted if it raises. A
        database known to be damaged is never written again."""
        known = damage.recorded(self.path)
        if known:
            raise damage.error(self.path, known)
        lock = self._writer(seconds)
        try:
            with self._env.begin(write=True) as txn:
                view = WriteView(txn)
                yield view
                view.finish()
        except lmdb.MapFullError as e:
            raise self._full_error() from e
        except lmdb.ReadonlyError as e:
            raise TrackerError(f"the database {self.path} is open read-only") from e
        except DAMAGE as e:
            raise self._damaged(e) from e
        except lmdb.Error as e:
            raise TrackerError(f"cannot write to the database {self.path}: {e}") from e
        finally:
            lock.__exit__()

    def _writer(self, seconds: float) -> spool.Locked:
        """Our own writer lock, waited for at most `seconds`: LMDB's writer mutex waits for
        as long as a stopped writer lives."""
        lock = spool.Locked(str(self.path.parent), f"{self.path.name}-writer.lock", seconds, True)
        try:
            lock.__enter__()
        except spool.Busy as e:
            raise TrackerError(
                f"the database {self.path} is busy: another agent-git-tracker process has "
                f"been writing to it for more than {seconds:g} s (a stopped or hung process?); "
                "nothing was written"
            ) from e
        except OSError as e:
            raise TrackerError(f"cannot lock the database {self.path}: {e.strerror}") from e
        return lock

    def _damaged(self, error: Exception) -> TrackerError:
        why = f"a page failed to read ({str(error).partition(': ')[2] or error})"
        damage.remember(self.path, why)
        return damage.error(self.path, why)

    def snapshot(self) -> Any:
        """A raw read transaction that pins one snapshot (for `salvage`); use it in a `with`."""
        return self._env.begin()

    def put_many(self, items: Mapping[str, Any]) -> int:
        """Write many keys in ONE transaction, all or nothing; returns the values written."""
        with self.writing() as txn:
            txn.put_many(items)
            return txn.puts

    def space(self) -> tuple[int, int]:
        """(bytes the records' pages take, bytes free under `max_database_size`); pages
        freed inside the file count as free, as LMDB reuses them."""
        stat = self._env.stat()
        pages = stat["branch_pages"] + stat["leaf_pages"] + stat["overflow_pages"] + 2
        used = pages * stat["psize"]
        return used, max(0, self.config.max_database_size - used)

    def info(self) -> dict[str, Any]:
        """Path, sizes, schema version and record counts per key prefix."""
        with self.reading() as view:
            counts = {prefix: view.count(prefix + ":") for prefix in keys.PREFIXES}
            schema = view.get(SCHEMA_KEY) or {}
        return {
            "path": str(self.path),
            "file_size": self.path.stat().st_size,
            "map_size": self._env.info()["map_size"],
            "max_database_size": self.config.max_database_size,
            "schema_version": schema.get("version"),
            "counts": counts,
            "room": self.room(counts["commit"]),
        }

    def room(self, commits: int) -> dict[str, int]:
        """Bytes used and free under `max_database_size`, what a commit takes with its grades
        and the records derived from it (this database's average, once it has enough of them
        to say), and how many more commits fit at that rate."""
        used, free = self.space()
        per_commit = used // commits if commits >= MEASURED_FROM else TYPICAL_COMMIT
        return {
            "used": used,
            "free": free,
            "per_commit": per_commit,
            "more_commits": free // max(1, per_commit),
        }

    def _full_error(self) -> TrackerError:
        source = self.config.sources.get("max_database_size", "the default")
        limit = self.config.max_database_size
        full = (
            f"the database {self.path} is full at its limit of {limit} bytes "
            f"(max_database_size, from {source}); nothing was written"
        )
        if limit >= CEILING:
            return TrackerError(
                f"{full}. That is the most a database may take: keep further history in a "
                "database of its own (--db-path)"
            )
        larger = min(CEILING, limit * 2) // 1024**2
        return TrackerError(
            f"{full}. Raise max_database_size (at most 2GiB), for example with "
            f"AGENT_TRACKER_MAX_DB_SIZE={larger}MiB, and run the command again"
        )


def identify(path: Path) -> str | None:
    """None for a file this package can open; otherwise what wrote the file, for the message."""
    try:
        head = damage.read_head(path, 32)
    except FileNotFoundError:
        return None
    except OSError as e:
        raise TrackerError(f"cannot read the database {path}: {e.strerror}") from e
    if not head:
        return None  # an empty file: LMDB initialises it
    if len(head) >= 24 and struct.unpack_from("<II", head, 16) == (LMDB_MAGIC, 1):
        return None
    if len(head) >= 32 and struct.unpack_from("<I", head, 24)[0] == LMDB_MAGIC:
        version = struct.unpack_from("<I", head, 28)[0] & 0xFFFF
        if version == 2:
            return (
                "lmdb-js (LMDB data format v2), the database format of the older "
                "TypeScript agent-tracker plugin for OpenCode"
            )
        return f"a newer LMDB (data format v{version})"
    return "a program other than LMDB: it is not an LMDB database"


def health(path: Path) -> str | None:
    """Why the database is damaged (cut short, or a page failed to read), or None."""
    if not path.exists() or path.stat().st_size == 0:
        return None
    try:
        refuse_foreign(path)
        damage.check_pages(path)
    except TrackerError as e:
        return str(e)
    known = damage.recorded(path) if path.exists() else None
    return str(damage.error(path, known)) if known else None


def refuse_foreign(path: Path) -> None:
    """Refuse another program's file at the database path: it is never modified."""
    writer = identify(path)
    if writer:
        raise _foreign_error(path, writer)


def _foreign_error(path: Path, writer: str) -> TrackerError:
    return TrackerError(
        f"the file at the database path {path} was written by {writer}, and this tool will not "
        "modify it. Import it with `agent-git-tracker migrate --from "
        f"{path}` (or `migrate --move-aside` to import it, keep it as a backup and start this "
        "database in its place), or choose another path with --db-path"
    )


def _schema(view: View, path: Path) -> int | None:
    """The schema version of the database; None for a new, empty one. Refuses another
    program's file and a newer schema."""
    schema = view.get(SCHEMA_KEY)
    if schema is None:
        if view.is_empty():
            return None
        raise _foreign_error(path, "another program (LMDB, without this tool's schema)")
    version = int(schema.get("version", 0))
    if version > SCHEMA_VERSION:
        raise TrackerError(
            f"the database {path} has schema version {schema['version']}, newer than this "
            f"agent-git-tracker understands ({SCHEMA_VERSION}); upgrade with "
            "`pip install --upgrade agent-git-tracker`"
        )
    return version


def _bring_up_to_date(store: Store, version: int | None) -> None:
    """Write the schema of a new database, or upgrade an older one (`upgrade`)."""
    if version == SCHEMA_VERSION:
        return
    if version is None:
        with store.writing() as txn:
            if txn.get(SCHEMA_KEY) is None:
                txn.put(SCHEMA_KEY, {"version": SCHEMA_VERSION})
        if not _upgrading(store):
            return
    from datetime import UTC, datetime

    upgrade.upgrade(store.writing, datetime.now(UTC).isoformat(timespec="seconds"))


def _upgrading(store: Store) -> bool:
    """Whether another process made the database meanwhile, with an older schema."""
    with store.reading() as view:
        return int((view.get(SCHEMA_KEY) or {}).get("version", 0)) < SCHEMA_VERSION


def exists(config: Config) -> bool:
    return config.database_path.exists() and config.database_path.stat().st_size > 0


# LMDB allows one environment per file and process: nested opens share it.
_OPEN: dict[str, Store] = {}


def open_store(config: Config, *, warn: Any = None, check_schema: bool = True) -> Store:
    """Open (and on first use create) the central database, refusing foreign files.
    Without `check_schema`, no record is read (a salvage reads the pages itself)."""
    path = config.database_path
    if str(path) in _OPEN:
        shared = _OPEN[str(path)]
        shared._users += 1
        return shared
    if path.is_symlink() or Path(f"{path}-lock").is_symlink():
        raise TrackerError(
            f"the database path {path} (or its -lock file) is a symlink, to "
            f"{path.resolve()}; this tool writes only where it is told: set database_path to "
            "the real file instead"
        )
    refuse_foreign(path)
    if not exists(config):
        _prepare_new(path, warn)
    else:
        damage.check_pages(path)
    try:
        env = lmdb.open(
            str(path),
            map_size=config.max_database_size,
            subdir=False,
            max_dbs=0,
            mode=0o600,
            max_readers=256,
        )
    except lmdb.Error as e:
        raise TrackerError(f"cannot open the database {path}: {e}") from e
    store = Store(env, config)
    _OPEN[str(path)] = store
    try:
        _private(path)
        if check_schema:
            with store.reading() as view:
                version = _schema(view, path)
            _bring_up_to_date(store, version)
    except BaseException:
        store.close()
        raise
    return store


def _prepare_new(path: Path, warn: Any) -> None:
    try:
        make_private_dirs(path.parent)
    except OSError as e:
        raise TrackerError(f"cannot create the folder {path.parent}: {e.strerror}") from e
    home = Path(os.path.expanduser("~"))
    default = home / ".config" / "opencode" / "agent-tracker.lmdb"
    if warn and path == default and (home / OLD_PLUGIN_DIR).is_dir():
        warn(
            f"the older agent-tracker OpenCode plugin is installed ({home / OLD_PLUGIN_DIR}) "
            f"and uses the same database path {path}; it crashes on this tool's database. "
            "Remove the plugin, or set a different database_path for one of the two"
        )


def make_private_dirs(folder: Path) -> None:
    """Create `folder` and every missing parent with mode 0700 (mkdir's `parents` would not)."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for new in reversed(missing):
        new.mkdir(mode=0o700, exist_ok=True)


def _private(path: Path) -> None:
    """The data and lock files are the user's alone."""
    for file in (path, Path(f"{path}-lock")):
        if file.exists() and file.stat().st_mode & 0o077:
            os.chmod(file, 0o600)
