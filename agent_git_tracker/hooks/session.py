"""Agent sessions: `session start`, `show` and `end`, with what an agent's own hook passes.

Claude Code and Codex give their hook commands a JSON object on stdin (session id, model,
working folder, transcript path): read when there is one, so the model and the session id are
exact. It is data, never trusted: only short printable strings are kept, and only in the
session file (the agent-log join reads the session id and transcript path from there).
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import time
from dataclasses import dataclass
from typing import IO, Any

from agent_git_tracker.capture import spool
from agent_git_tracker.capture.workspace import here, spool_dir
from agent_git_tracker.config.settings import Config
from agent_git_tracker.errors import TrackerError
from agent_git_tracker.ledger.flush import Flushed, flush_repo
from agent_git_tracker.models import check_name
from agent_git_tracker.store.db import open_store
from agent_git_tracker.times import iso

INPUT_LIMIT = 1 << 20
FIRST_BYTE_WAIT = 0.5  # an agent writes its JSON at once; a terminal or a script writes none
INPUT_WAIT = 2.0
# What is kept of an agent hook's JSON, by the name the agents give it.
HOOK_FIELDS = {"session_id": "session_id", "transcript_path": "transcript", "cwd": "cwd"}


def hook_input(stream: IO[bytes] | None) -> dict[str, str]:
    """The fields of an agent hook's JSON on `stream` (session id, model, cwd, transcript
    path); empty when there is none: a terminal, nothing written, not JSON."""
    if stream is None or stream.isatty():
        return {}
    data = _read(stream.fileno())
    try:
        value = json.loads(data) if data.strip() else None
    except ValueError:
        return {}
    if not isinstance(value, dict):
        return {}
    found = {ours: value.get(theirs) for theirs, ours in HOOK_FIELDS.items()}
    model = value.get("model")
    found["model"] = model.get("id") if isinstance(model, dict) else model
    return {k: str(v) for k, v in found.items() if _plain(v)}


def _read(fd: int) -> bytes:
    chunks: list[bytes] = []
    deadline = time.monotonic() + INPUT_WAIT
    wait = FIRST_BYTE_WAIT
    while sum(map(len, chunks)) < INPUT_LIMIT:
        if not select.select([fd], [], [], max(0.0, min(wait, deadline - time.monotonic())))[0]:
            break
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
        wait = INPUT_WAIT
    return b"".join(chunks)


def _plain(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 1000 and value.isprintable()


@dataclass(frozen=True)
class Started:
    values: dict[str, str]
    replaced: dict[str, str] | None


def start_session(
    config: Config,
    agent: str,
    model: str | None,
    setup: str | None,
    hook: dict[str, str] | None = None,
) -> Started:
    """Make `agent` the author of this repository's commits until `session end`; the hook's
    JSON (`hook_input`) names the folder, the session id and, unless `model` does, the model."""
    hook = hook or {}
    if hook.get("cwd") and os.path.isdir(hook["cwd"]):
        os.chdir(hook["cwd"])  # the agent's working folder names the repository
    model = model or hook.get("model")
    repo = here()
    values = {
        "agent": check_name(agent),
        "model": check_name(model, "model") if model else "",
        "setup": check_name(setup, "setup label") if setup else "",
        "started": iso(time.time()),
        "session_id": hook.get("session_id", ""),
        "transcript": hook.get("transcript", ""),
        # A hint for `doctor`, one line of the session file: a path with a line break is left out.
        "project": "" if {"\n", "\r"} & set(repo["project"]) else repo["project"],
        "repository": make_repository_id(repo["common_dir"]),
    }
    directory = spool_dir(config, repo)
    before = spool.read_session(directory, common_dir=repo["common_dir"])
    if before and _same(before, values):
        values["started"] = before.get("started") or values["started"]  # a resume goes on
        before = None
    spool.write_session(directory, values)
    return Started(values, before)


def make_repository_id(common_dir: str) -> str:
    """The repository's id (`spool.REPOSITORY_ID`), made when it has none: written whole under
    another name, then linked into place, so a crash never leaves half an id and two starts
    at once agree on one. "" when the git folder cannot take it (read-only)."""
    found = spool.repository_id(common_dir)
    if found:
        return found
    path = os.path.join(common_dir, spool.REPOSITORY_ID)
    tmp = f"{path}.{spool.new_id()}.tmp"
    value = os.urandom(16).hex()
    try:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        fd = os.open(tmp, flags, 0o644)
    except OSError:
        return ""
    try:
        try:
            spool.write_all(fd, f"{value}\n".encode("ascii"), 0)
        finally:
            os.close(fd)
        os.link(tmp, path)
        spool.sync_dir(common_dir)
    except FileExistsError:
        value = spool.repository_id(common_dir)  # made by another start; "" if not ours at all
    except OSError:
        value = ""
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    return value


def _same(before: dict[str, str], now: dict[str, str]) -> bool:
    ids = (before.get("session_id", ""), now["session_id"])
    return before.get("agent") == now["agent"] and (ids[0] == ids[1] or not all(ids))


def show_session(config: Config) -> dict[str, str] | None:
    repo = here()
    return spool.read_session(spool_dir(config, repo), common_dir=repo["common_dir"])


def end_session(
    config: Config, hook: dict[str, str] | None = None
) -> tuple[dict[str, str] | None, Flushed, dict[str, str] | None]:
    """End the session and flush: the safety net when an agent stops before a push. An agent
    ending its own session (its hook names the session id) leaves another session alone; it
    is returned third."""
    hook = hook or {}
    if hook.get("cwd") and os.path.isdir(hook["cwd"]):
        os.chdir(hook["cwd"])
    repo = here()
    directory = spool_dir(config, repo)
    session = spool.read_session(directory, common_dir=repo["common_dir"])
    other = None
    if (
        session
        and hook.get("session_id")
        and session.get("session_id")
        not in (
            "",
            hook["session_id"],
        )
    ):
        session, other = None, session
    else:
        spool.end_session(directory)
    try:
        with open_store(config) as store:
            return session, flush_repo(store, directory), other
    except TrackerError as e:
        raise TrackerError(
            f"session ended; the flush failed and the events stay in the spool "
            f"for the next one: {e}"
        ) from e


def describe(values: dict[str, str]) -> str:
    """`codex (gpt-5 / default) since 2026-…`."""
    extra = " / ".join(v for v in (values.get("model"), values.get("setup")) if v)
    return values.get("agent", "?") + (f" ({extra})" if extra else "")
