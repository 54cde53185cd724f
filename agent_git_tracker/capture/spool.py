"""The spool: events waiting on disk for the next flush, one folder per repository.

Appends come from short-lived hook processes, so this module imports only what `os` brings
along; the reading side imports `json` when it is used. Layout under `<database>-spool/`:

    <repo>/events.jsonl        appended, one JSON event per line, fsync'd
    <repo>/batch-<id>.jsonl    events claimed by a flush; removed once the flush has committed
    <repo>/rejected-<id>.jsonl lines that could not be read (power loss), set aside
    <repo>/lock                held while appending or claiming
    <repo>/session             the active agent session of this repository
    halted                     agents that are halted, for the post-commit warning
"""

from __future__ import annotations

import fcntl
import os
import time
import zlib

# Typing names only: `typing` costs the hook several milliseconds at run time.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


EVENTS = "events.jsonl"
SESSION = "session"
HALTED = "halted"
SESSION_FIELDS = ("agent", "model", "setup", "started")
# A session its agent never ended stops counting after this long without a refresh.
SESSION_TTL_SECONDS = 12 * 3600


def repo_dir(root: str, common_dir: str) -> str:
    """The spool folder of one repository, named by its git common dir (shared by worktrees)."""
    common = os.path.normpath(common_dir)
    top = os.path.dirname(common) if os.path.basename(common) == ".git" else common
    name = os.path.basename(top) or "repo"
    slug = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:40]
    return os.path.join(root, f"{slug}-{zlib.crc32(common.encode()):08x}")


def _mkdirs(path: str) -> None:
    if not os.path.isdir(path):
        parent = os.path.dirname(path)
        if parent and parent != path:
            _mkdirs(parent)
        try:  # noqa: SIM105 - contextlib would cost the hook an import on every commit
            os.mkdir(path, 0o700)
        except FileExistsError:
            pass


def private_dir(path: str) -> None:
    """Create a folder and its missing parents for this user only (0700); refuse a symlink."""
    _mkdirs(path)
    if os.path.islink(path) or not os.path.isdir(path):
        raise OSError(f"{path} is a symlink or not a folder; refusing to write through it")


def new_id() -> str:
    """A unique, time-ordered event id."""
    return f"{time.time_ns():016x}-{os.getpid():x}-{os.urandom(4).hex()}"


