"""One exported record as the columns of a team's files, and a commit's facts back from them.

A Parquet export holds, for every record, its `key` and its `value` (the record as JSON text,
as the JSON Lines export writes it), and for a commit the few facts the report needs (the
team report reads only these of a commit, never its text), as
`digest.of` computes them: the same function the personal report's digests come from, so the
two reports count the same facts. Columns are only ever added: DuckDB reads files of several
versions together by name (`union_by_name`), missing columns being null.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
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
