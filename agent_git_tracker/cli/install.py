"""`install`, `uninstall` and `doctor`: the hooks of a repository."""

from __future__ import annotations

from typing import Any

from agent_git_tracker.cli.base import emit, json_option, main, pass_config, say, warn
from agent_git_tracker.config.settings import Config


@main.command()
def install() -> None:
    """Install the hooks in this repository (the fast, direct way)."""
    from agent_git_tracker.hooks.install import install as do_install

    change = do_install()
    for line in change.done:
        say(line)
    for line in change.refused:
        warn(line)


@main.command()
def uninstall() -> None:
    """Remove this tool's hooks from this repository."""
    from agent_git_tracker.hooks.install import uninstall as do_uninstall

    change = do_uninstall()
    for line in change.done or ["no hooks of agent-git-tracker were installed here"]:
        say(line)
    for line in change.refused:
        warn(line)


@main.command()
@json_option
@pass_config
def doctor(cfg: Config, as_json: bool) -> None:
    """Check hooks, database, spool and known conflicts."""
    from agent_git_tracker.hooks.doctor import doctor as check

    emit(check(cfg), as_json, _doctor_text)


def _doctor_text(report: dict[str, Any]) -> str:
    lines = [f"repository  {report['repository'] or '(not in a repository)'}"]
    lines += [f"  {name:<13} {state}" for name, state in report["hooks"].items()]
    db = report["database"]
    lines.append(
        f"database    {db['path']} ({db['size']:,} bytes"
        f"{'' if db['exists'] else ', not created yet'})"
    )
    lines.append(
        f"spool       {report['spool']['path']} "
        f"({report['spool']['pending_events']} event(s) waiting)"
    )
    lines += [f"problem     {p}" for p in report["problems"]] or ["no problems found"]
    return "\n".join(lines)
