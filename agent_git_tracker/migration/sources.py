"""Finding and reading what an import brings: the older plugin's lmdb-js files and paths named
by the user.
"""

from __future__ import annotations

import os
from pathlib import Path

from agent_git_tracker.errors import TrackerError, UsageError
from agent_git_tracker.migration.merge import LMDB_JS, MAX_KEY_BYTES, Fingerprint, Source

LEGACY_RELATIVE = Path("~", ".config", "opencode", "agent-tracker.lmdb")


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
        if is_legacy(path) and not any(same_file(path, other) for other in found):
            found.append(path)
    return found


def toplevel_of(cwd: Path) -> Path | None:
    """The nearest folder holding `.git`, without starting git."""
    for folder in (cwd, *cwd.parents):
        if os.path.exists(folder / ".git"):
            return folder
    return None


def is_legacy(path: Path) -> bool:
    from agent_git_tracker.migration.legacy import is_legacy_file

    return is_legacy_file(path)


def same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def load_legacy(path: Path) -> Source:
    """Every record of an lmdb-js file, mapped onto our keys; refuses a file that changed
    while it was read (the older plugin still running)."""
    from agent_git_tracker.migration.legacy import read_records
    from agent_git_tracker.migration.legacy.mapping import to_entries

    left_out: list[str] = []
    try:
        before = Fingerprint.of(path)
        entries = to_entries(read_records(path, left_out))
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
    return Source(path, LMDB_JS, entries, before, left_out=tuple(left_out))


def existing(path: Path) -> Path:
    path = Path(os.path.abspath(os.path.expanduser(path)))
    if not path.exists():
        raise UsageError(f"{path} does not exist")
    if path.is_dir():
        raise UsageError(
            f"{path} is a folder: name the file, such as {path / 'agent-tracker.lmdb'}"
        )
    return path


def what_it_is(path: Path) -> str | None:
    """None for a database of this tool; otherwise a description for the error message."""
    from agent_git_tracker.store.db import identify

    if path.stat().st_size == 0:
        return "it is empty"
    writer = identify(path)
    return None if writer is None else f"it was written by {writer}"


def ours_hint(path: Path) -> str:
    return (
        f"{path} is a database of agent-git-tracker itself, not of the older plugin. Move its "
        f"history with `agent-git-tracker --db-path {path} export -o FILE`, then "
        "`agent-git-tracker import FILE`"
    )


def not_legacy(path: Path) -> UsageError:
    what = what_it_is(path)
    if what is None:
        return UsageError(ours_hint(path))
    return UsageError(
        f"{path} is not a database of the older agent-tracker plugin (lmdb-js): {what}"
    )
