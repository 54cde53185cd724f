"""The team's commits summed by DuckDB, per combination of stored fields, for the report's rules.

DuckDB only counts and adds: it gathers the commits of each combination (kind, agent, model,
setup, project, confidence, member) by what is known of them (measured or not, which survival
shares are known and the sign of the 30-day one, reverted, fixed, bulk, joined, priced) and
adds up their shares, tokens and costs. Every rule is applied in Python, by the report's own
code, to those groups: `stats.Outcomes.add_known` (pending, bulk, the score),
`digest.UsageCount.add_counted` with `digest.survived_30d` (what a lasting commit cost), and
`tally.grade_slot` (the week a grade counts in), worked out once per distinct grade and day
and handed back to DuckDB as a table. tests/team/test_summing.py proves the sums equal the
personal report's, commit by commit.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from agent_git_tracker.ledger.digest import UsageCount, survived_30d
from agent_git_tracker.report.stats import Outcomes
from agent_git_tracker.report.summed import Summed
from agent_git_tracker.report.tally import grade_slot
from agent_git_tracker.store import keys

# The stored fields that choose a commit's tally (`Reader.raw_tally`).
FIELDS = "kind, agent_id, model, setup, project, confidence"
_WIDTH = 7  # with the member: the team's, split by member, else NULL

# A commit key's hash: its last part (a quoted project never holds a colon).
_HASH = "split_part(key, ':', -1)"
# Per commit: what is known of its outcome and usage (`Known`, `UsageCount.add_counted`).
_KNOWN = """coalesce(measured, FALSE) AS m, survival_14d IS NOT NULL AS s14,
    sign(survival_30d) AS s30, reverted_30d AS reverted, fixed_30d AS fixed,
    coalesce(bulk, 0) <> 0 AS is_bulk,
    usage IS NOT NULL AND usage <> '[]' AS joined,
    TRY_CAST(json_extract_string(usage, '$[6]') AS DOUBLE) AS cost"""
_TOKENS = ", ".join(
    f"sum(coalesce(TRY_CAST(json_extract_string(usage, '$[{i}]') AS BIGINT), 0))::BIGINT"
    for i in range(1, 6)
)
_SUMS = f"""SELECT {{cell}}, m, s14, s30, reverted, fixed, is_bulk, joined, cost IS NOT NULL,
    count(*), sum(survival_14d), sum(coalesce(survival_30d, survival_14d)),
    sum(coalesce(survival_30d, survival_14d) ** 2), {_TOKENS}, sum(cost),
    min(stamp) FILTER (WHERE stamp <> ''), max(stamp) FILTER (WHERE stamp <> '')
FROM (SELECT *, {_KNOWN} FROM commits WHERE {{timed}}) GROUP BY ALL"""  # noqa: S608
# Lines changed as the report keeps them: whole numbers as integers.
_SIZES = """SELECT {cell}, list(lines::BIGINT) FILTER (WHERE lines = trunc(lines)),
    list(lines) FILTER (WHERE lines <> trunc(lines)), list(files) FILTER (WHERE files IS NOT NULL)
FROM commits WHERE {timed} GROUP BY ALL"""
_DAY = "coalesce(CASE WHEN stamp <> '' THEN substr(stamp, 1, 10) END, '')"
_GRADED = f"""SELECT DISTINCT grade, {_DAY} FROM commits
    WHERE {{timed}} AND grade IS NOT NULL AND grade <> '[]'"""  # noqa: S608
_SLOTTED = f"""FROM commits JOIN slots ON commits.grade = slots.grade AND {_DAY} = slots.day
    WHERE {{timed}}"""
_KINDS = "SELECT {cell}, slot, count(*) " + _SLOTTED + " GROUP BY ALL"
_WEEKS = (
    "SELECT {cell}, week, count(*), sum(change) " + _SLOTTED + " AND week IS NOT NULL GROUP BY ALL"
)


def cell(by_member: bool) -> str:
    """The columns of a combination, with the member when rows are split by member."""
    return f"{FIELDS}, {'member' if by_member else 'NULL::VARCHAR'} AS member"


def needed(db: Any, kept: str) -> None:
    """The grades no commit record carries (`reading.Reader._retrospectives`), as the table
    `needed`: a grade is carried when a graded commit of its agent has its hash. Only the keys
    of the others are read, and the values of those left."""
    pa = __import__("pyarrow")
    agents = [row[0] for row in db.execute("SELECT DISTINCT agent_id FROM commits").fetchall()]
    quoted = [keys.quote(agent) if isinstance(agent, str) else None for agent in agents]
    db.register("quoted", pa.table({"agent_id": agents, "quoted": quoted}))
    db.execute(
        f"""CREATE TEMP TABLE wanted AS SELECT key, member FROM (
            SELECT key, member, split_part(key, ':', 2) AS quoted, {_HASH} AS hash FROM every
            WHERE {kept} AND {within("retrospective:")}
        ) ANTI JOIN (
            SELECT DISTINCT quoted, {_HASH} AS hash FROM commits JOIN quoted USING (agent_id)
            WHERE grade IS NOT NULL AND grade <> '[]'
        ) USING (quoted, hash)"""  # noqa: S608
    )
    db.unregister("quoted")
    (wanted,) = db.execute("SELECT count(*) FROM wanted").fetchone()
    db.execute(
        f"""CREATE TEMP TABLE needed AS SELECT key, value, member FROM every
        SEMI JOIN wanted USING (key, member)
        WHERE {kept} AND {within("retrospective:") if wanted else "FALSE"}
        QUALIFY row_number() OVER (PARTITION BY key, hash(value) ORDER BY member) = 1"""  # noqa: S608
    )


def within(prefix: str) -> str:
    """Keys under `prefix`, as a range the Parquet reader can check against each row group's
    smallest and largest key (prefixes end with a colon; the next character is a semicolon)."""
    return f"(key >= '{prefix}' AND key < '{prefix[:-1]};')"


# The commits that those grades and the bugs name, by hash (some name no project).
LOCATED = f"""SELECT key, {{cell}}, stamp FROM commits WHERE {_HASH} IN (
    SELECT json_extract_string(value, '$.commit') FROM needed
    UNION ALL SELECT {_HASH} FROM needed
    UNION ALL SELECT json_extract_string(value, '$.commit') FROM kept WHERE starts_with(key, 'bug:')
) ORDER BY key, member"""  # noqa: S608


def fields(db: Any, by_member: bool) -> list[tuple[Any, ...]]:
    """Each combination's stored fields, in the order of its first commit key."""
    query = f"SELECT {cell(by_member)}, min(key) AS first FROM commits GROUP BY ALL ORDER BY first"  # noqa: S608
    return [tuple(row[:_WIDTH]) for row in db.execute(query).fetchall()]


