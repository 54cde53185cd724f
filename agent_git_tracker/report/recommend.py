"""The recommendation: the setup to use next and the numbers behind it, or why there is none."""

from __future__ import annotations

from collections.abc import Mapping
from os.path import basename
from typing import Any

from agent_git_tracker.report.model import (
    MIN_COMMITS,
    MIN_GRADED,
    MIN_MEASURED,
    SIZE_FACTOR,
    Like,
    Recommendation,
    Row,
)
from agent_git_tracker.report.reading import Reader
from agent_git_tracker.report.rows import Ranking, languages, ranked
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


def signed(value: float | None) -> str:
    """A score in points, with its sign."""
    if value is None:
        return "–"
    text = f"{value:+.1f}"
    return "+0.0" if text == "-0.0" else text


def _numbers(row: Row) -> str:
    """The score, its interval and the facts behind it, in words."""
    counts = [f"{row.measured} measured" if row.measured else "none measured yet"]
    counts += [f"{row.pending} pending"] if row.pending else []
    counts += [f"{row.graded} graded"] if row.graded else []
    text = (
        f"a score of {signed(row.score)} (90 % interval {signed(row.score_low)} to "
        f"{signed(row.score_high)}) over {_count(row.commits, 'commit')} in "
        f"{_count(row.projects, 'project')} ({', '.join(counts)})"
    )
    facts = []
    measured = row.outcomes
    if measured is not None and measured.survival_30d.value is not None:
        facts.append(f"{measured.survival_30d.value:.0%} of its added lines lasted 30 days")
    if measured is not None and measured.reverted_30d.rate is not None:
        fixed = measured.fixed_30d.rate or 0
        facts.append(
            f"{measured.reverted_30d.rate:.0%} of its commits were reverted and {fixed:.0%} "
            "fixed within 30 days"
        )
    if row.bugs:
        facts.append(f"{row.bugs_per_100_commits or 0:.1f} bugs per 100 commits")
    return f"{text}: {', '.join(facts)}" if facts else text


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _halted(ranking: Ranking) -> list[Row]:
    """Rows with enough evidence whose agent is halted and that rank above the leader."""
    leader = ranking.candidates[0].rank if ranking.candidates else None
    return [
        r
        for r in ranking.rows
        if r.halted
        and r.evidence == "enough"
        and r.rank is not None
        and (leader is None or r.rank < leader)
    ]


def _use(ranking: Ranking, opening: str, scope: str) -> str:
    """The sentence for a leader the data separates from the rest."""
    best, rest = ranking.candidates[0], ranking.candidates[1:]
    halted = _halted(ranking)
    skipped = f"; {halted[0].label} scores higher, but its agent is halted" if halted else ""
    if not rest:
        return (
            f"{opening} {best.label}: {scope} is the only usable setup with enough evidence, with "
            f"{_numbers(best)}{skipped}."
        )
    first = "ranks first among agents not halted" if halted else "ranks first"
    return (
        f"{opening} {best.label}: {scope} {first} with {_numbers(best)}. The probability that it "
        f"is the best of the {len(ranking.candidates)} usable setups is "
        f"{best.probability_best or 0:.2f}, ahead of {rest[0].label} (score "
        f"{signed(rest[0].score)}){skipped}."
    )


def _unseparated(ranking: Ranking, lead_in: str, scope: str) -> str:
    """The sentence for a leading group the data cannot yet tell apart, and what would."""
    best = ranking.candidates[0]
    group = [row for row in ranking.candidates[1:] if row.leading]
    others = " and ".join(
        f"{row.label} (score {signed(row.score)}, probability {row.probability_best or 0:.2f})"
        for row in group
    )
    more = ranking.choice.more_commits
    if not any(row.measured for row in [best, *group]):
        what = (
            f"None of their commits has a measured outcome yet ({_how([best, *group])}); your "
            "grades of their commits (`agent-git-tracker grade`) add evidence sooner."
        )
    elif more is not None:
        what = (
            f"About {more:,} more measured commits of these setups would separate them if the "
            "gaps hold; your grades of their commits (`agent-git-tracker grade`) add evidence "
            "sooner."
        )
    else:
        what = (
            "Their scores are too close for more commits to separate them soon; your grades of "
            "their commits (`agent-git-tracker grade`) are the surer way to tell them apart."
        )
    opening = f"{lead_in}no setup is clearly best yet"
    return (
        f"{opening[:1].upper()}{opening[1:]}: {scope}{best.label} leads with "
        f"{_numbers(best)}. Its probability of being the best is "
        f"{best.probability_best or 0:.2f}: the data cannot yet separate it from {others}. "
        f"{what}"
    )


