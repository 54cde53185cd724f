"""Reads and writes inside one transaction: records as they were written, whatever their
stored form (`compact`, `pairs`)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from agent_git_tracker.store import compact, keys, pairs

# The kinds whose number of records the store keeps in `meta:counts`, maintained by every
# write, so that `count` of them reads one record instead of every page of theirs.
COUNTED = ("commit:", "retrospective:")
COUNTS = keys.meta("counts")


class View:
    """Reads inside one transaction. Records are given as they were written, whatever their
    stored form (`compact`, `pairs`)."""

    def __init__(self, txn: Any) -> None:
        self._txn = txn

    def get(self, key: str) -> Any | None:
        return pairs.get(self._txn, key)

    def has(self, key: str) -> bool:
        return pairs.has(self._txn, key)

    def _range(self, prefix: str, values: bool) -> Iterator[Any]:
        start, end = _bounds(prefix)
        with self._txn.cursor() as cursor:
            if not cursor.set_range(start):
                return
            for item in cursor.iternext(keys=True, values=values):
                if end is not None and (item[0] if values else item) >= end:
                    return
                yield item

    def _records(self, prefix: str) -> Iterator[tuple[str, bytes]]:
        """(key, stored value) of every record under `prefix`, a pair given as its two."""
        paired = _may_hold_pairs(prefix)
        place = pairs.slot(prefix) if paired else None
        if place is not None and place[1] == 1:  # the prefix is a whole odd key: in a pair
            raw = self._txn.get(keys.to_bytes(place[0]))
            if raw is not None and raw[0] == pairs.PAIR:
                for one, value in pairs.records(place[0], raw):
                    if one.startswith(prefix):
                        yield one, compact.dumps(value)
        for key, raw in self._range(prefix, values=True):
            name = keys.from_bytes(key)
            if paired and raw[0] == pairs.PAIR:
                for one, value in pairs.records(name, raw):
                    if one.startswith(prefix):
                        yield one, compact.dumps(value)
            else:
                yield name, raw

    def scan_raw(self, prefix: str) -> Iterator[tuple[str, bytes]]:
        """Every key starting with `prefix`, in key order, with its value as JSON, undecoded
        (a record stored compactly is given as plain JSON: `compact.plain`)."""
        plain = compact.PLAIN
        for name, raw in self._records(prefix):
            yield name, raw if raw[0] in plain else compact.plain(name, raw)

    def scan(self, prefix: str) -> Iterator[tuple[str, Any]]:
        unpack = compact.unpack
        for name, raw in self._records(prefix):
            yield name, unpack(name, raw)

    def keys(self, prefix: str) -> Iterator[str]:
        """Every key starting with `prefix`, without reading the values (but a pair's)."""
        if _may_hold_pairs(prefix):
            yield from (name for name, _ in self._records(prefix))
            return
        for key in self._range(prefix, values=False):
            yield keys.from_bytes(key)

    def stored(self, after: str | None, limit: int) -> list[tuple[str, bytes]]:
        """Up to `limit` records as they are stored (a pair is one), after the key `after`."""
        found: list[tuple[str, bytes]] = []
        with self._txn.cursor() as cursor:
            start = keys.to_bytes(after) if after is not None else b""
            if not (cursor.set_range(start) if start else cursor.first()):
                return found
            for key, raw in cursor.iternext(keys=True, values=True):
                if after is not None and key == start:
                    continue
                found.append((keys.from_bytes(key), raw))
                if len(found) == limit:
                    break
        return found

    def is_empty(self) -> bool:
        with self._txn.cursor() as cursor:
            return not cursor.first()

    def count(self, prefix: str) -> int:
        kept = self._counts() if prefix in COUNTED else None
        return kept[prefix] if kept is not None else sum(1 for _ in self.keys(prefix))

    def _counts(self) -> dict[str, int] | None:
        kept = self.get(COUNTS)
        if isinstance(kept, dict) and all(type(kept.get(p)) is int for p in COUNTED):
            return kept
        return None


def _may_hold_pairs(prefix: str) -> bool:
    return prefix.startswith(pairs.PREFIX) or pairs.PREFIX.startswith(prefix)


def _bounds(prefix: str) -> tuple[bytes, bytes | None]:
    """The first key with `prefix`, and the first key after all of them (None: the end)."""
    start = keys.to_bytes(prefix)
    stem = start.rstrip(b"\xff")
    return start, stem[:-1] + bytes([stem[-1] + 1]) if stem else None


class WriteView(View):
    """Reads and writes inside one write transaction; `puts` counts the values written."""

    def __init__(self, txn: Any) -> None:
        super().__init__(txn)
        self.puts = 0
        self._added = dict.fromkeys(COUNTED, 0)

    def put(self, key: str, value: Any) -> None:
        if key.startswith(COUNTED) and self._txn.get(keys.to_bytes(key)) is None:
            self._added[key[: key.index(":") + 1]] += 1
        pairs.put(self._txn, key, value)
        self.puts += 1

    def delete(self, key: str) -> None:
        if key.startswith(COUNTED) and self._txn.get(keys.to_bytes(key)) is not None:
            self._added[key[: key.index(":") + 1]] -= 1
        pairs.delete(self._txn, key)

    def finish(self) -> None:
        """Before the transaction commits: `meta:counts` brought up to date (made from the
        records the first time, in a database written before it was kept)."""
        if not any(self._added.values()):
            return
        kept = self._counts()
        if kept is None:
            counts = {prefix: sum(1 for _ in self.keys(prefix)) for prefix in COUNTED}
        else:
            counts = {prefix: kept[prefix] + self._added[prefix] for prefix in COUNTED}
        pairs.put(self._txn, COUNTS, counts)
        self._added = dict.fromkeys(COUNTED, 0)

    def put_many(self, items: Mapping[str, Any]) -> None:
        """Write every item; a value of None deletes the key."""
        for key, value in items.items():
            if value is None:
                self.delete(key)
            else:
                self.put(key, value)
