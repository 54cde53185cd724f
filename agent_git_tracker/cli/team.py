"""`team report`: the report over a team's exports (each member's `export --format`)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import click

from agent_git_tracker.cli.base import main
from agent_git_tracker.cli.report import by_option, report_options


@main.group()
def team() -> None:
    """A team's combined ranking, over every member's exports (needs the team extra:
    pip install 'agent-git-tracker[team]')."""


@team.command("report")
@click.argument("sources", nargs=-1, required=True, metavar="SOURCE…")
@by_option(
    ("setup", "agent", "model", "project", "language", "member"), ", or per member and setup"
)
@report_options
def team_report(
    sources: tuple[str, ...],
    by: str,
    project: str | None,
    agent: str | None,
    since: str | None,
    until: str | None,
    min_commits: int,
    include_medium: bool,
    as_json: bool,
    as_csv: bool,
    html_path: Path | None,
) -> None:
    """Which agent setup the team should use next: the report over SOURCE… (folders of
    exports, globs, or s3:// and https:// URLs), each member's latest export counted once."""
    from agent_git_tracker.errors import UsageError
    from agent_git_tracker.report.model import ReportOptions
    from agent_git_tracker.team.run import run_team_report

    if as_json and as_csv:
        raise UsageError("choose one of --json and --csv")
    options = ReportOptions(
        by=by,
        project=project,
        agent=agent,
        since=since,
        until=until,
        min_commits=min_commits,
        include_medium=include_medium,
    )
    fmt = "json" if as_json else "csv" if as_csv else "table"
    width = shutil.get_terminal_size((100, 24)).columns
    text = run_team_report(list(sources), options, fmt, html_path, sys.stdout.isatty(), width)
    click.echo(text)
