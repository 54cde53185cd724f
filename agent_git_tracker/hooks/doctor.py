"""`doctor`: the hooks of a repository and how they are installed, the database, the spool and
the known conflicts."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from agent_git_tracker.capture import spool
from agent_git_tracker.config.settings import Config
from agent_git_tracker.hooks.install import HOOKS, OLD_PLUGIN, git_output, hooks_dir, is_ours
from agent_git_tracker.ledger.overview import backlog
from agent_git_tracker.store.db import health


def doctor(config: Config) -> dict[str, Any]:
    """Hooks installed and how, database and spool, and known conflicts."""
    repo = git_output("rev-parse", "--show-toplevel")
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
    damaged = health(db)
    if damaged:
        report["problems"].append(damaged)
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
