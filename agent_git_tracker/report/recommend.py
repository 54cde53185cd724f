"""The recommendation: the setup to use next and the numbers behind it, or why there is none."""

from __future__ import annotations

from collections.abc import Mapping
from os.path import basename
from typing import Any

from agent_git_tracker.report.model import (
    MIN_COMMITS,
    MIN_GRADED,
    SIZE_FACTOR,
    Like,
    Recommendation,
    Row,
)
from agent_git_tracker.report.reading import Reader
from agent_git_tracker.report.rows import languages, ranked
from agent_git_tracker.report.tally import number


def similar(like: Mapping[str, Any], profile: Mapping[str, Any]) -> bool:
    """Same main language (any case) and 1/4 … 4 times the tracked files, where known."""
    language = like.get("main_language")
    if language and str(profile.get("main_language") or "").casefold() != str(language).casefold():
        return False
    files, theirs = number(like.get("tracked_files")), number(profile.get("tracked_files"))
    if files and theirs is not None:
        return files / SIZE_FACTOR <= theirs <= files * SIZE_FACTOR
    return True


def _numbers(row: Row) -> str:
    return (
        f"a score of {row.score:.1f} over {row.commits} commits ({row.graded} graded) in "
        f"{_count(row.projects, 'project')}, a mean CS change of {row.mean_cs_change or 0:+.1f} "
        f"per graded commit and {row.bugs_per_100_commits or 0:.1f} bugs per 100 commits"
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _pick(rows: list[Row]) -> tuple[Row | None, Row | None, list[Row]]:
    """The best row to use, the runner-up, and better-ranked rows of halted agents."""
    enough = [r for r in rows if r.evidence == "enough"]
    usable = [r for r in enough if not r.halted]
    if not usable:
        return None, None, [r for r in enough if r.halted]
    best = usable[0]
    halted = [r for r in enough if r.halted and (r.rank or 0) < (best.rank or 0)]
    return best, (usable[1] if len(usable) > 1 else None), halted


def _use(best: Row, runner: Row | None, halted: list[Row], opening: str, scope: str) -> str:
    after = (
        f", ahead of {runner.label} (score {runner.score:.1f})"
        if runner and runner.score is not None
        else ", and it is the only usable setup with enough evidence"
    )
    first = "ranks first among agents not halted" if halted else "ranks first"
    skipped = f" ({halted[0].label} scores higher, but its agent is halted)" if halted else ""
    return f"{opening} {best.label}: {scope} {first} with {_numbers(best)}{after}{skipped}."


def _short(rows: list[Row], halted: list[Row], where: str) -> str:
    """Why nothing can be recommended from `rows`, and what to do about it."""
    agents = [r for r in rows if r.kind == "agent"]
    if halted:
        return (
            f"every setup with enough evidence{where} belongs to a halted agent "
            f"({', '.join(r.label for r in halted)}); reinstate one with `agent-git-tracker resume`"
        )
    if not agents and where:
        return f"no agent commits are recorded{where}"
    if not agents:
        return (
            "no agent commits are recorded yet; install the hooks with "
            "`agent-git-tracker install` in your repositories"
        )
    closest = max(
        agents,
        key=lambda r: (min(r.graded, MIN_GRADED) + min(r.commits, MIN_COMMITS), r.graded),
    )
    return (
        f"no setup{where} has {MIN_COMMITS} commits with {MIN_GRADED} of them graded yet "
        f"(closest: {closest.label}, {closest.commits} commits, {closest.graded} graded); "
        "grade more commits with `agent-git-tracker grade`"
    )


def _like(reader: Reader, profile: Mapping[str, Any]) -> Like:
    language = profile.get("main_language")
    if isinstance(language, str):
        language = languages(reader.profiles).get(language.casefold(), language)
    files = number(profile.get("tracked_files"))
    projects = sorted({cell[4] for cell in reader.cells if cell[0] == "agent"})
    return Like(
        path=reader.options.like or "the named repository",
        language=str(language) if language else None,
        tracked_files=None if files is None else int(files),
        similar_projects=tuple(
            p for p in projects if similar(profile, reader.profiles.get(p) or {})
        ),
    )


def _describe(like: Like) -> str:
    files = (
        "size unknown" if like.tracked_files is None else _count(like.tracked_files, "tracked file")
    )
    name = basename(like.path.rstrip("/")) or like.path
    return f"{name} ({like.language or 'no main language'}, {files})"


def recommend(
    reader: Reader, overall: list[Row], like_profile: Mapping[str, Any] | None
) -> Recommendation:
    """One sentence: the setup to use and the numbers behind it, or why there is none."""
    if like_profile is None:
        best, runner, halted = _pick(overall)
        if best is not None:
            return Recommendation(_use(best, runner, halted, "Use", "it"), best, None)
        reason = _short(overall, halted, "")
        return Recommendation(f"Not enough data to recommend a setup: {reason}.", None, None)
    like = _like(reader, like_profile)
    cells = [c for c in reader.cells if c[4] in like.similar_projects]
    rows = [row for row, _ in ranked(reader, cells, "setup")]
    best, runner, halted = _pick(rows)
    described = _describe(like)
    if best is not None:
        count = len(like.similar_projects)
        scope = f"in the {'one' if count == 1 else count} similar project{'s' * (count != 1)} it"
        sentence = _use(best, runner, halted, f"For a project like {described}, use", scope)
        return Recommendation(sentence, best, like)
    reason = _short(rows, halted, " in similar projects")
    top = _pick(overall)[0]
    fallback = f"; across all projects, {top.label} ranks first with {_numbers(top)}" if top else ""
    return Recommendation(
        f"Not enough data for a project like {described}: {reason}{fallback}.", None, like
    )
