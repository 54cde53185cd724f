"""The files a `team report` reads: folders, globs and URLs, as the user names them.

A folder stands for every `.parquet` and `.jsonl` file below it; a glob or a file name is
taken as is; `s3://…`, `https://…` (and other URLs DuckDB reads through its httpfs extension)
are passed to DuckDB, by their extension. Local sources that match nothing are refused
before anything is read.
"""

from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from agent_git_tracker.errors import UsageError
from agent_git_tracker.text import printable

REMOTE = ("s3://", "s3a://", "gs://", "gcs://", "r2://", "az://", "abfss://", "http://", "https://")
PARQUET = (".parquet", ".pq")
JSONL = (".jsonl", ".ndjson", ".json")


@dataclass
class Found:
    """The files to read, by format; `remote`: some are URLs (DuckDB's httpfs)."""

    parquet: list[str] = field(default_factory=list)
    jsonl: list[str] = field(default_factory=list)
    remote: bool = False

    def add(self, name: str) -> bool:
        """One file or pattern, by its extension; False: neither format."""
        lower = name.lower()
        if lower.endswith(PARQUET):
            self.parquet.append(name)
        elif lower.endswith(JSONL):
            self.jsonl.append(name)
        else:
            return False
        return True


def _local(source: str, found: Found) -> None:
    path = Path(os.path.expanduser(source))
    if path.is_dir():
        names = sorted(
            str(p) for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")
        )
    else:
        names = sorted(glob.glob(os.path.expanduser(source), recursive=True))
    kept = [name for name in names if found.add(os.path.abspath(name))]
    if not kept:
        raise UsageError(
            f"{printable(source)} matches no export (.parquet or .jsonl files): name a folder "
            "of exports, a glob such as 'team/**/*.parquet', or a URL; members write theirs "
            "with `agent-git-tracker export --format parquet -o FOLDER`"
        )


def find(sources: list[str]) -> Found:
    """Every file the sources name, checked to exist where it is local."""
    if not sources:
        raise UsageError("name at least one folder, glob or URL of the team's exports")
    found = Found()
    for source in sources:
        if source.lower().startswith(REMOTE):
            found.remote = found.remote or not source.lower().startswith("file://")
            if not found.add(source):
                raise UsageError(
                    f"{printable(source)}: name the files to read, ending in .parquet or "
                    ".jsonl (a glob such as s3://bucket/team/**/*.parquet)"
                )
        else:
            _local(source, found)
    return found


_MEMBER = re.compile(r"(?:^|[/\\])member=([^/\\]*)[/\\]")
_STAMP = re.compile(r"export-([0-9TZ]+)\.[a-z]+$")


def latest(names: list[str]) -> list[str] | None:
    """Of each member (their `member=<id>` folder), the newest export (by the time in its name
    `export-<time>`, then by name), chosen from the names alone; None when some name is a
    pattern (a remote glob), whose files only DuckDB can list."""
    if any(char in name for name in names for char in "*?["):
        return None
    newest: dict[str | None, tuple[str, str]] = {}
    for name in names:
        members = _MEMBER.findall(name)
        stamp = _STAMP.search(name)
        rank = (stamp.group(1) if stamp else "", name)
        member = members[-1] if members else None
        if member not in newest or rank > newest[member]:
            newest[member] = rank
    return sorted(name for _, name in newest.values())
