"""The number of commits and retrospectives is kept in `meta:counts` by every write, so that
`report` and `db info` read one record instead of every page of theirs; `db info` says how
many more commits fit. Real LMDB in tmp dirs."""

from __future__ import annotations

from pathlib import Path

from agent_git_tracker.config.settings import load
from agent_git_tracker.ledger.flush import flush_repo
from agent_git_tracker.store import keys
from agent_git_tracker.store.db import open_store
from agent_git_tracker.store.views import COUNTED, COUNTS

from conftest import tracker
from crashkit import write_spool


def scanned(db: Path) -> dict[str, int]:
    with open_store(load(db_path=str(db))) as store, store.reading() as view:
        return {prefix: sum(1 for _ in view.keys(prefix)) for prefix in COUNTED}


def kept(db: Path) -> dict[str, int]:
    with open_store(load(db_path=str(db))) as store, store.reading() as view:
        assert view.get(COUNTS) is not None
        return {prefix: view.count(prefix) for prefix in COUNTED}


def test_the_counts_follow_every_write_and_delete(tmp_path: Path) -> None:
    db = tmp_path / "t.lmdb"
    directory = write_spool(db, tmp_path / "project", 400)
    with open_store(load(db_path=str(db))) as store:
        flush_repo(store, str(directory))
    assert kept(db) == scanned(db) and kept(db)["commit:"] > 0
    with open_store(load(db_path=str(db))) as store:
        with store.reading() as view:
            some = list(view.keys("commit:"))[:5] + list(view.keys("retrospective:"))[:3]
        with store.writing() as txn:
            for key in some:
                txn.put(key, txn.get(key))  # rewritten: no new record
        with store.writing() as txn:
            for key in some:
                txn.delete(key)
            txn.delete(keys.commit("/nowhere", "ab" * 20))  # absent: nothing to count
    assert kept(db) == scanned(db)


def test_a_database_written_before_the_counts_gets_them_at_its_next_write(
    tmp_path: Path,
) -> None:
    db = tmp_path / "t.lmdb"
    directory = write_spool(db, tmp_path / "project", 200)
    with open_store(load(db_path=str(db))) as store:
        flush_repo(store, str(directory))
        with store.writing() as txn:
            txn.delete(COUNTS)
            txn.put("meta:note", {"x": 1})  # counts nothing: they stay unknown
        with store.reading() as view:
            assert view.get(COUNTS) is None
            assert view.count("commit:") == scanned(db)["commit:"]
        with store.writing() as txn:
            txn.put(keys.commit("/elsewhere", "cd" * 20), {"agent_id": "human"})
    assert kept(db) == scanned(db)


def test_an_aborted_write_leaves_the_counts_as_they_were(tmp_path: Path) -> None:
    db = tmp_path / "t.lmdb"
    with open_store(load(db_path=str(db))) as store:
        with store.writing() as txn:
            txn.put(keys.commit("/p", "ab" * 20), {"agent_id": "human"})
        try:
            with store.writing() as txn:
                txn.put(keys.commit("/p", "cd" * 20), {"agent_id": "human"})
                raise RuntimeError
        except RuntimeError:
            pass
    assert kept(db) == scanned(db) == {"commit:": 1, "retrospective:": 0}


def test_db_info_says_how_many_more_commits_fit(tmp_path: Path) -> None:
    db = tmp_path / "t.lmdb"
    directory = write_spool(db, tmp_path / "project", 200)
    config = load(db_path=str(db), max_db_size="64MiB")
    with open_store(config) as store:
        flush_repo(store, str(directory))
        room = store.info()["room"]
    assert 0 < room["used"] < 64 * 1024**2
    assert room["free"] == 64 * 1024**2 - room["used"]
    assert room["more_commits"] == room["free"] // room["per_commit"]
    assert room["more_commits"] > 30_000


def test_db_info_prints_the_room_left(tmp_path: Path) -> None:
    out = tracker("--db-path", str(tmp_path / "t.lmdb"), "--max-db-size", "64MiB", "db", "info")
    line = next(x for x in out.stdout.splitlines() if x.startswith("room"))
    assert "more commits" in line and "64 MiB free" in line
