"""A team's exports read by DuckDB, as a source the report reads (`reading.FactSource`).

DuckDB reads every file in place: Parquet and JSON Lines, from folders, globs, `s3://` or
`https://` URLs, files of several versions together (`union_by_name`, missing columns null),
members from the `member=<id>` folders (Hive partitioning). Of each member only the latest
export counts (the newest `export-<time>` file), and a record exported identically by two
members (one imported the other's history) counts once. The commits' facts are read from the
columns (`columns`); for JSON Lines they are computed as the Parquet export computes them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from agent_git_tracker.errors import TrackerError
from agent_git_tracker.team import columns
from agent_git_tracker.team.extra import needed
from agent_git_tracker.team.files import Found
from agent_git_tracker.text import printable

_FILES = "union_by_name=true, hive_partitioning=true, hive_types_autocast=false, filename=true"
_PARQUET = "read_parquet({files}, " + _FILES + ")"
_JSONL = (
    "read_json({files}, columns={{'key': 'VARCHAR', 'value': 'JSON'}}, "
    "format='newline_delimited', " + _FILES + ")"
)
# The export's time, from its file name (`exporting.target`).
_STAMP = r"regexp_extract(filename, 'export-([0-9TZ]+)\.[a-z]+$', 1)"


def _literal(items: list[str]) -> str:
    """File names as a DuckDB list of string literals (a quote doubled: the only escape)."""
    return "[" + ", ".join("'" + item.replace("'", "''") + "'" for item in items) + "]"


class TeamSource:
    """Every member's latest export, each distinct record once."""

    def __init__(self, found: Found, by_member: bool) -> None:
        self.duckdb = needed("duckdb")
        needed("pyarrow")
        self.by_member = by_member
        self.db = self.duckdb.connect()
        try:
            self._load(found)
        except self.duckdb.Error as e:
            raise TrackerError(
                f"cannot read the team's exports: {printable(str(e).splitlines()[0])}. "
                "A damaged or partial file can be left out by naming the others, or "
                "replaced by exporting again"
            ) from e

    def _load(self, found: Found) -> None:
        if found.remote:
            self.db.execute("INSTALL httpfs; LOAD httpfs;")
        parts = []
        if found.parquet:
            parts.append(self._relation(_PARQUET.format(files=_literal(found.parquet))))
        if found.jsonl:
            self._jsonl(found.jsonl)
            parts.append("SELECT * FROM jsonl_rows")
        self.db.execute(f"CREATE TEMP VIEW every AS {' UNION ALL BY NAME '.join(parts)}")
        self.db.execute(
            f"""CREATE TEMP TABLE kept AS
            WITH files AS (
                SELECT DISTINCT member, filename, {_STAMP} AS stamp FROM every
            ), latest AS (
                SELECT arg_max(filename, (stamp, filename)) AS filename FROM files GROUP BY member
            )
            SELECT * EXCLUDE (value),
                CASE WHEN starts_with(key, 'commit:') THEN NULL ELSE value END AS value
            FROM every
            WHERE filename IN (SELECT filename FROM latest) AND key IS NOT NULL
            QUALIFY row_number() OVER (PARTITION BY key, hash(value) ORDER BY member) = 1"""  # noqa: S608
        )

    def _relation(self, reader: str) -> str:
        """A reader's rows, with a member column even outside `member=` folders."""
        names = {row[0] for row in self.db.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()}  # noqa: S608
        member = "" if "member" in names else ", NULL::VARCHAR AS member"
        return f"SELECT *{member} FROM {reader}"  # noqa: S608 (quoted by `_literal`)

    def _jsonl(self, files: list[str]) -> None:
        """JSON Lines exports as the Parquet columns: each commit's facts as `digest.of`
        computes them (the same function the Parquet export uses)."""
        pa = needed("pyarrow")
        reader = self._relation(_JSONL.format(files=_literal(files)))
        rows = self.db.execute(
            f"SELECT member, filename, key, value::VARCHAR FROM ({reader}) WHERE key NOT NULL"  # noqa: S608
        ).fetchall()
        out = []
        for member, filename, key, text in rows:
            record = json.loads(text) if text else None
            if isinstance(key, str) and isinstance(record, dict):
                out.append(
                    {**columns.row(key, record, text), "member": member, "filename": filename}
                )
        types = {"VARCHAR": pa.string(), "DOUBLE": pa.float64(), "BIGINT": pa.int64()}
        fields = [(name, types.get(kind, pa.bool_())) for name, kind in columns.COLUMNS.items()]
        schema = pa.schema([*fields, ("member", pa.string()), ("filename", pa.string())])
        self.jsonl_rows = pa.Table.from_pylist(out, schema=schema)
        self.db.register("jsonl_rows", self.jsonl_rows)

    def _present(self) -> set[str]:
        return {row[0] for row in self.db.execute("DESCRIBE kept").fetchall()}

    def facts(self) -> list[tuple[Any, ...]]:
        """Every commit's facts (`reading.Facts`), in key order."""
        present = self._present()
        chosen = [
            ("member" if self.by_member else "NULL")
            if name == "member"
            else (f'"{name}"' if name in present else "NULL")
            for name in columns.FACT_COLUMNS
        ]
        table = self.db.sql(
            f"SELECT {', '.join(chosen)} FROM kept WHERE starts_with(key, 'commit:') "  # noqa: S608
            "ORDER BY key, member"
        ).to_arrow_table()
        return columns.facts([column.to_pylist() for column in table.columns])

    def scan(self, prefix: str) -> Iterator[tuple[str, Any]]:
        """The other records under `prefix`, decoded, in key order."""
        query = "SELECT key, value FROM kept WHERE starts_with(key, ?) ORDER BY key, member"
        for key, text in self.db.execute(query, [prefix]).fetchall():
            value = json.loads(text) if text else None
            if isinstance(value, dict):
                yield key, value

    def members(self) -> list[tuple[str | None, str]]:
        """Each member and the export of theirs that counts."""
        query = "SELECT DISTINCT member, filename FROM kept ORDER BY member"
        return [(m, f) for m, f in self.db.execute(query).fetchall()]
