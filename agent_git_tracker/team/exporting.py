"""A member's export for the team: `member=<id>/export-<UTC time>.jsonl|parquet` under a folder
the user names, so that a folder of them partitions by member (Hive style).

JSON Lines is the `export` format (`migration.transfer`), its header naming the member, `since`
and `anonymized`. Parquet holds the same records as columns (`columns`), its header in the
file's metadata (`agent_git_tracker.header`); pyarrow is imported only to write it. A file
appears whole or not at all (written aside, then renamed), private to the user (0600).
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agent_git_tracker.capture import spool
from agent_git_tracker.config.settings import Config
from agent_git_tracker.errors import TrackerError, UsageError
from agent_git_tracker.migration import transfer
from agent_git_tracker.team import anonymize, columns
from agent_git_tracker.team.extra import needed
from agent_git_tracker.times import utc_key

FORMATS = ("jsonl", "parquet")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
# Records kept whatever `since` says: what the others need to make sense of them.
_TIMELESS = ("project:", "agent:")


def member_id(chosen: str | None) -> str:
    """The member's name as a folder name: letters, digits, `.`, `_` and `-` only, never
    `.` or `..`, at most 64 characters (a name from the configuration never chooses where a
    file goes)."""
    if chosen is None:
        try:
            chosen = getpass.getuser()
        except (KeyError, OSError):
            chosen = ""
    safe = _UNSAFE.sub("-", chosen).strip(".-")[:64]
    return safe or "member"


def target(folder: Path, member: str, fmt: str, when: datetime) -> Path:
    """Where an export goes: `<folder>/member=<id>/export-<UTC time>.<fmt>`."""
    stamp = when.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return folder / f"member={member}" / f"export-{stamp}.{fmt}"


def _since_filter(since: str | None) -> transfer.Select | None:
    """Leave out commits, grades, bugs and usage older than `since` (a UTC key)."""
    if since is None:
        return None

    def keep(key: str, record: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
        if key.startswith(_TIMELESS):
            return key, record
        when = utc_key(record.get("timestamp") or record.get("day"))
        return (key, record) if when is None or when >= since else None

    return keep


def selection(since: str | None, anonymized: bool) -> transfer.Select | None:
    """What the export keeps of each record: from `since` on, anonymized or not."""
    by_time = _since_filter(since)
    if not anonymized:
        return by_time

    def both(key: str, record: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
        kept = by_time(key, record) if by_time else (key, record)
        return None if kept is None else anonymize.record(*kept)

    return both


@dataclass(frozen=True)
class Written:
    path: Path
    done: transfer.Exported


def export(
    config: Config,
    folder: Path,
    fmt: str,
    since: str | None = None,
    anonymized: bool = False,
    member: str | None = None,
) -> Written:
    """One export of this database into the team's `folder`; `since` is a UTC key."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")
    who = member_id(member or config.member)
    path = target(Path(os.path.abspath(os.path.expanduser(folder))), who, fmt, datetime.now(UTC))
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as e:
        raise TrackerError(f"cannot make the folder {path.parent}: {e.strerror}") from e
    more = {"member": who, "since": since, "anonymized": anonymized}
    select = selection(since, anonymized)
    if fmt == "jsonl":
        return Written(path, transfer.export_file(config, path, select, more))
    return Written(path, _parquet(config, path, select, more))


# Rows held in memory at a time: the export streams, whatever the history's size.
BATCH = 10_000


def _parquet(
    config: Config, path: Path, select: transfer.Select | None, more: dict[str, Any]
) -> transfer.Exported:
    """The records as Parquet columns, `BATCH` rows at a time, written aside and renamed once
    complete; the header (with the count, known at the end) goes in the file's metadata."""
    pa, pq = needed("pyarrow"), needed("pyarrow.parquet")
    types = {"VARCHAR": pa.string(), "DOUBLE": pa.float64(), "BIGINT": pa.int64()}
    schema = pa.schema(
        [(name, types.get(kind, pa.bool_())) for name, kind in columns.COLUMNS.items()]
    )
    count = 0
    with transfer.snapshot(config) as opened, _aside(path) as temp:
        unreadable: list[str] = []
        with pq.ParquetWriter(temp, schema, compression="zstd") as writer:
            rows: list[dict[str, Any]] = []
            for key, value in transfer.records(opened, unreadable, select):
                rows.append(columns.row(key, value, transfer.json_text(value)))
                if len(rows) == BATCH:
                    writer.write_table(pa.Table.from_pylist(rows, schema=schema))
                    count, rows = count + len(rows), []
            if rows or not count:
                writer.write_table(pa.Table.from_pylist(rows, schema=schema))
                count += len(rows)
            head = transfer.header(count, config, **more)
            writer.add_key_value_metadata({"agent_git_tracker.header": json.dumps(head)})
        skipped = (*opened.skipped, *unreadable)
    return transfer.Exported(count, skipped)


@contextlib.contextmanager
def _aside(path: Path) -> Iterator[str]:
    """A private temporary name beside `path`, renamed to it once written and synced."""
    temp = path.parent / f".{path.name}.{spool.new_id()}.tmp"
    try:
        os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600))
        yield str(temp)
        fd = os.open(temp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, path)
    except OSError as e:
        raise TrackerError(f"cannot write {path}: {e.strerror}") from e
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
