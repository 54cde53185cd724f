"""The same history gives the same numbers, whatever the flushes in between: one scripted
history (grades, a fixup, an amend, re-grades, a squash, a bug) replayed through real git and
the command line under every choice of flush points; `status --json` and `export` must match."""

from __future__ import annotations

import itertools
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import HOOK, git, tracker

AGENT = {"CLAUDECODE": "1"}
START = 1_780_000_000  # fixed dates: every run makes the very same commits


def at(step: int) -> dict[str, str]:
    date = f"@{START + step * 3600} +0000"
    return {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}


def make(repo: Path, name: str, step: int, message: str | None = None) -> None:
    (repo / f"{name}.txt").write_text(f"{name}\n")
    git(repo, "add", f"{name}.txt")
    git(repo, "commit", "-q", "-m", message or name, env={**AGENT, **at(step)})


def rebase(repo: Path, step: int, sequence: str, onto: str) -> None:
    """An interactive rebase whose todo list `sequence` edits (a sed script)."""
    editor = f"sed -i '{sequence}'"
    env = {**at(step), "GIT_SEQUENCE_EDITOR": editor, "GIT_EDITOR": "true"}
    git(repo, "rebase", "-q", "-i", onto, env=env)


def grade(repo: Path, agent_grade: str, user_grade: str) -> None:
    tracker("grade", "--agent-grade", agent_grade, "--user-grade", user_grade, cwd=repo)


def step_graded_pair(repo: Path) -> None:
    make(repo, "a", 1)
    grade(repo, "excellence", "excellence")
    make(repo, "b", 2)
    grade(repo, "bad", "bad")


def step_fixup(repo: Path) -> None:
    rebase(repo, 3, "2s/^pick/fixup/", "HEAD~2")


def step_amend_and_regrade(repo: Path) -> None:
    make(repo, "d", 4)
    (repo / "d.txt").write_text("d, amended\n")
    git(repo, "commit", "-q", "-a", "--amend", "--no-edit", env={**AGENT, **at(5)})
    grade(repo, "good", "good")
    grade(repo, "bad", "neutral")


def step_squash(repo: Path) -> None:
    make(repo, "e", 6)
    make(repo, "f", 7)
    rebase(repo, 8, "2s/^pick/squash/", "HEAD~2")


def step_bug(repo: Path) -> None:
    tracker("bug", "--commit", "HEAD", "--note", "broke it", cwd=repo)


STEPS: list[Callable[[Path], None]] = [
    step_graded_pair,
    step_fixup,
    step_amend_and_regrade,
    step_squash,
    step_bug,
]


def fresh_repo(base: Path) -> Path:
    work = base / "work"
    base.mkdir(parents=True)
    git(base, "init", "-q", str(work))
    git(work, "commit", "-q", "--allow-empty", "-m", "root", env=at(0))
    for name in ("post-commit", "post-rewrite", "pre-push"):
        hook = work / ".git" / "hooks" / name
        hook.write_text(HOOK.format(python=sys.executable, name=name))
        hook.chmod(0o755)
    return work


_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?")
_VOLATILE = re.compile(r"\b[0-9]{13,14}\b|[0-9a-f]{16}-[0-9a-f]+-[0-9a-f]{8}|run[0-9]+")


def normal(text: str) -> object:
    """Output with the moments of this run (grades and bugs given now) left out."""
    return json.loads(_VOLATILE.sub("ID", _TIME.sub("TIME", text)))


def run(base: Path, db: Path, flushes: tuple[bool, ...]) -> tuple[object, object]:
    work = fresh_repo(base)
    env = {"AGENT_TRACKER_DB_PATH": str(db)}
    for step, flush in zip(STEPS, flushes, strict=True):
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("AGENT_TRACKER_DB_PATH", str(db))
            step(work)
            if flush:
                tracker("flush", cwd=work)
    tracker("flush", cwd=work, env=env)
    status = tracker("status", "--json", cwd=work, env=env).stdout
    exported = tracker("export", cwd=work, env=env).stdout.splitlines()[1:]
    records = [normal(line) for line in exported]
    kept = [r for r in records if isinstance(r, dict) and not r["key"].startswith("meta:batch")]
    return normal(status), sorted(kept, key=json.dumps)


def check_orders(tmp_path: Path, orders: list[tuple[bool, ...]]) -> None:
    results = {}
    for n, flushes in enumerate(orders):
        results[flushes] = run(tmp_path / f"run{n}", tmp_path / f"db{n}" / "t.lmdb", flushes)
    first = results[orders[0]]
    for flushes, result in results.items():
        assert result[0] == first[0], f"status differs with flushes after steps {flushes}"
        assert result[1] == first[1], f"records differ with flushes after steps {flushes}"
    status = first[0]
    assert isinstance(status, dict)
    [agent] = status["agents"]
    # a+b folded: one commit with b's later grade (bad/bad: −2); d amended: one commit whose
    # latest grade (bad/neutral: 0) counts; e+f squashed: one commit, then a bug on it.
    assert (agent["total_commits"], agent["communication_score"], agent["total_bugs"]) == (3, 58, 1)


def test_a_few_flush_orders_reach_the_same_state(tmp_path: Path) -> None:
    none, every = (False,) * len(STEPS), (True,) * len(STEPS)
    alternate = tuple(i % 2 == 0 for i in range(len(STEPS)))
    check_orders(tmp_path, [none, every, alternate])


@pytest.mark.slow
def test_every_flush_order_reaches_the_same_state(tmp_path: Path) -> None:
    check_orders(tmp_path, list(itertools.product((False, True), repeat=len(STEPS))))
