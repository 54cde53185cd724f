"""Numbers summed in another order: equal up to the rounding of their last bits."""

from __future__ import annotations

from dataclasses import asdict, is_dataclass
from typing import Any

import pytest


def close(value: Any) -> Any:
    """`value` with every float (inside dataclasses, dicts, lists and tuples) compared with a
    relative tolerance of 1e-9: what a sum reached in another order may differ by."""
    if is_dataclass(value) and not isinstance(value, type):
        return close(asdict(value))
    if isinstance(value, dict):
        return {key: close(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(close(item) for item in value)
    if isinstance(value, float):
        return pytest.approx(value, rel=1e-9, abs=1e-12)
    return value


def plain(value: Any) -> Any:
    """`value` with its dataclasses as dicts (inside lists and tuples too), to compare with
    `close`."""
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, list | tuple):
        return type(value)(plain(item) for item in value)
    return value
