"""`flush --all` over many small spools against one spool of the same events.

    python -m bench.flush_all [--runs N] [--repos 100,500] [--events 20]

For R real git repositories (a small tree, one commit each) with E events waiting in each
spool (commits by agents and humans, grades, bugs, tool uses), times in turn:
  all    `flush --all` over the R spools (`flush_all`)
  one    a flush of ONE spool holding the same R × E events, all of one repository
The difference, divided by R, is what a flush pays per repository beyond its events. Figures
are CPU seconds of this process and of the git processes it waited for, medians of `--runs`.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from agent_git_tracker.config.settings import Config, load
from agent_git_tracker.ledger.flush import flush_all, flush_repo
from agent_git_tracker.store.db import open_store
from bench.common import env_with, scratch
from bench.growth import mixed_events, spool_dir, write


def template(work: Path) -> Path:
    """A small repository to copy: 30 files in three languages, one commit."""
    repo = work / "template"
    repo.mkdir()
    for i in range(30):
        suffix = (".py", ".ts", ".md")[i % 3]
        (repo / f"file{i}{suffix}").write_text(f"line {i}\n")
    env = env_with()
    for args in (["init", "-q"], ["add", "."], ["commit", "-qm", "start"]):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True)
    return repo


def repositories(work: Path, count: int) -> list[Path]:
    base = template(work)
    repos = []
    for i in range(count):
        repo = work / "repos" / f"r{i:04d}"
        shutil.copytree(base, repo, symlinks=True)
        repos.append(repo)
    return repos


def cpu_with_children(action: Callable[[], object]) -> float:
    """CPU seconds of this process and of the children it waited for."""

    def now() -> float:
        me = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime

    start = now()
    action()
    return now() - start


def config_at(db: Path) -> Config:
    return load(db_path=str(db), max_db_size="1GiB")


def run_all(work: Path, repos: list[Path], events: int) -> float:
    db = work / "all" / "t.lmdb"
    shutil.rmtree(db.parent, ignore_errors=True)
    db.parent.mkdir()
    for number, repo in enumerate(repos):
        project = str(repo)
        write(spool_dir(db, project), mixed_events(project, events, number * events))
    with open_store(config_at(db)) as store:
        return cpu_with_children(lambda: flush_all(store))


def run_one(work: Path, repo: Path, total: int) -> float:
    db = work / "one" / "t.lmdb"
    shutil.rmtree(db.parent, ignore_errors=True)
    db.parent.mkdir()
    project = str(repo)
    directory = spool_dir(db, project)
    write(directory, mixed_events(project, total))
    with open_store(config_at(db)) as store:
        return cpu_with_children(lambda: flush_repo(store, str(directory)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--repos", default="100,500")
    parser.add_argument("--events", type=int, default=20)
    args = parser.parse_args()
    sizes = [int(s) for s in args.repos.split(",")]
    work = scratch()
    os.environ.update({k: v for k, v in env_with().items() if k.startswith("GIT_")})
    try:
        repos = repositories(work, max(sizes))
        print(f"CPU seconds (this process and its git processes), median of {args.runs}:")
        overheads = {}
        for count in sizes:
            total = count * args.events
            every: list[float] = []
            one: list[float] = []
            wall = time.perf_counter()
            for _ in range(args.runs):
                every.append(run_all(work, repos[:count], args.events))
                one.append(run_one(work, repos[0], total))
            a, o = statistics.median(every), statistics.median(one)
            overheads[count] = (a - o) / count
            print(
                f"  {count:>4} repositories × {args.events} events: flush --all {a:6.2f} s, "
                f"one spool of {total:,} events {o:6.2f} s, ratio {a / o:4.2f}, "
                f"{overheads[count] * 1000:5.2f} ms per repository "
                f"({(time.perf_counter() - wall) / args.runs:.1f} s wall a round)"
            )
        if len(sizes) > 1:
            print(
                "  per repository, largest / smallest: "
                f"{overheads[sizes[-1]] / overheads[sizes[0]]:.2f}"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
