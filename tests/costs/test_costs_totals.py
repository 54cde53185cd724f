"""What the report adds up per row: the digests' usage (index 10) and outcomes (index 8)."""

from __future__ import annotations

from typing import Any

import pytest

from agent_git_tracker.ledger import digest


def fact(usage: list[Any] | None, outcome: list[Any] | None = None) -> list[Any]:
    head = ["agent", "claude-code", "claude-opus-4.5", None, "2026-11-02T10:00:00", 10, None, 1]
    return [*head, outcome, "high", usage]


SURVIVED = [1.0, 0.8, 0, 0, 0]
REVERTED = [0.5, 0.0, 1, 0, 0]
PENDING = [None, None, None, None, 0]


def test_usage_totals_of_a_row() -> None:
    totals = digest.usage_totals(
        [
            fact(["session-id", 100, 1000, 200, 30, 10, 0.25], SURVIVED),
            fact(["folder-and-time", 50, 0, 0, 10, 0, 0.75], REVERTED),
            fact(["transcript", 5, 0, 0, 5, 0, None], SURVIVED),  # a model without a price
            fact(["trailer", 1, 0, 0, 1, 0, 0.5], PENDING),
            fact([], SURVIVED),  # searched, no session
            fact(None),  # not searched yet
            fact(None)[:9],  # an older digest
        ]
    )
    assert (totals.commits, totals.joined, totals.priced) == (7, 4, 3)
    assert totals.tokens == (156, 1000, 200, 46, 10)
    assert totals.total_tokens == 1402
    assert totals.tokens_per_commit == pytest.approx(1402 / 4)
    assert totals.cost == pytest.approx(1.5)
    assert totals.cost_per_commit == pytest.approx(0.5)
    assert (totals.settled, totals.surviving) == (2, 1)
    assert totals.settled_cost == pytest.approx(1.0)
    assert totals.cost_per_surviving_commit == pytest.approx(1.0)


def test_nothing_known_is_none_not_zero() -> None:
    totals = digest.usage_totals([fact([]), fact(None)])
    assert totals.commits == 2
    assert totals.tokens_per_commit is None
    assert totals.cost_per_commit is None
    assert totals.cost_per_surviving_commit is None


def test_the_digest_of_a_commit_with_usage() -> None:
    usage = {
        "agent": "codex",
        "session_id": "s",
        "joined_by": "session-id",
        "model": "gpt-5.1-codex",
        "model_canonical": "gpt-5.1-codex",
        "tokens": {"input": 1, "cached_input": 2, "cache_write": 3, "output": 4, "reasoning": 1},
        "cost": 0.01,
    }
    record = {"kind": "agent", "agent_id": "codex", "timestamp": "2026-11-02T10:00:00+00:00"}
    assert digest.of({**record, "usage": usage})[10] == ["session-id", 1, 2, 3, 4, 1, 0.01]
    assert digest.of({**record, "usage": None})[10] == []
    assert digest.of(record)[10] is None
