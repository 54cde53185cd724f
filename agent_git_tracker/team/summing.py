"""The team's commits summed per cell by DuckDB, as `Tally.add_commit` would sum them.

Counts are counts; every sum of non-whole numbers (shares, scores, costs, lines) is added in
commit key order (`sum(… ORDER BY seq)`, one addition at a time, as the report's loop adds),
so the sums are bit for bit those of the personal report: `stats.Outcomes.add_all` for the
outcome measures (each commit's score by `stats._score`'s rule and weights, the weights passed
as numbers) and `digest.UsageCount.add` for tokens and cost. tests/team/test_summing.py proves
the sums equal the per-commit ones.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from agent_git_tracker.ledger.digest import UsageCount, week_of
from agent_git_tracker.report import stats
from agent_git_tracker.report.summed import Summed

_CELL = "kind, agent_id, model, setup, project, confidence, member"

# A retrospective key's agent and commit hash (`keys.retrospective`, `keys.unquote`).
_KEY_AGENT = (
    "replace(replace(replace(split_part(key, ':', 2), '%3A', ':'), '%3a', ':'), '%25', '%')"
)
_KEY_HASH = "regexp_extract(key, '[^:]*$')"

# The grades no commit record carries (`reading.Reader._retrospectives`).
_NEEDED = f"""CREATE TEMP TABLE needed AS SELECT key, value, member FROM (
        SELECT *, {_KEY_AGENT} AS agent, {_KEY_HASH} AS hash FROM kept
        WHERE starts_with(key, 'retrospective:')) r
    ANTI JOIN (SELECT agent_id, hash FROM commits WHERE graded) c
        ON r.agent = c.agent_id AND r.hash = c.hash"""  # noqa: S608
RETROSPECTIVES = "SELECT key, value FROM needed WHERE starts_with(key, ?) ORDER BY key, member"

# The commits that those grades and the bugs name, by hash (some name no project).
LOCATED = f"""SELECT key, combination, stamp FROM commits WHERE hash IN (
    SELECT json_extract_string(value, '$.commit') FROM needed
    UNION ALL SELECT {_KEY_HASH} FROM needed
    UNION ALL SELECT json_extract_string(value, '$.commit') FROM kept WHERE starts_with(key, 'bug:')
) ORDER BY seq"""  # noqa: S608


def prepare(db: Any, by_member: bool) -> None:
    """Each commit's combination of stored fields (numbered by first commit key), hash and
    whether it carries a grade."""
    member = "member" if by_member else "NULL::VARCHAR"
    db.execute(
        f"""CREATE TEMP TABLE combinations AS
        SELECT row_number() OVER (ORDER BY first) - 1 AS combination, * FROM (
            SELECT kind, agent_id, model, setup, project, confidence, {member} AS member,
                min(seq) AS first
            FROM commits GROUP BY ALL)"""  # noqa: S608
    )
    join = " AND ".join(
        f"c.{name} IS NOT DISTINCT FROM f.{name}" for name in _CELL.split(", ")[:-1]
    )
    db.execute(
        f"""CREATE OR REPLACE TEMP TABLE commits AS
        SELECT c.*, f.combination, {_KEY_HASH.replace("key", "c.key")} AS hash,
            c.grade IS NOT NULL AND c.grade <> '[]' AS graded
        FROM commits c JOIN combinations f ON {join}
            AND {"c.member" if by_member else "NULL"} IS NOT DISTINCT FROM f.member"""  # noqa: S608
    )
    db.execute(_NEEDED)


def fields(db: Any) -> list[tuple[Any, ...]]:
    """Each combination's stored fields, in the order of its number."""
    query = f"SELECT {_CELL} FROM combinations ORDER BY combination"  # noqa: S608
    return [tuple(row) for row in db.execute(query).fetchall()]


def _cells(db: Any, cells: Sequence[int | None]) -> None:
    pa = __import__("pyarrow")
    pairs = [(n, cell) for n, cell in enumerate(cells) if cell is not None]
    table = pa.table(
        {"combination": [n for n, _ in pairs], "cell": [c for _, c in pairs]},
        schema=pa.schema([("combination", pa.int64()), ("cell", pa.int64())]),
    )
    db.register("cells", table)


def _timed(since: str | None, until: str | None) -> tuple[str, dict[str, str]]:
    """`Reader.in_time` as a condition on the commit time key, and its parameters."""
    if since is None and until is None:
        return "TRUE", {}
    named = (("since", since), ("until", until))
    bounds = {name: value for name, value in named if value is not None}
    conditions = {"since": "stamp >= $since", "until": "stamp <= $until"}
    return " AND ".join(["stamp IS NOT NULL", *(conditions[n] for n in bounds)]), bounds


# Per commit: what `Outcomes.add_all` and `UsageCount.add` look at.
_PER_COMMIT = """
    coalesce(measured, FALSE) AS m,
    coalesce(measured, FALSE) AND coalesce(bulk, 0) = 0 AS mm,
    coalesce(measured, FALSE) AND coalesce(bulk, 0) <> 0 AS is_bulk,
    reverted_30d IS NOT NULL AND fixed_30d IS NOT NULL AS decided,
    coalesce(survival_30d, survival_14d) AS survival,
    $wr * (1 - reverted_30d) + $wf * (1 - fixed_30d) AS kept_part,
    usage IS NOT NULL AND usage <> '[]' AS joined,
    TRY_CAST(json_extract_string(usage, '$[6]') AS DOUBLE) AS cost,
    CASE WHEN coalesce(measured, FALSE) AND reverted_30d IS NOT NULL
        THEN reverted_30d = 0 AND (survival_30d IS NULL OR survival_30d > 0) END AS fate"""
