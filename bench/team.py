"""The team report over 50 members × 20,000 commits (1,000,000 commit records with grades and
outcome measures), and at smaller sizes for growth.

Builds one member's database the way flushes do (`bench.report.build`: 20,000 commits, 20,000
grade events, outcome measures), exports it as Parquet (`export --format parquet`), and makes
the other members' exports from it with their own project paths (so that no record is shared
and every one counts). Then, for 5, 20 and 50 members, times `team report` (DuckDB reads and
deduplicates the files, the report's own code ranks): wall and CPU time (DuckDB's threads
included), and the process's peak memory so far. The personal report over the one database
is timed beside it. Target: 50 members under 10 s.

Usage, from the repository root: .venv/bin/python -m bench.team [--commits N] [--members 5,20,50]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from agent_git_tracker.report.build import build_report
from agent_git_tracker.report.model import ReportOptions
from agent_git_tracker.store import db as store
from agent_git_tracker.team.exporting import export
from agent_git_tracker.team.run import team_report
from bench.report import build


def members(base: Path, folder: Path, count: int) -> None:
    """`count` members' exports under `folder`, each the first's with its own paths."""
    table = pq.read_table(base)
    for number in range(count):
        home = f"/home/m{number:02d}/"
        renamed = {
            name: pc.replace_substring(table[name], "/home/dev/", home)
            if name in ("key", "value", "project")
            else table[name]
            for name in table.column_names
        }
        out = folder / f"member=m{number:02d}"
        out.mkdir(parents=True)
        pq.write_table(
            pa.table(renamed, schema=table.schema), out / "export-20260101T000000Z.parquet"
        )


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(label: str, action: object) -> None:
    wall, cpu = time.perf_counter(), time.process_time()
    result = action()  # type: ignore[operator]
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{label:<34} wall {wall:6.2f} s  cpu {cpu:6.2f} s  peak {peak_mib():6.0f} MiB  {result}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--commits", type=int, default=20_000)
    parser.add_argument("--members", default="5,20,50")
    args = parser.parse_args()
    sizes = [int(n) for n in args.members.split(",")]
    work = Path(tempfile.mkdtemp(prefix="agt-bench-team-"))
    try:
        config = build(work / "one.lmdb", args.commits, args.commits)
        written = export(config, work / "one", "parquet", member="m00")
        print(f"one member's Parquet export: {written.path.stat().st_size / 1024**2:.1f} MiB")
        with store.open_store(config) as db, db.reading() as view:
            timed(
                "personal report, one member",
                lambda: build_report(view, ReportOptions()).totals.commits,
            )
        for count in sizes:
            folder = work / f"team-{count}"
            members(written.path, folder, count)
            timed(
                f"team report, {count} members",
                lambda f=folder: (
                    f"{team_report([str(f)], ReportOptions())[0].totals.commits:,} commits"
                ),
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
