"""`doctor`: the hooks of a repository and how they are installed, the global setting, the
database and spool, agent sessions and wiring, and the known conflicts. Each problem it lists
says what to do; it exits non-zero when it lists one."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from agent_git_tracker.capture import spool
from agent_git_tracker.config.settings import Config
from agent_git_tracker.hooks import checks
from agent_git_tracker.hooks.globalhooks import global_state
from agent_git_tracker.hooks.install import HOOKS, OLD_PLUGIN, git_output, is_ours, place
from agent_git_tracker.ledger.flush import spool_folders
from agent_git_tracker.ledger.overview import backlog
from agent_git_tracker.store.db import health

# Covered at pre-push under the pre-commit framework, which has no such stage.
NO_PRE_COMMIT_STAGE = ("post-applypatch",)


def doctor(config: Config) -> dict[str, Any]:
    """Hooks installed and how, database and spool, sessions, agents, and known conflicts."""
    repo = git_output("rev-parse", "--show-toplevel")
    report: dict[str, Any] = {"repository": repo or None, "hooks": {}, "problems": []}
    report["global"] = global_state()
    if repo:
        _repository(report, Path(repo))
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
    report["problems"] += _old_plugin(db)
    report["problems"] += checks.unpushable(report["spool"]["repositories"])
    report["problems"] += checks.command_on_path()
    report["agents"], wiring = checks.agents(Path(repo) if repo else None, Path.home())
    report["problems"] += wiring
    report["sessions"] = checks.sessions(spool_folders(config))
    rejected = [
        p for d in spool.repo_dirs(str(config.spool_root)) for p in Path(d).glob("rejected-*.jsonl")
    ]
    if rejected:
        report["problems"].append(
            f"{len(rejected)} file(s) of unreadable spool lines set aside, e.g. {rejected[0]}"
        )
    return report


def _repository(report: dict[str, Any], repo: Path) -> None:
    where = place()
    folder = where.active
    uses_pre_commit = (repo / ".pre-commit-config.yaml").exists()
    states = {name: _hook_state(folder / name, repo, name) for name in HOOKS}
    if states["post-commit"] == "pre-commit framework":
        for name in NO_PRE_COMMIT_STAGE:
            if states[name] == "missing":
                states[name] = "at pre-push (pre-commit has no such stage)"
    report["hooks"] = states
    report["hooks_folder"] = str(folder)
    problems = report["problems"]
    if where.active != where.own and uses_pre_commit:
        fix = (
            "`GIT_CONFIG_GLOBAL=/dev/null pre-commit install …` (the global hooks then run "
            "pre-commit's from .git/hooks)"
            if where.setting.startswith("global") and where.ours
            else f"{where.unset()} before `pre-commit install`"
        )
        problems.append(
            f"{where.describe()}: pre-commit refuses to install while it is set; run {fix}"
        )
    missing = [n for n, s in states.items() if s == "missing"]
    if missing:
        problems.append(f"hooks not installed: {', '.join(missing)}; {_fix(states, where, report)}")
    problems += checks.stale_interpreters([folder / n for n in HOOKS])


def _fix(states: dict[str, str], where: Any, report: dict[str, Any]) -> str:
    if states["post-commit"] == "pre-commit framework":
        return (
            "add their ids (agent-tracker-post-merge…) to .pre-commit-config.yaml, then "
            "`pre-commit install` (its default_install_hook_types name the stages)"
        )
    if report["global"]["installed"] and where.ours:
        return "run `agent-git-tracker install --global` again"
    return "run `agent-git-tracker install`"


def _old_plugin(db: Path) -> list[str]:
    home = Path(os.path.expanduser("~"))
    if (home / OLD_PLUGIN).is_dir() and db == home / ".config/opencode/agent-tracker.lmdb":
        return [
            f"the older TypeScript agent-tracker plugin ({home / OLD_PLUGIN}) uses the same "
            f"database path {db} and crashes on this tool's file: remove the plugin or set "
            "database_path"
        ]
    return []


def _hook_state(path: Path, repo: Path, name: str) -> str:
    if not path.exists():
        return "missing"
    if is_ours(path):
        return "agent-git-tracker script"
    text = path.read_text(errors="replace")
    pre_commit_config = repo / ".pre-commit-config.yaml"
    if (
        "pre-commit" in text
        and pre_commit_config.exists()
        and f"agent-tracker-{name}" in pre_commit_config.read_text(errors="replace")
    ):
        return "pre-commit framework"
    return "another hook (not ours)"
