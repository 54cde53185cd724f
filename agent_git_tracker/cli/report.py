"""`report` and `demo`: which setup to use next."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from agent_git_tracker.cli.base import main, pass_config
from agent_git_tracker.config.settings import Config


def by_option(choices: tuple[str, ...], more: str = "") -> Callable[[Any], Any]:
    return click.option(
        "--by",
        type=click.Choice(choices),
        default="setup",
        show_default=True,
        help="One row per setup (agent + model + setup label), or per agent, model, "
        f"project or main language{more}.",
    )


def report_options(command: Any) -> Any:
    """The filters and outputs of `report`, shared with `team report`."""
    for option in reversed(_OPTIONS):
        command = option(command)
    return command


_OPTIONS = (
    click.option(
        "--project",
        metavar="PATH",
        help="Only this project: a repository folder, or part of a project path.",
    ),
    click.option(
        "--agent", metavar="ID", help="Only this agent's rows (the human baseline stays)."
    ),
    click.option(
        "--since",
        metavar="WHEN",
        help="Only commits from WHEN on: a date (2026-01-31), an ISO 8601 time, or an "
        "age (30d, 12h, 4w).",
    ),
    click.option(
        "--until", metavar="WHEN", help="Only commits up to WHEN (a date counts to its end)."
    ),
    click.option(
        "--min-commits",
        type=click.IntRange(min=0),
        default=0,
        metavar="N",
        help="Leave out rows with fewer than N commits.",
    ),
    click.option(
        "--include-medium",
        is_flag=True,
        help="Rank the setups attributed from commit subjects alone (shown apart, unranked, "
        "by default).",
    ),
    click.option(
        "--json",
        "as_json",
        is_flag=True,
        help="Print JSON (stable schema, see agent_git_tracker/report/render.py).",
    ),
    click.option("--csv", "as_csv", is_flag=True, help="Print CSV, one line per row."),
    click.option(
        "--html",
        "html_path",
        metavar="FILE",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Also write a self-contained HTML page with charts to FILE.",
    ),
)


@main.command()
@by_option(("setup", "agent", "model", "project", "language"))
@click.option(
    "--like",
    metavar="PATH",
    help="Recommend a setup for a repository like PATH (same main language, similar size).",
)
@report_options
@pass_config
def report(
    cfg: Config, as_json: bool, as_csv: bool, html_path: Path | None, **filters: Any
) -> None:
    """Which agent setup to use next: every setup ranked by what became of its commits (and
    your grades), compared within repositories, with 90 % intervals."""
    from agent_git_tracker.report.run import run_report

    options, fmt, width = asked(as_json, as_csv, filters)
    click.echo(run_report(cfg, options, fmt, html_path, sys.stdout.isatty(), width))


def asked(as_json: bool, as_csv: bool, filters: dict[str, Any]) -> tuple[Any, str, int]:
    """What a report was asked for: the grouping and filters, the format, the terminal width."""
    from agent_git_tracker.errors import UsageError
    from agent_git_tracker.report.model import ReportOptions

    if as_json and as_csv:
        raise UsageError("choose one of --json and --csv")
    fmt = "json" if as_json else "csv" if as_csv else "table"
    return ReportOptions(**filters), fmt, shutil.get_terminal_size((100, 24)).columns


NEXT_STEP = (
    "Next: `agent-git-tracker install --global` records every repository of yours (or "
    "`agent-git-tracker install` in one), and `agent-git-tracker wire claude-code` (or codex, "
    "opencode) names your agent's sessions and model."
)


@main.command()
@click.option(
    "--html",
    "html_path",
    metavar="FILE",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the demo's report as a self-contained HTML page to FILE.",
)
def demo(html_path: Path | None) -> None:
    """A first look: a throwaway repository, agents, grades, a bug, a push and the report.

    Everything happens in a temporary folder with its own database; nothing of yours is read
    or written (but FILE, with --html).
    """
    from agent_git_tracker.config.settings import load as load_config
    from agent_git_tracker.demo import demo as run_demo
    from agent_git_tracker.report.model import ReportOptions
    from agent_git_tracker.report.run import run_report

    def report_of(env: dict[str, str]) -> str:
        width = shutil.get_terminal_size((100, 24)).columns
        config = load_config(environ=env)
        return run_report(config, ReportOptions(), "table", html_path, sys.stdout.isatty(), width)

    click.echo(run_demo(report_of, lambda line: click.echo(f"demo: {line}")))
    click.echo(f"\n{NEXT_STEP}")
