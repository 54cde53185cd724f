"""`scan`: a repository's existing history recorded with the hooks' rules, through the real
command line, real git and a real database."""

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

from agent_git_tracker.attribution.scoring import measure
from agent_git_tracker.config.settings import load
from agent_git_tracker.history import measuring
from agent_git_tracker.store import keys
from agent_git_tracker.store.db import open_store

from conftest import FIXTURES, commit, git, replay, scored, tracker

REALWORLD = FIXTURES / "attribution" / "realworld-dev.jsonl"
CLAUDE = "Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>"
DAY = 86400


def plain_repo(path: Path) -> Path:
    """A repository without the tracker's hooks: history made before `install`."""
    path.mkdir(parents=True)
    git(path, "init", "-q")
    return path


def dated(step: int) -> dict[str, str]:
    date = f"@{int(time.time()) - (90 - step) * DAY} +0000"
    return {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}


def history(repo: Path, count: int = 6) -> list[str]:
    """Agent and human commits, dated weeks ago (so that their outcomes are final)."""
    hashes = []
    for i in range(count):
        message = f"change {i}\n\n{CLAUDE}\n" if i % 2 == 0 else f"human change {i}"
        hashes.append(commit(repo, message, {f"f{i}.txt": f"{i}\n"}, env=dated(i)))
    return hashes


def stored(prefix: str) -> dict[str, Any]:
    with open_store(load()) as store, store.reading() as view:
        return dict(view.scan(prefix))


def test_scan_records_every_commit_and_a_second_scan_writes_nothing(
    tmp_path: Path, db_path: Path
) -> None:
    repo = plain_repo(tmp_path / "old")
    hashes = history(repo)
    first = json.loads(tracker("scan", "--json", cwd=repo).stdout)
    assert first["recorded"] == 6 and first["commits"] == 6
    assert first["repositories"][0]["agents"] == {"claude-code": 3}
    commits = stored("commit:")
    assert {keys.commit(str(repo), h) for h in hashes} == commits.keys()
    agent = commits[keys.commit(str(repo), hashes[0])]
    assert agent["agent_id"] == "claude-code" and "scan" in agent["evidence"]
    assert agent["model_canonical"] == "claude-opus-4.5"
    assert commits[keys.commit(str(repo), hashes[1])]["kind"] == "human"
    assert all(r["outcomes"]["final"] for r in commits.values())  # weeks old: measured
    status = json.loads(tracker("status", "--json", cwd=repo).stdout)["agents"][0]
    assert status["total_commits"] == 3
    before = sorted(stored("").items())
    second = json.loads(tracker("scan", "--json", cwd=repo).stdout)
    assert second["recorded"] == 0 and second["repositories"][0]["already"] == 6
    assert sorted(stored("").items()) == before


