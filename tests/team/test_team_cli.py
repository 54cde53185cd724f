"""`export --format` and `team report` from the real command line: the same JSON rows as
`report`, and clear messages (no traceback) without the team extra or without files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent_git_tracker.config.settings import load
from agent_git_tracker.ledger import digest
from agent_git_tracker.store import keys
from agent_git_tracker.store.db import open_store

from conftest import tracker

pytest.importorskip("duckdb")


@pytest.fixture
def recorded(db_path: Path) -> Path:
    items = {}
    for number in range(30):
        project = "/home/dev/src/shop"
        commit_hash = f"{number:040x}"
        record = {
            "agent_id": "codex" if number % 3 else "claude-code",
            "kind": "agent",
            "model": "gpt-5",
            "commit_hash": commit_hash,
            "project_path": project,
            "timestamp": f"2026-02-{1 + number % 27:02d}T10:00:00Z",
            "insertions": number,
            "deletions": 1,
            "author_email": "dev@example.com",
        }
        items[keys.commit(project, commit_hash)] = record
        items[keys.digest(project, commit_hash)] = digest.of(record)
    with open_store(load(db_path=str(db_path))) as store:
        store.put_many(items)
    return db_path


def test_team_report_prints_the_rows_report_prints(recorded: Path, tmp_path: Path) -> None:
    team = tmp_path / "team"
    done = tracker("export", "--format", "parquet", "--member", "dev", "-o", str(team))
    assert "exported to" in done.stdout
    assert len(list((team / "member=dev").glob("export-*.parquet"))) == 1
    mine = json.loads(tracker("report", "--json").stdout)
    ours = json.loads(tracker("team", "report", str(team), "--json").stdout)
    assert ours["members"] == 1
    assert ours["rows"] == mine["rows"]
    assert ours["totals"] == mine["totals"]
    split = tracker("team", "report", str(team), "--by", "member", "--csv").stdout
    assert "dev: codex / gpt-5" in split


def test_without_the_team_extra_it_says_how_to_install_it(recorded: Path, tmp_path: Path) -> None:
    blocked = tmp_path / "blocked"
    blocked.mkdir()
    for name in ("duckdb", "pyarrow"):
        (blocked / f"{name}.py").write_text(f"raise ImportError('No module named {name}')\n")
    env = {"PYTHONPATH": str(blocked)}
    for args in (
        ("team", "report", str(tmp_path)),
        ("export", "--format", "parquet", "-o", str(tmp_path / "t")),
    ):
        result = tracker(*args, env=env, check=False)
        assert result.returncode == 2, result.stderr
        assert "pip install 'agent-git-tracker[team]'" in result.stderr
        assert "Traceback" not in result.stderr


def test_sources_that_match_nothing_are_refused_plainly(recorded: Path, tmp_path: Path) -> None:
    result = tracker("team", "report", str(tmp_path / "none" / "*.parquet"), check=False)
    assert result.returncode == 2
    assert "matches no export" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_file_of_odd_types_counts_what_it_can_and_never_a_traceback(
    recorded: Path, tmp_path: Path
) -> None:
    """A hand-made member's file: a share that is text, grades that are no grade. Those
    values are unknown; the commits still count, next to a real member's."""
    team = tmp_path / "team"
    tracker("export", "--format", "parquet", "--member", "dev", "-o", str(team))
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    odd = [
        {
            "key": keys.commit("/home/eve/p", f"{n:040x}"),
            "value": "{}",
            "kind": "agent",
            "agent_id": "codex",
            "project": "/home/eve/p",
            "stamp": "2026-02-03T10:00:00",
            "measured": True,
            "survival_14d": "most of it",
            "grade": grade,
        }
        for n, grade in enumerate(
            ['"boom"', "[1,2]", '[null,{"a":1},2,3]', "not json", '["w",1,2,"x"]']
        )
    ]
    (team / "member=eve").mkdir()
    pq.write_table(
        pa.Table.from_pylist(odd), team / "member=eve" / "export-20260101T000000Z.parquet"
    )
    result = tracker("team", "report", str(team), "--json", check=False)
    assert "Traceback" not in result.stderr
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["members"] == 2 and data["totals"]["commits"] == 35
    assert data["totals"]["graded"] == 0
