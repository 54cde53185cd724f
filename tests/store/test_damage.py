"""A damaged database: a file cut short, a page that fails to read. Git is never blocked, no
event is lost, nothing is written to the damaged file, and `export` salvages the rest."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from agent_git_tracker.config.settings import load
from agent_git_tracker.errors import TrackerError
from agent_git_tracker.store import keys
from agent_git_tracker.store.db import open_store

from conftest import commit, git, run_git, tracker

PAGE = 4096


def spooled(db_path: Path) -> list[dict[str, object]]:
    return [
        json.loads(line)
        for f in sorted(Path(f"{db_path}-spool").glob("*/*.jsonl"))
        if not f.name.startswith("rejected")
        for line in f.read_text().splitlines()
        if line.strip()
    ]


def our_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "agent-git-tracker" in line]


def cut_last_page(db_path: Path) -> None:
    """What an interrupted copy or sync of ~/.config leaves."""
    size = db_path.stat().st_size
    assert size >= 3 * PAGE
    os.truncate(db_path, size - PAGE)


def test_a_database_cut_short_never_blocks_a_push(repo: Path, db_path: Path) -> None:
    commit(repo, "first", env={"CLAUDECODE": "1"})
    git(repo, "push", "-q", "origin", "HEAD:main")
    cut_last_page(db_path)
    second = commit(repo, "second", env={"CLAUDECODE": "1"})
    hook = subprocess.run(
        [sys.executable, "-m", "agent_git_tracker", "hook", "pre-push", "origin", "url"],
        cwd=repo,
        input="",
        capture_output=True,
        text=True,
        check=False,
    )
    assert hook.returncode == 0, (hook.returncode, -signal.SIGBUS, hook.stderr)
    assert len(our_lines(hook.stderr)) == 1 and "damaged" in hook.stderr
    assert "cut short" in hook.stderr and "export" in hook.stderr
    push = run_git(repo, "push", "-q", "origin", "HEAD:main")
    assert push.returncode == 0, push.stderr
    assert len(our_lines(push.stderr)) == 1 and "damaged" in push.stderr
    assert [e["commit"]["hash"] for e in spooled(db_path)] == [second]  # type: ignore[index]
    for command in (["status"], ["report"], ["agents"]):
        result = tracker(*command, cwd=repo, check=False)
        assert result.returncode == 1, (command, result.returncode, result.stderr)
        assert len(our_lines(result.stderr)) == 1 and "damaged" in result.stderr
    salvage = tracker("export", "-o", str(repo.parent / "salvage.jsonl"), cwd=repo)
    assert "left out" in salvage.stderr and "cut short" in salvage.stderr
    os.rename(db_path, repo.parent / "damaged.lmdb")
    tracker("import", str(repo.parent / "salvage.jsonl"), cwd=repo)
    git(repo, "push", "-q", "origin", "HEAD:main")  # the kept event goes into the new database
    with open_store(load()) as store, store.reading() as view:
        recorded = [keys.parts(k)[2] for k in view.keys("commit:")]
    assert second in recorded and spooled(db_path) == []


BIG = keys.activity("big", "2026", "0")


def records_file(path: Path, count: int) -> list[str]:
    """An export file of `count` activity records (and one large value) to import."""
    names = [
        keys.activity(f"agent-{i // 500}", "2026-01-01T00:00:00", f"{i:06d}") for i in range(count)
    ]
    lines = [{"key": k, "value": {"note": "x" * 150, "n": i}} for i, k in enumerate(names)]
    lines.append({"key": BIG, "value": {"note": "y" * 20000}})
    header = {"format": "agent-git-tracker-export", "version": 2, "records": len(lines)}
    path.write_text("\n".join(json.dumps(x) for x in [header, *lines]) + "\n")
    return names


def zero_leaf_holding(db_path: Path, key: str) -> None:
    """Zero every leaf page that holds `key` (the live one, and any stale copy)."""
    data, leaves, at = db_path.read_bytes(), set(), -1
    while (at := data.find(key.encode(), at + 1)) >= 0:
        if data[at // PAGE * PAGE + 10] & 0x02:  # mp_flags: P_LEAF
            leaves.add(at // PAGE * PAGE)
    assert leaves, f"no leaf page holds {key}"
    with db_path.open("r+b") as f:
        for page in leaves:
            f.seek(page)
            f.write(b"\0" * PAGE)


def test_a_page_that_fails_to_read_is_never_written_again_and_export_salvages(
    repo: Path, db_path: Path, tmp_path: Path
) -> None:
    names = records_file(tmp_path / "records.jsonl", 3000)
    tracker("import", str(tmp_path / "records.jsonl"))
    lost = names[1500]
    zero_leaf_holding(db_path, lost)
    with open_store(load()) as store:
        damaged = pytest.raises(TrackerError, match="damaged: a page failed to read")
        with damaged, store.reading() as view:
            view.get(lost)
        assert Path(f"{db_path}-damaged").exists()
        with pytest.raises(TrackerError, match="damaged"), store.writing() as txn:
            txn.put("meta:x", {})
    event = commit(repo, "kept", env={"CLAUDECODE": "1"})
    flush = tracker("flush", cwd=repo, check=False)
    assert flush.returncode == 1 and "damaged" in flush.stderr and "export" in flush.stderr
    assert [e["commit"]["hash"] for e in spooled(db_path)] == [event]  # type: ignore[index]
    before = db_path.read_bytes()
    push = run_git(repo, "push", "-q", "origin", "HEAD:main")
    assert push.returncode == 0 and "damaged" in push.stderr
    assert db_path.read_bytes() == before  # never written again
    out = tmp_path / "salvage.jsonl"
    salvage = tracker("export", "-o", str(out))
    assert "left out records from" in salvage.stderr
    exported = [json.loads(line)["key"] for line in out.read_text().splitlines()[1:]]
    assert lost not in exported and BIG in exported
    assert 2900 < len([k for k in exported if k in set(names)]) < 3000
    os.rename(db_path, tmp_path / "damaged.lmdb")
    tracker("import", str(out))
    git(repo, "push", "-q", "origin", "HEAD:main")
    with open_store(load()) as store, store.reading() as view:
        assert view.count("activity:") == len([k for k in exported if k.startswith("activity:")])
        assert view.count("commit:") == 1