def _timed(since: str | None, until: str | None) -> tuple[str, dict[str, str]]:
    """`Reader.in_time` as a condition on the commit time key, and its parameters."""
    if since is None and until is None:
        return "TRUE", {}
    named = (("since", since), ("until", until))
    bounds = {name: value for name, value in named if value is not None}
    conditions = {"since": "stamp >= $since", "until": "stamp <= $until"}
    return " AND ".join(["stamp IS NOT NULL", *(conditions[n] for n in bounds)]), bounds


def _whole(value: float) -> float:
    return int(value) if value == int(value) else value


def _add(summed: Summed, row: tuple[Any, ...]) -> None:
    """One group of `_SUMS`: commits alike in what is known of them."""
    m, s14, s30, reverted, fixed, bulk, joined, priced, count = row[:9]
    s14_sum, survival_sum, squares, *tokens = row[9:17]
    cost, first, last = row[17:]
    known = (s14, s30 is not None, reverted, fixed, bulk) if m else None
    summed.commits += count
    summed.outcomes.add_known(known, count, s14_sum or 0.0, survival_sum or 0.0, squares or 0.0)
    fate = survived_30d([s14, s30, reverted, fixed, bulk]) if m else None
    summed.usage.add_counted(count, tokens if joined else None, cost if priced else None, fate)
    if first is not None and (summed.first is None or first < summed.first):
        summed.first = first
    if last is not None and (summed.last is None or last > summed.last):
        summed.last = last


_PLAIN = (str, int, float, bool, type(None))


def _grade_kind(text: str) -> tuple[Any, ...] | None:
    """A grade column's `digest.grade_kind`; None for text no export writes (a damaged or
    hand-made file): not counted."""
    try:
        kind = json.loads(text)
    except ValueError:
        return None
    if type(kind) is not list or len(kind) < 4 or not all(isinstance(v, _PLAIN) for v in kind):
        return None
    week, change = kind[0], kind[3]
    if not isinstance(week, str | None) or type(change) not in (int, float):
        return None
    return tuple(kind)


def _slots(db: Any, timed: str, bounds: dict[str, str]) -> list[tuple[Any, Any, float]]:
    """Each distinct grade and commit day, with where it counts (`grade_slot`), as the table
    `slots`; returns the (agent grade, user grade, CS change) of each slot number."""
    pa = __import__("pyarrow")
    kinds: dict[str, tuple[Any, ...] | None] = {}
    numbers: dict[tuple[Any, Any, float], int] = {}
    table: dict[str, list[Any]] = {"grade": [], "day": [], "week": [], "slot": [], "change": []}
    for text, day in db.execute(_GRADED.format(timed=timed), bounds).fetchall():
        if text not in kinds:
            kinds[text] = _grade_kind(text)
        kind = kinds[text]
        if not kind:
            continue
        week, counted = grade_slot(kind, day or None)
        slot = numbers.setdefault(counted, len(numbers))
        for name, value in zip(table, (text, day, week, slot, counted[2]), strict=True):
            table[name].append(value)
    types = [pa.string(), pa.string(), pa.string(), pa.int64(), pa.float64()]
    db.register("slots", pa.table(table, schema=pa.schema(list(zip(table, types, strict=True)))))
    return list(numbers)


def summed(
    db: Any, by_member: bool, since: str | None, until: str | None
) -> Iterator[tuple[tuple[Any, ...], Summed]]:
    """Each combination's commits within the time bounds, summed."""
    timed, bounds = _timed(since, until)
    columns = cell(by_member)
    out: dict[tuple[Any, ...], Summed] = {}

    def each(query: str) -> Iterator[tuple[Summed, tuple[Any, ...]]]:
        # Through Arrow: lists of numbers come out several times faster than one by one.
        table = db.sql(query.format(cell=columns, timed=timed), params=bounds).to_arrow_table()
        for row in zip(*(column.to_pylist() for column in table.columns), strict=True):
            key = tuple(row[:_WIDTH])
            found = out.get(key)
            if found is None:
                found = out[key] = Summed(outcomes=Outcomes(), usage=UsageCount())
            yield found, row[_WIDTH:]

    for found, rest in each(_SUMS):
        _add(found, rest)
    for found, (whole, parts, files) in each(_SIZES):
        found.sizes = [*(whole or ()), *(parts or ())]
        found.lines = sum(found.sizes)
        found.sized = len(found.sizes)
        found.files = list(files or ())
    slots = _slots(db, timed, bounds)
    for found, (slot, count) in each(_KINDS):
        found.kinds.append((slots[slot], count))
    for found, (week, count, change) in each(_WEEKS):
        found.weeks[week] = [count, _whole(change)]
    db.unregister("slots")
    yield from out.items()
