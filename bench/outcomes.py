"""The outcome measures' pass against one plain `git log -p --first-parent` of the same history.

    python bench/outcomes.py [--runs 3] [--sizes 5000,10000,20000]

Builds repositories with `git fast-import` (a few hundred files in folders, small diffs of a few
hunks, renames, a lockfile, a binary file, a side branch of 3 commits merged with `--no-ff`
every 60 commits, some reverts and fixes; about 18 commits a day), then, for each
size, takes turns between:
- `git log -p --first-parent` of the whole branch to /dev/null (the floor);
- `measure()` of the whole branch (our Python plus the git processes it runs);
and, on the largest, the incremental pass a flush makes after 50 new commits (from 30 days
before the previous pass). CPU time of every process (ours and git's, via getrusage), median
of the runs. Target: full pass / floor ≤ 5 (aim 3).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable, Collection
from functools import partial
from pathlib import Path

from agent_git_tracker.history.outcomes import first_parent_before, measure

from common import env_with, scratch

START = 1_600_000_000
SPACING = 4_800  # seconds between commits on average: 18 a day
DAY = 86_400
WORDS = [
    "alpha",
    "beta",
    "gamma",
    "delta",
    "value",
    "count",
    "index",
    "item",
    "node",
    "tree",
    "load",
    "save",
    "parse",
    "emit",
]


class Builder:
    """A history written straight into a running `git fast-import`."""

    def __init__(self, repo: Path, env: dict[str, str], seed: int) -> None:
        self.repo, self.env = repo, env
        self.rng = random.Random(seed)
        self.files: dict[str, list[str]] = {}
        self.mark = self.main_mark = 0
        self.time = START
        self.commits: list[int] = []  # marks of main's plain commits, for reverts
        for n in range(300):
            folder = f"src/pkg{n % 30}" if n % 7 else f"lib/mod{n % 11}"
            self.files[f"{folder}/file{n}.py"] = self.lines(self.rng.randint(20, 160))
        self.files["package-lock.json"] = self.lines(400)
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Builder:
        marks = self.repo / ".git" / "bench-marks"
        read, self.answers = os.pipe()
        args = [
            "git",
            "fast-import",
            "--quiet",
            f"--export-marks={marks}",
            f"--cat-blob-fd={self.answers}",
        ]
        if marks.exists():
            args.append(f"--import-marks={marks}")
        self.process = subprocess.Popen(
            args, cwd=self.repo, env=self.env, stdin=subprocess.PIPE, pass_fds=[self.answers]
        )
        os.close(self.answers)
        self.answers = read
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.process and self.process.stdin
        self.process.stdin.close()
        self.process.wait()
        os.close(self.answers)

    def send(self, data: bytes) -> None:
        assert self.process and self.process.stdin
        self.process.stdin.write(data)

    def hash_of(self, mark: int) -> str:
        """The hash fast-import gave a commit (asked for on its answer pipe)."""
        assert self.process and self.process.stdin
        self.send(b"get-mark :%d\n" % mark)
        self.process.stdin.flush()
        answer = b""
        while not answer.endswith(b"\n"):
            answer += os.read(self.answers, 100)
        return answer.decode().strip()

    def lines(self, count: int) -> list[str]:
        rng = self.rng
        return [
            f"    {rng.choice(WORDS)}_{rng.randrange(10**6)} = "
            f"{rng.choice(WORDS)}({rng.randrange(99)})\n"
            for _ in range(count)
        ]

    def commit(self, message: str, ops: list[bytes], ref: str, parents: list[int]) -> int:
        self.mark += 1
        self.time += self.rng.randint(SPACING // 4, SPACING * 7 // 4)
        who = f"Bench <bench@example.com> {self.time} +0000"
        head = f"commit {ref}\nmark :{self.mark}\nauthor {who}\ncommitter {who}\n".encode()
        links = b"".join(
            (b"from" if i == 0 else b"merge") + b" :%d\n" % p for i, p in enumerate(parents)
        )
        self.send(head + _data(message.encode()) + links + b"".join(ops) + b"\n")
        return self.mark

    def edit(self, path: str) -> bytes:
        lines, rng = self.files[path], self.rng
        for _ in range(rng.choice((1, 1, 2, 3))):
            at = rng.randrange(len(lines) + 1)
            lines[at : at + rng.choice((0, 1, 1, 2, 4))] = self.lines(rng.choice((0, 1, 2, 3, 6)))
        if not lines:
            lines.extend(self.lines(1))
        return f"M 100644 inline {path}\n".encode() + _data("".join(lines).encode())

    def pick(self, avoid: Collection[str] = ()) -> str:
        names = [name for name in self.files if name not in avoid and name != "package-lock.json"]
        return self.rng.choice(names[:40] if self.rng.random() < 0.6 else names)

    def main_commit(self, n: int, avoid: Collection[str] = ()) -> None:
        rng = self.rng
        ops = []
        if not self.main_mark:
            ops = [
                f"M 100644 inline {p}\n".encode() + _data("".join(t).encode())
                for p, t in self.files.items()
            ]
        if rng.random() < 0.01:
            old = self.pick(avoid)
            new = old.replace("file", "moved", 1) + f".{n}"
            self.files[new] = self.files.pop(old)
            ops.append(f"R {old} {new}\n".encode())
        ops += [self.edit(self.pick(avoid)) for _ in range(rng.choice((1, 1, 2, 3)))]
        message = f"{rng.choice(('Add', 'Update', 'Refactor', 'fix:'))} change {n}"
        if rng.random() < 0.02:
            ops.append(self.edit("package-lock.json"))
        if rng.random() < 0.005:
            ops.append(b"M 100644 inline assets/logo.bin\n" + _data(rng.randbytes(300)))
        if rng.random() < 0.01 and len(self.commits) > 20:
            target = self.hash_of(rng.choice(self.commits[-20:]))
            message = f'Revert "change"\n\nThis reverts commit {target}.'
        if n % 3:  # two commits in three carry an agent's trailer (what `scan` reads)
            message += "\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>"
        parents = [self.main_mark] if self.main_mark else []
        self.main_mark = self.commit(message, ops, "refs/heads/main", parents)
        self.commits.append(self.main_mark)

    def side_branch(self, n: int) -> None:
        touched: set[str] = set()
        tip = self.main_mark
        for k in range(3):
            path = self.pick()
            touched.add(path)
            tip = self.commit(f"Side work {n}.{k}", [self.edit(path)], "refs/heads/side", [tip])
        self.main_commit(n, avoid=touched)
        ops = [
            f"M 100644 inline {p}\n".encode() + _data("".join(self.files[p]).encode())
            for p in sorted(touched)
        ]
        message = f"Merge branch 'side{n}'"
        self.main_mark = self.commit(message, ops, "refs/heads/main", [self.main_mark, tip])

    def history(self, commits: int) -> None:
        """`commits` more commits (a side branch of 3 and its merge every 60)."""
        target = self.mark + commits
        while self.mark < target:
            if self.mark % 60 >= 55:
                self.side_branch(self.mark)
            else:
                self.main_commit(self.mark)


def _data(raw: bytes) -> bytes:
    return b"data %d\n%s\n" % (len(raw), raw)


def cpu_of(run: Callable[[], object]) -> tuple[float, float]:
    """CPU seconds of this process and of the children it waited for, while `run` ran."""
    before = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    run()
    after = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    own, children = (
        (a.ru_utime + a.ru_stime) - (b.ru_utime + b.ru_stime)
        for a, b in zip(after, before, strict=True)
    )
    return own, children


def git_log_floor(repo: Path, env: dict[str, str]) -> None:
    subprocess.run(
        ["git", "log", "-p", "--first-parent", "main"],
        cwd=repo, env=env, stdout=subprocess.DEVNULL, check=True,
    )  # fmt: skip


def full_pass(repo: Path, now: float, start: str | None = None) -> int:
    return sum(1 for _ in measure(repo, "main", now=now, start_after=start))


def build(repo: Path, commits: int, env: dict[str, str]) -> Builder:
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], env=env, check=True)
    builder = Builder(repo, env, seed=commits)
    with builder:
        builder.history(commits)
    return builder


def paired(runs: int, floor: Callable[[], object], ours: Callable[[], object]) -> list[float]:
    """Medians, taking turns: the floor's CPU, ours, the part of ours git spent, the ratio."""
    pairs = [(sum(cpu_of(floor)), cpu_of(ours)) for _ in range(runs)]
    return [
        statistics.median(a for a, _ in pairs),
        statistics.median(sum(b) for _, b in pairs),
        statistics.median(b[1] for _, b in pairs),
        statistics.median(sum(b) / a for a, b in pairs),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", default="5000,10000,20000")
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
            floor, ours, git, ratio = paired(
                options.runs, partial(git_log_floor, repo, env), partial(full_pass, repo, now)
            )
            print(
                f"{size:>7,} commits: git log -p --first-parent {floor:6.2f} s CPU | measure "
                f"{ours:6.2f} s CPU (git {git:5.2f} s) | ratio {ratio:4.2f} (target ≤ 5, aim 3) | "
                f"{ours / size * 1e6:4.0f} µs a commit",
                flush=True,
            )
        incremental(builder, options.runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def incremental(builder: Builder, runs: int) -> None:
    """A flush's pass after 50 more commits: from 30 days before the previous pass's now."""
    previous = builder.time
    with builder:
        builder.history(50)
    repo, now = builder.repo, float(builder.time)
    start = first_parent_before(repo, "main", previous - 30 * DAY)
    count = full_pass(repo, now, start)
    cpu, wall = [], []
    for _ in range(runs):
        began = time.perf_counter()
        cpu.append(sum(cpu_of(partial(full_pass, repo, now, start))))
        wall.append(time.perf_counter() - began)
    print(
        f"incremental pass after 50 new commits ({count:,} commits from 30 days before the "
        f"previous pass): {statistics.median(cpu):.3f} s CPU, {statistics.median(wall):.3f} s wall"
    )


if __name__ == "__main__":
    main()
