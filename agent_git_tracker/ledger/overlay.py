"""A pending view of the database: reads through to a view, writes collect in memory so that
each key is written once.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from typing import Any, Protocol

Record = dict[str, Any]


class Reader(Protocol):
    def get(self, key: str) -> Any | None: ...
    def scan(self, prefix: str) -> Iterator[tuple[str, Any]]: ...


class Overlay:
    """Reads through to a database view; writes collect in `dirty` (None marks a deletion)."""

    def __init__(self, base: Reader) -> None:
        self.base = base
        self.dirty: dict[str, Any] = {}
        # The dirty keys in order, so that a prefix scan costs what it finds, not the size of
        # the batch (a re-grade scans its commit's grade events).
        self._order: list[str] = []

    def get(self, key: str) -> Record | None:
        """A record (a JSON object); None when absent or not an object."""
        value = self.dirty[key] if key in self.dirty else self.base.get(key)
        return value if isinstance(value, dict) else None

    def put(self, key: str, value: Any) -> None:
        if key not in self.dirty:
            bisect.insort(self._order, key)
        self.dirty[key] = value

    def delete(self, key: str) -> None:
        self.put(key, None)

    def scan(self, prefix: str) -> Iterator[tuple[str, Record]]:
        """Records under `prefix`: the base's not written here, then the ones written here."""
        for key, value in self.base.scan(prefix):
            if key not in self.dirty:
                yield key, value
        start = bisect.bisect_left(self._order, prefix)
        for key in self._order[start:]:
            if not key.startswith(prefix):
                break
            value = self.dirty[key]
            if value is not None:
                yield key, value
