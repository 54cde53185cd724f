"""`install`, `uninstall` and `doctor`: the hooks of a repository."""

from __future__ import annotations

import sys
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
from agent_git_tracker.text import printable

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


@main.command()
@click.argument("agent", type=click.Choice(("claude-code", "codex", "opencode")))
@click.option(
    "--project", "scope", flag_value="project", default=True, help="This project (default)."
)
@click.option("--user", "scope", flag_value="user", help="Every project of yours.")
@click.option("--dry-run", is_flag=True, help="Show the change, write nothing.")
@json_option
def wire(agent: str, scope: str, dry_run: bool, as_json: bool) -> None:
    """Write AGENT's own hook configuration, so that its sessions, model and tool uses are
    recorded: merged into your file (a backup beside it), shown as a diff, idempotent."""
    from agent_git_tracker.hooks.wire import wire as do_wire

    emit(vars(do_wire(agent, scope == "user", dry_run)), as_json, _wire_text)


def _wire_text(data: dict[str, Any]) -> str:
    lines = [data["diff"].rstrip("\n")] if data["diff"] else []
    if data["written"]:
        lines.append(f"wrote {data['path']}")
    if data["backup"]:
        lines.append(f"the earlier file is kept as {data['backup']}")
    return "\n".join([*lines, *data["notes"]])


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
    """Check hooks (here and global), database, spool, sessions, agents and known conflicts;
    exits 1 when it lists a problem."""
    from agent_git_tracker.hooks.doctor import doctor as check

    report = check(cfg)
    emit(report, as_json, _doctor_text)
    if report["problems"]:
        sys.exit(1)


def _doctor_text(report: dict[str, Any]) -> str:
    lines = [f"repository  {report['repository'] or '(not in a repository)'}"]
    if report["repository"]:
        lines.append(f"  hooks from {report['hooks_folder']}")
    lines += [f"  {name:<15} {state}" for name, state in report["hooks"].items()]
    lines.append(f"global      {_global_text(report['global'])}")
    db = report["database"]
    lines.append(
        f"database    {db['path']} ({db['size']:,} bytes"
        f"{'' if db['exists'] else ', not created yet'})"
    )
    lines.append(
        f"spool       {report['spool']['path']} "
        f"({report['spool']['pending_events']} event(s) waiting)"
    )
    lines += [f"agent       {agent:<12} {state}" for agent, state in report["agents"].items()]
    lines += [
        f"session     {s['state']}: {s['agent']} in {s['repository']} since {s['started']}"
        f" (last activity {s['last_activity']})"
        for s in report["sessions"]
    ] or ["session     none"]
    lines += [f"problem     {p}" for p in report["problems"]] or ["no problems found"]
    # One line each: a path holding a line break must not start a line of its own.
    return "\n".join(printable(line) for line in lines)


def _global_text(state: dict[str, Any]) -> str:
    if state["installed"]:
        before = f"; before it: {state['previous']}" if state["previous"] else ""
        return f"core.hooksPath is {state['folder']} (install --global){before}"
    if state["core_hooks_path"]:
        ours = ", agent-git-tracker's githooks/" if state["runs_tracker"] else ""
        return f"core.hooksPath is {state['core_hooks_path']}{ours}"
    return "no global core.hooksPath (`agent-git-tracker install --global` records everywhere)"
