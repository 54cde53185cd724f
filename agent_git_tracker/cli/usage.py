"""`usage`: model, tokens and cost per setup, from the agents' own logs."""

from __future__ import annotations

from typing import Any

import click

from agent_git_tracker.cli.base import emit, json_option, main, pass_config
from agent_git_tracker.config.settings import Config


@main.command()
@click.option(
    "--since",
    metavar="WHEN",
    help="Only commits and tokens from WHEN on: a date (2026-01-31), an ISO 8601 time, or "
    "an age (30d, 12h, 4w).",
)
@json_option
@pass_config
def usage(cfg: Config, since: str | None, as_json: bool) -> None:
    """Tokens and cost per setup from the agents' own logs (Claude Code, Codex, OpenCode,
    Gemini CLI), the sessions found and what could not be joined to a commit. The logs are
    read by `scan` and at each push."""
    from agent_git_tracker.costs.summary import usage as summarize

    emit(summarize(cfg, since), as_json, _text)


def _text(data: dict[str, Any]) -> str:
    sessions, commits, untied = data["sessions"], data["commits"], data["not_tied"]
    agents = ", ".join(f"{a} {n}" for a, n in sessions["by_agent"].items()) or "none"
    how = ", ".join(f"{h} {n}" for h, n in commits["by_how"].items()) or "none"
    lines = [
        f"sessions found: {sessions['found']:,} ({agents}); {sessions['joined']:,} joined "
        f"to commits, {sessions['joined_none']:,} to none",
        f"agent commits: {commits['agent_commits']:,}; joined {commits['joined']:,} ({how}); "
        f"no session found {commits['no_session']:,}; not searched yet "
        f"{commits['not_searched']:,}",
        "",
        f"{'setup':<44} {'commits':>7} {'joined':>6} {'tokens/commit':>13} "
        f"{'cost/commit':>11} {'cost':>10} {'$/surviving':>11}",
    ]
    for row in data["setups"]:
        name = " ".join(str(p) for p in (row["agent_id"], row["model"], row["setup"]) if p)
        lines.append(
            f"{name[:44]:<44} {row['commits']:>7,} {row['joined']:>6,} "
            f"{_number(row['tokens_per_commit']):>13} {_usd(row['cost_per_commit']):>11} "
            f"{_usd(row['cost']):>10} {_usd(row['cost_per_surviving_commit']):>11}"
        )
    if not data["setups"]:
        lines.append("no agent commits recorded yet")
    lines += [
        "",
        f"not tied to a commit: {untied['tokens']['total']:,} tokens, {_usd(untied['cost'])} "
        f"in {untied['sessions']:,} sessions (after their last commit, or joining none)"
        + (
            f"; {untied['sessions_unpriced']:,} of them unpriced"
            if untied["sessions_unpriced"]
            else ""
        ),
    ]
    for entry in untied["sessions_joining_none"]:
        lines.append(
            f"  {entry['agent']} {entry['session_id']}: {entry['tokens']['total']:,} tokens, "
            f"{_usd(entry['cost'])}, {entry['first']} … {entry['last']}, "
            f"in {', '.join(entry['projects']) or 'no repository'}"
        )
    if untied["more_sessions_joining_none"]:
        lines.append(f"  … and {untied['more_sessions_joining_none']:,} more sessions")
    lines.append(f"prices: {data['prices']['source'][:60]}…, taken {data['prices']['taken']}")
    return "\n".join(lines)


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}"


def _usd(value: float | None) -> str:
    return "–" if value is None else f"${value:,.2f}"
