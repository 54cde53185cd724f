"""The report as a terminal table, JSON, CSV or one self-contained HTML page.

JSON schema (`schema_version` 1; keys are only ever added, never renamed or removed)::

    schema_version   1
    options          by, project, agent, since, until, min_commits, like, include_medium
    scoring          formula, evidence, min_commits, min_graded, prior_graded, prior_change,
                     bug_cost, and since outcomes: min_measured, weights {survival,
                     not_reverted, not_fixed, user_grade, agent_grade, bug}, prior_commits,
                     interval (0.9), separation (0.9), compared ("within repositories" or
                     "across repositories") (the constants of the score, see `report`)
    totals           commits, agent_commits, human_commits, bot_commits, graded, measured,
                     pending, bugs, projects, first_seen, last_seen
    rows[]           ROW_FIELDS below, ranked: rows with enough evidence, then rows with
                     little, then rows attributed from subjects alone (rank null unless
                     `include_medium`), then the human baseline (rank null)
    timeline[]       label, weeks[] {week (Monday, UTC), graded, mean_cs_change}
    recommendation   sentence, enough_data, label, agent, model, setup,
                     like (null, or path, language, tracked_files, similar_projects[]),
                     probability_best, separated, leading[] (labels), more_commits

A row's `grades` and `agent_grades` map bad, neutral, good, excellence to counts (the user's
and the agent's own grades of the graded commits). `score` is in points, with its 90 %
interval `score_low` … `score_high`; `probability_best` is the chance that the row is the best
candidate (null for rows that are not candidates); `leading` marks rows the data cannot yet
separate from the leader. `outcomes` holds `survival_14d` and `survival_30d` as {value, low,
high, measured, pending}, `reverted_30d` and `fixed_30d` as {count, rate, low, high, measured,
pending}, and `bulk` and `unmeasured` commit counts. Numbers that cannot be computed are null;
floats are rounded to 3 decimals; times are ISO 8601 in UTC. CSV has one line per row with
ROW_FIELDS as columns, the grade maps spread into `grades_bad` … `agent_grades_excellence`, the
outcomes into `survival_14d_value` … `fixed_30d_pending`, `outcomes_bulk`, `outcomes_unmeasured`.
"""

from __future__ import annotations

import csv
import io
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from agent_git_tracker.report import model as rep
from agent_git_tracker.report import score as sc
from agent_git_tracker.report import stats
from agent_git_tracker.report.model import Report, Row
from agent_git_tracker.report.recommend import signed
from agent_git_tracker.report.rows import WITHIN_REPOSITORIES

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
    "confidence",
    "score_low",
    "score_high",
    "probability_best",
    "leading",
    "measured",
    "pending",
    "median_lines",
    "median_files",
    "outcomes",
)


SHARES = ("survival_14d", "survival_30d")


RATES = ("reverted_30d", "fixed_30d")


SHARE_KEYS = ("value", "low", "high", "measured", "pending")


RATE_KEYS = ("count", "rate", "low", "high", "measured", "pending")


NO_VALUE = "–"


def _plain(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, dict):
        return dict(value)
    return value


def _outcomes(row: Row) -> dict[str, Any] | None:
    measured = row.outcomes
    if measured is None:
        return None
    data: dict[str, Any] = {}
    for name, names in [(n, SHARE_KEYS) for n in SHARES] + [(n, RATE_KEYS) for n in RATES]:
        measure = getattr(measured, name)
        data[name] = {key: _plain(getattr(measure, key)) for key in names}
    data["bulk"], data["unmeasured"] = measured.bulk, measured.unmeasured
    return data


def row_json(row: Row) -> dict[str, Any]:
    data = {name: _plain(getattr(row, name)) for name in ROW_FIELDS}
    data["outcomes"] = _outcomes(row)
    return data


def _scoring(by: str) -> dict[str, Any]:
    return {
        "formula": rep.SCORE_FORMULA,
        "evidence": rep.EVIDENCE_RULE,
        "min_commits": rep.MIN_COMMITS,
        "min_graded": rep.MIN_GRADED,
        "prior_graded": rep.PRIOR_GRADED,
        "prior_change": rep.PRIOR_CHANGE,
        "bug_cost": rep.BUG_COST,
        "min_measured": rep.MIN_MEASURED,
        "weights": {
            "survival": stats.WEIGHT_SURVIVAL,
            "not_reverted": stats.WEIGHT_NOT_REVERTED,
            "not_fixed": stats.WEIGHT_NOT_FIXED,
            "user_grade": sc.WEIGHT_USER_GRADE,
            "agent_grade": sc.WEIGHT_AGENT_GRADE,
            "bug": sc.WEIGHT_BUG,
        },
        "prior_commits": sc.PRIOR_COMMITS,
        "interval": stats.INTERVAL,
        "separation": sc.SEPARATION,
        "compared": f"{'within' if by in WITHIN_REPOSITORIES else 'across'} repositories",
    }


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
            "include_medium": options.include_medium,
        },
        "scoring": _scoring(options.by),
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
            "probability_best": _plain(recommendation.probability_best),
            "separated": recommendation.separated,
            "leading": list(recommendation.leading),
            "more_commits": recommendation.more_commits,
        },
    }