_SCORE = """CASE WHEN mm AND decided THEN
    CASE WHEN survival IS NULL THEN kept_part / $both ELSE $ws * survival + kept_part END
    END AS score"""
_TOKENS = [
    f"coalesce(sum(CASE WHEN joined THEN TRY_CAST(json_extract_string(usage, '$[{i}]') "
    f"AS HUGEINT) END), 0)"
    for i in range(1, 6)
]
_OUTCOMES = """
    count(*) FILTER (WHERE NOT m), count(*) FILTER (WHERE is_bulk),
    count(*) FILTER (WHERE mm AND NOT decided), count(score),
    coalesce(sum(score ORDER BY seq), 0.0), coalesce(sum(score * score ORDER BY seq), 0.0),
    count(*) FILTER (WHERE mm AND survival_14d IS NOT NULL),
    coalesce(sum(CASE WHEN mm THEN survival_14d END ORDER BY seq), 0.0),
    count(*) FILTER (WHERE mm AND survival_14d IS NULL AND NOT decided),
    count(*) FILTER (WHERE mm AND survival_30d IS NOT NULL),
    coalesce(sum(CASE WHEN mm THEN survival_30d END ORDER BY seq), 0.0),
    count(*) FILTER (WHERE mm AND survival_30d IS NULL AND NOT decided),
    count(*) FILTER (WHERE mm AND reverted_30d IS NOT NULL),
    coalesce(sum(CASE WHEN mm THEN reverted_30d END), 0),
    count(*) FILTER (WHERE mm AND reverted_30d IS NULL),
    count(*) FILTER (WHERE mm AND fixed_30d IS NOT NULL),
    coalesce(sum(CASE WHEN mm THEN fixed_30d END), 0),
    count(*) FILTER (WHERE mm AND fixed_30d IS NULL)"""
_USAGE = f"""
    count(*) FILTER (WHERE joined), {", ".join(_TOKENS)},
    count(*) FILTER (WHERE joined AND cost IS NOT NULL),
    coalesce(sum(CASE WHEN joined THEN cost END ORDER BY seq), 0.0),
    count(*) FILTER (WHERE joined AND cost IS NOT NULL AND fate IS NOT NULL),
    coalesce(sum(CASE WHEN joined AND fate IS NOT NULL THEN cost END ORDER BY seq), 0.0),
    count(*) FILTER (WHERE joined AND cost IS NOT NULL AND fate)"""
_SUMS = f"""WITH t AS (
    SELECT *, {_SCORE} FROM (
        SELECT commits.*, cells.cell, {_PER_COMMIT}
        FROM commits JOIN cells USING (combination) WHERE {{timed}}))
SELECT cell, count(*), min(stamp) FILTER (WHERE stamp <> ''),
    max(stamp) FILTER (WHERE stamp <> ''),
    coalesce(sum(lines ORDER BY seq), 0), count(lines), {_OUTCOMES}, {_USAGE}
FROM t GROUP BY cell"""  # noqa: S608
_COUNTED = """SELECT cell, {column}, {day}, count(*) FROM commits JOIN cells USING (combination)
    WHERE {timed} AND {column} IS NOT NULL GROUP BY ALL ORDER BY min(seq)"""
# A grade counts in the week of its commit (`Tally.add_grade`): grades are counted by day too.
_DAY = "CASE WHEN stamp <> '' THEN substr(stamp, 1, 10) END"


def _whole(value: float) -> float:
    return int(value) if value == int(value) else value


def _summed(row: tuple[Any, ...]) -> tuple[int, Summed]:
    """One row of `_SUMS` as the cell's `Summed` (its sizes, files and grades still to come)."""
    cell, commits, first, last, lines, sized = row[:6]
    usage = UsageCount()
    usage.commits = commits
    usage.joined, *tokens = row[24:30]
    usage.tokens = [int(count) for count in tokens]
    usage.priced, usage.cost, usage.settled, usage.settled_cost, usage.surviving = row[30:]
    outcomes = stats.Outcomes(commits, *row[6:24])
    return cell, Summed(commits, first, last, _whole(lines), sized, outcomes=outcomes, usage=usage)


def _counted(column: str, value: Any, day: str | None, grades: dict[str, Any]) -> Any:
    """A value of `column` as the report's loop sees it (`grades`: the grades decoded so far,
    by their text; a grade counts in the week of its commit's `day`); None: not counted."""
    if column == "grade":
        if value not in grades:
            grades[value] = tuple(json.loads(value) or ()) or None
        kind = grades[value]
        return (week_of(day), *kind[1:]) if kind and day else kind
    return _whole(value) if column == "lines" else value


def summed(
    db: Any, cells: Sequence[int | None], since: str | None, until: str | None
) -> Iterator[tuple[int, Summed]]:
    """Each cell's commits within the time bounds, summed."""
    _cells(db, cells)
    timed, bounds = _timed(since, until)
    weights = {
        "ws": stats.WEIGHT_SURVIVAL,
        "wr": stats.WEIGHT_NOT_REVERTED,
        "wf": stats.WEIGHT_NOT_FIXED,
        "both": stats.WEIGHT_NOT_REVERTED + stats.WEIGHT_NOT_FIXED,
    }
    rows = db.execute(_SUMS.format(timed=timed), {**weights, **bounds}).fetchall()
    out = dict(_summed(row) for row in rows)
    grades: dict[str, Any] = {}
    for column, target in (("lines", "sizes"), ("files", "files"), ("grade", "grades")):
        day = _DAY if column == "grade" else "NULL"
        query = _COUNTED.format(column=column, day=day, timed=timed)
        for cell, value, on, count in db.execute(query, bounds).fetchall():
            counted = _counted(column, value, on, grades)
            if counted is not None:
                getattr(out[cell], target).append((counted, count))
    db.unregister("cells")
    yield from out.items()
