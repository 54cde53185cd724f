"""DuckDB's sums per cell are the sums the report's own loop reaches one commit at a time
(up to the rounding of sums added in another order): outcome measures and scores, lines, files,
grades, tokens and cost, with and without time bounds, over real exports of a real database."""

from __future__ import annotations

import random
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
from rounding import close

from agent_git_tracker.config.settings import Config, load
from agent_git_tracker.ledger import digest
from agent_git_tracker.models import GRADE_VALUES
from agent_git_tracker.report.model import ReportOptions
from agent_git_tracker.report.reading import Reader
from agent_git_tracker.report.tally import Tally
from agent_git_tracker.store import keys
from agent_git_tracker.store.db import open_store
from agent_git_tracker.team.exporting import export
from agent_git_tracker.team.files import find
from agent_git_tracker.team.source import TeamSource

pytest.importorskip("duckdb")


def _maybe(rng: random.Random, value: Any, none: float = 0.2) -> Any:
    return None if rng.random() < none else value


def records(commits: int, seed: int) -> dict[str, Any]:
    """Commits with every kind of outcome (pending, bulk, never measured, no survival), usage
    (priced, unpriced, none), sizes, files and grades, in three projects."""
    rng = random.Random(seed)
    items: dict[str, Any] = {}
    for number in range(commits):
        project = f"/src/p{number % 3}"
        agent, model = rng.choice([("claude", "opus"), ("codex", "gpt-5"), ("human", None)])
        commit_hash = f"{number:040x}"
        record: dict[str, Any] = {
            "agent_id": agent,
            "kind": "human" if agent == "human" else "agent",
            "model": model,
            "setup": rng.choice([None, "tdd"]),
            "commit_hash": commit_hash,
            "project_path": project,
            "timestamp": f"2026-0{1 + number % 6}-{1 + number % 27:02d}T10:00:00+00:00",
            "insertions": rng.randint(0, 500),
            "deletions": rng.randint(0, 90),
            "files_changed": rng.randint(1, 30),
        }
        if rng.random() < 0.85:
            record["outcomes"] = {
                "survival_14d": _maybe(rng, rng.random()),
                "survival_30d": _maybe(rng, rng.choice([0.0, 1.0, rng.random()])),
                "reverted_30d": _maybe(rng, rng.random() < 0.1),
                "fixed_30d": _maybe(rng, rng.random() < 0.3),
                "bulk": rng.random() < 0.03,
            }
        if rng.random() < 0.6:
            tokens = {k: rng.randint(0, 10**6) for k in digest.TOKEN_KINDS}
            record["usage"] = {
                "joined_by": "session",
                "tokens": tokens,
                "cost": _maybe(rng, rng.random() * 3, 0.3),
            }
        if agent != "human" and rng.random() < 0.4:
            record["grade"] = {
                "timestamp": f"2026-0{1 + number % 6}-03T12:00:00.000+00:00",
                "agent_grade": GRADE_VALUES[rng.choice(["good", "neutral"])],
                "user_grade": GRADE_VALUES[rng.choice(["bad", "good", "excellence"])],
                "score_before": 60,
                "score_after": 60 + rng.choice([-2, 1.5, 3]),
            }
        items[keys.commit(project, commit_hash)] = record
    return items


@pytest.fixture
def home(tmp_path: Path) -> Config:
    config = load(db_path=str(tmp_path / "db.lmdb"), max_db_size="256MiB")
    items = records(1500, 7)
    for key, record in list(items.items()):
        items[keys.digest_of(key)] = digest.of(record)
    with open_store(config) as store:
        store.put_many(items)
    return config


def _sums(tally: Tally) -> dict[str, Any]:
    return {
        "commits": tally.commits,
        "seen": tally.seen(),
        "lines": (tally.lines, tally.sized, sorted(tally.sizes), sorted(tally.files)),
        "grades": (tally.graded, tally.cs, tally.weeks, tally.user_counts, tally.agent_counts),
        "outcomes": asdict(tally.outcomes),
        "usage": asdict(tally.usage.totals()),
    }


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
@pytest.mark.parametrize(
    "bounds", [{}, {"since": "2026-02-10"}, {"since": "2026-02-01", "until": "2026-04-30"}]
)
def test_duckdbs_sums_are_the_per_commit_sums(
    tmp_path: Path, home: Config, fmt: str, bounds: dict[str, str]
) -> None:
    export(home, tmp_path / "team", fmt, member="alice")
    options = ReportOptions(**bounds)
    mine = Reader(options)
    with open_store(home) as store, store.reading() as view:
        mine.read(view)
    theirs = Reader(options)
    theirs.read(TeamSource(find([str(tmp_path / "team")]), by_member=False))
    assert list(theirs.cells) == list(mine.cells)  # the same cells, in the same order
    for cell, tally in mine.cells.items():
        assert _sums(theirs.cells[cell]) == close(_sums(tally)), cell
    assert sum(t.outcomes.scored for t in mine.cells.values()) > 100
    assert sum(t.usage.settled for t in mine.cells.values()) > 100
