"""OpenCode: its SQLite database in its data folder, and the JSON files of older versions.

Where: `$OPENCODE_DATA_DIR` (comma-separated, as ccusage `adapter/opencode/paths.rs` reads it),
else `$XDG_DATA_HOME/opencode`, else `~/.local/share/opencode`; the database is `opencode.db`
or `opencode-<channel>.db` (sst/opencode, now anomalyco/opencode:
`packages/opencode/src/storage/db.ts` `getChannelPath`, WAL mode).

Schema (`packages/opencode/src/session/session.sql.ts`, `storage/schema.sql.ts`): table
`message(id, session_id, time_created, time_updated, data)` and `part(id, message_id,
session_id, time_created, time_updated, data)`, `data` being the JSON record without its ids.
An assistant message (`session/message-v2.ts` `Assistant`) has `role`, `time.created` and
`time.completed` (epoch ms), `modelID`, `providerID`, `path.cwd`, and `tokens.{input, output,
reasoning, cache.read, cache.write}`. In `session/session.ts` `getUsage`, `input` excludes
cache reads and writes, `output` excludes reasoning, and reasoning is charged at the output
price: so a turn's output here is `output + reasoning`. A bash tool part keeps the command's
output in `state.output`, with `state.time.end`.

Older versions wrote `storage/message/<session>/<message>.json` (the whole record, with `id`
and `sessionID`; ccusage `adapter/opencode/loader.rs` reads them too) and
`storage/part/<message>/<part>.json`.

Reading never gets in OpenCode's way: the database is opened read-only (`mode=ro`), and WAL
readers do not block its writer. A message row is written when the response starts and
updated as tokens arrive, so the rows read are those updated since the last update time seen
(less those already read at that very time); a row read again gives the same key (its id),
and `base.best` keeps the copy with most tokens. Every read scans the `message` table and the
`part` rows that can hold a commit hash (there is no index on `time_updated`): so a database
whose file and WAL file have the same size and time as at the last read is not queried at all.
The JSON files are read when modified since the newest one read.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import closing
from pathlib import Path
from typing import Any

from agent_git_tracker.agentlogs.base import (
    Cursor,
    Found,
    Result,
    Turn,
    commit_hashes,
    count,
    existing_dirs,
    home_path,
    parse_time,
    text,
)
from agent_git_tracker.agentlogs.jsonl import past, walk

AGENT = "opencode"
VERSION = 1
_ROWS = """
    SELECT id, session_id, time_updated, data FROM {table}
    WHERE time_updated >= ? {only} ORDER BY time_updated, id
"""
_TOOL_OUTPUT = "AND (instr(data, '] ') > 0 OR instr(data, 'commit ') > 0)"


def roots(environ: Mapping[str, str], home: Path) -> list[Path]:
    """OpenCode's data folders on this machine."""
    configured = [part.strip() for part in environ.get("OPENCODE_DATA_DIR", "").split(",")]
    if any(configured):
        return existing_dirs(home_path(part, home) for part in configured if part)
    data = environ.get("XDG_DATA_HOME") or str(home / ".local" / "share")
    return existing_dirs([Path(data) / "opencode"])


def read(root: Path, cursor: Cursor | None, deadline: float | None = None) -> Result:
    """Turns and commit mentions written under `root` since `cursor`; past `deadline`, what
    is left is read next time."""
    found = Found()
    old = cursor if cursor and cursor.get("version") == VERSION else {}
    seen = old.get("databases") or {}
    databases = {
        str(db): _read_database(db, seen.get(str(db)), found, deadline) for db in _databases(root)
    }
    storage = old.get("storage")
    if not past(deadline):
        storage = _read_storage(root / "storage", storage, found)
    return found.result({"version": VERSION, "databases": databases, "storage": storage})


def _databases(root: Path) -> list[Path]:
    try:
        names = sorted(os.listdir(root))
    except OSError:
        return []
    return [
        root / name
        for name in names
        if name == "opencode.db" or (name.startswith("opencode-") and name.endswith(".db"))
    ]


def _stamp(db: Path) -> list[int]:
    """Size and time of the database and its WAL file: equal stamps, same content."""
    stamp = []
    for path in (db, db.with_name(db.name + "-wal")):
        try:
            status = os.stat(path)
        except OSError:
            stamp += [-1, -1]
        else:
            stamp += [status.st_size, status.st_mtime_ns]
    return stamp


