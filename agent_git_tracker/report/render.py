"""The report as a terminal table, JSON, CSV or one self-contained HTML page.

JSON schema (`schema_version` 1; keys are only ever added, never renamed or removed)::

    schema_version   1
    options          by, project, agent, since, until, min_commits, like (as given)
    scoring          formula, evidence, min_commits, min_graded, prior_graded, prior_change,
                     bug_cost (the constants of the score, see `report`)
    totals           commits, agent_commits, human_commits, bot_commits, graded, bugs,
                     projects, first_seen, last_seen
    rows[]           ROW_FIELDS below, ranked: rows with enough evidence, then rows with
                     little, then the human baseline (rank null)
    timeline[]       label, weeks[] {week (Monday, UTC), graded, mean_cs_change}
    recommendation   sentence, enough_data, label, agent, model, setup,
                     like (null, or path, language, tracked_files, similar_projects[])

A row's `grades` and `agent_grades` map bad, neutral, good, excellence to counts (the user's
and the agent's own grades of the graded commits). Numbers that cannot be computed are null;
floats are rounded to 3 decimals; times are ISO 8601 in UTC. CSV has one line per row with
ROW_FIELDS as columns, the grade maps spread into `grades_bad` … `agent_grades_excellence`.
"""

from __future__ import annotations

import csv
import io
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from agent_git_tracker.report import model as rep
from agent_git_tracker.report.model import Report, Row
from agent_git_tracker.text import printable

SCHEMA_VERSION = 1


ROW_FIELDS = (
    "rank",
    "evidence",
    "kind",
    "label",
    "agent",
    "model",
    "setup",
    "project",
    "language",
    "projects",
    "commits",
    "graded",
    "mean_cs_change",
    "grades",
    "agent_grades",
    "bugs",
    "bugs_per_100_commits",
    "lines_per_commit",
    "tool_uses",
    "commands",
    "tool_uses_per_commit",
    "commands_per_commit",
    "skill_points",
    "experience_points",
    "communication_score",
    "halted",
    "first_seen",
    "last_seen",
    "score",
)


NO_VALUE = "–"


def _plain(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, dict):
        return dict(value)
    return value


def row_json(row: Row) -> dict[str, Any]:
    return {name: _plain(getattr(row, name)) for name in ROW_FIELDS}


def as_json(report: Report) -> dict[str, Any]:
    """The report as plain data, in the documented schema."""
    options = report.options
    recommendation = report.recommendation
    chosen, like = recommendation.row, recommendation.like
    return {
        "schema_version": SCHEMA_VERSION,
        "options": {
            "by": options.by,
            "project": options.project,
            "agent": options.agent,
            "since": options.since,
            "until": options.until,
            "min_commits": options.min_commits,
            "like": options.like,
        },
        "scoring": {
            "formula": rep.SCORE_FORMULA,
            "evidence": rep.EVIDENCE_RULE,
            "min_commits": rep.MIN_COMMITS,
            "min_graded": rep.MIN_GRADED,
            "prior_graded": rep.PRIOR_GRADED,
            "prior_change": rep.PRIOR_CHANGE,
            "bug_cost": rep.BUG_COST,
        },
        "totals": dict(vars(report.totals)),
        "rows": [row_json(row) for row in report.rows],
        "timeline": [
            {
                "label": series.label,
                "weeks": [
                    {"week": p.week, "graded": p.graded, "mean_cs_change": _plain(p.mean_cs_change)}
                    for p in series.points
                ],
            }
            for series in report.timeline
        ],
        "recommendation": {
            "sentence": recommendation.sentence,
            "enough_data": chosen is not None,
            "label": chosen.label if chosen else None,
            "agent": chosen.agent if chosen else None,
            "model": chosen.model if chosen else None,
            "setup": chosen.setup if chosen else None,
            "like": None
            if like is None
            else {
                "path": like.path,
                "language": like.language,
                "tracked_files": like.tracked_files,
                "similar_projects": list(like.similar_projects),
            },
        },
    }


def csv_header() -> list[str]:
    header: list[str] = []
    for name in ROW_FIELDS:
        if name in ("grades", "agent_grades"):
            header += [f"{name}_{grade}" for grade in rep.GRADES]
        else:
            header.append(name)
    return header


# A spreadsheet runs a cell that starts with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = printable(value)
        return f"'{text}" if text.startswith(_FORMULA_START) else text
    return value


