"""`install`, `uninstall` and `doctor`: the hooks of a repository."""

from __future__ import annotations

from typing import Any

import click

from agent_git_tracker.cli.base import (
    configuration,
    emit,
    json_option,
    main,
    pass_config,
    say,
    warn,
)
from agent_git_tracker.config.settings import Config

global_option = click.option(
    "--global",
    "everywhere",
    is_flag=True,
    help="Every repository, existing and future (the global core.hooksPath).",
)


@main.command()
@global_option
def install(everywhere: bool) -> None:
    """Install the hooks in this repository (the fast, direct way), or with --global in every
    repository."""
    if everywhere:
        from agent_git_tracker.hooks import globalhooks

        cfg = configuration(False)
        _global_change(globalhooks.install_global(globalhooks.known_projects(cfg)))
        return
    from agent_git_tracker.hooks.install import install as do_install

    change = do_install()
    for line in change.done:
        say(line)
    for line in change.refused:
        warn(line)


@main.command()
@global_option
def uninstall(everywhere: bool) -> None:
    """Remove this tool's hooks from this repository, or with --global put the global
    core.hooksPath back as it was."""
    if everywhere:
        from agent_git_tracker.hooks.globalhooks import uninstall_global

        _global_change(uninstall_global())
        return
    from agent_git_tracker.hooks.install import uninstall as do_uninstall

    change = do_uninstall()
    for line in change.done or ["no hooks of agent-git-tracker were installed here"]:
        say(line)
    for line in change.refused:
        warn(line)


def _global_change(change: Any) -> None:
    from agent_git_tracker.hooks.globalhooks import override_advice

    for line in change.done:
        say(line)
    for line in change.notes:
        say(line)
    for entry in change.local_overrides:
        warn(override_advice(entry))


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
