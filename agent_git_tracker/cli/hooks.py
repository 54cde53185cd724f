"""The git hooks, the flush, agent sessions and `track`: the commands agents and git call."""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from agent_git_tracker.capture import hook as capture
from agent_git_tracker.cli.base import (
    configuration,
    emit,
    json_option,
    main,
    pass_config,
    strict_option,
    warn,
)
from agent_git_tracker.config.settings import Config
from agent_git_tracker.errors import TrackerError
from agent_git_tracker.text import printable


@main.group()
def hook() -> None:
    """The git hooks (installed by `install`, pre-commit or githooks/)."""


@hook.command("post-commit")
@strict_option
def hook_post_commit(strict: bool) -> None:
    """Record HEAD in the spool (no database write)."""
    db_path = click.get_current_context().find_root().params["db_path"]
    sys.exit(capture.run(lambda: capture.post_commit(db_path), strict, capture.COMMIT_LOST))


@hook.command("post-merge")
@click.argument("squash", required=False, default="0")
@strict_option
def hook_post_merge(squash: str, strict: bool) -> None:
    """Record the merge commit a merge or pull made (never a fast-forward's commits)."""
    db_path = click.get_current_context().find_root().params["db_path"]
    squashed = squash == "1" or os.environ.get("PRE_COMMIT_IS_SQUASH_MERGE") == "1"
    action = lambda: capture.post_commit(db_path, "post-merge", squashed)  # noqa: E731
    sys.exit(capture.run(action, strict, capture.COMMIT_LOST))


@hook.command("post-applypatch")
@strict_option
def hook_post_applypatch(strict: bool) -> None:
    """Record the commit `git am` just made."""
    db_path = click.get_current_context().find_root().params["db_path"]
    action = lambda: capture.post_commit(db_path, "post-applypatch")  # noqa: E731
    sys.exit(capture.run(action, strict, capture.COMMIT_LOST))


@hook.command("post-rewrite")
@click.argument("kind", required=False, default="")
@strict_option
def hook_post_rewrite(kind: str, strict: bool) -> None:
    """Record old→new hashes after an amend or a rebase (stdin from git)."""
    kind = kind or os.environ.get("PRE_COMMIT_REWRITE_COMMAND", "")
    stdin = "" if sys.stdin.isatty() else sys.stdin.read()

    def action() -> str | None:
        from agent_git_tracker.hooks.rewrite import post_rewrite

        try:
            config, why = configuration(False), ""
        except TrackerError as e:  # never guess the database: the fallback folder keeps it
            config, why = None, str(e)
        return post_rewrite(config, kind, stdin, why)

    sys.exit(capture.run(action, strict, "this rewrite was NOT recorded"))


@hook.command("pre-push")
@click.argument("remote", required=False)
@click.argument("url", required=False)
@strict_option
def hook_pre_push(remote: str | None, url: str | None, strict: bool) -> None:
    """Flush this repository's spool into the database in one transaction."""
    del remote, url
    stdin = "" if sys.stdin.isatty() else sys.stdin.read()
    refused: list[str] = []

    def action() -> str | None:
        # Imported inside the guard: even a failing import must not refuse the push.
        from agent_git_tracker.hooks.push import pre_push

        flushed, refusal = pre_push(configuration(True), stdin, os.environ)
        if refusal:
            refused.append(refusal)
        return "; ".join(flushed.outcome.notes) or None

    code = capture.run(action, strict, capture.PUSH_LOST)
    if refused:
        click.echo(f"agent-git-tracker: {printable(refused[0])}", err=True)
        code = 1
    sys.exit(code)


@main.command()
@click.option("--all", "everything", is_flag=True, help="Flush every repository's spool.")
@json_option
@pass_config
def flush(cfg: Config, everything: bool, as_json: bool) -> None:
    """Write spooled events into the database now (one transaction per repository)."""
    from agent_git_tracker.capture.workspace import here
    from agent_git_tracker.ledger.overview import run_flush

    if not everything:
        here("or flush every repository's spool with `agent-git-tracker flush --all`")

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
    """Start a session for this repository. Called from an agent's hook, it reads the JSON
    the agent passes on stdin (session id, model, folder, transcript)."""
    from agent_git_tracker.attribution.agents import near_known_warning
    from agent_git_tracker.hooks.session import describe, hook_input, start_session

    hook = hook_input(sys.stdin.buffer)
    started = start_session(cfg, agent, model, setup, hook)
    note = near_known_warning(started.values["agent"], "--agent")
    if note:
        warn(note)
    text = f"session started: {describe(started.values)}"
    if started.replaced:
        text += (
            f" (it replaces the session of {describe(started.replaced)} since "
            f"{started.replaced.get('started')})"
        )
    data = {**started.values, "replaced": started.replaced}
    # An agent shows its hooks' output to the model: from a hook, the line goes to stderr.
    if hook and not as_json:
        click.echo(f"agent-git-tracker: {printable(text)}", err=True)
        return
    emit(data, as_json, lambda _: text)


@session.command("end")
@json_option
@pass_config
def session_end(cfg: Config, as_json: bool) -> None:
    """End this repository's session and flush its spool."""
    from agent_git_tracker.hooks.session import describe, end_session, hook_input

    hook = hook_input(sys.stdin.buffer)
    ended, flushed, other = end_session(cfg, hook)
    data = {"ended": ended, "events_flushed": flushed.events, "left_active": other}
    said = f"session ended: {describe(ended)}" if ended else "no active session"
    if other:
        said = f"the active session is another one ({describe(other)}), left as it is"
    text = f"{said}; {flushed.events} event(s) flushed"
    if hook and not as_json:  # from an agent's hook: never into the model's context
        click.echo(f"agent-git-tracker: {printable(text)}", err=True)
        return
    emit(data, as_json, lambda _: text)


@session.command("show")
@json_option
@pass_config
def session_show(cfg: Config, as_json: bool) -> None:
    """Show this repository's active session."""
    from agent_git_tracker.hooks.session import describe, show_session

    emit(
        show_session(cfg),
        as_json,
        lambda v: f"{describe(v)} since {v['started']}" if v else "no active session",
    )


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
    db_path = click.get_current_context().find_root().params["db_path"]
    lost = f"this {'tool use' if kind == 'tool' else 'command'} was NOT recorded"
    sys.exit(capture.run(lambda: capture.track(kind, options, db_path), strict, lost))


def flush_summary(data: dict[str, Any]) -> str:
    lines = [
        f"flushed {data['events']} event(s) in {len(data['repositories'])} repository spool(s)"
    ]
    for repo in data["repositories"]:
        if repo["events"] or repo["rejected_lines"]:
            lines.append(
                f"  {repo['spool']}: {repo['events']} event(s), {repo['commits']} new "
                f"commit(s), {repo['grades']} grade(s), {repo['puts']} value(s) written"
            )
        if repo["rejected_lines"]:
            lines.append(
                f"  {repo['rejected_lines']} unreadable line(s) set aside in "
                f"{repo['rejected_file']}"
            )
        lines += [f"  note: {n}" for n in repo["notes"]]
    return "\n".join(lines)
