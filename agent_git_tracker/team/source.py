"""A team's exports read by DuckDB, as a source the report reads (`summed.SummedSource`).

DuckDB reads every file in place: Parquet and JSON Lines, from folders, globs, `s3://` or
`https://` URLs, files of several versions together (`union_by_name`, missing columns null),
members from the `member=<id>` folders (Hive partitioning). Of each member only the latest
export counts (the newest `export-<time>` file, chosen from the names), and a record exported
identically by two members (one imported the other's history) counts once: a commit by its key
and facts, any other record by its key and text. The commits' facts are read from their columns
(`columns`), never their whole text; for JSON Lines they are computed as the Parquet export
computes them. DuckDB sums them per cell (`summing`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from agent_git_tracker.errors import TrackerError
from agent_git_tracker.report.summed import Summed
from agent_git_tracker.team import columns, summing
from agent_git_tracker.team.extra import needed
from agent_git_tracker.team.files import Found, latest
from agent_git_tracker.text import printable

_FILES = "union_by_name=true, hive_partitioning=true, hive_types_autocast=false, filename=true"
_PARQUET = "read_parquet({files}, " + _FILES + ")"
_JSONL = (
    "read_json({files}, columns={{'key': 'VARCHAR', 'value': 'JSON'}}, "
    "format='newline_delimited', " + _FILES + ")"
)
# The export's time, from its file name (`exporting.target`).
_STAMP = r"regexp_extract(filename, 'export-([0-9TZ]+)\.[a-z]+$', 1)"
# The member's latest export, where only DuckDB can list the files (remote globs).
_LATEST = f"""filename IN (
    SELECT arg_max(filename, (stamp, filename)) FROM (
        SELECT DISTINCT member, filename, {_STAMP} AS stamp FROM every
    ) GROUP BY member)"""  # noqa: S608
# The records besides commits that the report reads.
_READ = ("project:", "agent:", "bug:", "usage:")
# A commit's facts: what tells two exports of one commit apart.
_FACTS = [name for name in columns.COLUMNS if name not in ("key", "value")]


def _literal(items: list[str]) -> str:
    """File names as a DuckDB list of string literals (a quote doubled: the only escape)."""
    return "[" + ", ".join("'" + item.replace("'", "''") + "'" for item in items) + "]"


def unreadable(error: Exception) -> TrackerError:
    """What to say when DuckDB cannot read the exports (or what it read)."""
    return TrackerError(
        f"cannot read the team's exports: {printable(str(error).splitlines()[0])}. "
        "A damaged or partial file can be left out by naming the others, or "
        "replaced by exporting again"
    )


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
            raise unreadable(e) from e

    def _load(self, found: Found) -> None:
        if found.remote:
            self.db.execute("INSTALL httpfs; LOAD httpfs;")
        chosen = latest([*found.parquet, *found.jsonl])
        parquet = found.parquet if chosen is None else [n for n in found.parquet if n in chosen]
        jsonl = found.jsonl if chosen is None else [n for n in found.jsonl if n in chosen]
        parts = []
        if parquet:
            parts.append(self._relation(_PARQUET.format(files=_literal(parquet))))
        if jsonl:
            self._jsonl(jsonl)
            parts.append("SELECT * FROM jsonl_rows")
        self.db.execute(f"CREATE TEMP VIEW every AS {' UNION ALL BY NAME '.join(parts)}")
        kept = "TRUE" if chosen is not None else _LATEST
        present = {row[0] for row in self.db.execute("DESCRIBE every").fetchall()}
        # Each fact in its column's type, whatever a file holds (a value of another type: unknown).
        facts = ", ".join(
            f'TRY_CAST("{n}" AS {columns.COLUMNS[n]}) AS "{n}"'
            if n in present
            else f'NULL::{columns.COLUMNS[n]} AS "{n}"'
            for n in _FACTS
        )
        read = " OR ".join(summing.within(prefix) for prefix in _READ)
        self.db.execute(
            f"""CREATE TEMP TABLE kept AS SELECT key, member, value FROM every
            WHERE {kept} AND ({read})
            QUALIFY row_number() OVER (PARTITION BY key, hash(value) ORDER BY member) = 1"""  # noqa: S608
        )
        self.db.execute(
            f"""CREATE TEMP TABLE commits AS SELECT key::VARCHAR AS key, {facts}, member FROM every
            WHERE {kept} AND {summing.within("commit:")}"""  # noqa: S608
        )
        self._once()
        summing.needed(self.db, kept)

    def _once(self) -> None:
        """A commit exported identically by several members counts once (for the first of
        them); only the keys that repeat are compared."""
        facts = ", ".join(f'"{name}"' for name in _FACTS)
        self.db.execute(
            "CREATE TEMP TABLE repeated AS SELECT key FROM commits GROUP BY key HAVING count(*) > 1"
        )
        if self.db.execute("SELECT count(*) FROM repeated").fetchone()[0]:
            self.db.execute(
                f"""CREATE OR REPLACE TEMP TABLE commits AS
                SELECT * FROM commits ANTI JOIN repeated USING (key)
                UNION ALL BY NAME SELECT key, {facts}, min(member) AS member
                FROM commits SEMI JOIN repeated USING (key) GROUP BY ALL"""  # noqa: S608
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

    def fields(self) -> list[tuple[Any, ...]]:
        """Each distinct combination of the commits' stored fields, by first commit key."""
        return summing.fields(self.db, self.by_member)

    def summed(
        self, since: str | None, until: str | None
    ) -> Iterator[tuple[tuple[Any, ...], Summed]]:
        """Each combination's commits within the time bounds, summed (`summing`)."""
        return summing.summed(self.db, self.by_member, since, until)

    def located(self) -> Iterator[tuple[str, tuple[Any, ...], str | None]]:
        """(key, stored fields, time) of the commits that grades and bugs name."""
        query = summing.LOCATED.format(cell=summing.cell(self.by_member))
        for row in self.db.execute(query).fetchall():
            yield row[0], tuple(row[1:-1]), row[-1]

    def scan(self, prefix: str) -> Iterator[tuple[str, Any]]:
        """The other records under `prefix`, decoded, in key order; under "retrospective:"
        only the grades that no commit record carries."""
        table = "needed" if prefix == "retrospective:" else "kept"
        query = f"SELECT key, value FROM {table} WHERE starts_with(key, ?) ORDER BY key, member"  # noqa: S608
        for key, text in self.db.execute(query, [prefix]).fetchall():
            value = json.loads(text) if text else None
            if isinstance(value, dict):
                yield key, value

    def members(self) -> list[str | None]:
        """Each member whose export counts."""
        query = (
            "SELECT DISTINCT member FROM (SELECT member FROM kept UNION ALL SELECT member "
            "FROM needed UNION ALL SELECT member FROM commits) ORDER BY member"
        )
        return [member for (member,) in self.db.execute(query).fetchall()]
