"""Reading the agents' logs survives a kill at any instant: real processes (`scan` and the
pre-push hook) killed at random moments while they read, then one that finishes, store what a
clean run stores: each turn once, the same tokens per commit, the same cursors."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from agent_git_tracker.config.settings import load
from agent_git_tracker.store.db import open_store

from conftest import git
from logfiles import T, append, claude_response, claude_transcript, commit_at

SESSIONS = [f"5b539e53-47c8-4996-bc4e-3896a787c8{n:02d}" for n in range(3)]
SIGNED = "\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\n"
PADDING = "x" * 3000  # what a real response carries besides its usage: text, thinking, code


def run(repo: Path, db: Path, *args: str, stdin: str | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "agent_git_tracker", *args],
        cwd=repo,
        env={**os.environ, "AGENT_TRACKER_DB_PATH": str(db)},
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def finish(process: subprocess.Popen[bytes]) -> None:
    process.communicate(b"" if process.stdin else None)
    assert process.returncode == 0


def kept(db: Path) -> dict[str, Any]:
    """What the logs gave: the sessions, cursors and indexes, and every commit's usage."""
    with open_store(load(db_path=str(db))) as store, store.reading() as view:
        found = {k: v for k, v in view.scan("meta:logs:")}
        found.update({k: v.get("usage") for k, v in view.scan("commit:")})
    return found


def history(hermetic: Path, repo: Path) -> None:
    """Three Claude Code sessions of a few thousand responses each, and commits among them."""
    here = repo.resolve()
    for n, session in enumerate(SESSIONS):
        lines = [
            claude_response(
                session, here, T + n * 3000 + i, f"msg_{n}_{i}", (i % 97, 5, 0, i)
            ).replace('"Working on it."', f'"{PADDING}"')
            for i in range(2500)
        ]
        append(claude_transcript(hermetic, session, f"-app-{n}"), *lines)
        for i in (400, 1300, 2200):
            commit_at(repo, T + n * 3000 + i + 0.5, f"change {n}-{i}{SIGNED}")


@pytest.mark.slow
def test_reading_killed_at_random_stores_each_turn_once(
    hermetic: Path, repo: Path, tmp_path: Path
) -> None:
    git(repo, "config", "core.hooksPath", "/dev/null")  # the history was made before the hooks
    history(hermetic, repo)
    clean, crashed = tmp_path / "clean.lmdb", tmp_path / "crashed.lmdb"
    finish(run(repo, clean, "scan"))
    expected = kept(clean)
    assert sum(1 for k in expected if k.startswith("meta:logs:session:")) == 3
    rng = random.Random(20261130)
    killed = 0
    for attempt in range(10):
        args = ("scan",) if attempt % 2 == 0 else ("hook", "pre-push")
        process = run(repo, crashed, *args, stdin="" if args[0] == "hook" else None)
        time.sleep(rng.uniform(0.2, 2.5))
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            killed += 1
        process.wait()
    assert killed >= 4
    finish(run(repo, crashed, "scan"))
    assert kept(crashed) == expected
