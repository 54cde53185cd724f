"""`flush --all` writes many repositories' spools in one transaction: the same records as a
flush of each, the agents' counters replayed once, and a run killed at any instant and run
again lands every event once. Real LMDB, real processes killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from agent_git_tracker.config.settings import load
from agent_git_tracker.ledger import flush
from agent_git_tracker.ledger.flush import flush_all, flush_repo
from agent_git_tracker.store.db import Store, open_store

from crashkit import snapshot, write_spool

REPOSITORIES = 6


def spools(db: Path, tmp_path: Path, events: int) -> list[Path]:
    return [write_spool(db, tmp_path / f"project{n}", events) for n in range(REPOSITORIES)]


def transactions(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the write transactions opened from now on."""
    opened: list[int] = []
    writing = Store.writing

    def counted(self: Store, *args: Any, **kwargs: Any) -> Any:
        opened.append(1)
        return writing(self, *args, **kwargs)

    monkeypatch.setattr(Store, "writing", counted)
    return opened


def test_flush_all_writes_every_repository_in_one_transaction_as_each_flush_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    each = tmp_path / "each" / "t.lmdb"
    with open_store(load(db_path=str(each))) as store:
        for directory in spools(each, tmp_path, 120):
            assert flush_repo(store, str(directory)).events == 120
    together = tmp_path / "together" / "t.lmdb"
    spools(together, tmp_path, 120)
    with open_store(load(db_path=str(together))) as store:
        opened = transactions(monkeypatch)
        results = flush_all(store)
    assert len(opened) == 1
    assert [r.events for r in results] == [120] * REPOSITORIES
    assert all(r.outcome.agents for r in results)
    assert snapshot(together) == snapshot(each)


def test_flush_all_takes_a_transaction_per_group_of_repositories(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "t.lmdb"
    spools(db, tmp_path, 40)
    monkeypatch.setattr(flush, "GROUP", 4)
    with open_store(load(db_path=str(db))) as store:
        opened = transactions(monkeypatch)
        results = flush_all(store)
        again = flush_all(store)
    assert len(opened) == 2
    assert sum(r.events for r in results) == 40 * REPOSITORIES
    assert sum(r.events for r in again) == 0


def flush_all_process(db: Path) -> subprocess.Popen[bytes]:
    code = (
        "import sys\n"
        "from agent_git_tracker.ledger import flush\n"
        "flush.GROUP = 4\n"
        "from agent_git_tracker.cli import main\n"
        "sys.exit(main(['--db-path', sys.argv[1], 'flush', '--all']))\n"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code, str(db)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def test_a_flush_all_killed_at_any_instant_and_run_again_lands_every_event_once(
    tmp_path: Path,
) -> None:
    reference = tmp_path / "reference" / "t.lmdb"
    spools(reference, tmp_path, 400)
    start = time.perf_counter()
    process = flush_all_process(reference)
    assert process.wait() == 0, process.stderr.read() if process.stderr else ""
    seconds = time.perf_counter() - start
    expected = snapshot(reference)
    for n in range(7):
        db = tmp_path / f"run{n}" / "t.lmdb"
        spools(db, tmp_path, 400)
        process = flush_all_process(db)
        time.sleep(seconds * (0.15 + 0.15 * n))
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        process.wait()
        again = flush_all_process(db)
        _, err = again.communicate()
        assert again.returncode == 0, err.decode()
        assert snapshot(db) == expected, f"killed after {0.15 + 0.15 * n:.2f} of the flush"
