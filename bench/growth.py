"""How the common paths grow: the same operation at two or three sizes, side by side.

    python -m bench.growth [--runs N] [--only rebase,status,flush]

Each case prints the CPU seconds of this process (median of `--runs`, turn about between the
sizes) and the cost per item; a linear path costs about the same per item at every size.
  rebase  a flush of one spool holding N commits, a rebase of all of them (the commits again
          under new hashes, and git's old → new list): N = 500 and 2,000 (target: the cost
          per event within 1.5× of each other)
  status  `status` over N events waiting in the spool: N = 5,000 and 50,000 (target: the
          cost per event within 1.5×)
  flush   a flush of 200 new events (commits, grades, bugs, tool uses) into a database that
          holds 10,000 and 100,000 graded commits (`bench.report`'s generator): the agents'
          counters are replayed from every record of the agents the batch touches, so this
          grows with the database; what matters is that it stays linear in it. Also the
          report's counts of commits and retrospectives at both sizes: read from `meta:counts`
          (the same at every size) against walking their pages
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from agent_git_tracker.capture import hook as capture
from agent_git_tracker.capture import spool
from agent_git_tracker.config.settings import Config, load
from agent_git_tracker.ledger.flush import flush_repo
from agent_git_tracker.ledger.state import all_agents, current
from agent_git_tracker.store.db import open_store
from bench.common import scratch

START = 1_790_000_000.0


def facts(commit_hash: str, index: int) -> dict[str, Any]:
    return {
        "hash": commit_hash,
        "parents": [],
        "author_name": "Ada",
        "author_email": "ada@example.com",
        "authored_at": "2026-09-21T10:00:00+00:00",
        "committer_name": "Ada",
        "committer_email": "ada@example.com",
        "committed_at": "2026-09-21T10:00:00+00:00",
        "message": f"change {index}\n",
        "files_changed": 1,
        "insertions": index % 7,
        "deletions": index % 3,
        "stats_capped": False,
        "branch": "main",
    }


def commit(project: str, commit_hash: str, index: int, when: float) -> dict[str, Any]:
    return {
        "id": f"{int(when * 1e6):016x}-0-{index:08x}",
        "time": when,
        "project": project,
        "worktree": project,
        "type": "commit",
        "commit": facts(commit_hash, index),
        "session": None,
        "declared": {"agent": "claude-code", "model": "claude-opus-4-5"},
        "markers": [],
    }


def write(directory: Path, events: list[dict[str, Any]]) -> None:
    spool.private_dir(str(directory))
    text = "".join(capture.dumps(e) + "\n" for e in events)
    (directory / spool.EVENTS).write_text(text)


def spool_dir(db: Path, project: str) -> Path:
    return Path(spool.repo_dir(f"{db}-spool", f"{project}/.git"))


def rebase_events(project: str, count: int) -> list[dict[str, Any]]:
    """`count` commits, then the same commits rebased: their new commit events, then git's
    old → new list, as the post-commit and post-rewrite hooks spool them."""
    olds = [f"{i:040x}" for i in range(count)]
    news = [f"{i + (1 << 100):040x}" for i in range(count)]
    events = [commit(project, h, i, START + i) for i, h in enumerate(olds)]
    later = START + 2 * count
    events += [commit(project, h, i, later + i) for i, h in enumerate(news)]
    events.append(
        {
            "id": "rewrite",
            "time": later + count,
            "project": project,
            "worktree": project,
            "type": "rewrite",
            "kind": "rebase",
            "mappings": [list(pair) for pair in zip(olds, news, strict=True)],
        }
    )
    return events


def mixed_events(project: str, count: int, first: int = 0) -> list[dict[str, Any]]:
    """Commits by agents and humans, grades, bugs and tool uses, as hooks and commands
    spool them (the crash tests' mix)."""
    import sys

    from bench.common import ROOT

    sys.path.insert(0, str(ROOT / "tests"))
    from crashkit import synthetic_event

    repo = {"project": project, "worktree": project}
    return [synthetic_event(first + i, repo) for i in range(count)]


def config_at(db: Path) -> Config:
    return load(db_path=str(db), max_db_size="2GiB")


def cpu(action: Callable[[], object]) -> float:
    start = time.process_time()
    action()
    return time.process_time() - start


def flush_once(db: Path, events: list[dict[str, Any]], project: str) -> float:
    directory = spool_dir(db, project)
    write(directory, events)
    with open_store(config_at(db)) as store:
        return cpu(lambda: flush_repo(store, str(directory)))


def status_once(db: Path) -> float:
    def run() -> None:
        with current(config_at(db)) as (stored, pending, _):
            all_agents(stored, pending)

    return cpu(run)


def fresh(work: Path, name: str) -> Path:
    folder = work / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder / "t.lmdb"


def report(title: str, unit: str, sizes: list[int], samples: dict[int, list[float]]) -> None:
    print(title)
    per = {}
    for size in sizes:
        median = statistics.median(samples[size])
        per[size] = median / size
        print(
            f"  {size:>9,} {unit}: {median:7.3f} s CPU, {per[size] * 1e6:8.1f} µs per {unit[:-1]}"
        )
    print(f"  per {unit[:-1]}, largest / smallest: {per[sizes[-1]] / per[sizes[0]]:.2f}")


def rebase_case(work: Path, runs: int) -> None:
    """A rebase in the same spool as the commits it rewrites, and a rebase of commits that an
    earlier flush wrote."""
    project = str(work / "project")
    sizes = [500, 2_000]
    together: dict[int, list[float]] = {2 * n + 1: [] for n in sizes}
    after: dict[int, list[float]] = {n + 1: [] for n in sizes}
    for _ in range(runs):
        for n in sizes:
            events = rebase_events(project, n)
            db = fresh(work, f"rebase-{n}")
            together[2 * n + 1].append(flush_once(db, events, project))
            db = fresh(work, f"rebased-{n}")
            flush_once(db, events[:n], project)
            after[n + 1].append(flush_once(db, events[n:], project))
    report(
        "flush of one spool holding N commits and their rebase", "events", list(together), together
    )
    report("flush of a rebase of N commits flushed before", "events", list(after), after)


def status_case(work: Path, runs: int) -> None:
    project = str(work / "project")
    sizes = [5_000, 50_000]
    dbs = {}
    for n in sizes:
        db = fresh(work, f"status-{n}")
        with open_store(config_at(db)):
            pass
        write(spool_dir(db, project), mixed_events(project, n))
        dbs[n] = db
    samples: dict[int, list[float]] = {n: [] for n in sizes}
    for _ in range(runs):
        for n in sizes:
            samples[n].append(status_once(dbs[n]))
    report("`status` with events pending", "events", sizes, samples)


def counts_once(db: Path) -> tuple[float, float]:
    """CPU seconds of the report's two counts as kept by the writers, and walked."""
    from agent_git_tracker.store.views import COUNTED

    with open_store(config_at(db)) as store, store.reading() as view:
        kept = cpu(lambda: [view.count(prefix) for prefix in COUNTED])
        walked = cpu(lambda: [sum(1 for _ in view.keys(prefix)) for prefix in COUNTED])
    return kept, walked


def flush_case(work: Path, runs: int, sizes: list[int]) -> None:
    from bench.report import build

    events = 200
    print(f"flush of {events} events into a database of N graded commits")
    per = {}
    for n in sizes:
        base = fresh(work, f"base-{n}")
        start = time.process_time()
        build(base, n, n)
        print(f"  (built {n:,} commits in {time.process_time() - start:.0f} s CPU)")
        kept, scanned = counts_once(base)
        print(
            f"  {n:>9,} commits: the report's counts of commits and retrospectives "
            f"{kept * 1e6:6.0f} µs from meta:counts, {scanned * 1e3:6.0f} ms walking their pages"
        )
        samples = []
        for run in range(runs):
            db = fresh(work, f"flush-{n}-{run}")
            shutil.copy(base, db)
            project = "/home/dev/src/project-00"
            samples.append(flush_once(db, mixed_events(project, events, 10**7), project))
        median = statistics.median(samples)
        per[n] = median
        print(
            f"  {n:>9,} commits: {median:7.3f} s CPU, {median / events * 1e3:6.2f} ms per event, "
            f"{median / n * 1e6:5.2f} µs per commit held"
        )
        shutil.rmtree(base.parent)
    if len(sizes) > 1:
        grew, bigger = per[sizes[-1]] / per[sizes[0]], sizes[-1] // sizes[0]
        print(f"  flush cost, largest / smallest database: {grew:.1f} (sizes ×{bigger})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", default="rebase,status,flush")
    parser.add_argument("--flush-sizes", default="10000,100000")
    args = parser.parse_args()
    only = set(args.only.split(","))
    work = scratch()
    try:
        if "rebase" in only:
            rebase_case(work, args.runs)
        if "status" in only:
            status_case(work, args.runs)
        if "flush" in only:
            flush_case(work, args.runs, [int(s) for s in args.flush_sizes.split(",")])
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
