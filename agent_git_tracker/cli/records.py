"""`show`, `log` and `reassign`: see what was recorded, and correct it."""

from __future__ import annotations

from typing import Any

import click

from agent_git_tracker.cli.base import emit, json_option, main, pass_config
from agent_git_tracker.config.settings import Config
from agent_git_tracker.text import printable


@main.command()
@click.argument("commit", default="HEAD")
@json_option
@pass_config
def show(cfg: Config, commit: str, as_json: bool) -> None:
    """What the tracker holds for COMMIT (default HEAD) and why: agent, model, setup, session,
    evidence, grades, bugs, outcomes (pending events included)."""
    from agent_git_tracker.ledger.lookup import show as look

    emit(look(cfg, commit), as_json, show_text)


@main.command()
@click.option("--agent", metavar="ID", help="Only this agent's commits (`human` for people).")
@click.option("--since", metavar="DATE", help="Only commits from DATE on (e.g. 2026-01-31).")
@click.option("--project", metavar="PATH", help="Only this project (a path or part of one).")
@json_option
@pass_config
def log(
    cfg: Config, agent: str | None, since: str | None, project: str | None, as_json: bool
) -> None:
    """The recorded commits, newest first, one line each (* pending: not flushed yet)."""
    from agent_git_tracker.ledger.lookup import log as listing

    emit(listing(cfg, agent, since, project), as_json, log_text)


@main.command()
@click.argument("commits", nargs=-1, metavar="COMMIT...")
@click.option("--agent", help="The agent that made them.")
@click.option("--model", help="The model it ran (with --agent).")
@click.option("--setup", help="The setup label (with --agent).")
@click.option("--human", is_flag=True, help="A person made them.")
@json_option
@pass_config
def reassign(
    cfg: Config,
    commits: tuple[str, ...],
    agent: str | None,
    model: str | None,
    setup: str | None,
    human: bool,
    as_json: bool,
) -> None:
    """Correct who made COMMIT…: set by you, it beats what hooks and scans saw; counters,
    grades and the report follow at the next flush."""
    from agent_git_tracker.ledger.reassign import reassign as correct

    result = correct(cfg, list(commits), agent, model, setup, human)
    emit(result, as_json, _reassign_text)


def _reassign_text(data: dict[str, Any]) -> str:
    named = " / ".join(v for v in (data["agent"], data["model"], data["setup"]) if v)
    lines = [f"{c['commit'][:12]}: {c['was']} → {named}" for c in data["commits"]]
    return "\n".join([*lines, "set by you; written at the next flush (status shows it now)"])


def show_text(data: dict[str, Any]) -> str:
    head = f"commit      {data['commit']}"
    if not data["recorded"]:
        return (
            f"{printable(head)}\nsubject     {printable(data['subject'])}\nnot recorded by the "
            "tracker: install the "
            "hooks (`agent-git-tracker install --global`) or record the history with "
            "`agent-git-tracker scan`"
        )
    rows = [
        head + ("  (pending: written at the next flush)" if data["pending"] else ""),
        f"subject     {data['subject']}",
        f"project     {data['project']}",
        f"agent       {data['agent']} ({data['kind']}, confidence {data['confidence']})",
        f"model       {_model(data)}",
        f"setup       {data['setup'] or '-'}",
        f"session     {_session(data['session'])}",
        "why         " + ("; ".join(data["evidence"]) or "nothing named an agent: a person"),
    ]
    if data["assigned"]:
        before = data["assigned"].get("before") or {}
        rows.append(
            f"set by you  on {data['assigned'].get('at')}; before: {before.get('agent_id')} "
            f"({'; '.join(before.get('evidence') or []) or 'no evidence'})"
        )
    others = [a["agent_id"] for a in data["agents"] if a.get("agent_id") != data["agent"]]
    if others:
        rows.append(f"also named  {', '.join(others)}")
    rows += [
        f"grades      {_grades(data)}",
        f"bugs        {_bugs(data['bugs'])}",
        f"outcomes    {_outcomes(data['outcomes'])}",
        f"tokens      {_tokens(data)}",
    ]
    # One line each: a path or a name holding a line break must not start a line of its own.
    return "\n".join(printable(row) for row in rows)


def _model(data: dict[str, Any]) -> str:
    if not data["model"]:
        return "-"
    canonical = data["model_canonical"]
    variant = f" ({data['model_variant']})" if data["model_variant"] else ""
    shown = f" → {canonical}{variant}" if canonical and canonical != data["model"] else ""
    return f"{data['model']}{shown}"


def _session(session: dict[str, str] | None) -> str:
    if not session:
        return "-"
    named = f", id {session['session_id']}" if session.get("session_id") else ""
    return f"{session.get('agent')} since {session.get('started')}{named}"


def _grades(data: dict[str, Any]) -> str:
    grade = data["grade"]
    if not grade:
        return "none (`agent-git-tracker grade` grades it)"
    history = len(data["grades"]) // 2
    again = f"; graded {history} times, the latest counts" if history > 1 else ""
    return f"agent {grade.get('agent_grade')}, you {grade.get('user_grade')}{again}"


def _bugs(bugs: list[dict[str, Any]]) -> str:
    if not bugs:
        return "none"
    return "; ".join(f"{b.get('agent_id')}: {b.get('note') or '(no note)'}" for b in bugs)


def _outcomes(outcomes: dict[str, Any] | None) -> str:
    if not outcomes:
        return "not measured yet (at push, or `agent-git-tracker scan`)"

    def share(value: Any) -> str:
        return "pending" if value is None else f"{value:.0%}"

    def flag(value: Any) -> str:
        return "pending" if value is None else "yes" if value else "no"

    survival = (share(outcomes.get("survival_14d")), share(outcomes.get("survival_30d")))
    return (
        f"lines surviving {survival[0]} at 14 days, {survival[1]} at 30; reverted "
        f"{flag(outcomes.get('reverted_30d'))}, fixed {flag(outcomes.get('fixed_30d'))}"
    )


def _tokens(data: dict[str, Any]) -> str:
    if "tokens" not in data:
        return "not joined to an agent's log"
    cost = f", ${data['cost_usd']:.4f}" if isinstance(data.get("cost_usd"), int | float) else ""
    return f"{data['tokens']}{cost}"


def log_text(data: dict[str, Any]) -> str:
    if not data["commits"]:
        return "no commits recorded (with these filters)"
    lines = []
    for row in data["commits"]:
        who = " / ".join(v for v in (row["agent"], row["model"], row["setup"]) if v)
        mark = "*" if row["pending"] else " "
        user = " (set by you)" if row["set_by_user"] else ""
        lines.append(
            f"{(row['time'] or '')[:16]} {row['commit'][:10]}{mark} {who}{user}  "
            f"{row['project'].rsplit('/', 1)[-1]}: {row['subject']}"
        )
    if any(row["pending"] for row in data["commits"]):
        lines.append("* pending: written at the next flush")
    return "\n".join(printable(line) for line in lines)
