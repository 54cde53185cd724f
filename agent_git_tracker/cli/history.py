"""`scan`: a user's existing history, recorded on day one."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from agent_git_tracker.cli.base import emit, json_option, main, pass_config
from agent_git_tracker.config.settings import Config


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path), metavar="[PATH]...")
@click.option(
    "--all-under",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="Scan every repository below DIR (e.g. ~/code).",
)
@click.option("--since", metavar="DATE", help="Only commits from DATE on (e.g. 2026-01-01).")
@click.option(
    "--no-agent-logs",
    is_flag=True,
    help="Do not read the agents' own logs for model, tokens and cost (`agent_logs = false` "
    "in the configuration turns it off everywhere).",
)
@json_option
@pass_config
def scan(
    cfg: Config,
    paths: tuple[Path, ...],
    all_under: Path | None,
    since: str | None,
    no_agent_logs: bool,
    as_json: bool,
) -> None:
    """Record the commits your repositories already have (default: this one), with the same
    rules as the hooks, measure what became of them, and join them to the agents' own logs
    (model, tokens, cost). Running it again writes nothing."""
    from agent_git_tracker.history.scan import scan as run_scan
    from agent_git_tracker.history.scan import summary_data

    shown = sys.stderr.isatty() and not as_json
    progress = _progress if shown else None
    summary = run_scan(cfg, list(paths), all_under, since, progress, agent_logs=not no_agent_logs)
    if shown:
        click.echo("", err=True)
    emit(summary_data(summary), as_json, _text)


def _progress(project: str, commits: int) -> None:
    click.echo(f"\rscanning {Path(project).name}: {commits:,} commits read", nl=False, err=True)


def _text(data: dict[str, Any]) -> str:
    lines = []
    for repo in data["repositories"]:
        agents = ", ".join(f"{a} {n}" for a, n in sorted(repo["agents"].items())) or "none"
        lines.append(
            f"{repo['project']}: {repo['commits']:,} commits, {repo['recorded']:,} newly "
            f"recorded (agents: {agents}), {repo['already']:,} already recorded, "
            f"{repo['measured']:,} outcome measures written"
        )
        logs = repo.get("agent_logs")
        if logs:
            lines.append(
                f"  agents' logs: {logs['turns']:,} new turns in {logs['sessions']:,} sessions, "
                f"{logs['joined']:,} commits joined (see `agent-git-tracker usage`)"
            )
    lines += [f"skipped {s}" for s in data["skipped"]]
    if not data["repositories"]:
        lines.append("no repository scanned")
    return "\n".join(lines)
