"""The shipped price table, overrides from the configuration, and the cost of a turn."""

from __future__ import annotations

import pytest

from agent_git_tracker.agentlogs import prices
from agent_git_tracker.agentlogs.base import Turn
from agent_git_tracker.attribution.modelnames import canonical_model
from agent_git_tracker.errors import UsageError


def turn(model: str, inp: int, cached: int, write: int, out: int) -> Turn:
    return Turn("codex", "s", "k", 1.0, model, None, None, inp, cached, write, out)


def test_shipped_table_names_its_source_and_date() -> None:
    table = prices.load()
    assert "LiteLLM" in table.source and table.taken == "2026-11-30"
    assert all(canonical_model(name) == name for name in table.models)
    assert table.price("claude-opus-4-5-20251101") == prices.Price(5.0, 25.0, 0.5, 6.25)
    assert table.price("gpt-5.2-codex") == prices.Price(1.75, 14.0, 0.175, 0.0)
    assert table.price("openai/gpt-5.2") == table.price("gpt-5.2")
    assert table.price("gemini-2.5-pro") == prices.Price(1.25, 10.0, 0.125, 0.0)
    assert table.price("claude-opus-4-1-20250805") == prices.Price(15.0, 75.0, 1.5, 18.75)


def test_cost_charges_each_kind_at_its_price() -> None:
    # 2,000 uncached input, 10,000 cache reads, 800 output of which 300 reasoning.
    cost = prices.load().cost(turn("gpt-5.2-codex", 2000, 10000, 0, 800))
    assert cost == pytest.approx((2000 * 1.75 + 10000 * 0.175 + 800 * 14.0) / 1e6)


def test_unknown_model_has_no_cost() -> None:
    table = prices.load()
    assert table.cost(turn("my-local-llama", 10, 0, 0, 10)) is None
    assert table.cost(turn("", 10, 0, 0, 10)) is None


def test_partial_override_keeps_the_other_prices() -> None:
    table = prices.load({"claude-opus-4-5-20251101": {"input": 4.0, "cache_write": 5}})
    assert table.price("claude-opus-4.5") == prices.Price(4.0, 25.0, 0.5, 5.0)
    assert table.price("claude-sonnet-4.5") == prices.Price(3.0, 15.0, 0.3, 3.75)


def test_override_adds_a_model() -> None:
    row = {"input": 1, "output": 2, "cache_read": 0.5, "cache_write": 0}
    table = prices.load({"acme/coder-1": row})
    assert table.price("coder-1") == prices.Price(1.0, 2.0, 0.5, 0.0)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"coder-1": {"input": 1}}, "give output, cache_read, cache_write too"),
        ({"gpt-5": {"inputs": 1}}, "inputs is not one of input, output, cache_read, cache_write"),
        ({"gpt-5": {"input": -1}}, "input must be a number of USD per million tokens"),
        ({"gpt-5": {"input": "cheap"}}, "not 'cheap'"),
        ({"gpt-5": 3}, "give a table of input, output, cache_read, cache_write"),
        ({"": {"input": 1}}, "is not a model id"),
    ],
)
def test_bad_overrides_say_what_to_fix(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        prices.load(overrides)
