"""The outcome pass's 14-day survival against `git blame --first-parent`, on a real repository.

    python bench/eval_outcomes.py PATH/TO/REPO [--sample 100] [--branch HEAD]

For first-parent commits (merges aside, bulk commits aside), blame the files the commit wrote
at the state its 14-day window closes on, count the lines blame gives the commit, and compare
that share with `survival_14d`. Commits whose files were renamed or deleted in between are
skipped (blame would follow a rename of the whole file; counting that is not worth the code).
The two should agree exactly: both follow the same first-parent diffs.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import time
from pathlib import Path

from agent_git_tracker.history.outcomes import Outcome, measure
from agent_git_tracker.history.paths import counted

DAY = 86_400


def git(repo: Path, *args: str) -> bytes:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, check=True).stdout


def first_parent_line(repo: Path, branch: str) -> tuple[list[str], dict[str, int]]:
    out = git(repo, "rev-list", "--first-parent", "--reverse", "--timestamp", branch).decode()
    pairs = [line.split() for line in out.splitlines()]
    return [commit for _, commit in pairs], {commit: int(stamp) for stamp, commit in pairs}


def closing_state(order: list[str], times: dict[str, int], index: int) -> str:
    """The first-parent commit just before the first one dated after the 14-day window."""
    end = times[order[index]] + 14 * DAY
    later = (j for j in range(index + 1, len(order)) if times[order[j]] > end)
    after = next(later, None)
    return order[-1] if after is None else order[after - 1]


def blamed_share(repo: Path, outcome: Outcome, state: str) -> float | None:
    """The share of the commit's added lines blame gives it at `state`; None: skipped."""
    commit = outcome.commit
    stats = git(
        repo, "diff-tree", "--no-commit-id", "-r", "--no-renames", "--numstat", "-z", commit
    )
    text = [row.split(b"\t", 2) for row in stats.split(b"\0") if row.count(b"\t") == 2]
    paths = [path for added, _, path in text if added != b"-" and counted(path)]  # - : binary
    moved = git(
        repo, "diff", "--name-status", "-M", "-z", commit, state, "--", *map(bytes.decode, paths)
    )
    if any(field[:1] in (b"R", b"D") for field in moved.split(b"\0")):
        return None
    lines = 0
    for path in paths:
        where = f"{state}:{path.decode()}"
        kind = subprocess.run(
            ["git", "cat-file", "-t", where], cwd=repo, capture_output=True, check=False
        )
        if kind.stdout.strip() == b"blob":
            blame = git(
                repo, "blame", "--first-parent", "--line-porcelain", state, "--", path.decode()
            )
            lines += sum(line.startswith(commit.encode() + b" ") for line in blame.split(b"\n"))
    return lines / outcome.added


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("repo", type=Path)
    parser.add_argument("--sample", type=int, default=100)
    parser.add_argument("--branch", default="HEAD")
    options = parser.parse_args()
    repo = options.repo
    order, times = first_parent_line(repo, options.branch)
    started = time.perf_counter()
    outcomes = {o.commit: o for o in measure(repo, options.branch, now=time.time())}
    print(f"measured {len(outcomes):,} commits in {time.perf_counter() - started:.2f} s")
    chosen = [c for c in order if c in outcomes and outcomes[c].added and not outcomes[c].bulk]
    random.Random(1).shuffle(chosen)
    agree = differ = skipped = 0
    for commit in chosen[: options.sample]:
        outcome = outcomes[commit]
        share = blamed_share(repo, outcome, closing_state(order, times, order.index(commit)))
        if share is None:
            skipped += 1
        elif share == outcome.survival_14d:
            agree += 1
        else:
            differ += 1
            print(f"differ: {commit} measure {outcome.survival_14d} blame {share}")
    print(f"agree {agree}, differ {differ}, skipped {skipped}")


if __name__ == "__main__":
    main()
