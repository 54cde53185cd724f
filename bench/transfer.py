"""`import` of an export file: peak memory against the file's size, at two sizes.

    python -m bench.transfer [--sizes 10000,100000]

For each size N, builds a database of N commits and N grade events the ledger's way
(`bench.report`'s generator), exports it (`export -o`), then imports the file into a new
database in a separate process (`agent-git-tracker import FILE`), and prints the file's size,
the import's peak resident memory (`ru_maxrss` of that process), its CPU and wall time. The
first line is the same process doing nothing but `db info`, what any command costs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from agent_git_tracker.migration.transfer import export_file
from bench.common import scratch
from bench.report import build

MIB = 1024**2


def run(*args: str) -> tuple[float, float, float]:
    """Peak memory (MiB), CPU and wall seconds of one command in its own process."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "agent_git_tracker", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    assert process.stderr is not None
    error = process.stderr.read().decode()
    process.stderr.close()
    process.returncode = os.waitstatus_to_exitcode(status)
    assert process.returncode == 0, error
    return usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    args = parser.parse_args()
    work = scratch()
    try:
        idle = work / "idle.lmdb"
        rss, _, _ = run("--db-path", str(idle), "db", "info")
        print(f"any command (db info on an empty database): {rss:.0f} MiB peak")
        for commits in (int(s) for s in args.sizes.split(",")):
            source = work / f"source-{commits}.lmdb"
            config = build(source, commits, commits)
            export = work / f"export-{commits}.jsonl"
            export_file(config, export)
            size = export.stat().st_size / MIB
            target = work / f"target-{commits}.lmdb"
            rss, cpu, wall = run(
                "--db-path", str(target), "--max-db-size", "2GiB", "import", str(export)
            )
            print(
                f"  {commits:>9,} commits: export file {size:7.0f} MiB, import peak {rss:6.0f} "
                f"MiB ({rss / size:4.2f}× the file), {cpu:6.1f} s CPU, {wall:6.1f} s wall, "
                f"{cpu / commits * 1e6:5.0f} µs CPU a commit"
            )
            for path in (source, target, export):
                for file in (path, Path(f"{path}-lock")):
                    file.unlink(missing_ok=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
