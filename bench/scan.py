"""`scan` of a whole history (commits recorded and outcomes measured) against one plain
`git log -p --first-parent` of the same history.

    python bench/scan.py [--runs 3] [--sizes 5000,20000]

The histories are those of `bench/outcomes.py` (a few hundred files, small diffs, renames,
merges, reverts and fixes), with an agent's trailer on two commits in three. Taking turns, CPU
time of every process (ours and git's), median of the runs:
- `git log -p --first-parent` of the branch to /dev/null (the floor);
- `scan` into a new, empty database: one streamed `git log --numstat` read, the records
  written in batches, then the outcome measures' pass (`measure`);
- a second `scan` of the same repository, which finds everything recorded and writes nothing.
Target: scan / floor ≤ 5 (aim 3).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import time
from functools import partial
from pathlib import Path

from agent_git_tracker.config.settings import load
from agent_git_tracker.history.scan import scan

from common import env_with, scratch
from outcomes import DAY, build, cpu_of, git_log_floor


def scan_into(repo: Path, db: Path, now: float) -> None:
    if db.exists():
        db.unlink()
        Path(f"{db}-lock").unlink(missing_ok=True)
    config = load(db_path=str(db), environ={})
    summary = scan(config, [repo], now=now)
    assert summary.repositories and summary.repositories[0].commits, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", default="5000,20000")
    options = parser.parse_args()
    work = scratch()
    env = env_with(HOME=str(work))
    try:
        for size in [int(size) for size in options.sizes.split(",")]:
            started = time.perf_counter()
            repo = work / f"h{size}"
            builder = build(repo, size, env)
            print(f"built {size:,} commits in {time.perf_counter() - started:.0f} s", flush=True)
            now = builder.time + 60 * DAY
            db = work / f"db{size}.lmdb"
            rows = []
            for _ in range(options.runs):
                floor = sum(cpu_of(partial(git_log_floor, repo, env)))
                ours = sum(cpu_of(partial(scan_into, repo, db, now)))
                config = load(db_path=str(db), environ={})
                again = sum(cpu_of(partial(scan, config, [repo], now=now)))
                rows.append((floor, ours, again, ours / floor))
            floor, ours, again, ratio = (
                statistics.median(column) for column in zip(*rows, strict=True)
            )
            print(
                f"{size:>7,} commits: git log -p --first-parent {floor:6.2f} s CPU | scan "
                f"{ours:6.2f} s CPU | ratio {ratio:4.2f} (target ≤ 5, aim 3) | "
                f"{ours / size * 1e6:4.0f} µs a commit | second scan {again:5.2f} s CPU",
                flush=True,
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
