"""`import` of an export file: peak memory against the file's size, at two sizes.

    python -m bench.transfer [--sizes 10000,100000]

For each size N, builds a database of N commits and N grade events the ledger's way
(`bench.report`'s generator), exports it (`export -o`), then imports the file into a new
database in a separate process (`agent-git-tracker import FILE`), and prints the file's size,
the import's peak resident memory, its CPU and wall time, and the peaks of the two parts of
its resident memory: the process's own (anonymous: objects, buffers) and the files it maps
(the database's pages, as LMDB writes them through its map: page cache the system reclaims as
it needs). All are read from /proc every 20 ms (the peak is the kernel's high-water mark,
`VmHWM`): `ru_maxrss` would count the pages the benchmark's own process held when it forked
the command. The first line is the same process doing nothing but `db info`, what any
command costs.
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


def resident(pid: int) -> dict[str, float]:
    """RssAnon, RssFile and VmHWM (its peak so far) of a process, in MiB (empty once it is
    gone)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            lines = [
                line.split() for line in status if line.startswith(("RssAnon", "RssFile", "VmHWM"))
            ]
    except OSError:
        return {}
    return {fields[0].rstrip(":"): int(fields[1]) / 1024 for fields in lines}


PEAKS: dict[str, float] = {}


def run(*args: str) -> tuple[float, float, float]:
    """Peak memory (MiB), CPU and wall seconds of one command in its own process; the peaks
    of its anonymous and file-backed memory in `PEAKS`."""
    # (ru_maxrss is not used: it keeps the pages of this process, forked to start the command)
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "agent_git_tracker", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    PEAKS.clear()
    while True:
        done, status, usage = os.wait4(process.pid, os.WNOHANG)
        if done:
            break
        for name, mib in resident(process.pid).items():
            PEAKS[name] = max(PEAKS.get(name, 0.0), mib)
        time.sleep(0.02)
    wall = time.perf_counter() - start
    assert process.stderr is not None
    error = process.stderr.read().decode()
    process.stderr.close()
    process.returncode = os.waitstatus_to_exitcode(status)
    assert process.returncode == 0, error
    return PEAKS.get("VmHWM", 0.0), usage.ru_utime + usage.ru_stime, wall


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
                f"{cpu / commits * 1e6:5.0f} µs CPU a commit; peaks: own "
                f"{PEAKS.get('RssAnon', 0):.0f} MiB, mapped files {PEAKS.get('RssFile', 0):.0f} MiB"
            )
            for path in (source, target, export):
                for file in (path, Path(f"{path}-lock")):
                    file.unlink(missing_ok=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
