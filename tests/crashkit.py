"""Helpers for tests that kill real processes: synthetic spools and database snapshots."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from agent_git_tracker.capture import hook as capture
from agent_git_tracker.capture import spool
from agent_git_tracker.config.settings import load
from agent_git_tracker.store.db import open_store


def write_spool(db_path: Path, project: Path, count: int) -> Path:
    """A spool of `count` events for one repository: commits by two agents and humans,
    grades, bugs and tool uses, as the hooks and commands write them."""
    directory = Path(spool.repo_dir(f"{db_path}-spool", str(project / ".git")))
    spool.private_dir(str(directory))
    repo = {"project": str(project), "worktree": str(project)}
    lines = []
    for i in range(count):
        lines.append(capture.dumps(synthetic_event(i, repo)))
    (directory / spool.EVENTS).write_text("\n".join(lines) + "\n")
    return directory


def synthetic_event(i: int, repo: dict[str, str]) -> dict[str, Any]:
    base = {"id": f"{i:016x}-0-00000000", "time": 1_790_000_000 + i, **repo}
    kind = i % 4
    if kind in (0, 1):  # a commit (agent or human): hashes repeat for every 4 events
        agent_marker = ["CLAUDECODE"] if i % 8 == 0 else ["CODEX_SANDBOX"] if i % 8 == 4 else []
        facts = {
            "hash": f"{i:040x}",
            "parents": [],
            "author_name": "Ada",
            "author_email": "ada@example.com",
            "authored_at": "2026-01-01T00:00:00+00:00",
            "committer_name": "Ada",
            "committer_email": "ada@example.com",
            "committed_at": "2026-01-01T00:00:00+00:00",
            "message": f"change {i}\n",
            "files_changed": 1,
            "insertions": i % 7,
            "deletions": i % 3,
            "stats_capped": False,
            "branch": "main",
        }
        return {
            **base,
            "type": "commit",
            "commit": facts,
            "session": None,
            "declared": {},
            "markers": agent_marker,
        }
    if kind == 2:
        return {
            **base,
            "type": "grade",
            "commit": f"{(i - 2):040x}",
            "agent": "claude-code",
            "agent_grade": [1, 2, 5, -1][i % 4 - 2 + (i // 4) % 2],
            "user_grade": 2,
            "task": "t",
            "agent_note": "",
            "user_note": "",
        }
    if i % 40 == 3:
        return {**base, "type": "bug", "agent": "codex", "commit": None, "note": "n"}
    return {
        **base,
        "type": "tool" if i % 8 == 3 else "command",
        "agent": "claude-code",
        "name": "Edit",
        "failed": i % 16 == 7,
        "model": None,
        "setup": None,
    }


def snapshot(db_path: Path) -> dict[str, Any]:
    """Every record except the flush bookkeeping, which differs from run to run."""
    with open_store(load(db_path=str(db_path))) as store, store.reading() as view:
        return {k: v for k, v in view.scan("") if not k.startswith(("meta:batch:", "project:"))}


def flush_process(db_path: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "agent_git_tracker", "--db-path", str(db_path), "flush", "--all"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def run_and_kill(db_path: Path, delay: float) -> bool:
    """Start a flush and SIGKILL it after `delay` seconds; True if it was killed."""
    process = flush_process(db_path)
    time.sleep(delay)
    killed = process.poll() is None
    if killed:
        os.kill(process.pid, signal.SIGKILL)
    process.wait()
    return killed


def timed_flush(db_path: Path) -> float:
    start = time.perf_counter()
    process = flush_process(db_path)
    _, err = process.communicate()
    assert process.returncode == 0, err.decode()
    return time.perf_counter() - start
