"""The spool: events waiting on disk for the next flush, one folder per repository.

Appends come from short-lived hook processes, so this module imports only what `os` brings
along; the reading side imports `json` when it is used. Layout under `<database>-spool/`:

    <repo>/events.jsonl        appended, one JSON event per line, fsync'd
    <repo>/batch-<id>.jsonl    events claimed by a flush; removed once the flush has committed;
                               also one event that could not take the lock or append in time
    <repo>/rejected-<id>.jsonl lines that could not be read (power loss), set aside; also an
                               entry of the wrong kind or a batch that cannot be read
    <repo>/lock                held while appending or claiming
    <repo>/session             the active agent session of this repository
    <git common dir>/agent-git-tracker-id  the repository's own id, tying a session to it
    halted                     agents that are halted, for the post-commit warning

Every wait for a lock is bounded (`Busy` after it), and a spool entry is opened only when it is
a regular file: a symlink is never followed and a FIFO never waited on. An event that cannot go
into the spool goes into a batch file of its own there, else into the fallback folder
(`${XDG_STATE_HOME:-~/.local/state}/agent-git-tracker/fallback/<repo>/`), which the next flush
of that repository adopts first.
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
import time
import zlib

# Typing names only: `typing` costs the hook several milliseconds at run time.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


EVENTS = "events.jsonl"
SESSION = "session"
HALTED = "halted"
LOCK = "lock"
# How long each caller waits for a lock: git and agents wait on hooks, people on commands.
HOOK_WAIT = 1.0
PUSH_WAIT = 4.0
COMMAND_WAIT = 10.0
# One line each; files written by earlier versions end after `started` (or `project`).
SESSION_FIELDS = (
    "agent", "model", "setup", "started", "session_id", "transcript", "project", "repository",
)  # fmt: skip
# In the git common dir: made by `session start`, gone with the repository. A repository
# deleted and made again at the same path (the same spool folder) has a new one, so the old
# repository's session never claims the new one's commits.
REPOSITORY_ID = "agent-git-tracker-id"
# A session its agent never ended stops counting after this long without a refresh.
SESSION_TTL_SECONDS = 12 * 3600


def repo_dir(root: str, common_dir: str) -> str:
    """The spool folder of one repository, named by its git common dir (shared by worktrees)."""
    common = os.path.normpath(common_dir)
    top = os.path.dirname(common) if os.path.basename(common) == ".git" else common
    name = os.path.basename(top) or "repo"
    slug = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:40]
    # Paths are bytes: a folder name that is not UTF-8 keeps its bytes (`surrogateescape`).
    crc = zlib.crc32(common.encode("utf-8", "surrogateescape"))
    return os.path.join(root, f"{slug}-{crc:08x}")


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


def open_regular(path: str, flags: int = os.O_RDONLY) -> int:
    """Open a spool entry only when it is a regular file: never through a symlink, never
    waiting on a FIFO (O_NONBLOCK), never a folder."""
    try:
        fd = os.open(path, flags | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, 0o600)
    except OSError as e:
        if e.errno in (errno.ELOOP, errno.EISDIR, errno.ENXIO):
            raise OSError(e.errno, f"{path} is {_kind(path)}, not a regular file") from e
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(errno.EINVAL, f"{path} is {_kind(path)}, not a regular file")
    return fd


def _kind(path: str) -> str:
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return "gone"
    kinds = ((stat.S_ISLNK, "a symlink"), (stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"))
    return next((name for test, name in kinds if test(mode)), "not a regular file")


class Busy(OSError):
    """Another process held the lock for longer than this caller may wait."""


class Locked:
    """An exclusive `flock` on `<repo>/<name>` for the duration of a `with`, waited for at
    most `seconds` (then `Busy`): a stopped process never makes git wait. With `repair`, a
    lock entry of the wrong kind is set aside (`repaired` says where) and made again."""

    def __init__(
        self, directory: str, name: str = LOCK, seconds: float = HOOK_WAIT, repair: bool = False
    ) -> None:
        self._path = os.path.join(directory, name)
        self._seconds = seconds
        self._repair = repair
        self.repaired: str | None = None

    def __enter__(self) -> None:
        try:
            self._fd = open_regular(self._path, os.O_RDWR | os.O_CREAT)
        except OSError:
            if not self._repair:
                raise
            self.repaired = set_aside_entry(self._path)
            self._fd = open_regular(self._path, os.O_RDWR | os.O_CREAT)
        deadline = time.monotonic() + self._seconds
        pause = 0.002
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(self._fd)
                    raise Busy(
                        errno.EWOULDBLOCK,
                        f"{self._path} has been locked by another process for more than "
                        f"{self._seconds:g} s (a stopped or hung agent-git-tracker?)",
                    ) from None
                time.sleep(pause)
                pause = min(pause * 2, 0.05)

    def __exit__(self, *exc: object) -> None:
        os.close(self._fd)


def append(directory: str, line: str, seconds: float = HOOK_WAIT) -> None:
    """Append one event line durably; safe against concurrent appenders and flushes."""
    private_dir(os.path.dirname(directory))
    private_dir(directory)
    path = os.path.join(directory, EVENTS)
    data = line.encode("utf-8", "surrogatepass")
    with Locked(directory, seconds=seconds):
        fd = open_regular(path, os.O_RDWR | os.O_APPEND | os.O_CREAT)
        try:
            size = os.fstat(fd).st_size
            # A line cut short by a power loss must not swallow this one: start on a new line.
            if size and os.pread(fd, 1, size - 1) != b"\n":
                data = b"\n" + data
            write_all(fd, data + b"\n", size)
        finally:
            os.close(fd)
        if size == 0:
            sync_dir(directory)


def write_all(fd: int, data: bytes, size: int) -> None:
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


def read_small(path: str, limit: int = 1 << 16) -> tuple[bytes, float]:
    """The start of a small regular file and its mtime (see `open_regular`)."""
    fd = open_regular(path)
    try:
        return os.read(fd, limit), os.fstat(fd).st_mtime
    finally:
        os.close(fd)


def read_session(
    directory: str,
    now: float | None = None,
    problems: list[str] | None = None,
    common_dir: str | None = None,
) -> dict[str, str] | None:
    """The active session of a repository, or None (none, ended, or expired; with
    `common_dir`, also a session of another repository that lived at the same path). A
    session entry that cannot be read counts as none, noted in `problems`."""
    path = os.path.join(directory, SESSION)
    try:
        data, mtime = read_small(path)
        values = data.decode("utf-8").split("\n")
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (OSError, UnicodeDecodeError) as e:
        if problems is not None:
            problems.append(f"the session was ignored: {getattr(e, 'strerror', None) or e}")
        return None
    if (now or time.time()) - mtime > SESSION_TTL_SECONDS or not values[0]:
        return None
    session = dict(zip(SESSION_FIELDS, values, strict=False))
    mine = session.get("repository")  # sessions of earlier versions name no repository
    if common_dir is not None and mine and mine != repository_id(common_dir):
        return None
    return session


def repository_id(common_dir: str) -> str:
    """The id `make_repository_id` gave the repository of `common_dir`; "" when it has none."""
    try:
        data, _ = read_small(os.path.join(common_dir, REPOSITORY_ID), 64)
    except OSError:
        return ""
    value = data.decode("ascii", "replace").strip()
    return value if value.isalnum() else ""


def halted_agents(root: str) -> list[str]:
    try:
        data, _ = read_small(os.path.join(root, HALTED))
        return [line for line in data.decode("utf-8").split("\n") if line]
    except (OSError, UnicodeDecodeError):
        return []


# --- below: used by flushes and commands, never by the post-commit hook -------------------------


def mark_halted(root: str, agent: str, halted: bool) -> None:
    """Add or remove one agent in the halted list, at once: a bug or a resume shows in the
    post-commit warning before the flush that writes it (the flush rewrites the list)."""
    agents = [a for a in halted_agents(root) if a != agent] + ([agent] if halted else [])
    private_dir(root)
    write_file(os.path.join(root, HALTED), "".join(f"{a}\n" for a in agents))


def write_file(path: str, text: str, mode: int = 0o600) -> None:
    """Replace a small file atomically and durably (a symlink at `path` is replaced, never
    written through)."""
    tmp = f"{path}.{new_id()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        os.fchmod(fd, mode)
        write_all(fd, text.encode("utf-8", "surrogateescape"), 0)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
    finally:
        os.close(fd)
    sync_dir(os.path.dirname(path) or ".")


def write_session(directory: str, values: dict[str, str]) -> None:
    private_dir(os.path.dirname(directory))
    private_dir(directory)
    lines = [values.get(f, "") for f in SESSION_FIELDS]
    if any("\n" in line or "\r" in line for line in lines):
        raise ValueError("a session value holds a line break")
    write_file(os.path.join(directory, SESSION), "\n".join(lines) + "\n")


def end_session(directory: str) -> bool:
    path = os.path.join(directory, SESSION)
    try:
        os.unlink(path)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except IsADirectoryError:  # an entry of the wrong kind: set aside, the session ends anyway
        set_aside_entry(path)
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


def claim(
    directory: str, seconds: float = COMMAND_WAIT, notes: list[str] | None = None
) -> list[str]:
    """Move the appended events into a batch file; return every batch waiting, oldest first.

    Batches left by an earlier flush that was killed are returned too: the flush's transaction
    records which batches it applied, so a batch is never applied twice. A lock or events
    entry of the wrong kind is set aside (and noted), so that the next append works again.
    """
    if not os.path.isdir(directory):
        return []
    lock = Locked(directory, seconds=seconds, repair=True)
    with lock:
        events = os.path.join(directory, EVENTS)
        if not os.path.lexists(events):
            pass
        elif not stat.S_ISREG(os.lstat(events).st_mode):
            moved = set_aside_entry(events)
            if notes is not None:
                notes.append(f"the spool's {EVENTS} was {_kind(moved)}; set aside as {moved}")
        elif os.path.getsize(events):
            os.rename(events, os.path.join(directory, f"batch-{new_id()}.jsonl"))
            sync_dir(directory)
    if lock.repaired and notes is not None:
        notes.append(f"the spool's lock was not a regular file; set aside as {lock.repaired}")
    return batches(directory)


def set_aside_entry(path: str) -> str:
    """Rename a spool entry that cannot be used to `rejected-<id>-<name>`; returns the path."""
    name = os.path.basename(path).removeprefix("batch-")
    target = os.path.join(os.path.dirname(path), f"rejected-{new_id()}-{name}")
    os.rename(path, target)
    sync_dir(os.path.dirname(path))
    return target


def is_batch(name: str) -> bool:
    return name.startswith("batch-") and name.endswith(".jsonl")


def batches(directory: str) -> list[str]:
    try:
        names = os.listdir(directory)
    except (FileNotFoundError, NotADirectoryError):
        return []
    return sorted(os.path.join(directory, n) for n in names if is_batch(n))


def batch_id(path: str) -> str:
    return os.path.basename(path)[len("batch-") : -len(".jsonl")]


def pending_files(directory: str) -> list[str]:
    """Batch files and the events file: everything not yet flushed, oldest first."""
    events = os.path.join(directory, EVENTS)
    return batches(directory) + ([events] if os.path.lexists(events) else [])


def read_events(path: str) -> tuple[list[dict[str, Any]], list[str]]:
    """The events of one spool file, and the lines that could not be read. Raises OSError
    for an entry that is not a readable regular file."""
    import json

    good: list[dict[str, Any]] = []
    bad: list[str] = []
    with os.fdopen(open_regular(path), "rb") as f:
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
