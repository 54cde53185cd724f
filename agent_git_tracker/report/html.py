"""The report as one self-contained HTML page: inline CSS, data and script, no network."""

from __future__ import annotations

import html
import json
import re
from importlib import resources
from typing import Any

from agent_git_tracker.report.model import Report
from agent_git_tracker.report.render import as_json
from agent_git_tracker.report.table import columns_for, footnotes, title


def _table_html(report: Report) -> str:
    headers = list(columns_for(report))
    head = "".join(f"<th>{_breakable(c.header)}</th>" for c in headers)
    body = []
    for row in report.rows:
        classes = " ".join(
            name
            for name, on in (
                ("little", row.evidence == "little"),
                ("baseline", row.kind == "human"),
                ("halted", bool(row.halted)),
                ("subject", row.kind == "agent" and row.rank is None),
                ("unseparated", row.leading),
                ("best", row.rank == 1 and row.evidence == "enough" and not row.leading),
            )
            if on
        )
        cells = "".join(
            f'<td class="text">{html.escape(c.cell(row))}</td>'  # wraps anywhere
            if c.left
            else f'<td class="num">{_breakable(c.cell(row))}</td>'
            for c in headers
        )
        body.append(f'<tr class="{classes}">{cells}</tr>')
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _breakable(text: str) -> str:
    """A cell's text, escaped, that may break after `…` and `/` (an interval, points, grades,
    headers such as SP/XP/CS),
    so that every column fits a window 1400 px wide."""
    escaped = html.escape(text)
    return escaped.replace("…", "…<wbr>").replace("/", "/<wbr>")


def _embed(data: Any) -> str:
    """JSON that cannot end the script element it sits in."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def as_html(report: Report) -> str:
    """One self-contained page: inline CSS, data and script; no external resource at all."""
    template = resources.files(__package__).joinpath("report.html").read_text("utf-8")
    every = [c.name for c in columns_for(report)]
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in footnotes(report, every))
    parts = {
        "<!--TITLE-->": html.escape(title(report)),
        "<!--RECOMMENDATION-->": html.escape(report.recommendation.sentence),
        "<!--TABLE-->": _table_html(report) if report.rows else "<p>No commits match.</p>",
        "<!--NOTES-->": notes,
        "/*DATA*/null": _embed(as_json(report)),
    }
    # One pass: text put in for one marker is never searched for the next one.
    markers = re.compile("|".join(re.escape(marker) for marker in parts))
    return markers.sub(lambda match: parts[match.group()], template)
