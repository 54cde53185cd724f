"""Schemas 3 (`compact-records`) and 4 (`deflate-with-shared-words`): a database of an earlier
schema is upgraded when it is opened, reads the same record for record, takes less room, and
an upgrade killed at any point goes on at the next open. Real LMDB, real processes killed with
SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import zlib
from pathlib import Path
from typing import Any

import lmdb

from agent_git_tracker.config.settings import load
from agent_git_tracker.ledger.flush import flush_repo
from agent_git_tracker.store import compact, keys, pairs, upgrade, words
from agent_git_tracker.store.db import open_store

from crashkit import write_spool

UPGRADE = keys.meta("upgrade:compact-records")


def records(db: Path) -> dict[str, Any]:
    """The records, but for when each upgrade step ran."""
    with open_store(load(db_path=str(db))) as store, store.reading() as view:
        return {k: v for k, v in view.scan("") if not k.startswith(keys.meta("upgrade:"))}


def flushed(db: Path, events: int) -> dict[str, Any]:
    """A database written by real flushes; its records."""
    directory = write_spool(db, db.parent / "project", events)
    with open_store(load(db_path=str(db))) as store:
        flush_repo(store, str(directory))
    return records(db)


def as_schema_2(db: Path, wanted: dict[str, Any]) -> None:
    """The same records as schema 2 stored them: plain JSON under every record's own key."""
    env = lmdb.open(str(db), subdir=False, max_dbs=0, map_size=64 << 20)
    with env.begin(write=True) as txn:
        txn.drop(env.open_db(), delete=False)
        for key, value in wanted.items():
            txn.put(keys.to_bytes(key), compact.dumps(value))
        txn.put(b"meta:schema", b'{"version":2}')
    env.close()


def stored(db: Path) -> dict[str, bytes]:
    env = lmdb.open(str(db), subdir=False, readonly=True, lock=False)
    with env.begin() as txn:
        found = {keys.from_bytes(k): bytes(v) for k, v in txn.cursor()}
    env.close()
    return found


def test_schema_2_is_upgraded_on_open_and_reads_the_same(tmp_path: Path) -> None:
    db = tmp_path / "t.lmdb"
    expected = flushed(db, 800)
    assert expected[keys.meta("schema")] == {"version": upgrade.VERSION}
    as_schema_2(db, {**expected, keys.meta("schema"): {"version": 2}})
    plain = stored(db)
    assert records(db) == expected
    after = stored(db)
    assert after[UPGRADE.encode().decode()]  # the step is recorded
    grades = [k for k in plain if k.startswith("communication:")]
    assert len([k for k in after if k.startswith("communication:")]) == len(grades) // 2
    assert all(pairs.is_pair(after[k]) for k in after if k.startswith("communication:"))
    assert not any(k.startswith("meta:upgrade-progress") for k in after)
    assert sum(map(len, after.values())) < sum(map(len, plain.values())) / 2


def as_schema_3(db: Path) -> dict[str, bytes]:
    """The database as schema 3 stored it: records of a layout deflated alone, and only when
    longer than `compact.DEFLATE_OVER`. Returns what schema 4 stores."""
    now = stored(db)
    env = lmdb.open(str(db), subdir=False, max_dbs=0, map_size=64 << 20)
    with env.begin(write=True) as txn:
        for key, raw in now.items():
            if raw[0] == compact.SHARED:
                inner = zlib.decompressobj(-15, words.WORDS).decompress(raw[1:])
                short = len(inner) <= compact.DEFLATE_OVER
                txn.put(key.encode(), inner if short else compact._deflated(inner, 2))
        txn.put(b"meta:schema", b'{"version":3}')
    env.close()
    return now


def test_schema_3_records_are_deflated_against_the_shared_words(tmp_path: Path) -> None:
    db = tmp_path / "t.lmdb"
    expected = flushed(db, 800)
    schema_4 = as_schema_3(db)
    schema_3 = stored(db)
    assert sum(raw[0] == compact.SHARED for raw in schema_4.values()) > 100
    assert not any(raw[0] == compact.SHARED for raw in schema_3.values())
    assert records(db) == expected
    after = stored(db)
    assert after.pop(keys.meta("upgrade:deflate-with-shared-words"))
    assert after == {k: v for k, v in schema_4.items() if not k.startswith("meta:upgrade:")}
    assert sum(map(len, after.values())) < 0.85 * sum(map(len, schema_3.values()))


