"""The root command group, the one place where failures become a line on stderr and an exit
code, and the options and helpers every group of commands shares."""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from agent_git_tracker import __version__
from agent_git_tracker.capture import hook as capture
from agent_git_tracker.config.settings import Config, load
from agent_git_tracker.errors import TrackerError
from agent_git_tracker.text import json_safe, printable


class Group(click.Group):
    """Turns every expected failure into one line on stderr and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except TrackerError as e:
            click.echo(f"agent-git-tracker: error: {printable(e)}", err=True)
            ctx.exit(e.exit_code)
        except KeyboardInterrupt:
            click.echo("agent-git-tracker: interrupted; nothing half-written", err=True)
            ctx.exit(130)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as e:  # a bug of ours: one line, the details on request
            if os.environ.get("AGENT_TRACKER_DEBUG"):
                raise
            click.echo(
                f"agent-git-tracker: internal error: {type(e).__name__}: {printable(e)} (nothing "
                "half-written; AGENT_TRACKER_DEBUG=1 shows the details; please report "
                "it)",
                err=True,
            )
            ctx.exit(70)


def run(args: list[str]) -> int:
    try:
        code = main.main(args=args, prog_name="agent-git-tracker", standalone_mode=False)
    except click.ClickException as e:
        e.show()
        return e.exit_code
    except click.Abort:
        click.echo("agent-git-tracker: aborted", err=True)
        return 1
    return code if isinstance(code, int) else 0


def emit(data: Any, as_json: bool, text: Callable[[Any], str], painted: bool = False) -> None:
    """Print `data` as JSON (exact, with DEL and C1 controls as escapes) or as text for a
    person, every control character of it escaped; a `painted` text escapes its data fields
    itself and adds its own colour after."""
    if as_json:
        click.echo(json_safe(json.dumps(data, indent=2, ensure_ascii=False)))
    else:
        click.echo(text(data) if painted else printable(text(data), layout=True))


def say(line: str) -> None:
    """One line for a person, built from data: its control characters escaped."""
    click.echo(printable(line))


def style(text: str, **styles: Any) -> str:
    """Colour for a terminal (click drops it elsewhere), never with NO_COLOR set."""
    return text if os.environ.get("NO_COLOR") else click.style(text, **styles)


def warn(message: str) -> None:
    click.echo(f"agent-git-tracker: warning: {printable(message)}", err=True)


def configuration(migrate_first: bool) -> Config:
    """The effective configuration, loaded only when a command runs (so --help works even with
    a broken configuration file); with `migrate_first`, an older plugin's database found in
    this repository is merged first (once; see `migrate.auto_migrate`)."""
    params = click.get_current_context().find_root().params
    config = load(params["db_path"], params["max_db_size"])
    if migrate_first:
        from agent_git_tracker.migration.auto import auto_migrate

        line = auto_migrate(config, Path.cwd())
        if line:
            click.echo(f"agent-git-tracker: {printable(line)}", err=True)
    return config


def _configured(migrate_first: bool) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorator(command: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return command(configuration(migrate_first), *args, **kwargs)

        return functools.update_wrapper(wrapper, command)

    return decorator


# Give a command its configuration as first argument. `pass_config_only` skips the automatic
# migration, for the commands that must not open the database. Hooks and `track` load theirs
# inside `capture.run`: a broken configuration file must never fail git or an agent either.
pass_config = _configured(migrate_first=True)


pass_config_only = _configured(migrate_first=False)


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")


strict_option = click.option(
    "--strict",
    is_flag=True,
    envvar=capture.STRICT_ENV,
    help="Fail (exit 1) instead of warning when the hook fails.",
)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db-path",
    metavar="PATH",
    help="Database file (default ~/.config/opencode/agent-tracker.lmdb).",
)
@click.option(
    "--max-db-size", metavar="SIZE", help="Database size limit, 1MiB … 2GiB, e.g. 512MiB (default)."
)
@click.version_option(__version__, prog_name="agent-git-tracker")
def main(db_path: str | None, max_db_size: str | None) -> None:
    """Record which AI agent setup made each commit, across all your repositories, and learn
    which setup to use for your next project.

    \b
    Start with `agent-git-tracker demo`, then `agent-git-tracker install --global` (every
    repository) or `agent-git-tracker install` (this one).

    \b
    Each agent has SP (skill points: a reported bug costs one, at 0 the agent is halted),
    XP (experience: commits, grades and tool uses; 10 × SP of it raise SP by one) and CS
    (communication score: each graded commit moves it by −2 … +10).
    """
    del db_path, max_db_size  # read by pass_config when a command runs
