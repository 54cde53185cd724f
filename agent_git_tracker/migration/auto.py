"""The automatic, once-only merge of the older plugin's per-project database when a command
starts in a repository.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
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
# A larger legacy file is merged only on request (`migrate --from`): a command must stay quick.
MAX_AUTO_SIZE = 64 * 1024 * 1024


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
        refused = [(path, why) for path in paths if (why := untrusted(path))]
        lines = [_not_merged(config, path, why) for path, why in refused]
        trusted = [path for path in paths if path not in dict(refused)]
        lines.append((_auto(config, trusted) if trusted else None) or "")
        return "; ".join(line for line in lines if line) or None
    except Exception as e:  # a migration never stops the command it runs in (R4)
        return f"warning: could not look for the older agent-tracker plugin's databases: {e}"


def untrusted(path: Path) -> str | None:
    """Why a legacy file found in a repository must not be merged on its own, or None. Anyone
    who can commit to a repository can put such a file in it: only a file git does not track,
    that the user owns, reached through no symlink and of a sane size, is merged by itself."""
    base = path.parents[3]  # <base>/~/.config/opencode/agent-tracker.lmdb
    for part in (path.parents[2], path.parents[1], path.parents[0], path):
        if part.is_symlink():
            return f"{part.relative_to(base)} is a symlink"
    info = path.stat()
    if info.st_uid != os.geteuid():
        return "another user owns it"
    if info.st_size > MAX_AUTO_SIZE:
        return f"it is larger than {MAX_AUTO_SIZE:,} bytes"
    if _tracked(base, path):
        return "git tracks it (anyone who can commit to the repository could have put it there)"
    return None


def _tracked(base: Path, path: Path) -> bool:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--", str(path.relative_to(base))],
        cwd=base,
        capture_output=True,
        check=False,
    )
    return bool(listed.stdout.strip(b"\0"))


def _not_merged(config: Config, path: Path, why: str) -> str:
    with contextlib.suppress(OSError):
        _remember_failure(config, path, TrackerError(why))  # said once until the file changes
    return (
        f"warning: the older agent-tracker plugin's database {path} was not merged, because "
        f"{why}. If it is yours, merge it with `agent-git-tracker migrate --from {path}`"
    )


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