class Locked:
    """An exclusive `flock` on `<repo>/<name>` for the duration of a `with`."""

    def __init__(self, directory: str, name: str = "lock") -> None:
        self._path = os.path.join(directory, name)

    def __enter__(self) -> None:
        flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
        self._fd = os.open(self._path, flags, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        os.close(self._fd)


def append(directory: str, line: str) -> None:
    """Append one event line durably; safe against concurrent appenders and flushes."""
    private_dir(os.path.dirname(directory))
    private_dir(directory)
    path = os.path.join(directory, EVENTS)
    data = line.encode("utf-8", "surrogatepass")
    with Locked(directory):
        fd = os.open(
            path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600
        )
        try:
            size = os.fstat(fd).st_size
            # A line cut short by a power loss must not swallow this one: start on a new line.
            if size and os.pread(fd, 1, size - 1) != b"\n":
                data = b"\n" + data
            _write_all(fd, data + b"\n", size)
        finally:
            os.close(fd)
        if size == 0:
            sync_dir(directory)


def _write_all(fd: int, data: bytes, size: int) -> None:
    """Write and fsync all of `data`, or leave the file as it was (a full disk writes part)."""
    done = 0
    try:
        while done < len(data):
            done += os.write(fd, data[done:])
        os.fsync(fd)
    except OSError:
        os.ftruncate(fd, size)
        raise


def sync_dir(directory: str) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_session(directory: str, now: float | None = None) -> dict[str, str] | None:
    """The active session of a repository, or None (none, ended, or expired)."""
    path = os.path.join(directory, SESSION)
    try:
        with open(path, encoding="utf-8") as f:
            values = f.read().split("\n")
        age = (now or time.time()) - os.stat(path).st_mtime
    except (FileNotFoundError, NotADirectoryError, UnicodeDecodeError):
        return None
    if age > SESSION_TTL_SECONDS or not values[0]:
        return None
    return dict(zip(SESSION_FIELDS, values, strict=False))


def halted_agents(root: str) -> list[str]:
    try:
        with open(os.path.join(root, HALTED), encoding="utf-8") as f:
            return [line for line in f.read().split("\n") if line]
    except (FileNotFoundError, NotADirectoryError, UnicodeDecodeError):
        return []


# --- below: used by flushes and commands, never by the post-commit hook -------------------------


def mark_halted(root: str, agent: str, halted: bool) -> None:
    """Add or remove one agent in the halted list, at once: a bug or a resume shows in the
    post-commit warning before the flush that writes it (the flush rewrites the list)."""
    agents = [a for a in halted_agents(root) if a != agent] + ([agent] if halted else [])
    private_dir(root)
    write_file(os.path.join(root, HALTED), "".join(f"{a}\n" for a in agents))


def write_file(path: str, text: str) -> None:
    """Replace a small file atomically and durably."""
    tmp = f"{path}.{new_id()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        _write_all(fd, text.encode(), 0)
    except OSError:
        os.unlink(tmp)
        raise
    finally:
        os.close(fd)
    os.replace(tmp, path)
    sync_dir(os.path.dirname(path))


def write_session(directory: str, values: dict[str, str]) -> None:
    private_dir(os.path.dirname(directory))
    private_dir(directory)
    write_file(
        os.path.join(directory, SESSION),
        "\n".join(values.get(f, "") for f in SESSION_FIELDS) + "\n",
    )


def end_session(directory: str) -> bool:
    try:
        os.unlink(os.path.join(directory, SESSION))
    except FileNotFoundError:
        return False
    return True


def repo_dirs(root: str) -> list[str]:
    """Every repository folder of the spool."""
    try:
        names = sorted(os.listdir(root))
    except FileNotFoundError:
        return []
    return [
        p
        for p in (os.path.join(root, n) for n in names)
        if os.path.isdir(p) and not os.path.islink(p)
    ]


def claim(directory: str) -> list[str]:
    """Move the appended events into a batch file; return every batch waiting, oldest first.

    Batches left by an earlier flush that was killed are returned too: the flush's transaction
    records which batches it applied, so a batch is never applied twice.
    """
    if not os.path.isdir(directory):
        return []
    with Locked(directory):
        events = os.path.join(directory, EVENTS)
        if os.path.exists(events) and os.path.getsize(events):
            os.rename(events, os.path.join(directory, f"batch-{new_id()}.jsonl"))
            sync_dir(directory)
    return batches(directory)


def batches(directory: str) -> list[str]:
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return []
    return sorted(
        os.path.join(directory, n) for n in names if n.startswith("batch-") and n.endswith(".jsonl")
    )


def batch_id(path: str) -> str:
    return os.path.basename(path)[len("batch-") : -len(".jsonl")]


def pending_files(directory: str) -> list[str]:
    """Batch files and the events file: everything not yet flushed, oldest first."""
    events = os.path.join(directory, EVENTS)
    return batches(directory) + ([events] if os.path.exists(events) else [])


def read_events(path: str) -> tuple[list[dict[str, Any]], list[str]]:
    """The events of one spool file, and the lines that could not be read."""
    import json

    good: list[dict[str, Any]] = []
    bad: list[str] = []
    with open(path, "rb") as f:
        for raw in f:
            if not raw.strip():
                continue
            try:
                event = json.loads(raw)
            except ValueError:
                bad.append(raw.decode("utf-8", "replace"))
                continue
            if isinstance(event, dict) and isinstance(event.get("id"), str) and "type" in event:
                good.append(event)
            else:
                bad.append(raw.decode("utf-8", "replace"))
    return good, bad


def set_aside(directory: str, lines: list[str]) -> str:
    """Keep unreadable lines in a `rejected-*` file beside the spool; returns its path."""
    path = os.path.join(directory, f"rejected-{new_id()}.jsonl")
    write_file(path, "".join(line if line.endswith("\n") else line + "\n" for line in lines))
    return path


def remove(paths: list[str]) -> None:
    for path in paths:
        try:  # noqa: SIM105 - as above
            os.unlink(path)
        except FileNotFoundError:
            pass
    if paths:
        sync_dir(os.path.dirname(paths[0]))
