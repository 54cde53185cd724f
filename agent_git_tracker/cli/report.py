"""`report` and `demo`: which setup to use next."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import click

from agent_git_tracker.cli.base import main, pass_config
from agent_git_tracker.config.settings import Config


@main.command()
@click.option(
    "--by",
    type=click.Choice(("setup", "agent", "model", "project", "language")),
    default="setup",
    show_default=True,
    help="One row per setup (agent + model + setup label), or per agent, model, "
    "project or main language.",
)
@click.option(
    "--project",
    metavar="PATH",
    help="Only this project: a repository folder, or part of a project path.",
)
@click.option("--agent", metavar="ID", help="Only this agent's rows (the human baseline stays).")
@click.option(
    "--since",
    metavar="WHEN",
    help="Only commits from WHEN on: a date (2026-01-31), an ISO 8601 time, or an "
    "age (30d, 12h, 4w).",
)
@click.option("--until", metavar="WHEN", help="Only commits up to WHEN (a date counts to its end).")
@click.option(
    "--min-commits",
    type=click.IntRange(min=0),
    default=0,
    metavar="N",
    help="Leave out rows with fewer than N commits.",
)
@click.option(
    "--like",
    metavar="PATH",
    help="Recommend a setup for a repository like PATH (same main language, similar size).",
)
@click.option(
    "--include-medium",
    is_flag=True,
    help="Rank the setups attributed from commit subjects alone (shown apart, unranked, "
    "by default).",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print JSON (stable schema, see agent_git_tracker/report/render.py).",
)
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV, one line per row.")
@click.option(
    "--html",
    "html_path",
    metavar="FILE",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write a self-contained HTML page with charts to FILE.",
)
@pass_config
def report(
    cfg: Config,
    by: str,
    project: str | None,
    agent: str | None,
    since: str | None,
    until: str | None,
    min_commits: int,
    like: str | None,
    include_medium: bool,
    as_json: bool,
    as_csv: bool,
    html_path: Path | None,
) -> None:
    """Which agent setup to use next: every setup ranked by what became of its commits (and
    your grades), compared within repositories, with 90 % intervals."""
    from agent_git_tracker.errors import UsageError
    from agent_git_tracker.report.model import ReportOptions
    from agent_git_tracker.report.run import run_report

    if as_json and as_csv:
        raise UsageError("choose one of --json and --csv")
    options = ReportOptions(
        by=by,
        project=project,
        agent=agent,
        since=since,
        until=until,
        min_commits=min_commits,
        like=like,
        include_medium=include_medium,
    )
    fmt = "json" if as_json else "csv" if as_csv else "table"
    width = shutil.get_terminal_size((100, 24)).columns
    click.echo(run_report(cfg, options, fmt, html_path, sys.stdout.isatty(), width))


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
