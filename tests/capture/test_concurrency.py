"""Eight processes commit at once, in separate repositories and in worktrees of one
repository, while grades and flushes run: every event lands exactly once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from agent_git_tracker.config.settings import load
from agent_git_tracker.store import keys
from agent_git_tracker.store.db import open_store

from conftest import HOOK, commit, git, tracker

COMMITS = 12
WORKER = """
import os, subprocess, sys
repo, agent, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
env = {**os.environ, "AGENT_TRACKER_AGENT": agent}
for i in range(count):
    path = os.path.join(repo, f"{agent}-{os.getpid()}-{i}.txt")
    open(path, "w").write(str(i))
    subprocess.run(["git", "add", path], cwd=repo, check=True, env=env)
    done = subprocess.run(["git", "commit", "-q", "-m", f"{agent} {i}"], cwd=repo, env=env,
                          capture_output=True, text=True)
    sys.stderr.write(done.stderr)
    assert done.returncode == 0
"""
GRADER = """
import subprocess, sys, time
repos = sys.argv[1:]
tracker = [sys.executable, "-m", "agent_git_tracker"]
for round in range(6):
    for repo in repos:
        out = subprocess.run([*tracker, "grade", "--agent-grade", "good", "--user-grade",
                              "neutral"], cwd=repo, capture_output=True, text=True)
        sys.stderr.write(out.stderr)
    out = subprocess.run([*tracker, "flush", "--all"], capture_output=True, text=True)
    sys.stderr.write(out.stderr)
    time.sleep(0.2)
"""


def with_hooks(path: Path) -> Path:
    for name in ("post-commit", "post-rewrite", "pre-push"):
        hook = path / ".git" / "hooks" / name
        hook.write_text(HOOK.format(python=sys.executable, name=name))
        hook.chmod(0o755)
    return path


def test_eight_committers_with_grades_and_flushes(tmp_path: Path, db_path: Path) -> None:
    separate = []
    for n in range(4):
        repo = tmp_path / f"repo{n}"
        git(tmp_path, "init", "-q", str(repo))
        separate.append(with_hooks(repo))
        commit(repo, "start")
    main = tmp_path / "main"
    git(tmp_path, "init", "-q", str(main))
    with_hooks(main)
    commit(main, "start")
    trees = [main]
    for n in range(3):
        trees.append(tmp_path / f"tree{n}")
        git(main, "worktree", "add", "-q", "-b", f"tree{n}", str(trees[-1]))
    committers = [*separate, *trees]
    worker = tmp_path / "worker.py"
    worker.write_text(WORKER)
    grader = tmp_path / "grader.py"
    grader.write_text(GRADER)
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                str(worker),
                str(repo),
                "claude-code" if n % 2 else "codex",
                str(COMMITS),
            ],
            stderr=subprocess.PIPE,
            text=True,
        )
        for n, repo in enumerate(committers)
    ]
    processes.append(
        subprocess.Popen(
            [sys.executable, str(grader), *map(str, committers)], stderr=subprocess.PIPE, text=True
        )
    )
    errors = [p.communicate()[1] for p in processes]
    assert all(p.returncode == 0 for p in processes), errors
    noise = "\n".join(errors)
    assert "lmdb" not in noise.lower() and "Traceback" not in noise
    tracker("flush", "--all")

    hashes = {(str(r), h) for r in separate for h in git(r, "log", "--format=%H").split()}
    hashes |= {(str(main), h) for t in trees for h in git(t, "log", "--format=%H").split()}
    with open_store(load()) as store, store.reading() as view:
        commits = dict(view.scan("commit:"))
        agents = {k: v for k, v in view.scan("agent:")}
    assert set(commits) == {keys.commit(p, h) for p, h in hashes}
    by_agent = {"claude-code": 0, "codex": 0}
    for record in commits.values():
        if record["kind"] == "agent":
            by_agent[record["agent_id"]] += 1
    assert by_agent == {"claude-code": 4 * COMMITS, "codex": 4 * COMMITS}
    for agent, count in by_agent.items():
        assert agents[keys.agent(agent)]["total_commits"] == count
    assert os.listdir(f"{db_path}-spool")  # spool folders remain, empty of events
    leftovers = [p for p in Path(f"{db_path}-spool").rglob("*.jsonl")]
    assert leftovers == []
