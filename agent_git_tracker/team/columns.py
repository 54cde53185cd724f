"""One exported record as the columns of a team's files, and a commit's facts back from them.

A Parquet export holds, for every record, its `key` and its `value` (the record as JSON text,
as the JSON Lines export writes it), and for a commit the few facts the report needs, as
`digest.of` computes them: the same function the personal report's digests come from, so the
two reports count the same facts. Columns are only ever added: DuckDB reads files of several
versions together by name (`union_by_name`), missing columns being null.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from agent_git_tracker.ledger import digest
from agent_git_tracker.store import keys

# Column → type, as DuckDB names it; pyarrow's are in `exporting`.
COLUMNS: dict[str, str] = {
    "key": "VARCHAR",
    "value": "VARCHAR",
    "kind": "VARCHAR",
    "agent_id": "VARCHAR",
    "model": "VARCHAR",
    "setup": "VARCHAR",
    "project": "VARCHAR",
    "confidence": "VARCHAR",
    "stamp": "VARCHAR",  # commit time as a UTC key (`times.utc_key`)
    "lines": "DOUBLE",
    "files": "BIGINT",
    "grade": "VARCHAR",  # `digest.grade_kind` as JSON text
    "measured": "BOOLEAN",  # outcome measures below (False: never measured)
    "survival_14d": "DOUBLE",
    "survival_30d": "DOUBLE",
    "reverted_30d": "BIGINT",
    "fixed_30d": "BIGINT",
    "bulk": "BIGINT",
    "usage": "VARCHAR",  # `digest.usage_kind` as JSON text; null: not searched yet
}
OUTCOME_COLUMNS = ("survival_14d", "survival_30d", "reverted_30d", "fixed_30d", "bulk")


def _text(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def _number(value: Any) -> float | None:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    return float(value) if ok else None


def _whole(value: Any) -> int | None:
    return value if type(value) is int else None


def row(key: str, value: Mapping[str, Any], text: str) -> dict[str, Any]:
    """The columns of one record (`text`: its value as JSON); commit facts only for commits."""
    out: dict[str, Any] = {"key": key, "value": text}
    if not key.startswith("commit:"):
        return out
    fact = digest.of(value)
    outcome = fact[8] if isinstance(fact[8], list) else None
    out.update(
        kind=fact[0],
        agent_id=fact[1],
        model=fact[2],
        setup=fact[3],
        project=value.get("project_path") or keys.parts(key)[1],
        confidence=fact[9],
        stamp=fact[4],
        lines=_number(fact[5]),
        files=_whole(fact[7]),
        grade=_text(fact[6]),
        measured=outcome is not None,
        usage=_text(fact[10]),
    )
    for name, measure in zip(OUTCOME_COLUMNS, outcome or [None] * 5, strict=True):
        out[name] = _number(measure) if name.startswith("survival") else _whole(measure)
    return out


def decoder() -> Callable[[str], Any]:
    """JSON text to a value, remembering the texts that repeat (grades repeat a lot)."""
    memo: dict[str, Any] = {}

    def decode(text: str) -> Any:
        found = memo.get(text)
        if found is None:
            found = memo[text] = json.loads(text)
        return found

    return decode


# The columns `facts` reads, in order.
FACT_COLUMNS = (
    "key", "kind", "agent_id", "model", "setup", "project", "confidence", "member", "stamp",
    "lines", "grade", "files", "measured", *OUTCOME_COLUMNS, "usage",
)  # fmt: skip


def facts(columns: list[list[Any]]) -> list[tuple[Any, ...]]:
    """`reading.Facts` from the columns of `FACT_COLUMNS`, one list each: (key, (kind, agent,
    model, setup, project, confidence, member), time, lines, grade, files, outcome, usage)."""
    decode = decoder()
    out = []
    for (
        key, kind, agent, model, setup, project, confidence, member, stamp, lines, grade,
        files, measured, s14, s30, reverted, fixed, bulk, usage,
    ) in zip(*columns, strict=True):  # fmt: skip
        outcome = [s14, s30, reverted, fixed, bulk] if measured else None
        cell = (kind, agent, model, setup, project, confidence, member)
        out.append(
            (
                key,
                cell,
                stamp,
                lines if lines is None or lines != int(lines) else int(lines),
                decode(grade) if grade is not None else None,
                files,
                outcome,
                decode(usage) if usage is not None else None,
            )
        )
    return out
