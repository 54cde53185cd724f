"""Rows: cells rolled up by the chosen grouping, scored (`score`) and ranked."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from agent_git_tracker.ledger.points import is_halted
from agent_git_tracker.report import score
from agent_git_tracker.report.model import (
    GRADES,
    MIN_COMMITS,
    MIN_GRADED,
    MIN_MEASURED,
    Key,
    Row,
    WeekPoint,
)
from agent_git_tracker.report.reading import Reader
from agent_git_tracker.report.stats import Judgement, Outcomes, measures, median
from agent_git_tracker.report.tally import Cell, Tally, number

# Groupings whose rows are compared within repositories; rows by project or language describe
# repositories, so they are compared across them.
WITHIN_REPOSITORIES = ("setup", "agent", "model")


SUBJECT_ONLY = " (subject only)"


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
        """("human",), or ("agent", confidence, the grouping's fields…)."""
        kind, agent, model, setup, project, confidence = cell
        if kind == "human":
            return ("human",)
        if self.by == "setup":
            return ("agent", confidence, agent, model, setup)
        if self.by == "agent":
            return ("agent", confidence, agent)
        if self.by == "model":
            return ("agent", confidence, model)
        if self.by == "project":
            return ("agent", confidence, project)
        return ("agent", confidence, self.language(project))

    def label(self, key: Key) -> str:
        if key[0] == "human":
            return "human (baseline)"
        marker = SUBJECT_ONLY if key[1] == "medium" else ""
        if self.by == "setup":
            agent, model, setup = key[2:]
            parts = [agent, model or "-", setup] if setup else [agent, model]
            return " / ".join(p for p in parts if p) + marker
        missing = {"model": "(model not recorded)", "language": "(language unknown)"}
        return (key[2] or missing.get(self.by, "(unknown)")) + marker

    def fields(self, key: Key) -> dict[str, str | None]:
        """The row's agent, model, setup, project and language, where the grouping has one."""
        values: dict[str, str | None] = dict.fromkeys(
            ("agent", "model", "setup", "project", "language")
        )
        if key[0] == "human":
            values["agent"] = "human"
        elif self.by == "setup":
            values["agent"], values["model"], values["setup"] = key[2:]
        elif self.by == "project":
            values["project"], values["language"] = key[2], self.language(key[2])
        else:
            values[self.by] = key[2]
        return values

    def usage(self) -> dict[Key, list[int]]:
        """Tool uses and commands per row key; none where they cannot be attributed."""
        if self.by not in ("setup", "agent", "model") or self.reader.options.project:
            return {}
        totals: dict[Key, list[int]] = {}
        for (agent, model, setup), (tools, commands) in self.reader.usage.items():
            cell = ("agent", agent, model, setup, "", "high")
            slot = totals.setdefault(self.key(cell), [0, 0])
            slot[0] += tools
            slot[1] += commands
        return totals


def _evidence(kind: str, tally: Tally) -> str:
    if kind == "human":
        return "baseline"
    measured = tally.outcomes.scored >= MIN_MEASURED or tally.graded >= MIN_GRADED
    return "enough" if tally.commits >= MIN_COMMITS and measured else "little"


def _per(total: float, count: int, scale: int = 1) -> float | None:
    return scale * total / count if count else None


def iso_time(key: str | None) -> str | None:
    return f"{key}+00:00" if key else None


def _row(
    key: Key,
    tally: Tally,
    grouping: _Grouping,
    usage: Mapping[Key, list[int]],
    estimate: score.Estimate,
) -> Row:
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
        score=estimate.score,
        evidence=_evidence(kind, tally),
        confidence=str(key[1]) if kind == "agent" else "high",
        score_low=estimate.low,
        score_high=estimate.high,
        measured=tally.outcomes.scored,
        pending=tally.outcomes.pending,
        median_lines=median(tally.sizes),
        median_files=median(tally.files),
        outcomes=measures(tally.outcomes),
        usage=tally.usage.totals(),
    )


