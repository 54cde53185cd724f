"""`doctor`'s checks beyond the hooks of one repository: the interpreter hooks are bound to,
repositories whose events wait for a push that cannot come, the command agents run, agents
not wired, and agent sessions."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from agent_git_tracker.capture import spool
from agent_git_tracker.hooks.agentconfigs import AGENTS, PLUGIN_MARK, TRACKER, wiring
from agent_git_tracker.hooks.install import git_output, is_ours


def bound_python(hook: Path) -> str | None:
    """The interpreter one of this tool's hook scripts is bound to (None: found on PATH)."""
    try:
        text = hook.read_text(errors="replace")
    except OSError:
        return None
    for line in text.splitlines()[:20]:
        if line.startswith("python="):
            value = shlex.split(line.partition("=")[2] or "''")
            return value[0] if value and value[0] else None
    return None


def stale_interpreters(hooks: list[Path]) -> list[str]:
    """Problems: hooks of this tool bound to a Python that no longer exists."""
    found: dict[str, list[Path]] = {}
    for hook in hooks:
        python = bound_python(hook) if is_ours(hook) else None
        if python and not os.access(python, os.X_OK):
            found.setdefault(python, []).append(hook)
    return [
        f"{len(paths)} hook(s) such as {paths[0]} are bound to {python}, which no longer exists "
        "(a removed virtual environment?): run `agent-git-tracker install` (or `install "
        "--global`) again with the Python that has the tracker"
        for python, paths in found.items()
    ]


def unpushable(waiting: dict[str, int]) -> list[str]:
    """Problems: repositories with waiting events and no remote, so no push flushes them."""
    problems = []
    for directory, count in sorted(waiting.items()):
        project = project_of(directory)
        if project and os.path.isdir(project) and not git_output("-C", project, "remote"):
            problems.append(
                f"{project} has no remote, so its {count} waiting event(s) wait for a push that "
                f"cannot come: run `agent-git-tracker flush` there (or `flush --all`)"
            )
    return problems


def project_of(directory: str) -> str | None:
    """The repository a spool folder belongs to, from its session or its first event."""
    session = spool.read_session(directory, now=0.0) or {}
    if session.get("project"):
        return session["project"]
    for path in spool.pending_files(directory):
        try:
            with os.fdopen(spool.open_regular(path), "rb") as f:
                event = json.loads(f.readline())
        except (OSError, ValueError):
            continue
        if isinstance(event, dict) and isinstance(event.get("project"), str):
            return str(event["project"])
    return None


def command_on_path() -> list[str]:
    """Problems: agents' hooks run `agent-git-tracker` from their PATH."""
    if shutil.which(TRACKER):
        return []
    return [
        f"`{TRACKER}` is not on PATH, and agents' hooks run it from there: install it with "
        "`pipx install agent-git-tracker`, or add the folder of this installation "
        f"({Path(sys.executable).parent}) to PATH"
    ]


def agents(project: Path | None, home: Path) -> tuple[dict[str, str], list[str]]:
    """Each agent's wiring (`wired …`, `not wired`, `not installed`), and problems: an agent
    installed on this machine that is wired nowhere, or an OpenCode plugin of API version 1."""
    states, problems = {}, []
    for agent in AGENTS:
        places = [wiring(agent, True, project or home, home)]
        if project is not None:
            places.append(wiring(agent, False, project, home))
        wired = [w.path for w in places if _wired(w.path, agent)]
        installed = _installed(agent, places[0].path)
        if wired:
            states[agent] = "wired in " + ", ".join(map(str, wired))
        elif installed:
            states[agent] = "not wired"
            problems.append(
                f"{agent} is installed here ({places[0].path.parent}) but not wired: run "
                f"`agent-git-tracker wire {agent}` (this project) or `--user` (every project)"
            )
        else:
            states[agent] = "not installed"
        old = [w.path.parent.parent / f"{TRACKER}.js" for w in places if agent == "opencode"]
        problems += [
            f"{path} is a plugin of OpenCode's API version 1, which OpenCode 2 no longer loads: "
            "run `agent-git-tracker wire opencode` to replace it"
            for path in old
            if path.is_file()
        ]
    return states, problems


def _installed(agent: str, user_file: Path) -> bool:
    """Whether the agent keeps its user configuration here. OpenCode's folder alone says
    nothing: this tracker's database lives there by default."""
    if agent != "opencode":
        return user_file.parent.exists()
    root = user_file.parent.parent.parent
    return any((root / name).exists() for name in ("opencode.json", "opencode.jsonc", "plugins"))


def _wired(path: Path, agent: str) -> bool:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return False
    return PLUGIN_MARK in text if agent == "opencode" else f"{TRACKER} session start" in text


def _made_again(session: dict[str, str]) -> bool:
    """The session's repository was deleted, or made again at its path: the session names a
    repository id that the git folder there does not hold."""
    mine, project = session.get("repository"), session.get("project")
    if not (mine and project):
        return False  # a session of an earlier version
    return spool.repository_id(_common_dir(project)) != mine


def _common_dir(project: str) -> str:
    """The git common dir of the work tree at `project`, as git lays it out: its `.git`
    folder, or the folder a `.git` file names (a submodule, `--separate-git-dir`) and the
    `commondir` that one names, if any; `project` itself for a bare repository."""
    dot_git = os.path.join(project, ".git")
    if os.path.isdir(dot_git):
        return dot_git
    try:
        text = spool.read_small(dot_git, 4096)[0].decode("utf-8", "surrogateescape")
    except OSError:
        return project
    if not text.startswith("gitdir:"):
        return project
    git_dir = os.path.normpath(os.path.join(project, text[len("gitdir:") :].strip()))
    try:
        common = spool.read_small(os.path.join(git_dir, "commondir"), 4096)[0]
    except OSError:
        return git_dir
    return os.path.normpath(
        os.path.join(git_dir, common.decode("utf-8", "surrogateescape").strip())
    )


def sessions(directories: list[str], now: float | None = None) -> list[dict[str, Any]]:
    """Every agent session the spool holds: active, or stale (expired without `session
    end`, or its repository deleted or made again: it no longer names anyone, and
    `session end` tidies it)."""
    now = time.time() if now is None else now
    found = []
    for directory in directories:
        path = os.path.join(directory, spool.SESSION)
        try:
            _, mtime = spool.read_small(path)
        except OSError:
            continue
        values = spool.read_session(directory, now=mtime) or {}
        if not values:
            continue
        stale = now - mtime > spool.SESSION_TTL_SECONDS or _made_again(values)
        found.append(
            {
                "repository": values.get("project") or project_of(directory) or directory,
                "agent": values.get("agent"),
                "model": values.get("model") or None,
                "started": values.get("started"),
                "session_id": values.get("session_id") or None,
                "last_activity": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(mtime)),
                "state": "stale" if stale else "active",
            }
        )
    return found
