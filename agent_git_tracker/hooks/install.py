"""Install, uninstall and check the git hooks of a repository."""

from __future__ import annotations

import os
import shlex
import stat
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent_git_tracker.capture import spool
from agent_git_tracker.capture.workspace import here
from agent_git_tracker.config.settings import Config
from agent_git_tracker.errors import TrackerError
from agent_git_tracker.ledger.status import backlog

HOOKS = ("post-commit", "post-rewrite", "pre-push")
MARKER = "agent-git-tracker git hook"
SCRIPT = Path(__file__).parent.parent / "githooks" / "post-commit"
OLD_PLUGIN = Path(".config", "opencode", "plugins", "agent-tracker")


def _git(*args: str) -> str:
    result = subprocess.run(["git", *args], capture_output=True, text=True, check=False)
    return result.stdout.strip() if result.returncode == 0 else ""


def hooks_dir() -> tuple[Path, bool]:
    """Where git looks for this repository's hooks, and whether core.hooksPath says so."""
    configured = _git("config", "--get", "core.hooksPath")
    if configured:
        top = _git("rev-parse", "--show-toplevel") or "."
        return Path(top, os.path.expanduser(configured)).resolve(), True
    return Path(_git("rev-parse", "--git-common-dir") or ".git").resolve() / "hooks", False


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


def doctor(config: Config) -> dict[str, Any]:
    """Hooks installed and how, database and spool, and known conflicts."""
    repo = _git("rev-parse", "--show-toplevel")
    report: dict[str, Any] = {"repository": repo or None, "hooks": {}, "problems": []}
    if repo:
        folder, configured = hooks_dir()
        pre_commit_config = Path(repo, ".pre-commit-config.yaml")
        for name in HOOKS:
            report["hooks"][name] = _hook_state(folder / name, pre_commit_config, name)
        if configured:
            report["problems"].append(
                f"core.hooksPath is set ({folder}): pre-commit refuses to install while it is. "
                "Use the githooks/ scripts there, or `git config --unset core.hooksPath` "
                "before `pre-commit install`"
            )
        missing = [n for n, s in report["hooks"].items() if s == "missing"]
        if missing:
            report["problems"].append(
                f"hooks not installed: {', '.join(missing)}; run `agent-git-tracker install`"
            )
    db = config.database_path
    report["database"] = {
        "path": str(db),
        "exists": db.exists(),
        "size": db.stat().st_size if db.exists() else 0,
        "max_database_size": config.max_database_size,
    }
    report["spool"] = backlog(config)
    home = Path(os.path.expanduser("~"))
    if (home / OLD_PLUGIN).is_dir() and db == home / ".config/opencode/agent-tracker.lmdb":
        report["problems"].append(
            f"the older TypeScript agent-tracker plugin ({home / OLD_PLUGIN}) uses the same "
            f"database path {db} and crashes on this tool's file: remove the plugin or set "
            "database_path"
        )
    rejected = [
        p for d in spool.repo_dirs(str(config.spool_root)) for p in Path(d).glob("rejected-*.jsonl")
    ]
    if rejected:
        report["problems"].append(
            f"{len(rejected)} file(s) of unreadable spool lines set aside, e.g. {rejected[0]}"
        )
    return report


def _hook_state(path: Path, pre_commit_config: Path, name: str) -> str:
    if not path.exists():
        return "missing"
    if is_ours(path):
        return "agent-git-tracker script"
    text = path.read_text(errors="replace")
    if (
        "pre-commit" in text
        and pre_commit_config.exists()
        and f"agent-tracker-{name}" in pre_commit_config.read_text(errors="replace")
    ):
        return "pre-commit framework"
    return "another hook (not ours)"
