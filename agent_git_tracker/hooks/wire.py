"""`wire`: write an agent's own hook configuration (`agentconfigs` says what and where).

A JSON settings file is merged: everything the user had stays, the tracker's entries of the
events it writes are replaced by the current ones, and a file that already has them is left
untouched (a second run changes nothing). A file that changes gets a backup beside it first;
the change is shown as a diff; `--dry-run` shows it and writes nothing. A project's files are
never written through a symlink (a repository never chooses where a file goes).
"""

from __future__ import annotations

import difflib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent_git_tracker.capture import spool
from agent_git_tracker.errors import UsageError
from agent_git_tracker.hooks.agentconfigs import (
    AGENTS,
    PLUGIN_MARK,
    TRACKER,
    Wiring,
    dump,
    wiring,
)


@dataclass
class Wired:
    agent: str
    path: str
    changed: bool
    written: bool
    diff: str = ""
    backup: str | None = None
    notes: list[str] = field(default_factory=list)


def wire(agent: str, user: bool, dry_run: bool, home: Path | None = None) -> Wired:
    """Write (or with `dry_run` only show) `agent`'s hook configuration, for this project or
    (`user`) for every project of the user."""
    if agent not in AGENTS:
        raise UsageError(f"unknown agent {agent!r}: wire one of {', '.join(AGENTS)}")
    project = Path.cwd() if user else _project()
    target = wiring(agent, user, project, home or Path.home())
    path = _checked(target.path, project if not user else None)
    before = _read(path)
    after = _merged(target, before, path)
    result = Wired(agent, str(path), after != before, False, notes=_notes(target))
    if not result.changed:
        result.notes.insert(0, f"{path} already has it: nothing to change")
        return result
    result.diff = "".join(
        difflib.unified_diff(
            (before or "").splitlines(keepends=True),
            after.splitlines(keepends=True),
            f"{path} (before)" if before is not None else "/dev/null",
            str(path),
        )
    )
    if dry_run:
        result.notes.insert(0, "dry run: nothing written")
        return result
    result.backup = _backup(path) if before is not None else None
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = os.stat(path).st_mode & 0o777 if before is not None else 0o644
    spool.write_file(str(path), after, mode)
    result.written = True
    if agent == "opencode":
        result.notes += _retire_version_one(path)
    return result


def _project() -> Path:
    from agent_git_tracker.capture.workspace import here

    try:
        return Path(here()["worktree"])
    except UsageError as e:
        raise UsageError(f"{e}; or wire the agent for every project with --user") from e


def _checked(path: Path, project: Path | None) -> Path:
    """The file to write: inside a project, never through a symlink; a user's own file may be
    a symlink (dotfiles), and is written where it points."""
    if project is None:
        return Path(os.path.realpath(path))
    for part in (path, *path.parents):
        if part == project:
            break
        if part.is_symlink():
            raise UsageError(
                f"{part} is a symlink (to {os.path.realpath(part)}); the tracker writes only "
                "real files of the project. Replace it with a real file, or wire with --user"
            )
    return path


def _read(path: Path) -> str | None:
    try:
        fd = spool.open_regular(str(path))
    except FileNotFoundError:
        return None
    except OSError as e:
        raise UsageError(f"cannot read {path}: {e.strerror or e}") from e
    with os.fdopen(fd, "rb") as f:
        return f.read().decode("utf-8", "surrogateescape")


def _merged(target: Wiring, before: str | None, path: Path) -> str:
    if target.kind == "file":
        if before is not None and before != target.text and PLUGIN_MARK not in before:
            raise UsageError(
                f"{path} exists and is not the tracker's plugin; move it away, then wire again"
            )
        return target.text
    assert target.hooks is not None
    data = _settings(before, path)
    hooks = data.setdefault("hooks", {})
    if not isinstance(hooks, dict):
        raise UsageError(f"`hooks` in {path} is not an object; fix it by hand, then wire again")
    for event, groups in target.hooks.items():
        hooks[event] = _event(hooks.get(event), groups, f"`hooks.{event}` in {path}")
    text = dump(data)
    if before is not None and _settings(before, path) == data:
        return before  # nothing to change: the user's own formatting stays
    return text


def _settings(text: str | None, path: Path) -> dict[str, Any]:
    if text is None or not text.strip():
        return {}
    try:
        data = json.loads(text)
    except ValueError as e:
        raise UsageError(f"{path} is not valid JSON ({e}); fix it, then wire again") from e
    if not isinstance(data, dict):
        raise UsageError(f"{path} is not a JSON object; fix it, then wire again")
    return data


def _event(existing: Any, ours: list[dict[str, Any]], where: str) -> list[Any]:
    """An event's groups: the user's as they are, the tracker's replaced by `ours`."""
    if existing is None:
        return [json.loads(json.dumps(g)) for g in ours]
    if not isinstance(existing, list):
        raise UsageError(f"{where} is not a list; fix it by hand, then wire again")
    wanted = [h["command"] for g in ours for h in g["hooks"]]
    present = [c for c in map(_command_of, _hooks_of(existing)) if c and TRACKER in c]
    if present == wanted:
        return existing
    kept = []
    for group in existing:
        if not (isinstance(group, dict) and isinstance(group.get("hooks"), list)):
            kept.append(group)
            continue
        hooks = [h for h in group["hooks"] if TRACKER not in (_command_of(h) or "")]
        if hooks or not group["hooks"]:  # a group that held only the tracker's entries goes
            kept.append({**group, "hooks": hooks})
    return [*kept, *(json.loads(json.dumps(g)) for g in ours)]


def _hooks_of(groups: list[Any]) -> list[Any]:
    return [h for g in groups if isinstance(g, dict) for h in g.get("hooks") or []]


def _command_of(hook: Any) -> str | None:
    command = hook.get("command") if isinstance(hook, dict) else None
    return command if isinstance(command, str) else None


def _backup(path: Path) -> str:
    stamp = time.strftime("%Y%m%dT%H%M%S")
    backup = path.with_name(f"{path.name}.{stamp}.bak")
    spool.write_file(str(backup), _read(path) or "", os.stat(path).st_mode & 0o777)
    return str(backup)


def _retire_version_one(path: Path) -> list[str]:
    """The README's earlier plugin (OpenCode plugin API version 1), which OpenCode 2 refuses
    to load, is moved aside."""
    old = path.parent.parent / f"{TRACKER}.js"
    text = _read(old) if old.is_file() and not old.is_symlink() else None
    if text is None or f"{TRACKER} ${{args}}" not in text:
        return []
    moved = old.with_name(f"{old.name}.{time.strftime('%Y%m%dT%H%M%S')}.bak")
    os.rename(old, moved)
    return [f"moved the earlier plugin (OpenCode plugin API version 1) aside to {moved}"]


def _notes(target: Wiring) -> list[str]:
    return [target.note] if target.note else []
