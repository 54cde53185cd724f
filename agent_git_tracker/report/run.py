"""`agent-git-tracker report`: options in, the text to print out (and an HTML file written)."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from agent_git_tracker.config.settings import Config
from agent_git_tracker.errors import TrackerError, UsageError
from agent_git_tracker.ledger.overlay import Overlay
from agent_git_tracker.ledger.state import current
from agent_git_tracker.report import render, table
from agent_git_tracker.report.build import build_report
from agent_git_tracker.report.html import as_html
from agent_git_tracker.report.model import Report, ReportOptions
from agent_git_tracker.report.reading import KeySource, RawSource
from agent_git_tracker.store import keys
from agent_git_tracker.store.db import encode, exists
from agent_git_tracker.text import json_safe, printable

FORMATS = ("table", "json", "csv")
_AGE = re.compile(r"\s*(\d+)\s*([hdw])\s*", re.IGNORECASE)
_HOURS = {"h": 1, "d": 24, "w": 24 * 7}


class PendingView:
    """The database with the events still in the spool applied, offering what the stored
    view offers (keys, counts, point reads, raw scans), so that a report after a commit keeps
    reading digests: it costs the stored report plus the pending events' own records."""

    def __init__(self, overlay: Overlay) -> None:
        self._base = overlay.base
        self._dirty = overlay.dirty
        self._overlay = overlay

    def _written(self, prefix: str) -> list[str]:
        return [key for key, _ in self._overlay.written(prefix)]

    def scan_raw(self, prefix: str) -> Iterator[tuple[str, bytes]]:
        if isinstance(self._base, RawSource):
            for key, raw in self._base.scan_raw(prefix):
                if key not in self._dirty:
                    yield key, raw
        for key in self._written(prefix):
            value = self._dirty[key]
            if value is not None:
                yield key, encode(value)

    def keys(self, prefix: str) -> Iterator[str]:
        if isinstance(self._base, KeySource):
            yield from (key for key in self._base.keys(prefix) if key not in self._dirty)
        yield from (key for key in self._written(prefix) if self._dirty[key] is not None)

    def get(self, key: str) -> Any | None:
        return self._dirty[key] if key in self._dirty else self._base.get(key)

    def count(self, prefix: str) -> int:
        stored = self._base.count(prefix) if isinstance(self._base, KeySource) else 0
        for key in self._written(prefix):
            was = self._base.get(key) is not None
            stored += (self._dirty[key] is not None) - was
        return stored


def absolute_time(text: str | None, now: datetime) -> str | None:
    """An age such as `30d`, `12h` or `4w` as an ISO time before `now`; anything else as is."""
    if text is None:
        return None
    match = _AGE.fullmatch(text)
    if not match:
        return text.strip()
    hours = int(match.group(1)) * _HOURS[match.group(2).lower()]
    return (now - timedelta(hours=hours)).isoformat(timespec="seconds")


def _project(wanted: str | None) -> str | None:
    """`--project .` or another folder names that repository; other text is matched as is."""
    if wanted is None or not os.path.isdir(wanted):
        return wanted
    from agent_git_tracker import gitmeta

    try:
        return gitmeta.locate(wanted)["project"]
    except UsageError:
        return str(Path(wanted).resolve())


def _like(path: str | None) -> Mapping[str, Any] | None:
    if path is None:
        return None
    from agent_git_tracker import gitmeta

    return gitmeta.profile(gitmeta.locate(path)["project"])


def _known_agent(state: Overlay, agent: str | None) -> None:
    """A typo in --agent would show only the baseline: refuse an agent never recorded."""
    if not agent or agent in ("human", "bot") or state.get(keys.agent(agent)) is not None:
        return
    known = sorted(value.get("id", "") for _, value in state.scan("agent:"))
    raise UsageError(
        f"no agent {agent!r} is recorded; the agents are {', '.join(known) or 'none yet'} "
        "(`agent-git-tracker agents` lists them)"
    )


def _left_nothing(report: Any, options: ReportOptions) -> str | None:
    """What to say when the filters kept no commit at all."""
    used = {"since": options.since, "until": options.until, "project": options.project}
    named = [f"--{k} {v}" for k, v in used.items() if v]
    if report.totals.commits or not named:
        return None
    return (
        f"No commits match {' '.join(named)}: the filters left nothing to report. Widen them, "
        "or leave them out to see every commit (`agent-git-tracker log` lists them)."
    )


def _no_data(config: Config) -> str:
    return (
        f"No data yet: there is no database at {config.database_path}. Install the hooks in a "
        "repository with `agent-git-tracker install`; commits are recorded when they are made "
        "and written at the next push (or `agent-git-tracker flush`)."
    )


def write_page(path: Path, page: str) -> None:
    """The page is as private as the database it shows (0600), whatever the umask."""
    from agent_git_tracker.capture.spool import write_file

    try:
        write_file(os.path.abspath(path), page, 0o600)
    except OSError as e:
        raise TrackerError(f"cannot write the HTML report to {path}: {e.strerror}") from e


def run_report(
    config: Config,
    options: ReportOptions,
    fmt: str,
    html_path: Path | None,
    stream_is_tty: bool,
    width: int,
) -> str:
    """The report in `fmt` (table, json or csv), with pending spool events included; also
    writes the HTML page to `html_path`. Colour only on a terminal and without NO_COLOR."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown report format {fmt!r}: use one of {', '.join(FORMATS)}")
    now = datetime.now(UTC)
    options = replace(
        options,
        since=absolute_time(options.since, now),
        until=absolute_time(options.until, now),
        project=_project(options.project),
    )
    like_profile = _like(options.like)
    with current(config) as (_, pending, count):
        source = PendingView(pending) if pending.dirty else pending.base
        _known_agent(pending, options.agent)
        report = build_report(source, options, like_profile)
        empty = count == 0 and not exists(config)
    instead = _no_data(config) if empty else _left_nothing(report, options)
    return rendered(report, fmt, html_path, stream_is_tty, width, instead=instead)


def rendered(
    report: Report,
    fmt: str,
    html_path: Path | None,
    stream_is_tty: bool,
    width: int,
    *,
    instead: str | None = None,
    head: str = "",
    more: dict[str, Any] | None = None,
) -> str:
    """`report` in `fmt` (table, json or csv), the HTML page written to `html_path`. The
    table is `head` and the table, or `instead` when set; `more` adds fields to the JSON.
    Colour only on a terminal and without NO_COLOR."""
    if html_path is not None:
        write_page(html_path, as_html(report))
    if fmt == "json":
        data = {**render.as_json(report), **(more or {})}
        return json_safe(json.dumps(data, indent=2, ensure_ascii=False))
    if fmt == "csv":
        return render.as_csv(report).rstrip("\n")
    if instead is not None:
        return instead
    color = stream_is_tty and not os.environ.get("NO_COLOR")
    text = head + table.as_table(report, width, color)
    if html_path is not None:
        text += f"\n\nWrote the HTML report to {printable(html_path)}; open it in a browser."
    return text
