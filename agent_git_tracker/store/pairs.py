"""A grade's two communication events stored as one record (schema 3).

The ledger keys the two events of one grade `…:<2t>` (the agent's grade) and `…:<2t + 1>` (the
user's), t the grade's time in ms. Both live in one stored record under the even key, a pair
`0x03 [agent's, user's]`; each half is None (no such event), the grade alone (an int, when
everything else is restored from the key: `compact`), or the event's compact layout. Readers
see the two records as they were written: `get`, `records` (scans) and `put`/`delete` here are
the only code that knows. A record whose key has no number at its end is stored on its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

import orjson

from agent_git_tracker.store import compact, keys

PAIR = 3
PREFIX = "communication:"
_GRADE_ONLY = 1 << 3  # the layout's `grade` bit: every other field restored


class Txn(Protocol):
    def get(self, key: bytes) -> bytes | None: ...
    def put(self, key: bytes, value: bytes) -> Any: ...
    def delete(self, key: bytes) -> Any: ...


def slot(key: str) -> tuple[str, int] | None:
    """The stored key of a communication record and its half (0 or 1); None for a key that
    is stored on its own."""
    if not key.startswith(PREFIX) or key.count(":") != 4:
        return None  # stored on its own: a key of an earlier version's shape is one too
    head, _, seq = key.rpartition(":")
    if not (seq.isascii() and seq.isdigit()) or (seq[0] == "0" and seq != "0"):
        return None
    number = int(seq)
    return (key, 0) if number % 2 == 0 else (f"{head}:{number - 1}", 1)


def is_pair(raw: bytes) -> bool:
    return bool(raw) and raw[0] == PAIR


def records(key: str, raw: bytes) -> Iterator[tuple[str, Any]]:
    """The records one stored value holds: one, or the two of a pair."""
    if not is_pair(raw):
        yield key, compact.unpack(key, raw)
        return
    head, _, seq = key.rpartition(":")
    even = int(seq)
    for half, stored in enumerate(orjson.loads(raw[1:])):
        if stored is not None:
            name = key if half == 0 else f"{head}:{even + 1}"
            yield name, _value(name, stored)


def get(txn: Txn, key: str) -> Any | None:
    """The record at `key`, wherever it is stored."""
    place = slot(key)
    if place is not None:
        raw = txn.get(keys.to_bytes(place[0]))
        if raw is not None and is_pair(raw):
            stored = orjson.loads(raw[1:])[place[1]]
            if stored is not None:
                return _value(key, stored)
    raw = txn.get(keys.to_bytes(key))
    return None if raw is None or is_pair(raw) else compact.unpack(key, raw)


def has(txn: Txn, key: str) -> bool:
    """Whether there is a record at `key`, without reading it whole."""
    place = slot(key)
    if place is not None:
        raw = txn.get(keys.to_bytes(place[0]))
        if raw is not None and is_pair(raw) and orjson.loads(raw[1:])[place[1]] is not None:
            return True
    raw = txn.get(keys.to_bytes(key))
    return raw is not None and not is_pair(raw)


def put(txn: Txn, key: str, value: Any) -> None:
    place = slot(key)
    if place is None:
        txn.put(keys.to_bytes(key), compact.pack(key, value))
        return
    halves = _halves(txn, place)
    halves[place[1]] = _half(key, value)
    txn.put(keys.to_bytes(place[0]), b"\x03" + orjson.dumps(halves))


def delete(txn: Txn, key: str) -> None:
    place = slot(key)
    if place is None:
        txn.delete(keys.to_bytes(key))
        return
    halves = _halves(txn, place)
    halves[place[1]] = None
    if halves == [None, None]:
        txn.delete(keys.to_bytes(place[0]))
    else:
        txn.put(keys.to_bytes(place[0]), b"\x03" + orjson.dumps(halves))


def _halves(txn: Txn, place: tuple[str, int]) -> list[Any]:
    """The pair at a place as it stands, taking in the records of earlier versions stored on
    their own at either key (each becomes its half; the odd one's own key is removed)."""
    stored_key = place[0]
    raw = txn.get(keys.to_bytes(stored_key))
    halves: list[Any] = [None, None]
    if raw is not None:
        if is_pair(raw):
            halves = orjson.loads(raw[1:])
        else:
            halves[0] = _half(stored_key, compact.unpack(stored_key, raw))
    head, _, seq = stored_key.rpartition(":")
    odd = f"{head}:{int(seq) + 1}"
    alone = txn.get(keys.to_bytes(odd))
    if alone is not None:
        txn.delete(keys.to_bytes(odd))
        halves[1] = _half(odd, compact.unpack(odd, alone))
    return halves


def _half(key: str, value: Any) -> Any:
    if type(value) is not dict:
        return {"=": value}
    layout = compact.layout_of(key, value)
    if layout[0] == _GRADE_ONLY and layout[1] == 0 and len(layout) == 3 and type(layout[2]) is int:
        return layout[2]
    return layout


def _value(key: str, stored: Any) -> Any:
    if type(stored) is int:
        stored = [_GRADE_ONLY, 0, stored]
    elif type(stored) is dict:
        return stored.get("=")
    return compact.restore(key, stored)
