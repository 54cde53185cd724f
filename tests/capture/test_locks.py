"""No lock makes git wait: a process stopped (SIGSTOP) while it holds the spool's lock, the
flush lock, or the database inside a real write transaction. Commits, tool uses and pushes go
on; every event is kept and recorded at the next flush."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from agent_git_tracker.config.settings import load
from agent_git_tracker.store.db import open_store

from conftest import commit, git

# A hang would show as a timeout, never as a slow pass: tests never assert wall-clock times.
HANG = 60

HOLD_SPOOL = """
import os, signal, sys
from agent_git_tracker.capture import spool
spool.Locked(sys.argv[1], sys.argv[2]).__enter__()
print("held", flush=True)
os.kill(os.getpid(), signal.SIGSTOP)
"""

HOLD_WRITE = """
import os, signal
from agent_git_tracker.config.settings import load
from agent_git_tracker.store.db import open_store
store = open_store(load())
with store.writing() as txn:
    txn.put("meta:never-committed", {"x": 1})
    print("held", flush=True)
    os.kill(os.getpid(), signal.SIGSTOP)
"""


@contextmanager
def stopped(code: str, *args: str) -> Iterator[None]:
    """A real process that takes a lock and stops itself while holding it."""
    holder = subprocess.Popen(
        [sys.executable, "-c", code, *args], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        while Path(f"/proc/{holder.pid}/stat").read_text().split(") ")[1][0] != "T":
            time.sleep(0.01)
        yield
    finally:
        holder.kill()
        holder.wait()


def run(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=HANG,
        check=False,
    )


def tracker_args(*args: str) -> list[str]:
    return [sys.executable, "-m", "agent_git_tracker", *args]


def ours(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "agent-git-tracker" in line]


def spool_folder(db_path: Path) -> Path:
    return next(Path(f"{db_path}-spool").glob("*-*"))


def recorded(prefix: str) -> dict[str, dict[str, object]]:
    with open_store(load()) as store, store.reading() as view:
        return dict(view.scan(prefix))


def test_a_stopped_process_holding_the_spool_lock(repo: Path, db_path: Path) -> None:
    commit(repo, "first")
    folder = spool_folder(db_path)
    with stopped(HOLD_SPOOL, str(folder), "lock"):
        (repo / "b.txt").write_text("b\n")
        git(repo, "add", "b.txt")
        made = run(repo, "git", "commit", "-q", "-m", "while locked", env={"CLAUDECODE": "1"})
        assert made.returncode == 0, made.stderr
        assert len(ours(made.stderr)) == 1 and "locked by another process" in made.stderr
        assert f"kept in {folder}/batch-" in made.stderr
        used = run(repo, *tracker_args("track", "tool", "--agent", "codex", "--tool", "Edit"))
        assert used.returncode == 0 and "kept in" in used.stderr
    pushed = run(repo, "git", "push", "-q", "origin", "HEAD:main")
    assert pushed.returncode == 0 and ours(pushed.stderr) == []
    assert len(recorded("commit:")) == 2
    assert recorded("agent:")["agent:codex"]["tool_uses"] == 1
    assert list(folder.glob("batch-*")) == []


def test_a_stopped_flush_never_blocks_a_push(repo: Path, db_path: Path) -> None:
    commit(repo, "first")
    folder = spool_folder(db_path)
    with stopped(HOLD_SPOOL, str(folder), "flush.lock"):
        commit(repo, "second")  # commits never take the flush lock
        pushed = run(repo, "git", "push", "-q", "origin", "HEAD:main")
        assert pushed.returncode == 0, pushed.stderr
        assert len(ours(pushed.stderr)) == 1 and "another flush" in pushed.stderr
        assert "left for the next flush" in pushed.stderr
        flushed = run(repo, *tracker_args("flush"))
        assert flushed.returncode == 1 and "left for the next flush" in flushed.stderr
    assert recorded("commit:") == {}
    commit(repo, "third")
    git(repo, "push", "-q", "origin", "HEAD:main")
    assert len(recorded("commit:")) == 3


def test_a_stopped_writer_inside_a_write_transaction(repo: Path, db_path: Path) -> None:
    commit(repo, "first")
    git(repo, "push", "-q", "origin", "HEAD:main")
    with stopped(HOLD_WRITE):
        second = commit(repo, "second")
        used = run(repo, *tracker_args("track", "command", "--agent", "codex", "--name", "x"))
        assert used.returncode == 0 and ours(used.stderr) == []
        (repo / "c.txt").write_text("c\n")
        git(repo, "add", "c.txt")
        git(repo, "commit", "-q", "-m", "third")
        pushed = run(repo, "git", "push", "-q", "origin", "HEAD:main")
        assert pushed.returncode == 0, pushed.stderr
        assert len(ours(pushed.stderr)) == 1 and "is busy" in pushed.stderr
        assert "left for the next flush" in pushed.stderr
        status = run(repo, *tracker_args("status", "--json"))  # readers never wait
        assert json.loads(status.stdout)["pending_events"] == 3
    assert len(recorded("commit:")) == 1
    flushed = run(repo, *tracker_args("flush"))
    assert flushed.returncode == 0, flushed.stderr
    commits = recorded("commit:")
    assert len(commits) == 3 and any(second in key for key in commits)
    assert recorded("meta:never") == {}
