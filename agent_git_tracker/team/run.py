"""`agent-git-tracker team report`: the report over a team's exports, in the formats of
`report` (table, JSON, CSV, HTML), computed by the report's own code from DuckDB's rows."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from agent_git_tracker.errors import UsageError
from agent_git_tracker.report.build import build_report
from agent_git_tracker.report.model import Report, ReportOptions
from agent_git_tracker.report.run import FORMATS, absolute_time, rendered
from agent_git_tracker.team.extra import needed
from agent_git_tracker.team.files import find
from agent_git_tracker.team.source import TeamSource, unreadable


def team_report(sources: list[str], options: ReportOptions) -> tuple[Report, int]:
    """The report over the sources' latest export of each member, and how many members."""
    needed("duckdb"), needed("pyarrow")  # before anything else: say how to install them
    now = datetime.now(UTC)
    options = replace(
        options, since=absolute_time(options.since, now), until=absolute_time(options.until, now)
    )
    source = TeamSource(find(sources), by_member=options.by == "member")
    try:
        return build_report(source, options), len(source.members())
    except source.duckdb.Error as e:  # a file of odd types, found only when summed
        raise unreadable(e) from e


def run_team_report(
    sources: list[str],
    options: ReportOptions,
    fmt: str,
    html_path: Path | None,
    stream_is_tty: bool,
    width: int,
) -> str:
    """The team's report in `fmt` (table, json or csv); also writes the HTML page."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown report format {fmt!r}: use one of {', '.join(FORMATS)}")
    report, members = team_report(sources, options)
    head = f"Team report over {members} member(s)' latest exports.\n\n"
    return rendered(
        report, fmt, html_path, stream_is_tty, width, head=head, more={"members": members}
    )
