"""`install --global` and `uninstall --global`: every repository records, existing and future.

The tracker writes its hooks into a folder of its own data (never the package's files, which an
upgrade replaces) and makes it the global `core.hooksPath`. There, every hook name git runs is
one script: the recording hooks run the tracker, and every name then runs the repository's own
`.git/hooks/<name>` (pre-commit's, husky's…), so those keep working. When a global
`core.hooksPath` was set before, its hooks are run instead of `.git/hooks`, and `uninstall
--global` puts the setting back as it was.

A repository's own (local) `core.hooksPath` wins over the global one: those repositories are
found among the ones the tracker knows and reported with what to do.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent_git_tracker.capture import spool
from agent_git_tracker.config.settings import Config
from agent_git_tracker.errors import TrackerError
from agent_git_tracker.hooks.install import SCRIPT, git_output, is_ours, script_text

# Every hook name git runs from a hooks folder, except those that would change what git does
# merely by existing (push-to-checkout, proc-receive), those git runs many times per command
# (reference-transaction, post-index-change) and fsmonitor-watchman (named by a setting).
CHAINED = tuple(sorted(p.name for p in SCRIPT.parent.iterdir() if not p.name.startswith(".")))
STATE_FILE = "global-hooks.json"


def data_home() -> Path:
    """The tracker's own data folder: `${XDG_DATA_HOME:-~/.local/share}/agent-git-tracker`."""
    base = os.environ.get("XDG_DATA_HOME", "")
    root = Path(base) if os.path.isabs(base) else Path.home() / ".local" / "share"
    return root / "agent-git-tracker"


def hooks_folder() -> Path:
    return data_home() / "githooks"


def global_setting() -> str:
    """The global `core.hooksPath`, as written (empty: not set)."""
    return git_output("config", "--global", "--get", "core.hooksPath")


def _expanded(setting: str) -> Path:
    return Path(os.path.abspath(os.path.expanduser(setting)))


def is_global_ours(setting: str | None = None) -> bool:
    value = global_setting() if setting is None else setting
    return bool(value) and _expanded(value) == hooks_folder()


@dataclass
class GlobalChange:
    done: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    local_overrides: list[dict[str, str]] = field(default_factory=list)


def install_global(projects: Iterable[str]) -> GlobalChange:
    """Write the hooks folder, make it the global `core.hooksPath` (the earlier value is kept
    to put back), and report the known repositories whose own setting wins over it."""
    change = GlobalChange()
    current = global_setting()
    state = _read_state()
    if not is_global_ours(current):
        state = {"previous": current or None}
    previous = state.get("previous")
    chain = ""
    if previous and not is_ours(_expanded(previous) / "post-commit"):
        chain = str(_expanded(previous))  # its hooks keep running, in place of .git/hooks
    folder = hooks_folder()
    spool.private_dir(str(folder))
    text = script_text(chain)
    for name in CHAINED:
        spool.write_file(str(folder / name), text, 0o755)
    _write_state(state)
    _git_global("core.hooksPath", str(folder))
    change.done.append(
        f"wrote {len(CHAINED)} hooks into {folder} and set the global core.hooksPath to it: "
        "every repository records from now on, existing and future"
    )
    runs = f"the hooks of {chain}" if chain else "each repository's own .git/hooks"
    change.done.append(f"they run {runs} after the tracker, so other tools' hooks keep working")
    if previous and previous != str(folder):
        change.notes.append(
            f"the global core.hooksPath was {previous}; `agent-git-tracker uninstall --global` "
            "puts it back"
        )
    change.local_overrides = local_overrides(projects)
    return change


def uninstall_global() -> GlobalChange:
    """Put the global `core.hooksPath` back as it was before `install --global`, and remove
    the hooks folder; a setting changed since then is left alone."""
    change = GlobalChange()
    current = global_setting()
    state = _read_state()
    folder = hooks_folder()
    if is_global_ours(current):
        previous = state.get("previous")
        if previous:
            _git_global("core.hooksPath", previous)
            change.done.append(f"the global core.hooksPath is {previous} again, as before")
        else:
            _git_global("--unset", "core.hooksPath")
            change.done.append("the global core.hooksPath is unset again, as before")
    elif current:
        change.notes.append(
            f"the global core.hooksPath is {current}, not agent-git-tracker's; left as it is"
        )
    else:
        change.notes.append("the global core.hooksPath was not set by agent-git-tracker")
    if folder.is_dir() and not folder.is_symlink():
        shutil.rmtree(folder)
        change.done.append(f"removed {folder}")
    (data_home() / STATE_FILE).unlink(missing_ok=True)
    return change


def local_overrides(projects: Iterable[str]) -> list[dict[str, str]]:
    """The repositories among `projects` whose own `core.hooksPath` wins over the global one
    (and that do not run this tracker's hooks from there)."""
    found = []
    for project in sorted({p for p in projects if p and os.path.isdir(p)}):
        value = git_output("-C", project, "config", "--local", "--get", "core.hooksPath")
        if not value:
            continue
        where = _expanded(os.path.join(project, os.path.expanduser(value)))
        if not is_ours(where / "post-commit"):
            found.append({"repository": project, "core.hooksPath": value})
    return found


def override_advice(entry: dict[str, str]) -> str:
    folder = hooks_folder()
    return (
        f"{entry['repository']} sets its own core.hooksPath ({entry['core.hooksPath']}), which "
        f"wins over the global one, so it does not record: run `{folder}/post-commit` and the "
        "other recording hooks from there, or `git config --unset core.hooksPath` in it"
    )


def global_state() -> dict[str, Any]:
    """What `doctor` shows of the global setting."""
    current = global_setting()
    state = _read_state()
    folder = hooks_folder()
    ours = is_global_ours(current)
    return {
        "core_hooks_path": current or None,
        "installed": ours,
        "folder": str(folder),
        "previous": state.get("previous") if ours else None,
        "complete": ours and all((folder / n).exists() for n in CHAINED),
        "runs_tracker": bool(current) and is_ours(_expanded(current) / "post-commit"),
    }


def _git_global(*args: str) -> None:
    import subprocess

    result = subprocess.run(
        ["git", "config", "--global", *args], capture_output=True, text=True, check=False
    )
    if result.returncode not in (0, 5):  # 5: --unset of a setting that is not there
        raise TrackerError(
            f"`git config --global {' '.join(args)}` failed: {result.stderr.strip()}; check "
            "that your global git configuration file (~/.gitconfig) is writable"
        )


def _read_state() -> dict[str, Any]:
    try:
        data, _ = spool.read_small(str(data_home() / STATE_FILE))
        value = json.loads(data)
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _write_state(state: dict[str, Any]) -> None:
    spool.private_dir(str(data_home()))
    spool.write_file(str(data_home() / STATE_FILE), json.dumps(state) + "\n")


def known_projects(config: Config) -> list[str]:
    """The repositories the tracker knows (its database and its spool), and the current one."""
    from agent_git_tracker.ledger.state import database_view
    from agent_git_tracker.store import keys

    projects = {git_output("rev-parse", "--show-toplevel")}
    with database_view(config) as view:
        projects |= {keys.parts(key)[1] for key, _ in view.scan("project:")}
        listed = getattr(view, "keys", None)  # every recorded commit's project, keys only
        if listed is not None:
            projects |= {keys.parts(key)[1] for key in listed("commit:")}
    return sorted(p for p in projects if p)
