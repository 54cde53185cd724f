"""The report as a table for a terminal: the columns that fit its width, most important first."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from agent_git_tracker.report import model as rep
from agent_git_tracker.report.model import Report, Row
from agent_git_tracker.report.recommend import signed
from agent_git_tracker.report.render import SHARES
from agent_git_tracker.report.rows import WITHIN_REPOSITORIES
from agent_git_tracker.text import printable

NO_VALUE = "–"


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


def _tokens(value: float | None) -> str:
    if value is None:
        return NO_VALUE
    return f"{value / 1000:.0f}k" if value >= 10_000 else f"{value:.0f}"


def _usd(value: float | None) -> str:
    return NO_VALUE if value is None else f"{value:.2f}"


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
        "score = points against the average commit of the same repositories",
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
    _Column(
        "tokens",
        "tok/c",
        lambda r: _tokens(r.usage.tokens_per_commit if r.usage else None),
        "tok/c = tokens per commit joined to an agent's log",
    ),
    _Column(
        "cost",
        "$/c",
        lambda r: _usd(r.usage.cost_per_commit if r.usage else None),
        "$/c = USD per commit, from the agents' logs and a price table",
    ),
    _Column(
        "cost_lasting",
        "$/kept",
        lambda r: _usd(r.usage.cost_per_surviving_commit if r.usage else None),
        "$/kept = USD per commit still standing after 30 days",
    ),
    _Column("tools", "tools/c", lambda r: _num(r.tool_uses_per_commit, ".1f"), "/c = per commit"),
    _Column("commands", "cmds/c", lambda r: _num(r.commands_per_commit, ".1f")),
    _Column("projects", "proj", lambda r: str(r.projects)),
    _Column(
        "state",
        "SP/XP/CS",
        _state,
        "SP/XP/CS = the agent's skill points, experience points and communication score now",
    ),
    _Column("first", "first", lambda r: (r.first_seen or NO_VALUE)[:10]),
    _Column("last", "last", lambda r: (r.last_seen or NO_VALUE)[:10]),
)


_USAGE = frozenset(("tokens", "cost", "cost_lasting"))


def columns_for(report: Report) -> tuple[_Column, ...]:
    """The columns a report shows: tokens and cost only when some row has them."""
    used = any(row.usage is not None and row.usage.joined for row in report.rows)
    return COLUMNS if used else tuple(c for c in COLUMNS if c.name not in _USAGE)


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
    "cost",
    "cost_lasting",
    "tokens",
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


def _fit_label(label: str, model: str | None, width: int) -> str:
    """Shorten a setup's label around its model, which stays whole whenever it fits: the agent
    and the setup beside it give up letters instead, the longer first, then the spaces around
    the slashes; in the narrowest room, the model alone."""
    parts = label.split(" / ")
    if len(label) <= width or not model or model not in parts:
        return _fit(label, width)
    keep = parts.index(model)
    for separator in (" / ", "/"):
        sizes = [len(p) for p in parts]
        over = sum(sizes) + len(separator) * (len(parts) - 1) - width
        while over > 0:
            others = [k for k in range(len(parts)) if k != keep and sizes[k] > 1]
            if not others:
                break
            sizes[max(others, key=lambda k: sizes[k])] -= 1
            over -= 1
        if over <= 0:
            return separator.join(_cut_end(p, n) for p, n in zip(parts, sizes, strict=True))
    return _fit(model, width)


def _cut_end(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _choose(
    cells: dict[str, list[str]], width: int, columns: Sequence[_Column]
) -> tuple[list[str], int]:
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
        if name in cells and total([*chosen, name]) <= width:
            chosen.append(name)
    return [c.name for c in columns if c.name in chosen], size["label"]


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
    shown_columns = columns_for(report)
    columns = {c.name: c for c in shown_columns}
    headers = {c.name: c.header for c in shown_columns}
    headers["label"] = _HEADERS.get(report.options.by, "setup")
    cells = {
        name: [headers[name]] + [printable(c.cell(r)) for r in report.rows]
        for name, c in columns.items()
    }
    models = [printable(r.model) if r.model else None for r in report.rows]
    shown, label_width = _choose(cells, width, shown_columns)
    widths = {n: label_width if n == "label" else max(map(len, cells[n])) for n in shown}

    def line(values: dict[str, str], model: str | None = None) -> str:
        parts = []
        for name in shown:
            if name == "label":
                text = _fit_label(values[name], model, widths[name])
            else:
                text = _fit(values[name], widths[name])
            parts.append(
                text.ljust(widths[name]) if columns[name].left else text.rjust(widths[name])
            )
        return (" " * _GAP).join(parts).rstrip()

    out = [_paint(line(headers), "bold", color)]
    for index, row in enumerate(report.rows):
        values = {name: cells[name][index + 1] for name in shown}
        out.append(_paint(line(values, models[index]), _row_style(row), color))
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
    hidden = [c.header for c in columns_for(report) if c.name not in shown]
    if hidden:
        notes.append(
            f"not shown at this width: {', '.join(hidden)} (a wider terminal, --json or --csv "
            "show them)"
        )
    return [
        w for note in notes for w in textwrap.wrap(printable(note), width, subsequent_indent="  ")
    ]
