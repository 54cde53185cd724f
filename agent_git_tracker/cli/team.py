"""`team report`: the report over a team's exports (each member's `export --format`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from agent_git_tracker.cli.base import main
from agent_git_tracker.cli.report import asked, by_option, report_options


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
    as_json: bool,
    as_csv: bool,
    html_path: Path | None,
    **filters: Any,
) -> None:
    """Which agent setup the team should use next: the report over SOURCE… (folders of
    exports, globs, or s3:// and https:// URLs), each member's latest export counted once."""
    from agent_git_tracker.team.run import run_team_report

    options, fmt, width = asked(as_json, as_csv, filters)
    text = run_team_report(list(sources), options, fmt, html_path, sys.stdout.isatty(), width)
    click.echo(text)
