"""The command line: the only module that imports click. Each command parses its options,
calls one library function and prints the result."""

from __future__ import annotations

import functools
import json
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from agent_git_tracker import __version__
from agent_git_tracker.capture import hook as capture
from agent_git_tracker.config.settings import Config, load
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
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as e:  # a bug of ours: one line, the details on request
            if os.environ.get("AGENT_TRACKER_DEBUG"):
                raise
            click.echo(
                f"agent-git-tracker: internal error: {type(e).__name__}: {e} (nothing "
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


def emit(data: Any, as_json: bool, text: Callable[[Any], str]) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False) if as_json else text(data))


def style(text: str, **styles: Any) -> str:
    """Colour for a terminal (click drops it elsewhere), never with NO_COLOR set."""
    return text if os.environ.get("NO_COLOR") else click.style(text, **styles)


def warn(message: str) -> None:
    click.echo(f"agent-git-tracker: warning: {message}", err=True)


def _config(migrate_first: bool) -> Config:
    """The effective configuration, loaded only when a command runs (so --help works even with
    a broken configuration file); with `migrate_first`, an older plugin's database found in
    this repository is merged first (once; see `migrate.auto_migrate`)."""
    params = click.get_current_context().find_root().params
    config = load(params["db_path"], params["max_db_size"])
    if migrate_first:
        from agent_git_tracker.migration.migrate import auto_migrate

        line = auto_migrate(config, Path.cwd())
        if line:
            click.echo(f"agent-git-tracker: {line}", err=True)
    return config


