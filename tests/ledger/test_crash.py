"""Exactly once: flushes killed with SIGKILL at many points lose nothing and apply nothing
twice. Real processes, real LMDB."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agent_git_tracker.capture import spool
from agent_git_tracker.config.settings import load
from agent_git_tracker.ledger.flush import flush_repo
from agent_git_tracker.store import keys
from agent_git_tracker.store.db import open_store

from conftest import tracker
from crashkit import run_and_kill, snapshot, timed_flush, write_spool


def reference(tmp_path: Path, count: int) -> tuple[dict[str, object], float]:
    """The records a single uninterrupted flush writes, and how long it takes."""
    db = tmp_path / "reference" / "t.lmdb"
    write_spool(db, tmp_path / "project", count)
    return snapshot_after(db, timed_flush(db))


def snapshot_after(db: Path, seconds: float) -> tuple[dict[str, object], float]:
    return snapshot(db), seconds


def kill_points(tmp_path: Path, count: int, points: int) -> None:
    expected, seconds = reference(tmp_path, count)
    stages = set()
    for n in range(points):
        db = tmp_path / f"run{n}" / "t.lmdb"
        directory = write_spool(db, tmp_path / "project", count)
        delay = seconds * 1.3 * n / (points - 1)
        killed = run_and_kill(db, delay)
        stages.add(_stage(db, directory, killed))
        timed_flush(db)  # the next flush finishes the job
        assert snapshot(db) == expected, f"kill after {delay:.3f}s changed the totals"
        assert spool.pending_files(str(directory)) == []
    # The kills landed before the claim and between the claim and the commit, at least.
    assert {"before claim", "claimed, not committed"} <= stages, stages


def _stage(db: Path, directory: Path, killed: bool) -> str:
    if not killed:
        return "done"
    if (directory / spool.EVENTS).exists():
        return "before claim"
    if not spool.batches(str(directory)):
        return "done"
    if not db.exists():
        return "claimed, not committed"
    with open_store(load(db_path=str(db))) as store, store.reading() as view:
        applied = view.count("meta:batch:") > 0
    return "committed, not removed" if applied else "claimed, not committed"


def test_flush_killed_at_several_points_applies_every_event_once(tmp_path: Path) -> None:
    kill_points(tmp_path, count=2000, points=12)


@pytest.mark.slow
def test_ten_thousand_events_killed_at_fifty_points(tmp_path: Path) -> None:
    kill_points(tmp_path, count=10_000, points=50)


def test_killed_after_commit_before_the_spool_was_removed(tmp_path: Path) -> None:
    """The narrowest window, made exact: the batch file outlives the committed transaction."""
    db = tmp_path / "t.lmdb"
    directory = write_spool(db, tmp_path / "project", 200)
    config = load(db_path=str(db))
    with open_store(config) as store:
        batch = spool.claim(str(directory))[0]
        kept = Path(f"{batch}.kept")
        shutil.copy(batch, kept)
        flush_repo(store, str(directory))
        first = snapshot(db)
        kept.rename(batch)  # as if the process died before removing it
        again = flush_repo(store, str(directory))
    assert again.events == 0 and again.puts > 0  # only bookkeeping was written
    assert snapshot(db) == first
    assert spool.pending_files(str(directory)) == []


def test_appends_killed_at_random_points_leave_whole_events_only(repo: Path, db_path: Path) -> None:
    """SIGKILL during the hook's append: each event is in the spool whole or not at all, and
    the next flush counts every whole one exactly once."""
    rng = random.Random(7)
    started = finished = 0
    for n in range(60):
        process = subprocess.Popen(
            [sys.executable, "-m", "agent_git_tracker", "track", "tool", "--agent", "a"],
            cwd=repo,
            stderr=subprocess.DEVNULL,
        )
        started += 1
        if n % 3:
            time.sleep(rng.uniform(0.0, 0.12))
            if process.poll() is None:
                os.kill(process.pid, signal.SIGKILL)
        finished += process.wait() == 0
    events = next(Path(f"{db_path}-spool").glob("*/events.jsonl"))
    whole = [line for line in events.read_text().splitlines() if line.strip()]
    assert finished <= len(whole) <= started
    out = json.loads(tracker("flush", "--json", cwd=repo).stdout)
    assert out["repositories"][0]["rejected_lines"] == 0
    with open_store(load()) as store, store.reading() as view:
        agent = view.get(keys.agent("a"))
    assert agent is not None and agent["tool_uses"] == len(whole)
