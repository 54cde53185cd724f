"""What a turn cost: USD per million tokens of each kind, per canonical model id.

The shipped table (`prices.json`, its source and date inside) comes from LiteLLM's
`model_prices_and_context_window.json`, the table ccusage uses. The configuration may override
any price, or add a model, with a mapping such as
`{"claude-opus-4.5": {"input": 5.0, "output": 25.0, "cache_read": 0.5, "cache_write": 6.25}}`;
a partial override keeps the shipped values of the kinds it leaves out.

Models are matched by `canonical_model`, applied to the table's ids, the overrides' ids and the
logs' ids alike, so `claude-opus-4-5-20251101` and `anthropic/claude-opus-4.5` find the same row.
A model the table does not know has an unknown cost (None), never 0.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, replace
from importlib import resources
from typing import Any

import orjson

from agent_git_tracker.agentlogs.base import Turn
from agent_git_tracker.attribution.modelnames import canonical_model
from agent_git_tracker.errors import UsageError

KINDS = ("input", "output", "cache_read", "cache_write")
PER_TOKEN = 1e-6  # the table is per million tokens


@dataclass(frozen=True, slots=True)
class Price:
    """USD per million tokens: input (not cached), output (reasoning in it), cache reads, writes."""

    input: float
    output: float
    cache_read: float
    cache_write: float


@dataclass(frozen=True, slots=True)
class Prices:
    """The price table in force, with where it comes from and when it was taken."""

    models: Mapping[str, Price]
    source: str
    taken: str

    def price(self, model: str) -> Price | None:
        """The price of a model id as any log writes it, or None when unknown."""
        name = _canonical_id(model)
        return self.models.get(name) if name else None

    def cost(self, turn: Turn) -> float | None:
        """USD for one turn, or None when its model has no price."""
        price = self.price(turn.model)
        if price is None:
            return None
        return PER_TOKEN * (
            turn.input_tokens * price.input
            + turn.cached_input_tokens * price.cache_read
            + turn.cache_write_tokens * price.cache_write
            + turn.output_tokens * price.output
        )


def load(overrides: Mapping[str, Mapping[str, Any]] | None = None) -> Prices:
    """The shipped table with the configuration's `overrides` applied."""
    table = resources.files("agent_git_tracker.agentlogs").joinpath("prices.json")
    shipped = orjson.loads(table.read_bytes())
    models: dict[str, Price] = {}
    for name, row in shipped["models"].items():
        models[_canonical(name)] = Price(*(float(row[kind]) for kind in KINDS))
    for name, row in (overrides or {}).items():
        key = _canonical(name)
        models[key] = _override(models.get(key), name, row)
    return Prices(models, shipped["source"], shipped["taken"])


@functools.lru_cache(maxsize=1024)  # a join prices the same few models again and again
def _canonical_id(model: str) -> str | None:
    return canonical_model(model)


def _canonical(name: str) -> str:
    key = canonical_model(name) if isinstance(name, str) else None
    if key is None:
        raise UsageError(f"price override: {name!r} is not a model id")
    return key


def _override(shipped: Price | None, name: str, row: Mapping[str, Any]) -> Price:
    if not isinstance(row, Mapping):
        raise UsageError(f"price override for {name}: give a table of {', '.join(KINDS)}")
    unknown = sorted(set(row) - set(KINDS))
    if unknown:
        raise UsageError(
            f"price override for {name}: {', '.join(unknown)} is not one of {', '.join(KINDS)}"
        )
    values = {kind: _usd(name, kind, value) for kind, value in row.items()}
    if shipped is not None:
        return replace(shipped, **values)
    missing = [kind for kind in KINDS if kind not in values]
    if missing:
        raise UsageError(
            f"price override for {name}: the table has no such model, so give "
            f"{', '.join(missing)} too (USD per million tokens)"
        )
    return Price(**values)


def _usd(name: str, kind: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise UsageError(
            f"price override for {name}: {kind} must be a number of USD per million tokens, "
            f"not {value!r}"
        )
    return float(value)