def _short(ranking: Ranking, where: str) -> str:
    """Why nothing can be recommended from `ranking`, and what to do about it."""
    halted = [r for r in ranking.rows if r.halted and r.evidence == "enough"]
    agents = [r for r in ranking.rows if r.kind == "agent"]
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
    ranked_agents = [r for r in agents if r.rank is not None] or agents
    closest = max(
        ranked_agents,
        key=lambda r: (
            min(r.commits, MIN_COMMITS) + max(min(r.measured, MIN_MEASURED), 2 * r.graded),
            r.measured,
            r.graded,
        ),
    )
    return (
        f"no setup{where} has {MIN_COMMITS} commits of which {MIN_MEASURED} measured or "
        f"{MIN_GRADED} graded yet (closest: {closest.label}, {_count(closest.commits, 'commit')}, "
        f"{closest.measured} measured, {closest.pending} pending, {closest.graded} graded); "
        f"{_how([closest])}, and you can grade commits with `agent-git-tracker grade`"
    )


def _how(rows: list[Row]) -> str:
    """How the outcomes of these rows' commits get measured."""
    if any(row.outcomes and row.outcomes.unmeasured for row in rows):
        return "`agent-git-tracker scan` measures what became of past commits"
    return "a commit's outcome is measured once it is 30 days old"


def _answer(ranking: Ranking, like: Like | None, sentence: str) -> Recommendation:
    """The sentence with the row it rests on (the leader) and how sure that is."""
    best = ranking.candidates[0] if ranking.candidates else None
    leading = [r.label for r in ranking.candidates if r is best or r.leading]
    return Recommendation(
        sentence,
        best,
        like,
        probability_best=None if best is None else best.probability_best,
        separated=ranking.choice.separated,
        leading=tuple(leading),
        more_commits=ranking.choice.more_commits,
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
    reader: Reader, overall: Ranking, like_profile: Mapping[str, Any] | None
) -> Recommendation:
    """One sentence: the setup to use and the numbers behind it, how sure that is, or why
    there is none."""
    if like_profile is None:
        if overall.candidates and overall.choice.separated:
            return _answer(overall, None, _use(overall, "Use", "it"))
        if overall.candidates:
            return _answer(overall, None, _unseparated(overall, "", ""))
        reason = _short(overall, "")
        return _answer(overall, None, f"Not enough data to recommend a setup: {reason}.")
    like = _like(reader, like_profile)
    cells = [c for c in reader.cells if c[4] in like.similar_projects]
    ranking = ranked(reader, cells, "setup")
    described = _describe(like)
    if ranking.candidates:
        count = len(like.similar_projects)
        places = f"in the {'one' if count == 1 else count} similar project{'s' * (count != 1)}"
        if ranking.choice.separated:
            sentence = _use(ranking, f"For a project like {described}, use", f"{places} it")
        else:
            sentence = _unseparated(ranking, f"For a project like {described}, ", f"{places}, ")
        return _answer(ranking, like, sentence)
    reason = _short(ranking, " in similar projects")
    top = overall.candidates[0] if overall.candidates else None
    fallback = f"; across all projects, {top.label} leads with {_numbers(top)}" if top else ""
    return _answer(
        ranking, like, f"Not enough data for a project like {described}: {reason}{fallback}."
    )
