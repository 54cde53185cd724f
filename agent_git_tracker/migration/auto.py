"""The automatic, once-only merge of the older plugin's per-project database when a command
starts in a repository.
"""

from __future__ import annotations

import contextlib
import json
import os
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

from agent_git_tracker.capture import spool
from agent_git_tracker.config.settings import Config
from agent_git_tracker.errors import TrackerError
from agent_git_tracker.migration.merge import Fingerprint, now, write
from agent_git_tracker.migration.sources import (
    legacy_candidates,
    load_legacy,
    same_file,
    toplevel_of,
)

if TYPE_CHECKING:
    from agent_git_tracker.store.db import Store

FAILED_PREFIX = "legacy-failed-"


def auto_migrate(config: Config, cwd: Path, toplevel: Path | None = None) -> str | None:
    """Merge the older plugin's per-project databases found here, once; returns the line to log
    (prefixed `warning:` on failure), or None when there was nothing new.

    Never raises. Without a legacy file this costs two `os.path.exists` calls (plus a walk up
    from `cwd` to find `.git` when `toplevel` is not given).
    """
    try:
        found = legacy_candidates(cwd, toplevel if toplevel is not None else toplevel_of(cwd))
        paths = [
            path
            for path in found
            if not same_file(path, config.database_path) and not _failed_before(config, path)
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
        merged = write(store, [load_legacy(path)])[0]
    except Exception as e:  # damaged files fail in many ways; never stop the command (R4)
        return _failed(store.config, path, e)
    forget_failure(store.config, path)
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
    name = f"{FAILED_PREFIX}{zlib.crc32(os.fsencode(os.path.abspath(path))):08x}.json"
    return config.spool_root / name


def _remember_failure(config: Config, path: Path, error: Exception) -> None:
    fingerprint = Fingerprint.of(path)
    spool.private_dir(str(config.spool_root))
    record = {
        "source": fingerprint.path,
        "size": fingerprint.size,
        "mtime_ns": fingerprint.mtime_ns,
        "error": str(error),
        "failed_at": now(),
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


def forget_failure(config: Config, path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(_failure_file(config, path))
