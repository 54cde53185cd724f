"""The report as JSON or CSV (the terminal table is `table`, the HTML page `html`).

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
    timeline[]       label, weeks[] {week of the commits (Monday, UTC), graded, mean_cs_change}
    recommendation   sentence, enough_data, label, agent, model, setup,
                     like (null, or path, language, tracked_files, similar_projects[]),
                     probability_best, separated, leading[] (labels), more_commits

A row's `grades` and `agent_grades` map bad, neutral, good, excellence to counts (the user's
and the agent's own grades of the graded commits). `score` is in points, with its 90 %
interval `score_low` … `score_high`; `probability_best` is the chance that the row is the best
candidate (null for rows that are not candidates); `leading` marks rows the data cannot yet
separate from the leader. `outcomes` holds `survival_14d` and `survival_30d` as {value, low,
high, measured, pending}, `reverted_30d` and `fixed_30d` as {count, rate, low, high, measured,
pending}, and `bulk` and `unmeasured` commit counts. `usage` (null when no commit of the row was
joined to an agent's log) holds `joined` (commits joined), `tokens` (all kinds), `priced`
(commits whose cost is known), `cost` (USD), `tokens_per_commit`, `cost_per_commit` and
`cost_per_surviving_commit` (the cost of the settled commits per commit still standing after
30 days). Numbers that cannot be computed are null; floats are rounded to 3 decimals; times are
ISO 8601 in UTC. CSV has one line per row with ROW_FIELDS as columns, the grade maps spread into
`grades_bad` … `agent_grades_excellence`, the outcomes into `survival_14d_value` …
`fixed_30d_pending`, `outcomes_bulk`, `outcomes_unmeasured`, the usage into `usage_joined` …
`usage_cost_per_surviving_commit`.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from agent_git_tracker.report import model as rep
from agent_git_tracker.report import score as sc
from agent_git_tracker.report import stats
from agent_git_tracker.report.model import Report, Row
from agent_git_tracker.report.rows import WITHIN_REPOSITORIES
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
    "usage",
    "member",
)
# A row's usage (JSON `rows[].usage`, CSV `usage_…`): tokens and cost from the agents' logs.
USAGE_KEYS = (
    "joined",
    "tokens",
    "priced",
    "cost",
    "tokens_per_commit",
    "cost_per_commit",
    "cost_per_surviving_commit",
)


SHARES = ("survival_14d", "survival_30d")


RATES = ("reverted_30d", "fixed_30d")


SHARE_KEYS = ("value", "low", "high", "measured", "pending")


RATE_KEYS = ("count", "rate", "low", "high", "measured", "pending")


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


def _usage(row: Row) -> dict[str, Any] | None:
    """Tokens (all kinds, per joined commit) and USD (per priced commit, per commit that
    lasted 30 days); None where no commit of the row was joined to an agent's log."""
    usage = row.usage
    if usage is None or not usage.joined:
        return None
    return {
        "joined": usage.joined,
        "tokens": usage.total_tokens,
        "priced": usage.priced,
        "cost": _plain(usage.cost) if usage.priced else None,
        "tokens_per_commit": _plain(usage.tokens_per_commit),
        "cost_per_commit": _plain(usage.cost_per_commit),
        "cost_per_surviving_commit": _plain(usage.cost_per_surviving_commit),
    }


def row_json(row: Row) -> dict[str, Any]:
    data = {name: _plain(getattr(row, name)) for name in ROW_FIELDS}
    data["outcomes"] = _outcomes(row)
    data["usage"] = _usage(row)
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
        elif name == "usage":
            header += [f"usage_{key}" for key in USAGE_KEYS]
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
            elif name == "outcomes":
                line += _csv_outcomes(data[name])
            elif name == "usage":
                usage = data[name] or {}
                line += [_csv_value(usage.get(key)) for key in USAGE_KEYS]
            else:
                line.append(_csv_value(data[name]))
        writer.writerow(line)
    return out.getvalue()
