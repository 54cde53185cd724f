"""The command line: the only module that imports click. Each command parses its options,
calls one library function and prints the result."""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from typing import Any

import click

from agent_git_tracker import __version__, capture
from agent_git_tracker.config import Config, load
from agent_git_tracker.errors import TrackerError


class Group(click.Group):
    """Turns every expected failure into one line on stderr and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except TrackerError as e:
            click.echo(f"agent-git-tracker: error: {e}", err=True)
            ctx.exit(e.exit_code)
        except KeyboardInterrupt:
            click.echo("agent-git-tracker: interrupted; nothing half-written", err=True)
            ctx.exit(130)


def run(args: list[str]) -> int:
    try:
        main.main(args=args, prog_name="agent-git-tracker", standalone_mode=False)
    except click.exceptions.Exit as e:
        return e.exit_code
    except click.ClickException as e:
        e.show()
        return e.exit_code
    except click.Abort:
        click.echo("agent-git-tracker: aborted", err=True)
        return 1
    return 0


def emit(data: Any, as_json: bool, text: Callable[[Any], str]) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False) if as_json else text(data))


def warn(message: str) -> None:
    click.echo(f"agent-git-tracker: warning: {message}", err=True)


def pass_config(command: Callable[..., Any]) -> Callable[..., Any]:
    """Give a command the effective configuration, loaded only when it runs (so --help works
    even with a broken configuration file)."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        params = click.get_current_context().find_root().params
        return command(load(params["db_path"], params["max_db_size"]), *args, **kwargs)

    return functools.update_wrapper(wrapper, command)


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
    Start with `agent-git-tracker demo`, then `agent-git-tracker install` in a repository.
    """
    del db_path, max_db_size  # read by pass_config when a command runs


# --- configuration and database ------------------------------------------------------------


@main.group()
def config() -> None:
    """Show the effective configuration."""


@config.command("show")
@json_option
@pass_config
def config_show(cfg: Config, as_json: bool) -> None:
    """Each effective value and where it came from."""
    from agent_git_tracker.status import config_rows

    emit(
        config_rows(cfg),
        as_json,
        lambda rows: "\n".join(
            f"{name:<20} {value!s:<50} ({source})" for name, (value, source) in rows.items()
        ),
    )


@main.group()
def db() -> None:
    """Inspect the central database."""


@db.command("info")
@json_option
@pass_config
def db_info(cfg: Config, as_json: bool) -> None:
    """Path, file size, map size, schema version and record counts."""
    from agent_git_tracker.status import database_info, format_info

    emit(database_info(cfg, warn), as_json, format_info)


# --- hooks ----------------------------------------------------------------------------------


@main.group()
def hook() -> None:
    """The git hooks (installed by `install`, pre-commit or githooks/)."""


@hook.command("post-commit")
@strict_option
@click.option("--agent", hidden=True)
@pass_config
def hook_post_commit(cfg: Config, strict: bool, agent: str | None) -> None:
    """Record HEAD in the spool (no database write)."""
    del agent
    sys.exit(capture.run(lambda: capture.post_commit(str(cfg.database_path)), strict))


@hook.command("post-rewrite")
@click.argument("kind", required=False, default="")
@strict_option
@pass_config
def hook_post_rewrite(cfg: Config, kind: str, strict: bool) -> None:
    """Record old→new hashes after an amend or a rebase (stdin from git)."""
    from agent_git_tracker.hooks import post_rewrite

    kind = kind or os.environ.get("PRE_COMMIT_REWRITE_COMMAND", "")
    stdin = "" if sys.stdin.isatty() else sys.stdin.read()
    sys.exit(capture.run(lambda: post_rewrite(cfg, kind, stdin), strict))


@hook.command("pre-push")
@click.argument("remote", required=False)
@click.argument("url", required=False)
@strict_option
@pass_config
def hook_pre_push(cfg: Config, remote: str | None, url: str | None, strict: bool) -> None:
    """Flush this repository's spool into the database in one transaction."""
    from agent_git_tracker.hooks import pre_push

    del remote, url
    stdin = "" if sys.stdin.isatty() else sys.stdin.read()
    refused: list[str] = []

    def action() -> str | None:
        flushed, refusal = pre_push(cfg, stdin, os.environ)
        if refusal:
            refused.append(refusal)
        return "; ".join(flushed.outcome.notes) or None

    code = capture.run(action, strict)
    if refused:
        click.echo(f"agent-git-tracker: {refused[0]}", err=True)
        code = 1
    sys.exit(code)


# --- flush and sessions ---------------------------------------------------------------------


@main.command()
@click.option("--all", "everything", is_flag=True, help="Flush every repository's spool.")
@json_option
@pass_config
def flush(cfg: Config, everything: bool, as_json: bool) -> None:
    """Write spooled events into the database now (one transaction per repository)."""
    from agent_git_tracker.status import flush_summary, run_flush

    emit(run_flush(cfg, everything), as_json, flush_summary)


@main.group()
def session() -> None:
    """Agent sessions: commits made during one are the agent's."""


@session.command("start")
@click.option("--agent", required=True, help="Agent id, e.g. claude-code.")
@click.option("--model", help="Model the agent runs, e.g. claude-opus-4-5.")
@click.option("--setup", help="Label of this configuration (prompt file, tools …).")
@json_option
@pass_config
def session_start(
    cfg: Config, agent: str, model: str | None, setup: str | None, as_json: bool
) -> None:
    """Start a session for this repository."""
    from agent_git_tracker.hooks import start_session

    values = start_session(cfg, agent, model, setup)
    emit(values, as_json, lambda v: f"session started: {_setup_name(v)}")


@session.command("end")
@json_option
@pass_config
def session_end(cfg: Config, as_json: bool) -> None:
    """End this repository's session and flush its spool."""
    from agent_git_tracker.hooks import end_session

    ended, flushed = end_session(cfg)
    data = {"ended": ended, "events_flushed": flushed.events}
    emit(
        data,
        as_json,
        lambda d: (
            (f"session ended: {_setup_name(ended)}" if ended else "no active session")
            + f"; {flushed.events} event(s) flushed"
        ),
    )


@session.command("show")
@json_option
@pass_config
def session_show(cfg: Config, as_json: bool) -> None:
    """Show this repository's active session."""
    from agent_git_tracker.hooks import show_session

    emit(
        show_session(cfg),
        as_json,
        lambda v: f"{_setup_name(v)} since {v['started']}" if v else "no active session",
    )


def _setup_name(values: dict[str, str]) -> str:
    extra = " / ".join(v for v in (values.get("model"), values.get("setup")) if v)
    return values["agent"] + (f" ({extra})" if extra else "")
