"""`migrate`, `export` and `import`: history in from elsewhere, and out again."""

from __future__ import annotations

import sys
from pathlib import Path

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
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Write to FILE (private to you, 0600; replaced only once complete) instead "
    "of standard output.",
)
@pass_config_only
def export(cfg: Config, output: Path | None) -> None:
    """Write every record as JSON Lines, to move your history to another machine or combine
    two machines' histories with `import`."""
    from agent_git_tracker.migration import transfer

    if output is None or str(output) == "-":
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