def _read_database(
    db: Path, entry: Any, found: Found, deadline: float | None = None
) -> dict[str, Any]:
    stamp = _stamp(db)
    if isinstance(entry, dict) and (entry.get("stamp") == stamp or past(deadline)):
        return entry
    marks = dict(entry.get("marks") or {}) if isinstance(entry, dict) else {}
    try:
        with closing(sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True, timeout=1.0)) as con:
            for row in _rows(con, "message", marks):
                _add_turn(row[3], row[0], row[1], found)
                if past(deadline):
                    return {"stamp": None, "marks": marks}  # the rest next time
            for row in _rows(con, "part", marks, _TOOL_OUTPUT):
                _add_mentions(row[3], row[1], row[2], found)
                if past(deadline):
                    return {"stamp": None, "marks": marks}
    except sqlite3.Error:
        found.skipped["unreadable database"] += 1
        return {"stamp": None, "marks": marks}  # try again next time, from the same rows
    return {"stamp": stamp, "marks": marks}


def _rows(
    con: sqlite3.Connection, table: str, marks: dict[str, Any], only: str = ""
) -> Iterator[tuple[str, str, int, str]]:
    """Rows of `table` updated since its mark, which moves as they are read.

    The mark is the last update time read and the rows read at that time, so that a row updated
    later within the same millisecond is still found.
    """
    since, done = marks.get(table) or [-1, []]
    latest, seen = since, set(done)
    for row in con.execute(_ROWS.format(table=table, only=only), (since,)):
        if row[2] == since and row[0] in done:
            continue
        if row[2] > latest:
            latest, seen = row[2], set()
        seen.add(row[0])
        marks[table] = [latest, sorted(seen)]
        yield row


def _add_turn(data: str | bytes, message_id: object, session_id: object, found: Found) -> None:
    record = found.load(data)
    if record is None or record.get("role") != "assistant":
        return
    try:
        turn = _turn(
            record, text(message_id) or record["id"], text(session_id) or record["sessionID"]
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        found.skipped["unexpected shape"] += 1
        return
    if turn is not None:
        found.turns.append(turn)


def _turn(record: dict[str, Any], message_id: str, session_id: str) -> Turn | None:
    tokens, cache = record["tokens"], record["tokens"].get("cache") or {}
    reasoning = count(tokens.get("reasoning"))
    turn_time = parse_time(record["time"].get("completed") or record["time"].get("created"))
    if turn_time is None:
        raise ValueError("a message without a time")
    model, provider = text(record.get("modelID")) or "", text(record.get("providerID"))
    turn = Turn(
        agent=AGENT,
        session_id=session_id,
        key=message_id,
        time=turn_time,
        model=f"{provider}/{model}" if provider and model else model,
        cwd=text((record.get("path") or {}).get("cwd")),
        git_branch=None,
        input_tokens=count(tokens.get("input")),
        cached_input_tokens=count(cache.get("read")),
        cache_write_tokens=count(cache.get("write")),
        output_tokens=count(tokens.get("output")) + reasoning,
        reasoning_tokens=reasoning,
    )
    return turn if turn.total_tokens else None  # a response still starting


def _add_mentions(data: str | bytes, session_id: object, updated: object, found: Found) -> None:
    raw = data.encode() if isinstance(data, str) else data
    record = found.load(raw)
    if record is None:
        return
    state = record.get("state")
    ended = (state.get("time") or {}).get("end") if isinstance(state, dict) else None
    hashes = commit_hashes(raw)
    found.mention(AGENT, text(session_id) or record.get("sessionID"), ended or updated, hashes)


def _read_storage(storage: Path, entry: Any, found: Found) -> dict[str, Any]:
    """The JSON files modified since the newest one read (those read at that time excepted)."""
    mark = entry.get("mtime", -1) if isinstance(entry, dict) else -1
    done = set(entry.get("read", [])) if isinstance(entry, dict) else set()
    newest, newest_read = mark, set(done)
    for kind in ("message", "part"):
        for path in walk(storage / kind, _is_json):
            try:
                modified = os.stat(path).st_mtime_ns
                if modified < mark or (modified == mark and str(path) in done):
                    continue
                raw = path.read_bytes()
            except OSError:
                continue
            if kind == "message":
                _add_turn(raw, None, None, found)
            else:
                _add_mentions(raw, None, modified // 1_000_000, found)
            if modified > newest:
                newest, newest_read = modified, set()
            if modified == newest:
                newest_read.add(str(path))
    return {"mtime": newest, "read": sorted(newest_read)}


def _is_json(path: str) -> bool:
    return path.endswith(".json")
