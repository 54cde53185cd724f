"""Where an event goes when the spool cannot take it: never dropped, and the warning says where.

First choice, the spool's `events.jsonl` (`spool.append`). When its lock is held too long, or
an entry there is of the wrong kind, the event becomes a batch file of its own in the same
folder (a batch is exactly what a flush collects). When even that folder cannot be written,
or the configuration cannot say which database is meant, it goes to the fallback folder
`${XDG_STATE_HOME:-~/.local/state}/agent-git-tracker/fallback/<repo folder>/`, named like the
repository's spool folder, which the next flush of that repository adopts first.
"""

from __future__ import annotations

import errno
import os

from agent_git_tracker.capture import spool


class NotKept(Exception):
    """An event that could be written nowhere; the message says so."""


def reason(error: OSError) -> str:
    """An OSError as a short phrase: the path and what is wrong with it."""
    if error.filename and error.strerror:
        return f"{error.filename}: {error.strerror}"
    return error.strerror or str(error)


def keep(
    directory: str | None, name: str, line: str, seconds: float, fallback: str, why: str = ""
) -> str:
    """Keep one event line for the spool folder `directory` (None: unknown) of the repository
    whose spool folder is called `name`. Returns "" when it was appended as usual, otherwise
    the warning that says why and where it went; raises `NotKept` when it went nowhere."""
    if directory is not None and not why:
        try:
            spool.append(directory, line, seconds)
            return ""
        except OSError as e:
            why = f"cannot append to the spool: {reason(e)}"
    places = [*([directory] if directory is not None else []), os.path.join(fallback, name)]
    errors = []
    for place in places:
        try:
            path = write_batch(place, [line])
        except OSError as e:
            errors.append(reason(e))
            continue
        return f"{why}; the event was kept in {path}, which the next flush collects"
    raise NotKept(f"{why}; this event was NOT kept (cannot write {'; nor '.join(errors)})")


def fallback_dir(fallback: str, directory: str) -> str:
    """The fallback folder of a repository's spool folder: the same name under `fallback`."""
    return os.path.join(fallback, os.path.basename(directory))


def write_batch(directory: str, lines: list[str]) -> str:
    """Write events as a batch file of their own, complete or not at all; returns its path."""
    spool.private_dir(os.path.dirname(directory))
    spool.private_dir(directory)
    name = f"batch-{spool.new_id()}.jsonl"
    data = "".join(f"{line}\n" for line in lines).encode("utf-8", "surrogatepass")
    _write_new(os.path.join(directory, name), data)
    return os.path.join(directory, name)


def _write_new(path: str, data: bytes) -> None:
    """Write a temporary name, fsync, rename, fsync the folder: `path` appears complete."""
    directory, name = os.path.split(path)
    temp = os.path.join(directory, f".{name}.{spool.new_id()}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(temp, flags, 0o600)
    try:
        spool.write_all(fd, data, 0)
        os.rename(temp, path)
    except OSError:
        os.unlink(temp)
        raise
    finally:
        os.close(fd)
    spool.sync_dir(directory)


# --- below: used by flushes, never by the post-commit hook -------------------------------------


def adopt(directory: str, fallback: str) -> list[str]:
    """Move this repository's batches from the fallback folder into its spool folder (a flush
    does this first, under its lock); returns notes for the user."""
    source = fallback_dir(fallback, directory)
    try:
        names = sorted(n for n in os.listdir(source) if spool.is_batch(n))
    except FileNotFoundError:
        return []
    except OSError as e:
        return [f"cannot read the fallback folder {source}: {reason(e)}"]
    notes, adopted = [], 0
    for name in names:
        try:
            spool.private_dir(directory)
            _move(os.path.join(source, name), os.path.join(directory, name))
            adopted += 1
        except OSError as e:
            notes.append(f"cannot take in {os.path.join(source, name)}: {reason(e)}")
    if adopted:
        notes.append(f"took in {adopted} event file(s) kept in the fallback folder {source}")
    return notes


def _move(source: str, target: str) -> None:
    """Rename, or copy and remove across file systems. A copy whose source cannot be removed
    is removed again: the same batch must never be taken in twice."""
    try:
        os.rename(source, target)
        spool.sync_dir(os.path.dirname(target))
        return
    except OSError as e:
        if e.errno != errno.EXDEV:
            raise
    fd = spool.open_regular(source)
    with os.fdopen(fd, "rb") as f:
        data = f.read()
    _write_new(target, data)
    try:
        os.unlink(source)
    except OSError:
        os.unlink(target)
        raise