def test_measures_are_written_in_batches_that_end_the_same(
    tmp_path: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long history's measures go in several transactions (each can reuse the pages the
    one before freed); where the next pass starts is written with the last of them."""
    repo = plain_repo(tmp_path / "old")
    history(repo, 7)
    tracker("scan", cwd=repo)
    scanned = stored("")
    with open_store(load()) as store, store.writing() as txn:
        for key, record in scanned.items():
            if key.startswith("commit:"):
                txn.put(key, {k: v for k, v in record.items() if k != "outcomes"})
            elif key.startswith("meta:outcomes:"):
                txn.delete(key)
    monkeypatch.setattr(measuring, "BATCH", 2)
    with open_store(load()) as store:
        assert measuring.measure_into(store, str(repo), repo, time.time()) == 7
    assert stored("") == scanned


def test_the_hooks_evidence_wins_over_the_scans(repo: Path, db_path: Path) -> None:
    by_env = commit(repo, "made in a Claude Code session", env={"CLAUDECODE": "1"})
    tracker("scan", cwd=repo)  # before the flush: the scan sees a plain commit
    assert stored(keys.commit(str(repo), by_env))[keys.commit(str(repo), by_env)]["kind"] == (
        "human"
    )
    tracker("flush", cwd=repo)
    record = stored(keys.commit(str(repo), by_env))[keys.commit(str(repo), by_env)]
    assert record["agent_id"] == "claude-code" and "scanned" not in record
    assert record["evidence"] == ["environment CLAUDECODE"]
    tracker("scan", cwd=repo)
    again = stored(keys.commit(str(repo), by_env))[keys.commit(str(repo), by_env)]
    assert again.pop("usage") is None  # the agents' logs were searched: there are none here
    assert again == record


def test_all_under_finds_every_repository_and_says_what_it_skipped(
    tmp_path: Path, db_path: Path
) -> None:
    code = tmp_path / "code"
    for name in ("a", "b", "deep/c"):
        history(plain_repo(code / name), 2)
    (code / "notes").mkdir()
    (code / "empty").mkdir()
    git(code / "empty", "init", "-q")
    result = json.loads(tracker("scan", "--all-under", str(code), "--json").stdout)
    assert sorted(Path(r["project"]).name for r in result["repositories"]) == ["a", "b", "c"]
    assert any("empty" in s for s in result["skipped"])
    assert result["recorded"] == 6


def test_since_leaves_older_commits_out(tmp_path: Path, db_path: Path) -> None:
    repo = plain_repo(tmp_path / "r")
    history(repo)
    since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 86.5 * DAY))
    result = json.loads(tracker("scan", "--since", since, "--json", cwd=repo).stdout)
    assert result["recorded"] == 2


def test_a_folder_that_is_no_repository_is_a_clear_error(tmp_path: Path, db_path: Path) -> None:
    result = tracker("scan", str(tmp_path), check=False)
    assert "not inside a git repository" in result.stdout + result.stderr


KILLED_SCAN = """
import sys
from pathlib import Path
from agent_git_tracker.config.settings import load
from agent_git_tracker.history import scan
scan.BATCH = 40
scan.scan(load(db_path=sys.argv[1]), [Path(sys.argv[2])])
"""


@pytest.mark.slow
def test_a_scan_killed_at_any_instant_records_every_commit_once(tmp_path: Path) -> None:
    repo = plain_repo(tmp_path / "r")
    lines = []
    for i in range(400):
        trailer = f"\n\n{CLAUDE}" if i % 3 else ""
        when = 1_700_000_000 + i * 600
        lines.append(f"commit refs/heads/main\ncommitter A <a@b> {when} +0000")
        lines.append(f"data <<EOM\nchange {i}{trailer}\nEOM\n")
    subprocess.run(
        ["git", "fast-import", "--quiet"], cwd=repo, input="\n".join(lines).encode(), check=True
    )
    git(repo, "checkout", "-q", "main")
    reference = tmp_path / "reference.lmdb"
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", KILLED_SCAN, str(reference), str(repo)], check=True)
    seconds = time.perf_counter() - start
    want = _content(reference)
    for n in range(8):
        db = tmp_path / f"run{n}.lmdb"
        process = subprocess.Popen([sys.executable, "-c", KILLED_SCAN, str(db), str(repo)])
        time.sleep(seconds * n / 8)
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        process.wait()
        subprocess.run([sys.executable, "-c", KILLED_SCAN, str(db), str(repo)], check=True)
        assert _content(db) == want, f"killed after {seconds * n / 8:.2f} s"


def _content(db: Path) -> dict[str, Any]:
    """What a scan leaves, without the moments it ran."""
    with open_store(load(db_path=str(db))) as store, store.reading() as view:
        records = dict(view.scan(""))
    agents = {k: v for k, v in records.items() if k.startswith("agent:")}
    commits = {k: v for k, v in records.items() if k.startswith(("commit:", "timeline:"))}
    return {
        "commits": commits,
        "agents": {k: (v["total_commits"], v["experience_points"]) for k, v in agents.items()},
    }


@pytest.mark.slow
def test_realworld_history_scanned_without_hooks(tmp_path: Path, db_path: Path) -> None:
    """The labelled real commits made as history before `install`, then one `scan`."""
    repo = plain_repo(tmp_path / "history")
    rows = [json.loads(line) for line in REALWORLD.read_text().splitlines() if line.strip()]
    for row in rows:
        replay(repo, row, tmp_path / "message.txt")
    hashes = git(repo, "rev-list", "--reverse", "HEAD").split()
    tracker("scan", cwd=repo)
    commits = stored("commit:")
    found = [commits[keys.commit(str(repo), h)] for h in hashes]
    pairs = list(zip(rows, found, strict=True))
    figures = measure([scored(row, record) for row, record in pairs])
    assert figures.precision.value >= 0.99, figures.precision
    assert figures.recall.value >= 0.95, figures.recall
    assert figures.human_is_ai.value <= 0.01, figures.human_is_ai
    assert (figures.ai_as_human, figures.ai_as_bot) == (0, 0)
    assert figures.model.value >= 0.95, figures.model