def csv_header() -> list[str]:
    header: list[str] = []
    for name in ROW_FIELDS:
        if name in ("grades", "agent_grades"):
            header += [f"{name}_{grade}" for grade in rep.GRADES]
        elif name == "outcomes":
            header += [f"{n}_{k}" for n in SHARES for k in SHARE_KEYS]
            header += [f"{n}_{k}" for n in RATES for k in RATE_KEYS]
            header += ["outcomes_bulk", "outcomes_unmeasured"]
        else:
            header.append(name)
    return header


def _csv_outcomes(data: dict[str, Any] | None) -> list[Any]:
    size = len(SHARES) * len(SHARE_KEYS) + len(RATES) * len(RATE_KEYS) + 2
    if data is None:
        return [""] * size
    cells = [data[n][k] for n in SHARES for k in SHARE_KEYS]
    cells += [data[n][k] for n in RATES for k in RATE_KEYS]
    return [_csv_value(v) for v in [*cells, data["bulk"], data["unmeasured"]]]


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
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
            elif name == "outcomes":
                line += _csv_outcomes(data[name])
            else:
                line.append(_csv_value(data[name]))
        writer.writerow(line)
    return out.getvalue()


def _num(value: float | None, fmt: str) -> str:
    return NO_VALUE if value is None else format(value, fmt)


def _rank(row: Row) -> str:
    if row.kind == "human":
        return "base"
    if row.rank is None:
        return "sub"
    mark = "?" if row.evidence == "little" else "≈" if row.leading else ""
    return f"{row.rank}{mark}"


def _interval(row: Row) -> str:
    if row.score_low is None or row.score_high is None:
        return NO_VALUE
    return f"{signed(row.score_low)}…{signed(row.score_high)}"


def _share(value: float | None) -> str:
    return NO_VALUE if value is None else f"{value:.0%}"


def _measure(row: Row, name: str) -> str:
    measured = row.outcomes
    if measured is None:
        return NO_VALUE
    measure = getattr(measured, name)
    return _share(measure.value if name in SHARES else measure.rate)


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
    _Column(
        "score",
        "score",
        lambda r: signed(r.score),
        "score = points against the commits of the same repositories (0: their level)",
    ),
    _Column("interval", "90% interval", _interval),
    _Column("measured", "measured", lambda r: str(r.measured), "measured = commits scored"),
    _Column("pending", "pending", lambda r: str(r.pending), "pending = too young yet"),
    _Column("lines", "lines", lambda r: _num(r.median_lines, ".0f")),
    _Column("files", "files", lambda r: _num(r.median_files, ".0f"), "lines, files = median"),
    _Column(
        "best",
        "P(best)",
        lambda r: _num(r.probability_best, ".2f"),
        "P(best) = probability of being the best usable setup",
    ),
    _Column(
        "kept30",
        "kept30",
        lambda r: _measure(r, "survival_30d"),
        "kept14/kept30 = added lines still there after 14/30 days",
    ),
    _Column("reverted", "reverted", lambda r: _measure(r, "reverted_30d")),
    _Column(
        "fixed",
        "fixed",
        lambda r: _measure(r, "fixed_30d"),
        "reverted, fixed = share of measured commits reverted, fixed within 30 days",
    ),
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
    _Column("kept14", "kept14", lambda r: _measure(r, "survival_14d")),
    _Column("tools", "tools/c", lambda r: _num(r.tool_uses_per_commit, ".1f"), "/c = per commit"),
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
    "interval",
    "measured",
    "pending",
    "lines",
    "files",
    "best",
    "kept30",
    "reverted",
    "fixed",
    "commits",
    "graded",
    "cs",
    "bug_rate",
    "grades",
    "kept14",
    "bugs",
    "tools",
    "commands",
    "projects",
    "state",
    "last",
    "first",
)


_ESSENTIAL = 8  # rank … files: never left out


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
    if row.evidence == "little" or (row.rank is None and row.kind == "agent"):
        return "dim"
    if row.rank == 1 and not row.leading and row.probability_best is not None:
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
    lines = [_paint(line, "bold", color) for line in textwrap.wrap(title(report), width)]
    lines.append("")
    if report.rows:
        lines += _table_lines(report, width, color)
    else:
        lines.append("No commits match.")
    lines += ["", *textwrap.wrap("Recommendation: " + report.recommendation.sentence, width)]
    return "\n".join(lines)


def _table_lines(report: Report, width: int, color: bool) -> list[str]:
    columns = {c.name: c for c in COLUMNS}
    headers = {c.name: c.header for c in COLUMNS}
    headers["label"] = _HEADERS.get(report.options.by, "setup")
    cells = {
        name: [headers[name]] + [c.cell(r) for r in report.rows] for name, c in columns.items()
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
            f"? little evidence: fewer than {rep.MIN_COMMITS} commits, or fewer than "
            f"{rep.MIN_MEASURED} measured and {rep.MIN_GRADED} graded; ranked after the rest"
        )
    if any(r.leading for r in report.rows):
        notes.append("≈ the data cannot yet separate these rows: see the recommendation")
    if any(r.confidence == "medium" for r in report.rows):
        ranked = "ranked" if report.options.include_medium else "sub: not ranked (--include-medium)"
        notes.append(f"(subject only): attributed from the commit subject alone; {ranked}")
    compared = "within" if report.options.by in WITHIN_REPOSITORIES else "across"
    notes.append(f"{rep.SCORE_FORMULA}; compared {compared} repositories; 90% intervals")
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
    return [w for note in notes for w in textwrap.wrap(note, width, subsequent_indent="  ")]