@dataclass(frozen=True)
class Ranking:
    """Rows in order with their tallies, and which candidate the data says is best."""

    pairs: tuple[tuple[Row, Tally], ...]
    choice: score.Choice[Key]
    candidates: tuple[Row, ...]  # rows with enough evidence whose agent is not halted

    @property
    def rows(self) -> list[Row]:
        return [row for row, _ in self.pairs]


def _groups(
    grouping: _Grouping, cells: Iterable[Cell]
) -> tuple[dict[Key, Tally], dict[tuple[Key, str], Outcomes]]:
    """Each row's tally, and its outcomes per repository."""
    groups: dict[Key, Tally] = {}
    per_repository: dict[tuple[Key, str], Outcomes] = {}
    for cell in cells:
        if cell[0] not in ("agent", "human"):
            continue  # bots are neither an agent's nor the human baseline
        key = grouping.key(cell)
        if key not in groups:
            groups[key] = Tally()
        tally = grouping.reader.cells[cell]
        groups[key].merge(tally)
        per_repository.setdefault((key, cell[4]), Outcomes()).merge(tally.outcomes)
    return groups, per_repository


def _judgements(groups: Mapping[Key, Tally]) -> dict[Key, Judgement]:
    return {
        key: Judgement.of_counts(
            tally.commits,
            dict(zip(GRADES, tally.user_counts, strict=True)),
            dict(zip(GRADES, tally.agent_counts, strict=True)),
            tally.bugs,
        )
        for key, tally in groups.items()
    }


Keyed = tuple[Key, Row, Tally]


def _ordered(keyed: Iterable[Keyed], include_medium: bool) -> list[Keyed]:
    """Agent rows: ranked ones with enough evidence by score, then little, then unranked."""
    return sorted(
        (item for item in keyed if item[1].kind == "agent"),
        key=lambda item: (
            item[1].confidence == "medium" and not include_medium,
            item[1].evidence != "enough",
            -(item[1].score or 0),
            -item[1].measured,
            -item[1].graded,
            -item[1].commits,
            item[1].label,
        ),
    )


def ranked(reader: Reader, cells: Iterable[Cell], by: str) -> Ranking:
    """Ranked rows with enough evidence by score, then ranked rows with little, then rows
    attributed from subjects alone (unless the options rank them), then the human baseline."""
    grouping = _Grouping(by, reader)
    groups, per_repository = _groups(grouping, cells)
    within = by in WITHIN_REPOSITORIES
    fitted = score.fit(per_repository, _judgements(groups), within_repositories=within)
    usage = grouping.usage()
    keyed = [
        (key, _row(key, tally, grouping, usage, fitted.estimates[key]), tally)
        for key, tally in groups.items()
        if tally.commits >= reader.options.min_commits
        and (tally.commits or tally.graded or tally.bugs)  # tallies whose commits were filtered
    ]
    include = reader.options.include_medium
    order = _ordered(keyed, include)
    ranks = [item for item in order if include or item[1].confidence != "medium"]
    usable = [item for item in ranks if item[1].evidence == "enough" and not item[1].halted]
    choice = score.choose(fitted, [key for key, _, _ in usable])
    rank_of = {key: n for n, (key, _, _) in enumerate(ranks, 1)}
    settled = {
        key: (_settled(row, rank_of.get(key), key, choice), tally)
        for key, row, tally in order + [item for item in keyed if item[1].kind == "human"]
    }
    candidates = tuple(settled[key][0] for key, _, _ in usable)
    return Ranking(tuple(settled.values()), choice, candidates)


def _settled(row: Row, rank: int | None, key: Key, choice: score.Choice[Key]) -> Row:
    """The row with its rank and its chance of being the best candidate."""
    chance = choice.probability.get(key)
    leading = key in choice.leading and not choice.separated
    return replace(row, rank=rank, probability_best=chance, leading=leading)


def week_points(weeks: Mapping[str, list[float]]) -> tuple[WeekPoint, ...]:
    return tuple(
        WeekPoint(week, int(count), change / count)
        for week, (count, change) in sorted(weeks.items())
    )
