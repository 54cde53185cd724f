"""The report over every record of a database view that the options keep."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agent_git_tracker.errors import UsageError
from agent_git_tracker.report.model import GROUPINGS, Report, ReportOptions, Series, Totals
from agent_git_tracker.report.reading import RawSource, Reader, Source
from agent_git_tracker.report.recommend import recommend
from agent_git_tracker.report.rows import iso_time, ranked, week_points


def _totals(reader: Reader) -> Totals:
    commits = {kind: 0 for kind in ("agent", "human", "bot")}
    for (kind, *_), tally in reader.cells.items():
        commits[kind if kind in commits else "bot"] += tally.commits
    seen = [when for t in reader.cells.values() for when in t.seen() if when]
    counted = [t for (kind, *_), t in reader.cells.items() if kind in ("agent", "human")]
    return Totals(
        commits=sum(commits.values()),
        agent_commits=commits["agent"],
        human_commits=commits["human"],
        bot_commits=commits["bot"],
        graded=sum(tally.graded for tally in reader.cells.values()),
        measured=sum(tally.outcomes.scored for tally in counted),
        pending=sum(tally.outcomes.pending for tally in counted),
        bugs=reader.bugs,
        projects=len({cell[4] for cell, tally in reader.cells.items() if tally.commits}),
        first_seen=iso_time(min(seen, default=None)),
        last_seen=iso_time(max(seen, default=None)),
    )


def build_report(
    view: Source | RawSource, options: ReportOptions, like_profile: Mapping[str, Any] | None = None
) -> Report:
    """The report over every record of `view` that the options keep.

    `like_profile` is `gitmeta.profile` of the repository named by `options.like`.
    """
    if options.by not in GROUPINGS:
        raise UsageError(f"cannot group by {options.by!r}: use one of {', '.join(GROUPINGS)}")
    if options.min_commits < 0:
        raise UsageError(f"--min-commits must be 0 or more, not {options.min_commits}")
    reader = Reader(options)
    reader.read(view)
    if not reader.digests_complete:  # some commit has no digest: read the records instead
        reader = Reader(options, use_digests=False)
        reader.read(view)
    ranking = ranked(reader, reader.cells, options.by)
    rows = ranking.rows
    overall = ranking if options.by == "setup" else ranked(reader, reader.cells, "setup")
    timeline = tuple(
        Series(row.label, week_points(tally.weeks)) for row, tally in ranking.pairs if tally.graded
    )
    return Report(
        options=options,
        rows=tuple(rows),
        timeline=timeline,
        recommendation=recommend(reader, overall, like_profile),
        totals=_totals(reader),
    )