def upgrade_process(db: Path) -> subprocess.Popen[bytes]:
    """A command opening the database, with small chunks so that it takes many steps."""
    code = (
        "import sys\n"
        "from agent_git_tracker.store import upgrade\n"
        "upgrade.CHUNK = 40\n"
        "from agent_git_tracker.config.settings import load\n"
        "from agent_git_tracker.store.db import open_store\n"
        "open_store(load(db_path=sys.argv[1])).close()\n"
    )
    return subprocess.Popen([sys.executable, "-c", code, str(db)], stderr=subprocess.PIPE)


def test_an_upgrade_killed_at_any_point_goes_on_at_the_next_open(tmp_path: Path) -> None:
    source = tmp_path / "source" / "t.lmdb"
    source.parent.mkdir()
    expected = flushed(source, 1600)
    schema_2 = {**expected, keys.meta("schema"): {"version": 2}}
    reference = tmp_path / "reference" / "t.lmdb"
    reference.parent.mkdir()
    as_schema_2(reference, schema_2)
    start = time.perf_counter()
    assert upgrade_process(reference).wait() == 0
    seconds = time.perf_counter() - start
    stages = set()
    for n in range(8):
        db = tmp_path / f"run{n}" / "t.lmdb"
        db.parent.mkdir()
        as_schema_2(db, schema_2)
        process = upgrade_process(db)
        time.sleep(seconds * (0.15 + 0.9 * n / 7))
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        process.wait()
        now = stored(db)
        stages.add(
            "part way"
            if b"upgrade-progress" in b"".join(k.encode() for k in now)
            else "done"
            if UPGRADE in now
            else "not begun"
        )
        assert records(db) == expected, f"killed after {n}/7 of the upgrade"
        assert stored(db).keys() == stored(reference).keys()
    assert "part way" in stages, stages


def as_schema_1(db: Path, commits: int) -> None:
    """A database as schema 1 stored it: grade keys without their project, bug keys without
    a unique id, plain JSON."""
    env = lmdb.open(str(db), subdir=False, max_dbs=0, map_size=64 << 20)
    with env.begin(write=True) as txn:
        for n in range(commits):
            commit_hash, agent = f"{n:040x}", ("claude-code", "codex")[n % 2]
            when = f"2026-01-{n % 28 + 1:02d}T10:00:00.000+00:00"
            record = {"agent_id": agent, "kind": "agent", "project_path": "/home/ada/p"}
            record |= {"timestamp": when, "subject": f"change {n}", "task_description": "t"}
            writes = {
                keys.commit("/home/ada/p", commit_hash): record,
                f"communication:{agent}:{commit_hash}:{2 * n}": {"grade": 2, "agent_id": agent},
                f"communication:{agent}:{commit_hash}:{2 * n + 1}": {"grade": 5},
                f"retrospective:{agent}:{commit_hash}": {"agent_grade": 2, "user_grade": 5},
                f"bug:{agent}:{when[:-6]}{n:03d}+00:00": {"note": f"bug {n}"},
            }
            for key, value in writes.items():
                txn.put(keys.to_bytes(key), compact.dumps(value))
        txn.put(b"meta:schema", b'{"version":1}')
    env.close()


settled = records


def test_schema_1_goes_through_2_to_3_however_often_it_is_killed(tmp_path: Path) -> None:
    reference = tmp_path / "reference" / "t.lmdb"
    reference.parent.mkdir()
    as_schema_1(reference, 300)
    start = time.perf_counter()
    assert upgrade_process(reference).wait() == 0
    seconds = time.perf_counter() - start
    expected = settled(reference)
    assert expected[keys.meta("schema")] == {"version": upgrade.VERSION}
    assert keys.retrospective("codex", "/home/ada/p", f"{1:040x}") in expected
    assert not any(k.count(":") == 2 for k in expected if k.startswith("retrospective:"))
    names = {k for k in stored(reference) if k.startswith(keys.meta("upgrade:"))}
    assert names == {keys.meta(f"upgrade:{name}") for _, name, _ in upgrade.STEPS}
    for n in range(6):
        db = tmp_path / f"run{n}" / "t.lmdb"
        db.parent.mkdir()
        as_schema_1(db, 300)
        process = upgrade_process(db)
        time.sleep(seconds * (0.1 + 0.2 * n))
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        process.wait()
        assert settled(db) == expected, f"killed after {0.1 + 0.2 * n:.1f} of the upgrade"
        assert stored(db).keys() == stored(reference).keys()