def _configured(migrate_first: bool) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorator(command: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return command(_config(migrate_first), *args, **kwargs)

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
    Start with `agent-git-tracker demo`, then `agent-git-tracker install` in a repository.
    """
    del db_path, max_db_size  # read by pass_config when a command runs


# --- configuration and database ------------------------------------------------------------


@main.group()
def config() -> None:
    """Show the effective configuration."""


@config.command("show")
@json_option
@pass_config_only
def config_show(cfg: Config, as_json: bool) -> None:
    """Each effective value and where it came from."""
    from agent_git_tracker.ledger.status import config_rows

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
    from agent_git_tracker.ledger.status import database_info, format_info

    emit(database_info(cfg, warn), as_json, format_info)


# --- hooks ----------------------------------------------------------------------------------


@main.group()
def hook() -> None:
    """The git hooks (installed by `install`, pre-commit or githooks/)."""


@hook.command("post-commit")
@strict_option
def hook_post_commit(strict: bool) -> None:
    """Record HEAD in the spool (no database write)."""
    sys.exit(capture.run(lambda: capture.post_commit(str(_config(False).database_path)), strict))


@hook.command("post-rewrite")
@click.argument("kind", required=False, default="")
@strict_option
def hook_post_rewrite(kind: str, strict: bool) -> None:
    """Record old→new hashes after an amend or a rebase (stdin from git)."""
    from agent_git_tracker.hooks.session import post_rewrite

    kind = kind or os.environ.get("PRE_COMMIT_REWRITE_COMMAND", "")
    stdin = "" if sys.stdin.isatty() else sys.stdin.read()
    sys.exit(capture.run(lambda: post_rewrite(_config(False), kind, stdin), strict))


@hook.command("pre-push")
@click.argument("remote", required=False)
@click.argument("url", required=False)
@strict_option
def hook_pre_push(remote: str | None, url: str | None, strict: bool) -> None:
    """Flush this repository's spool into the database in one transaction."""
    from agent_git_tracker.hooks.session import pre_push

    del remote, url
    stdin = "" if sys.stdin.isatty() else sys.stdin.read()
    refused: list[str] = []

    def action() -> str | None:
        flushed, refusal = pre_push(_config(True), stdin, os.environ)
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
    from agent_git_tracker.ledger.status import flush_summary, run_flush

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
    from agent_git_tracker.hooks.session import start_session

    values = start_session(cfg, agent, model, setup)
    emit(values, as_json, lambda v: f"session started: {_setup_name(v)}")


@session.command("end")
@json_option
@pass_config
def session_end(cfg: Config, as_json: bool) -> None:
    """End this repository's session and flush its spool."""
    from agent_git_tracker.hooks.session import end_session

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
    from agent_git_tracker.hooks.session import show_session

    emit(
        show_session(cfg),
        as_json,
        lambda v: f"{_setup_name(v)} since {v['started']}" if v else "no active session",
    )


def _setup_name(values: dict[str, str]) -> str:
    extra = " / ".join(v for v in (values.get("model"), values.get("setup")) if v)
    return values["agent"] + (f" ({extra})" if extra else "")


# --- installation ---------------------------------------------------------------------------


@main.command()
def install() -> None:
    """Install the hooks in this repository (the fast, direct way)."""
    from agent_git_tracker.hooks.install import install as do_install

    change = do_install()
    for line in change.done:
        click.echo(line)
    for line in change.refused:
        warn(line)


@main.command()
def uninstall() -> None:
    """Remove this tool's hooks from this repository."""
    from agent_git_tracker.hooks.install import uninstall as do_uninstall

    change = do_uninstall()
    for line in change.done or ["no hooks of agent-git-tracker were installed here"]:
        click.echo(line)
    for line in change.refused:
        warn(line)


@main.command()
@json_option
@pass_config
def doctor(cfg: Config, as_json: bool) -> None:
    """Check hooks, database, spool and known conflicts."""
    from agent_git_tracker.hooks.install import doctor as check

    emit(check(cfg), as_json, _doctor_text)


def _doctor_text(report: dict[str, Any]) -> str:
    lines = [f"repository  {report['repository'] or '(not in a repository)'}"]
    lines += [f"  {name:<13} {state}" for name, state in report["hooks"].items()]
    db = report["database"]
    lines.append(
        f"database    {db['path']} ({db['size']:,} bytes"
        f"{'' if db['exists'] else ', not created yet'})"
    )
    lines.append(
        f"spool       {report['spool']['path']} "
        f"({report['spool']['pending_events']} event(s) waiting)"
    )
    lines += [f"problem     {p}" for p in report["problems"]] or ["no problems found"]
    return "\n".join(lines)


# --- grades, bugs and journals --------------------------------------------------------------

GRADE_HELP = "bad (-1), neutral (1), good (2) or excellence (5)"


@main.command()
@click.argument("commit", default="HEAD")
@click.option("--agent-grade", metavar="G", help=f"The agent's own grade: {GRADE_HELP}.")
@click.option("--user-grade", metavar="G", help=f"Your grade: {GRADE_HELP}.")
@click.option("--task", help="What the commit was for (default: its subject).")
@click.option("--agent-note", help="The agent's note on the collaboration.")
@click.option("--user-note", help="Your note on the collaboration.")
@click.option("--agent", help="Agent id (default: the commit's recorded agent).")
@json_option
@pass_config
def grade(
    cfg: Config,
    commit: str,
    agent_grade: str | None,
    user_grade: str | None,
    task: str | None,
    agent_note: str | None,
    user_note: str | None,
    agent: str | None,
    as_json: bool,
) -> None:
    """Grade the collaboration on COMMIT (default HEAD); both grades move CS by −2 … +10."""
    from agent_git_tracker.errors import UsageError
    from agent_git_tracker.ledger import actions

    target = actions.grade_target(cfg, commit, agent)
    if agent_grade is None or user_grade is None:
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            raise UsageError(
                "give --agent-grade and --user-grade (no terminal to ask on); "
                f"grades are {GRADE_HELP}"
            )
        click.echo(f"commit {target.commit[:12]} by {target.agent}: {target.subject}")
        click.echo(f"grades: {GRADE_HELP}")
        agent_grade = agent_grade or click.prompt("agent's grade")
        user_grade = user_grade or click.prompt("your grade")
    result = actions.grade(cfg, target, agent_grade, user_grade, task, agent_note, user_note)
    emit(
        result,
        as_json,
        lambda r: (
            f"graded {r['commit'][:12]} ({r['agent']}): agent {r['agent_grade']}, you "
            f"{r['user_grade']}, CS {r['score_change']:+d}"
            + (
                " (replaces the earlier grade of this commit)"
                if r["replaces_earlier_grade"]
                else ""
            )
            + "; written at the next flush"
        ),
    )


@main.command()
@click.option("--agent", help="Agent id (default: the commit's agent, else the session's).")
@click.option("--commit", help="The commit that carried the bug.")
@click.option("--note", help="What went wrong.")
@json_option
@pass_config
def bug(
    cfg: Config, agent: str | None, commit: str | None, note: str | None, as_json: bool
) -> None:
    """Report a bug an agent introduced: SP −1; at SP 0 the agent is halted."""
    from agent_git_tracker.ledger import actions

    result = actions.bug(cfg, agent, commit, note)
    emit(result, as_json, lambda r: f"bug recorded for {r['agent']}: SP now {r['skill_points']}")
    if result["halted"] and not as_json:
        click.echo(
            style(
                f"\n*** {result['agent']} is HALTED (SP {result['skill_points']}). ***\n"
                f"Review its work, then reinstate it with:\n"
                f"  agent-git-tracker resume {result['agent']} --plan '...'",
                fg="red",
                bold=True,
            ),
            err=True,
        )


@main.command()
@click.argument("agent")
@click.option("--plan", required=True, help="What the agent will do differently.")
@json_option
@pass_config
def resume(cfg: Config, agent: str, plan: str, as_json: bool) -> None:
    """Reinstate a halted AGENT at SP 1, logging the plan as an activity."""
    from agent_git_tracker.ledger import actions

    result = actions.resume(cfg, agent, plan)
    emit(
        result,
        as_json,
        lambda r: f"{r['agent']} reinstated at SP {r['skill_points']}; written at the next flush",
    )


@main.command()
@click.option("--task", help="The task worked on.")
@click.option("--actions", "actions_", help="Actions taken.")
@click.option("--outcome", help="The outcome.")
@click.option("--decisions", help="Decisions made.")
@click.option("--agent", help="Agent id (default: the session's).")
@click.option("--at", "timestamp", help="When, ISO 8601 (default: now).")
@json_option
@pass_config
def activity(
    cfg: Config,
    task: str | None,
    actions_: str | None,
    outcome: str | None,
    decisions: str | None,
    agent: str | None,
    timestamp: str | None,
    as_json: bool,
) -> None:
    """Log an activity journal entry for an agent."""
    from agent_git_tracker.ledger import actions

    result = actions.activity(
        cfg,
        agent,
        {"task": task, "actions": actions_, "outcome": outcome, "decisions": decisions},
        timestamp,
    )
    emit(result, as_json, lambda r: f"activity logged for {r['agent']}; written at the next flush")


@main.command()
@click.argument("agent", required=False)
@json_option
@pass_config
def status(cfg: Config, agent: str | None, as_json: bool) -> None:
    """An agent's SP, XP, CS, commits, bugs and halt state (pending events included)."""
    from agent_git_tracker.errors import UsageError
    from agent_git_tracker.ledger.state import agent_status, all_agents, current

    with current(cfg) as (stored, pending, count):
        if agent:
            found = agent_status(stored, pending, agent)
            if found is None:
                raise UsageError(f"unknown agent {agent!r}; `agent-git-tracker agents` lists them")
            rows = [found]
        else:
            rows = all_agents(stored, pending)
    data: Any = rows[0] if agent else {"agents": rows, "pending_events": count}
    emit(data, as_json, lambda _: _status_text(rows, count))


@main.command()
@json_option
@pass_config
def agents(cfg: Config, as_json: bool) -> None:
    """List every agent."""
    from agent_git_tracker.ledger.state import all_agents, current

    with current(cfg) as (stored, pending, count):
        rows = all_agents(stored, pending)
    emit(rows, as_json, lambda _: _status_text(rows, count))


def _status_text(rows: list[dict[str, Any]], pending: int) -> str:
    if not rows:
        return "no agents recorded yet"
    lines = []
    for s in rows:
        mark = {f: "*" if f in s["pending"] else "" for f in s}
        halted = style("HALTED", fg="red", bold=True) if s["halted"] else "active"
        lines.append(
            f"{s['agent']:<16} SP {s['skill_points']}{mark['skill_points']:<2}"
            f"XP {s['experience_points']}{mark['experience_points']:<2}"
            f"CS {s['communication_score']}{mark['communication_score']:<2}"
            f"commits {s['total_commits']}{mark['total_commits']:<2}"
            f"bugs {s['total_bugs']}{mark['total_bugs']:<2}{halted}"
            + (f"  model {s['model']}" if s.get("model") else "")
            + (f"  setup {s['setup']}" if s.get("setup") else "")
            + (f"  last activity {s['last_activity']}" if s.get("last_activity") else "")
        )
    if pending:
        lines.append(f"* includes {pending} pending event(s), written at the next flush")
    return "\n".join(lines)


# --- agent-side events ----------------------------------------------------------------------


@main.group()
def track() -> None:
    """Agent tool uses and commands (call from an agent's own hooks; never fails)."""


@track.command("tool")
@click.option("--agent", help="Agent id (default: the active session's).")
@click.option("--tool", "name", help="Tool name, e.g. Edit.")
@click.option("--failed", is_flag=True, help="The tool call failed (no XP).")
@strict_option
def track_tool(agent: str | None, name: str | None, failed: bool, strict: bool) -> None:
    """Record one tool use: XP +1 at the next flush when it succeeded."""
    _track("tool", {"agent": agent, "name": name, "failed": failed}, strict)


@track.command("command")
@click.option("--agent", help="Agent id (default: the active session's).")
@click.option("--name", help="Command name, e.g. pytest.")
@click.option("--failed", is_flag=True, help="The command failed (no XP).")
@strict_option
def track_command(agent: str | None, name: str | None, failed: bool, strict: bool) -> None:
    """Record one command: XP +2 at the next flush when it succeeded."""
    _track("command", {"agent": agent, "name": name, "failed": failed}, strict)


def _track(kind: str, options: dict[str, Any], strict: bool) -> None:
    sys.exit(
        capture.run(lambda: capture.track(kind, options, str(_config(False).database_path)), strict)
    )


# --- migration, export and import -----------------------------------------------------------


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
    from agent_git_tracker.migration import migrate as migration

    summary = migration.migrate(cfg, source, dry_run, move_aside, Path.cwd())
    emit(migration.summary_data(summary) if as_json else summary, as_json, migration.summary_text)


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
    from agent_git_tracker.migration import migrate as migration

    if output is None or str(output) == "-":
        migration.export(cfg, sys.stdout)
    else:
        count = migration.export_file(cfg, output)
        click.echo(f"{count} record(s) exported to {output}")


@main.command("import")
@click.argument("source", type=click.Path(path_type=Path), metavar="FILE")
@click.option("--dry-run", is_flag=True, help="Show what would be written; write nothing.")
@json_option
@pass_config_only
def import_(cfg: Config, source: Path, dry_run: bool, as_json: bool) -> None:
    """Merge FILE, an `export` file or an older plugin's lmdb-js database, into this database:
    records already here are kept as they are, so importing twice writes nothing."""
    from agent_git_tracker.migration import migrate as migration

    summary = migration.import_(cfg, source, dry_run)
    emit(migration.summary_data(summary) if as_json else summary, as_json, migration.summary_text)


# --- the report -----------------------------------------------------------------------------


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
    "--json",
    "as_json",
    is_flag=True,
    help="Print JSON (stable schema, see agent_git_tracker/render.py).",
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
    as_json: bool,
    as_csv: bool,
    html_path: Path | None,
) -> None:
    """Which agent setup to use next: every setup ranked by outcome, across all projects."""
    from agent_git_tracker.errors import UsageError
    from agent_git_tracker.report.rows import ReportOptions
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
    )
    fmt = "json" if as_json else "csv" if as_csv else "table"
    width = shutil.get_terminal_size((100, 24)).columns
    click.echo(run_report(cfg, options, fmt, html_path, sys.stdout.isatty(), width))


@main.command()
def demo() -> None:
    """A first look: a throwaway repository, agents, grades, a bug, a push and the report.

    Everything happens in a temporary folder with its own database; nothing of yours is read
    or written.
    """
    from agent_git_tracker.config.settings import load as load_config
    from agent_git_tracker.demo import demo as run_demo
    from agent_git_tracker.report.rows import ReportOptions
    from agent_git_tracker.report.run import run_report

    def report_of(env: dict[str, str]) -> str:
        width = shutil.get_terminal_size((100, 24)).columns
        return run_report(
            load_config(environ=env), ReportOptions(), "table", None, sys.stdout.isatty(), width
        )

    click.echo(run_demo(report_of, lambda line: click.echo(f"demo: {line}")))
