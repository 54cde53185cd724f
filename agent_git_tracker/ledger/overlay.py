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
        # The dirty keys, sorted when a scan needs them: a put costs O(1), and a prefix scan
        # costs what it finds plus one sort of the keys written since the last scan.
        self._order: list[str] = []
        self._sorted = True

    def get(self, key: str) -> Record | None:
        """A record (a JSON object); None when absent or not an object."""
        value = self.dirty[key] if key in self.dirty else self.base.get(key)
        return value if isinstance(value, dict) else None

    def put(self, key: str, value: Any) -> None:
        if key not in self.dirty:
            self._order.append(key)
            self._sorted = False
        self.dirty[key] = value

    def delete(self, key: str) -> None:
        self.put(key, None)

    def scan(self, prefix: str) -> Iterator[tuple[str, Record]]:
        """Records under `prefix`: the base's not written here, then the ones written here."""
        for key, value in self.base.scan(prefix):
            if key not in self.dirty:
                yield key, value
        for key, value in self.written(prefix):
            if value is not None:
                yield key, value

    def written(self, prefix: str) -> Iterator[tuple[str, Any]]:
        """The keys written here under `prefix`, in order, deletions (None) included."""
        if not self._sorted:
            self._order = sorted(self._order)  # timsort: a sorted run plus the new keys
            self._sorted = True
        order = self._order
        for index in range(bisect.bisect_left(order, prefix), len(order)):
            key = order[index]
            if not key.startswith(prefix):
                break
            yield key, self.dirty[key]
