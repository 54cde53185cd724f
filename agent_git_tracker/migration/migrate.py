"""`migrate`: the older plugin's lmdb-js files merged on request, and the move-aside of one
that sits at the database path itself (imported, kept under a backup name beside it, and this
tool's database started in its place)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from agent_git_tracker.capture import spool
from agent_git_tracker.config.settings import Config
from agent_git_tracker.errors import TrackerError, UsageError
from agent_git_tracker.migration.auto import forget_failure, untrusted
from agent_git_tracker.migration.merge import (
    Fingerprint,
    Merged,
    Source,
    Summary,
    absent,
    apply,
    plan,
    write,
)
from agent_git_tracker.migration.sources import (
    LEGACY_RELATIVE,
    existing,
    is_legacy,
    legacy_candidates,
    load_legacy,
    not_legacy,
    same_file,
    toplevel_of,
)

# `store` (py-lmdb) and `legacy` are imported where they are used: a command start that finds
# no legacy file must not pay for them.
if TYPE_CHECKING:
    pass


BACKUP_INFIX = ".lmdb-js-backup-"


TEMP_INFIX = ".migrating-"


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
    at_database = database.is_file() and is_legacy(database)
    paths = _sources(database, source, cwd, toplevel)
    # Found, not named: a file a repository brings is merged only when named with --from.
    checked = [(path, untrusted(path) if source is None else None) for path in paths]
    refused = tuple(_refusal(path, why) for path, why in checked if why)
    paths = [path for path, why in checked if not why]
    if at_database and not move_aside:
        raise UsageError(_move_aside_needed(database))
    loaded = [load_legacy(path) for path in paths]  # everything is read before anything changes
    if at_database:
        summary = _move_aside(config, loaded, dry_run)
    else:
        summary = _merge_found(config, loaded, dry_run, cwd, toplevel, refused)
        if move_aside:
            note = f"--move-aside: {database} is not a file of the older plugin; nothing was moved"
            summary = replace(summary, notes=(*summary.notes, note))
    if not dry_run:
        for path in paths:
            forget_failure(config, path)
    return summary


def _sources(database: Path, source: Path | None, cwd: Path, toplevel: Path | None) -> list[Path]:
    if source is None:
        found = legacy_candidates(cwd, toplevel if toplevel is not None else toplevel_of(cwd))
        return [path for path in found if not same_file(path, database)]
    path = existing(source)
    if same_file(path, database):
        if not is_legacy(path):
            raise UsageError(f"{path} is this tool's own database; there is nothing to migrate")
        return []  # the file at the database path is taken in by the move-aside
    if not is_legacy(path):
        raise not_legacy(path)
    return [path]


def _move_aside_needed(database: Path) -> str:
    return (
        f"the database path {database} holds the older agent-tracker plugin's lmdb-js database. "
        "Run `agent-git-tracker migrate --move-aside` to import it, keep it under a backup name "
        "beside it and start this tool's database in its place (add --dry-run to see what it "
        "would do), or choose another path with --db-path and use `migrate --from "
        f"{database}`"
    )


def _refusal(path: Path, why: str) -> str:
    return f"{path} was not merged, because {why}; if it is yours, name it with --from {path}"


def _merge_found(
    config: Config,
    loaded: list[Source],
    dry_run: bool,
    cwd: Path,
    toplevel: Path | None,
    refused: tuple[str, ...],
) -> Summary:
    if refused and not loaded:
        return Summary(config.database_path, dry_run, notes=refused)
    if not loaded:
        top = toplevel if toplevel is not None else toplevel_of(cwd)
        places = " or ".join(str(p / LEGACY_RELATIVE) for p in dict.fromkeys([cwd, top]) if p)
        note = (
            f"nothing to migrate: no database of the older plugin at {places}; "
            "name one with --from PATH"
        )
        return Summary(config.database_path, dry_run, notes=(note,))
    merged = apply(config, loaded, dry_run)
    note = "the source files were only read; delete them yourself once you no longer need them"
    return Summary(config.database_path, dry_run, tuple(merged), notes=(*refused, note))


def _move_aside(config: Config, others: list[Source], dry_run: bool) -> Summary:
    database = config.database_path
    if database.is_symlink():
        real = os.path.realpath(database)
        raise UsageError(
            f"the database path {database} is a symlink to {real}; --move-aside replaces the "
            f"file at the path, so name the real file: `agent-git-tracker --db-path {real} "
            "migrate --move-aside`"
        )
    own = load_legacy(database)
    assert own.fingerprint is not None
    backup = _backup_name(database, own.fingerprint)
    kept = replace(own, path=backup, fingerprint=replace(own.fingerprint, path=str(backup)))
    sources = [kept, *others]
    if dry_run:
        merged = plan(absent, sources)[1]
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
        merged = write(store, sources)
    for extra in ("-lock", "-writer.lock"):  # py-lmdb's and ours, beside the database path
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{temp}{extra}")
    if not fingerprint.same_state(Fingerprint.of(database)):
        os.unlink(temp)  # the older plugin wrote meanwhile: what was read is not all there is
        raise _changed(database)
    os.replace(temp, database)
    spool.sync_dir(str(database.parent))
    return merged


def _private(path: Path) -> None:
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o600)
