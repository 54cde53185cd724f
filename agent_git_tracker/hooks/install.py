"""Install, uninstall and check the git hooks of a repository."""

from __future__ import annotations

import os
import shlex
import stat
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from agent_git_tracker.capture.workspace import here
from agent_git_tracker.errors import TrackerError

HOOKS = ("post-commit", "post-rewrite", "pre-push")


MARKER = "agent-git-tracker git hook"


SCRIPT = Path(__file__).parent.parent / "githooks" / "post-commit"


OLD_PLUGIN = Path(".config", "opencode", "plugins", "agent-tracker")


def git_output(*args: str) -> str:
    result = subprocess.run(["git", *args], capture_output=True, text=True, check=False)
    return result.stdout.strip() if result.returncode == 0 else ""


def hooks_dir() -> tuple[Path, bool]:
    """Where git looks for this repository's hooks, and whether core.hooksPath says so."""
    configured = git_output("config", "--get", "core.hooksPath")
    if configured:
        top = git_output("rev-parse", "--show-toplevel") or "."
        return Path(top, os.path.expanduser(configured)).resolve(), True
    return Path(git_output("rev-parse", "--git-common-dir") or ".git").resolve() / "hooks", False


def script_text() -> str:
    """The hook script, bound to this installation's interpreter (GUI git clients and agents
    often run hooks with a PATH that lacks the user's virtual environment)."""
    return SCRIPT.read_text().replace("python=\n", f"python={shlex.quote(sys.executable)}\n", 1)


def is_ours(path: Path) -> bool:
    try:
        return MARKER in path.read_text(errors="replace")
    except OSError:
        return False


@dataclass
class Change:
    done: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def install() -> Change:
    """Write the three hooks into the repository's hooks folder (core.hooksPath respected)."""
    here()
    folder, configured = hooks_dir()
    change = Change()
    folder.mkdir(parents=True, exist_ok=True)
    where = f"{folder} (core.hooksPath)" if configured else str(folder)
    for name in HOOKS:
        path = folder / name
        if path.exists() and not is_ours(path):
            change.refused.append(
                f"{path} exists and is not ours; left as it is. Chain to it "
                f"with `git config core.hooksPath {SCRIPT.parent}` instead"
            )
            continue
        existed = path.exists()
        path.write_text(script_text())
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        change.done.append(f"{'updated' if existed else 'installed'} {name} in {where}")
    if change.refused and not change.done:
        raise TrackerError("; ".join(change.refused))
    return change


def uninstall() -> Change:
    """Remove the hooks this tool installed; other hooks are left alone."""
    here()
    folder, _ = hooks_dir()
    change = Change()
    for name in HOOKS:
        path = folder / name
        if path.exists() and is_ours(path):
            path.unlink()
            change.done.append(f"removed {path}")
        elif path.exists():
            change.refused.append(f"{path} is not ours; left as it is")
    return change
