"""`migrate`, `export` and `import`: history in from elsewhere, and out again."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from agent_git_tracker.cli.base import emit, json_option, main, pass_config_only, say, warn
from agent_git_tracker.config.settings import Config


@main.command()
@click.option(
    "--from",
    "source",
    type=click.Path(path_type=Path),
    metavar="PATH",
    help="The older plugin's database file to import (default: "
    "~/.config/opencode/agent-tracker.lmdb under the current folder and under "
    "the repository's top level).",
)
@click.option("--dry-run", is_flag=True, help="Show what would be written; write and move nothing.")
@click.option(
    "--move-aside",
    is_flag=True,
    help="When the database path itself holds the older plugin's file: import it, "
    "rename it (and its -lock) to <path>.lmdb-js-backup-<UTC time> beside it and "
    "start this tool's database in its place.",
)
@json_option
@pass_config_only
def migrate(
    cfg: Config, source: Path | None, dry_run: bool, move_aside: bool, as_json: bool
) -> None:
    """Import the older agent-tracker plugin's lmdb-js databases: only missing records are
    added, nothing is overwritten or deleted, and running it twice writes nothing."""
    from agent_git_tracker.migration.merge import summary_data, summary_text
    from agent_git_tracker.migration.migrate import migrate as run_migrate

    summary = run_migrate(cfg, source, dry_run, move_aside, Path.cwd())
    emit(summary_data(summary) if as_json else summary, as_json, summary_text)


@main.command()
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    metavar="PATH",
    help="Write to the file PATH (private to you, 0600; replaced only once complete) instead "
    "of standard output; with --format, PATH is the team's folder, and the export goes to "
    "PATH/member=<you>/export-<time>.<format>.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("jsonl", "parquet")),
    help="A team export (`team report` reads them): JSON Lines, or Parquet (needs the team "
    "extra: pip install 'agent-git-tracker[team]').",
)
@click.option(
    "--since",
    metavar="WHEN",
    help="A team export of the commits, grades and bugs from WHEN on (a date, an ISO 8601 "
    "time, or an age: 90d).",
)
@click.option(
    "--anonymize",
    is_flag=True,
    help="A team export with emails, paths, remote URLs, names and subjects replaced by stable "
    "hashes (projects, languages and sizes kept).",
)
@click.option(
    "--member",
    metavar="ID",
    help="Your name in the team's folder (default: `member` "
    "in the configuration, else your user name).",
)
@pass_config_only
def export(
    cfg: Config,
    output: Path | None,
    fmt: str | None,
    since: str | None,
    anonymize: bool,
    member: str | None,
) -> None:
    """Write every record as JSON Lines, to move your history to another machine or combine
    two machines' histories with `import`; or, with --format, your export for the team."""
    from agent_git_tracker.migration import transfer

    if fmt or since or anonymize or member:
        done = _team_export(cfg, output, fmt or "jsonl", since, anonymize, member)
    elif output is None or str(output) == "-":
        done = transfer.export(cfg, sys.stdout)
    else:
        done = transfer.export_file(cfg, output)
        say(f"{done.records} record(s) exported to {output}")
    for line in done.skipped:
        warn(f"the database is damaged; left out {line}")
    from agent_git_tracker.ledger.overview import backlog

    waiting = backlog(cfg)["pending_events"]
    if waiting:
        warn(
            f"{waiting} event(s) still wait in the spool and are not in this export: run "
            "`agent-git-tracker flush --all`, then export again"
        )


def _team_export(
    cfg: Config,
    output: Path | None,
    fmt: str,
    since: str | None,
    anonymize: bool,
    member: str | None,
) -> Any:
    from datetime import UTC, datetime

    from agent_git_tracker.errors import UsageError
    from agent_git_tracker.report.run import absolute_time
    from agent_git_tracker.team.exporting import export as team_export
    from agent_git_tracker.times import utc_key

    if output is None or str(output) == "-":
        raise UsageError("a team export needs -o FOLDER: the team's folder of exports")
    since_key = utc_key(absolute_time(since, datetime.now(UTC))) if since else None
    if since and since_key is None:
        raise UsageError(f"cannot read --since {since!r}: use a date, an ISO 8601 time or an age")
    written = team_export(cfg, output, fmt, since_key, anonymize, member)
    say(f"{written.done.records} record(s) exported to {written.path}")
    return written.done


@main.command("import")
@click.argument("source", type=click.Path(path_type=Path), metavar="FILE")
@click.option("--dry-run", is_flag=True, help="Show what would be written; write nothing.")
@json_option
@pass_config_only
def import_(cfg: Config, source: Path, dry_run: bool, as_json: bool) -> None:
    """Merge FILE, an `export` file or an older plugin's lmdb-js database, into this database:
    records already here are kept as they are, so importing twice writes nothing."""
    from agent_git_tracker.migration.merge import summary_data, summary_text
    from agent_git_tracker.migration.transfer import import_ as run_import

    summary = run_import(cfg, source, dry_run)
    emit(summary_data(summary) if as_json else summary, as_json, summary_text)
