"""The user's judgement and the agents' state: grade, bug, resume, activity, status, agents."""

from __future__ import annotations

import sys
from typing import Any

import click

from agent_git_tracker.cli.base import emit, json_option, main, pass_config, say, style
from agent_git_tracker.config.settings import Config
from agent_git_tracker.text import printable

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
        say(f"commit {target.commit[:12]} by {target.agent}: {target.subject}")
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
                f"\n*** {printable(result['agent'])} is HALTED (SP {result['skill_points']}). ***\n"
                f"Review its work, then reinstate it with:\n"
                f"  agent-git-tracker resume {printable(result['agent'])} --plan '...'",
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
    """An agent's SP, XP, CS, commits, bugs and halt state (pending events included; * marks
    a value they change).

    SP skill points: a reported bug costs one, at 0 the agent is halted. XP experience:
    commits, grades and tool uses earn it; 10 × SP of it raise SP by one. CS communication
    score: each graded commit moves it by −2 … +10."""
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
    emit(data, as_json, lambda _: _status_text(rows, count), painted=True)


@main.command()
@json_option
@pass_config
def agents(cfg: Config, as_json: bool) -> None:
    """List every agent with its SP (skill points), XP (experience) and CS (communication
    score); `status --help` says what they are."""
    from agent_git_tracker.ledger.state import all_agents, current

    with current(cfg) as (stored, pending, count):
        rows = all_agents(stored, pending)
    emit(rows, as_json, lambda _: _status_text(rows, count), painted=True)


_COLUMNS = (
    ("skill_points", "SP"),
    ("experience_points", "XP"),
    ("communication_score", "CS"),
    ("total_commits", "commits"),
    ("total_bugs", "bugs"),
)


def _status_text(rows: list[dict[str, Any]], pending: int) -> str:
    if not rows:
        return "no agents recorded yet"
    width = max(16, *(len(printable(r["agent"])) + 2 for r in rows))
    header = f"{'agent':<{width}}" + "".join(f"{label:<9}" for _, label in _COLUMNS)
    lines = [header + "state   model / setup / last activity"]
    marked = False
    for row in rows:
        s = {k: printable(v) if isinstance(v, str) else v for k, v in row.items()}
        cells = ""
        for field, _ in _COLUMNS:
            mark = "*" if field in s["pending"] else ""
            marked = marked or bool(mark)
            cells += f"{f'{s[field]}{mark}':<9}"
        halted = style("HALTED", fg="red", bold=True) if s["halted"] else "active"
        extra = " / ".join(str(s[k]) for k in ("model", "setup", "last_activity") if s.get(k))
        lines.append(f"{s['agent']:<{width}}{cells}{halted:<8}{extra}".rstrip())
    if marked and pending:
        lines.append(f"* changed by {pending} pending event(s), written at the next flush")
    return "\n".join(lines)
