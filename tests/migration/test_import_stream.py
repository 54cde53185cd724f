"""`import` streams an export file: batches of their own transactions, each recorded, so that
an import killed at any point and run again lands every record once and says what the whole
import wrote; a file that cannot fit is refused before anything is written. Real LMDB, real
processes killed with SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from agent_git_tracker.config.settings import load
from agent_git_tracker.errors import TrackerError
from agent_git_tracker.ledger.flush import flush_repo
from agent_git_tracker.migration import transfer
from agent_git_tracker.migration.transfer import export_file, import_
from agent_git_tracker.store import keys, upgrade
from agent_git_tracker.store.db import open_store

from crashkit import write_spool

LOCAL = (keys.meta("schema"), keys.meta("upgrade:"), keys.meta("batch:"), "project:")


def records(db: Path) -> dict[str, Any]:
    """Every record but the bookkeeping that differs from machine to machine."""
    with open_store(load(db_path=str(db))) as store, store.reading() as view:
        return {k: v for k, v in view.scan("") if not k.startswith(LOCAL)}


def exported_history(tmp_path: Path, events: int) -> Path:
    """An export of a database written by real flushes."""
    db = tmp_path / "source" / "t.lmdb"
    directory = write_spool(db, tmp_path / "project", events)
    config = load(db_path=str(db))
    with open_store(config) as store:
        flush_repo(store, str(directory))
    out = tmp_path / "history.jsonl"
    export_file(config, out)
    return out


def import_process(db: Path, source: Path) -> subprocess.Popen[str]:
    """`import` in its own process, with small batches so that it takes many transactions."""
    code = (
        "import sys\n"
        "from agent_git_tracker.migration import importing\n"
        "importing.BATCH = 150\n"
        "from agent_git_tracker.cli import main\n"
        "sys.exit(main(['--db-path', sys.argv[1], 'import', sys.argv[2]]))\n"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code, str(db), str(source)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def batches_done(db: Path) -> int:
    """How many batches of an import under way the database records."""
    if not db.exists():
        return 0
    with open_store(load(db_path=str(db))) as store, store.reading() as view:
        return sum(1 for _ in view.scan(keys.meta("import:")))


def wait_for_batches(process: subprocess.Popen[str], db: Path, count: int) -> None:
    """Until the import has recorded `count` batches (or has ended)."""
    deadline = time.monotonic() + 120
    while process.poll() is None and time.monotonic() < deadline:
        if batches_done(db) >= count:
            return
        time.sleep(0.01)


def summary(out: str) -> str:
    """The line that says how many records were written and present."""
    return next(line for line in out.splitlines() if "already present" in line)


def test_an_import_killed_at_any_point_and_run_again_lands_every_record_once(
    tmp_path: Path,
) -> None:
    source = exported_history(tmp_path, 2400)
    reference = tmp_path / "reference" / "t.lmdb"
    start = time.perf_counter()
    process = import_process(reference, source)
    out, err = process.communicate()
    assert process.returncode == 0, err
    seconds = time.perf_counter() - start
    expected, said = records(reference), summary(out)
    assert not any(k.startswith(keys.meta("import:")) for k in expected)
    assert upgrade.REFRESH_AGENTS not in expected
    for n, point in enumerate((0.1, 0.3, 0.6, 0.9, 1.05, "1 batch", "3 batches", "8 batches")):
        db = tmp_path / f"run{n}" / "t.lmdb"
        process = import_process(db, source)
        if isinstance(point, float):
            time.sleep(seconds * point)
        else:
            wait_for_batches(process, db, int(point.split()[0]))
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        process.communicate()
        if isinstance(point, str):
            assert batches_done(db) > 0, f"killed after {point}: no batch was left recorded"
        finished = db.exists() and records(db) == expected
        again = import_process(db, source)
        out, err = again.communicate()
        assert again.returncode == 0, err
        assert records(db) == expected, f"killed at {point} of the import"
        # The whole import's figures, whichever run wrote which batch; once it has ended, a
        # run again finds every record present.
        total = said.split("wrote ")[1].split(",")[0]
        present = said.replace(f"wrote {total}, 0 ", f"wrote 0, {total} ")
        after = present if finished else said
        assert summary(out) == after, f"killed at {point} of the import"
    rerun = import_process(reference, source).communicate()[0]
    assert "wrote 0," in summary(rerun)
    assert records(reference) == expected


def test_an_import_that_cannot_fit_is_refused_before_anything_is_written(
    tmp_path: Path,
) -> None:
    source = exported_history(tmp_path, 4000)
    db = tmp_path / "small" / "t.lmdb"
    config = load(db_path=str(db), max_db_size="1MiB")
    with open_store(config) as store:
        store.put_many({keys.agent("mine"): {"id": "mine"}})
    before = records(db)
    with pytest.raises(TrackerError) as error:
        import_(config, source, False)
    message = str(error.value)
    assert "nothing was imported" in message and "max_database_size" in message
    suggested = int(message.split("at least ")[1].split("MiB", maxsplit=1)[0])
    assert suggested > 1, "never a limit below the one already set"
    assert records(db) == before
    bigger = load(db_path=str(db), max_db_size=f"{suggested}MiB")
    done = import_(bigger, source, False)
    assert done.written > 0


def test_a_full_database_never_advises_a_limit_below_its_own(tmp_path: Path) -> None:
    for limit, advice in (("1GiB", "AGENT_TRACKER_MAX_DB_SIZE=2048MiB"), ("2GiB", "most")):
        config = load(db_path=str(tmp_path / limit / "t.lmdb"), max_db_size=limit)
        with open_store(config) as store:
            assert advice in str(store._full_error())


def test_files_of_version_1_have_their_keys_upgraded_on_the_way_in(tmp_path: Path) -> None:
    project, commit_hash = "/home/ada/src/p", "ab" * 20
    lines = [
        {"key": keys.commit(project, commit_hash), "value": {"agent_id": "codex", "kind": "agent"}},
        {
            "key": f"communication:codex:{commit_hash}:{2 * 1_772_355_601_250}",
            "value": {"grade": 2},
        },
        {"key": f"retrospective:codex:{commit_hash}", "value": {"agent_grade": 2, "user_grade": 5}},
        {"key": "bug:codex:2026-03-01T09:00:00.000+00:00", "value": {"note": "n"}},
    ]
    header = {"format": "agent-git-tracker-export", "version": 1, "records": len(lines)}
    path = tmp_path / "old.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in [header, *lines]))
    db = tmp_path / "t.lmdb"
    import_(load(db_path=str(db)), path, False)
    found = records(db)
    assert keys.communication("codex", project, commit_hash, 2 * 1_772_355_601_250) in found
    assert found[keys.retrospective("codex", project, commit_hash)]["commit"] == commit_hash
    assert keys.bug("codex", "2026-03-01T09:00:00.000+00:00", upgrade.MIGRATED) in found


def test_grade_keys_the_ledger_never_writes_come_back_exactly(tmp_path: Path) -> None:
    """An import's keys are data: numbers too long for a time, digits that are not ASCII,
    leading zeros. Each record is stored and read back as written, never an error."""
    project, commit_hash = "/home/ada/src/p", "ab" * 20
    head = f"communication:codex:{keys.quote(project)}:{commit_hash}"
    odd = ["99999999999999999999", "1" * 400, "²", "٣", "0012", str(2 * 253_402_300_800_000)]
    lines = [{"key": f"{head}:{seq}", "value": {"grade": 2, "n": n}} for n, seq in enumerate(odd)]
    header = {"format": "agent-git-tracker-export", "version": transfer.VERSION}
    path = tmp_path / "odd.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in [{**header, "records": 6}, *lines]))
    db = tmp_path / "t.lmdb"
    import_(load(db_path=str(db)), path, False)
    found = records(db)
    for line in lines:
        assert found[line["key"]] == line["value"]
