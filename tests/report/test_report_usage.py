"""Tokens and cost per setup in the report, from the usage the agents' logs gave each commit:
exact per row, in JSON, CSV and the table, and none where no log was joined."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from test_report import SHOP, Records, report_of, row

from agent_git_tracker.config.settings import load
from agent_git_tracker.report import render
from agent_git_tracker.report.table import as_table
from agent_git_tracker.store import keys
from agent_git_tracker.store.db import Store, open_store

KEPT = {"survival_14d": 1.0, "survival_30d": 1.0, "reverted_30d": False, "fixed_30d": False}
REVERTED = {**KEPT, "reverted_30d": True}


def usage(cost: float | None, tokens: int) -> dict[str, Any]:
    return {
        "agent": "claude-code",
        "session_id": "s1",
        "joined_by": "session-id",
        "model": "claude-opus-4-5-20251101",
        "model_canonical": "claude-opus-4.5",
        "tokens": {
            "input": tokens,
            "cached_input": 0,
            "cache_write": 0,
            "output": 0,
            "reasoning": 0,
        },
        "cost": cost,
    }


@pytest.fixture
def store(tmp_path: Path) -> Any:
    with open_store(load(db_path=str(tmp_path / "t.lmdb"))) as opened:
        yield opened


def with_usage(store: Store) -> Records:
    r = Records()
    fates = [KEPT, KEPT, REVERTED, None]
    costs = [(0.5, 1000), (1.5, 3000), (1.0, 2000), (None, 4000)]
    for i, (fate, (cost, tokens)) in enumerate(zip(fates, costs, strict=True)):
        commit_hash = r.commit(SHOP, i, outcomes=fate)
        key = keys.commit(SHOP, commit_hash)
        r.items[key]["usage"] = usage(cost, tokens)
    r.commit(SHOP, 9, agent="codex", model="gpt-5")  # never joined to a log
    store.put_many(r.digests().items)
    return r


def test_a_rows_tokens_and_cost_are_exact(store: Store) -> None:
    with_usage(store)
    report = report_of(store)
    claude = row(report, "claude-code / opus / tdd").usage
    assert claude is not None
    assert (claude.joined, claude.total_tokens, claude.priced) == (4, 10000, 3)
    assert claude.tokens_per_commit == 2500 and claude.cost_per_commit == pytest.approx(1.0)
    # Settled and priced: three commits (3.0 USD), two of them still standing after 30 days.
    assert claude.cost_per_surviving_commit == pytest.approx(1.5)
    data = render.as_json(report)
    [codex] = [r for r in data["rows"] if r["agent"] == "codex"]
    assert codex["usage"] is None
    [mine] = [r for r in data["rows"] if r["agent"] == "claude-code"]
    assert mine["usage"] == {
        "joined": 4,
        "tokens": 10000,
        "priced": 3,
        "cost": 3.0,
        "tokens_per_commit": 2500.0,
        "cost_per_commit": 1.0,
        "cost_per_surviving_commit": 1.5,
    }
    assert json.loads(json.dumps(data)) == data


def test_csv_and_table_show_them(store: Store) -> None:
    with_usage(store)
    report = report_of(store)
    lines = list(csv.DictReader(io.StringIO(render.as_csv(report))))
    [claude] = [line for line in lines if line["agent"] == "claude-code"]
    assert (claude["usage_cost_per_commit"], claude["usage_tokens_per_commit"]) == ("1.0", "2500.0")
    wide = as_table(report, 400, color=False)
    assert "$/c" in wide and "1.00" in wide and "$/kept" in wide and "1.50" in wide