def as_csv(report: Report) -> str:
    """One line per row, with a header line."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(csv_header())
    for row in report.rows:
        data = row_json(row)
        line: list[Any] = []
        for name in ROW_FIELDS:
            if name in ("grades", "agent_grades"):
                line += [data[name][grade] for grade in rep.GRADES]
            else:
                line.append(_csv_value(data[name]))
        writer.writerow(line)
    return out.getvalue()


def _num(value: float | None, fmt: str) -> str:
    return NO_VALUE if value is None else format(value, fmt)


def _rank(row: Row) -> str:
    if row.rank is None:
        return "base"
    return f"{row.rank}?" if row.evidence == "little" else str(row.rank)


def _state(row: Row) -> str:
    if row.skill_points is None:
        return NO_VALUE
    values = (row.skill_points, row.experience_points, row.communication_score)
    text = "/".join(NO_VALUE if v is None else format(v, "g") for v in values)
    return f"{text} HALTED" if row.halted else text


def _grades(row: Row) -> str:
    if row.kind != "agent":
        return NO_VALUE
    return "/".join(str(row.grades[g]) for g in rep.GRADES)


@dataclass(frozen=True)
class _Column:
    name: str
    header: str
    cell: Callable[[Row], str]
    note: str = ""
    left: bool = False


COLUMNS = (
    _Column("rank", "#", _rank),
    _Column("label", "setup", lambda r: r.label, left=True),
    _Column("score", "score", lambda r: _num(r.score, ".1f")),
    _Column("commits", "commits", lambda r: str(r.commits)),
    _Column("graded", "graded", lambda r: str(r.graded)),
    _Column(
        "cs",
        "ΔCS",
        lambda r: _num(r.mean_cs_change, "+.1f"),
        "ΔCS = mean CS change per graded commit",
    ),
    _Column("grades", "grades", _grades, "grades = your grades bad/neutral/good/excellence"),
    _Column("bugs", "bugs", lambda r: str(r.bugs) if r.kind == "agent" else NO_VALUE),
    _Column("bug_rate", "bugs/100", lambda r: _num(r.bugs_per_100_commits, ".1f")),
    _Column("lines", "lines/c", lambda r: _num(r.lines_per_commit, ".0f"), "/c = per commit"),
    _Column("tools", "tools/c", lambda r: _num(r.tool_uses_per_commit, ".1f")),
    _Column("commands", "cmds/c", lambda r: _num(r.commands_per_commit, ".1f")),
    _Column("projects", "proj", lambda r: str(r.projects)),
    _Column("state", "SP/XP/CS", _state, "SP/XP/CS = the agent's points now"),
    _Column("first", "first", lambda r: (r.first_seen or NO_VALUE)[:10]),
    _Column("last", "last", lambda r: (r.last_seen or NO_VALUE)[:10]),
)


# Which columns stay when the terminal is narrow, most important first.
_PRIORITY = (
    "rank",
    "label",
    "score",
    "commits",
    "graded",
    "cs",
    "bug_rate",
    "grades",
    "bugs",
    "lines",
    "tools",
    "commands",
    "projects",
    "state",
    "last",
    "first",
)


_ESSENTIAL = 8  # rank … grades: never left out


_GAP = 2


_MIN_LABEL = 16


_MAX_LABEL = 48


_HEADERS = {"project": "project", "language": "language", "agent": "agent", "model": "model"}


_STYLE = {"bold": "1", "dim": "2", "green": "32", "red": "31"}


def _paint(text: str, style: str | None, color: bool) -> str:
    if not color or not style:
        return text
    return f"\x1b[{_STYLE[style]}m{text}\x1b[0m"


def _fit(text: str, width: int) -> str:
    """Shorten from the middle, where labels and paths say least."""
    if len(text) <= width:
        return text
    head = (width - 1) // 2
    return text[:head] + "…" + text[len(text) - (width - 1 - head) :]


def _choose(cells: dict[str, list[str]], width: int) -> tuple[list[str], int]:
    """The columns that fit in `width` and the label's width: the essential columns always,
    the label as long as it can be (shortened only for them), then the rest by priority."""
    size = {name: max(len(v) for v in values) for name, values in cells.items()}
    longest = size["label"]
    size["label"] = min(longest, _MAX_LABEL)

    def total(names: list[str]) -> int:
        return sum(size[n] for n in names) + _GAP * (len(names) - 1)

    chosen = list(_PRIORITY[:_ESSENTIAL])
    over = total(chosen) - width
    if over > 0:
        size["label"] = max(min(longest, _MIN_LABEL), size["label"] - over)
    for name in _PRIORITY[_ESSENTIAL:]:
        if total([*chosen, name]) <= width:
            chosen.append(name)
    return [c.name for c in COLUMNS if c.name in chosen], size["label"]


def _row_style(row: Row) -> str | None:
    if row.halted:
        return "red"
    if row.evidence == "little":
        return "dim"
    if row.rank == 1:
        return "green"
    return None


def title(report: Report) -> str:
    totals, options = report.totals, report.options
    span = (
        f", {totals.first_seen[:10]} … {totals.last_seen[:10]}"
        if totals.first_seen and totals.last_seen
        else ""
    )
    filters = [
        f"{name} {value}"
        for name, value in (
            ("project", options.project),
            ("agent", options.agent),
            ("since", options.since),
            ("until", options.until),
            ("min commits", options.min_commits or None),
        )
        if value
    ]
    where = f" ({'; '.join(filters)})" if filters else ""
    return (
        f"Agent setups ranked, by {options.by}: {totals.commits:,} commits in "
        f"{totals.projects} project{'' if totals.projects == 1 else 's'}{span}{where}"
    )


def as_table(report: Report, width: int, color: bool) -> str:
    """A table for a terminal `width` columns wide; ANSI colour only when `color`."""
    width = max(width, 40)
    lines = [_paint(line, "bold", color) for line in textwrap.wrap(printable(title(report)), width)]
    lines.append("")
    if report.rows:
        lines += _table_lines(report, width, color)
    else:
        lines.append("No commits match.")
    sentence = printable(report.recommendation.sentence)
    lines += ["", *textwrap.wrap("Recommendation: " + sentence, width)]
    return "\n".join(lines)


def _table_lines(report: Report, width: int, color: bool) -> list[str]:
    columns = {c.name: c for c in COLUMNS}
    headers = {c.name: c.header for c in COLUMNS}
    headers["label"] = _HEADERS.get(report.options.by, "setup")
    cells = {
        name: [headers[name]] + [printable(c.cell(r)) for r in report.rows]
        for name, c in columns.items()
    }
    shown, label_width = _choose(cells, width)
    widths = {n: label_width if n == "label" else max(map(len, cells[n])) for n in shown}

    def line(values: dict[str, str]) -> str:
        parts = []
        for name in shown:
            text = _fit(values[name], widths[name])
            parts.append(
                text.ljust(widths[name]) if columns[name].left else text.rjust(widths[name])
            )
        return (" " * _GAP).join(parts).rstrip()

    out = [_paint(line(headers), "bold", color)]
    for index, row in enumerate(report.rows):
        values = {name: cells[name][index + 1] for name in shown}
        out.append(_paint(line(values), _row_style(row), color))
    return [*out, "", *_footer(report, shown, width)]


def footnotes(report: Report, shown: Sequence[str]) -> list[str]:
    """What the reader needs to read the table: column meanings, the rules, what is left out."""
    meanings = [c.note for c in COLUMNS if c.note and c.name in shown]
    notes = ["; ".join(meanings)] if meanings else []
    if any(r.evidence == "little" for r in report.rows):
        notes.append(
            f"? little evidence: fewer than {rep.MIN_COMMITS} commits or {rep.MIN_GRADED} "
            "graded; ranked after the rest"
        )
    notes.append(rep.SCORE_FORMULA)
    if report.totals.bot_commits:
        bots = report.totals.bot_commits
        notes.append(
            f"left out: {bots:,} bot commit{'' if bots == 1 else 's'} "
            "(neither an agent's nor the human baseline)"
        )
    return notes


def _footer(report: Report, shown: Sequence[str], width: int) -> list[str]:
    notes = footnotes(report, shown)
    hidden = [c.header for c in COLUMNS if c.name not in shown]
    if hidden:
        notes.append(
            f"not shown at this width: {', '.join(hidden)} (a wider terminal, --json or --csv "
            "show them)"
        )
    return [
        w for note in notes for w in textwrap.wrap(printable(note), width, subsequent_indent="  ")
    ]
