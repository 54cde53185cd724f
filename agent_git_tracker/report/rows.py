"""Rows: cells rolled up by the chosen grouping, scored and ranked."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from agent_git_tracker.ledger.points import is_halted
from agent_git_tracker.report.model import (
    BUG_COST,
    GRADES,
    MIN_COMMITS,
    MIN_GRADED,
    PRIOR_CHANGE,
    PRIOR_GRADED,
    Key,
    Row,
    WeekPoint,
)
from agent_git_tracker.report.reading import Reader
from agent_git_tracker.report.tally import Cell, Tally, number


def languages(profiles: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """Each main language's display name by its folded name (older records wrote `rust`)."""
    names: dict[str, str] = {}
    for profile in profiles.values():
        language = profile.get("main_language")
        if isinstance(language, str) and language:
            fold = language.casefold()
            if fold not in names or (names[fold].islower() and not language.islower()):
                names[fold] = language
    return {
        fold: name[:1].upper() + name[1:] if name.islower() else name
        for fold, name in names.items()
    }


class _Grouping:
    """How fine cells roll up into rows for one `by`."""

    def __init__(self, by: str, reader: Reader) -> None:
        self.by = by
        self.reader = reader
        self.names = languages(reader.profiles)

    def language(self, project: str | None) -> str | None:
        profile = self.reader.profiles.get(project or "") or {}
        language = profile.get("main_language")
        return self.names.get(language.casefold()) if isinstance(language, str) else None

    def key(self, cell: Cell) -> Key:
        kind, agent, model, setup, project = cell
        if kind == "human":
            return ("human",)
        if self.by == "setup":
            return ("agent", agent, model, setup)
        if self.by == "agent":
            return ("agent", agent)
        if self.by == "model":
            return ("agent", model)
        if self.by == "project":
            return ("agent", project)
        return ("agent", self.language(project))

    def label(self, key: Key) -> str:
        if key[0] == "human":
            return "human (baseline)"
        if self.by == "setup":
            agent, model, setup = key[1:]
            parts = [agent, model or "-", setup] if setup else [agent, model]
            return " / ".join(p for p in parts if p)
        missing = {"model": "(model not recorded)", "language": "(language unknown)"}
        return key[1] or missing.get(self.by, "(unknown)")

    def fields(self, key: Key) -> dict[str, str | None]:
        """The row's agent, model, setup, project and language, where the grouping has one."""
        values: dict[str, str | None] = dict.fromkeys(
            ("agent", "model", "setup", "project", "language")
        )
        if key[0] == "human":
            values["agent"] = "human"
        elif self.by == "setup":
            values["agent"], values["model"], values["setup"] = key[1:]
        elif self.by == "project":
            values["project"], values["language"] = key[1], self.language(key[1])
        else:
            values[self.by] = key[1]
        return values

    def usage(self) -> dict[Key, list[int]]:
        """Tool uses and commands per row key; none where they cannot be attributed."""
        if self.by not in ("setup", "agent", "model") or self.reader.options.project:
            return {}
        totals: dict[Key, list[int]] = {}
        for (agent, model, setup), (tools, commands) in self.reader.usage.items():
            slot = totals.setdefault(self.key(("agent", agent, model, setup, "")), [0, 0])
            slot[0] += tools
            slot[1] += commands
        return totals


def _score(tally: Tally) -> float:
    quality = (tally.cs + PRIOR_GRADED * PRIOR_CHANGE) / (tally.graded + PRIOR_GRADED)
    return quality - BUG_COST * tally.bugs / max(tally.commits, 1)


def _evidence(kind: str, tally: Tally) -> str:
    if kind == "human":
        return "baseline"
    return "enough" if tally.commits >= MIN_COMMITS and tally.graded >= MIN_GRADED else "little"


def _per(total: float, count: int, scale: int = 1) -> float | None:
    return scale * total / count if count else None


def iso_time(key: str | None) -> str | None:
    return f"{key}+00:00" if key else None


def _row(key: Key, tally: Tally, grouping: _Grouping, usage: Mapping[Key, list[int]]) -> Row:
    kind = str(key[0])
    fields = grouping.fields(key)
    state = (
        grouping.reader.agents.get(fields["agent"] or "")
        if grouping.by in ("setup", "agent")
        else None
    )
    state = state if kind == "agent" else None
    tools, commands = usage.get(key, (None, None))
    first, last = tally.seen()
    return Row(
        label=grouping.label(key),
        kind=kind,
        agent=fields["agent"],
        model=fields["model"],
        setup=fields["setup"],
        project=fields["project"],
        language=fields["language"],
        projects=len(tally.projects),
        commits=tally.commits,
        graded=tally.graded,
        mean_cs_change=_per(tally.cs, tally.graded),
        grades=dict(zip(GRADES, tally.user_counts, strict=True)),
        agent_grades=dict(zip(GRADES, tally.agent_counts, strict=True)),
        bugs=tally.bugs,
        bugs_per_100_commits=_per(tally.bugs, tally.commits, 100) if kind == "agent" else None,
        lines_per_commit=_per(tally.lines, tally.sized),
        tool_uses=tools,
        commands=commands,
        tool_uses_per_commit=None if tools is None else _per(tools, tally.commits),
        commands_per_commit=None if commands is None else _per(commands, tally.commits),
        skill_points=number(state.get("skill_points")) if state else None,
        experience_points=number(state.get("experience_points")) if state else None,
        communication_score=number(state.get("communication_score")) if state else None,
        halted=is_halted(state) if state else None,
        first_seen=iso_time(first),
        last_seen=iso_time(last),
        score=_score(tally) if kind == "agent" else None,
        evidence=_evidence(kind, tally),
    )


def ranked(reader: Reader, cells: Iterable[Cell], by: str) -> list[tuple[Row, Tally]]:
    """Rows with enough evidence by score, then rows with little, then the human baseline."""
    grouping = _Grouping(by, reader)
    groups: dict[Key, Tally] = {}
    for cell in cells:
        if cell[0] not in ("agent", "human"):
            continue  # bots are neither an agent's nor the human baseline
        key = grouping.key(cell)
        if key not in groups:
            groups[key] = Tally()
        groups[key].merge(reader.cells[cell])
    usage = grouping.usage()
    rows = [
        (_row(key, tally, grouping, usage), tally)
        for key, tally in groups.items()
        if tally.commits >= reader.options.min_commits
        and (tally.commits or tally.graded or tally.bugs)  # tallies whose commits were filtered
    ]
    agents = sorted(
        (pair for pair in rows if pair[0].kind == "agent"),
        key=lambda pair: (
            pair[0].evidence != "enough",
            -(pair[0].score or 0),
            -pair[0].graded,
            -pair[0].commits,
            pair[0].label,
        ),
    )
    ordered = [(_with_rank(row, rank), tally) for rank, (row, tally) in enumerate(agents, 1)]
    return ordered + [pair for pair in rows if pair[0].kind == "human"]


def _with_rank(row: Row, rank: int) -> Row:
    return replace(row, rank=rank)


def week_points(weeks: Mapping[str, list[float]]) -> tuple[WeekPoint, ...]:
    return tuple(
        WeekPoint(week, int(count), change / count)
        for week, (count, change) in sorted(weeks.items())
    )
