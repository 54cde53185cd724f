"""Read the older TypeScript plugin's database (lmdb-js, LMDB data format v2) without an LMDB
library, so the file is never written, locked or given a `-lock` file beside it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from agent_git_tracker.errors import TrackerError
from agent_git_tracker.migration.legacy import lmdbv2, lz4block, msgpackr
from agent_git_tracker.migration.legacy.mapping import LegacyRecord, to_entries

__all__ = ["LegacyFormatError", "LegacyRecord", "is_legacy_file", "read_records", "to_entries"]

# lmdb-js iterates each store on its own; across stores we follow the order upstream opens them.
_STORE_ORDER = (
    "agents",
    "commits",
    "communication",
    "retrospectives",
    "activities",
    "migrations",
    "projects",
)
_SHARED_STRUCTURES = b"\x02structures:"


class LegacyFormatError(TrackerError):
    """The file is not a readable lmdb-js database; the message names it and says why."""


def is_legacy_file(path: Path) -> bool:
    """Whether the file starts like an LMDB data format v2 file, which lmdb-js writes."""
    try:
        with path.open("rb") as file:
            return lmdbv2.is_v2(file.read(32))
    except OSError:
        return False


# What one file may give once decompressed, all values together: reading one file stays
# within a few hundred MB of memory, whatever its values claim.
MAX_DECOMPRESSED = 128 * 1024 * 1024


def read_records(path: Path, skipped: list[str] | None = None) -> list[LegacyRecord]:
    """Every record of an lmdb-js file, in lmdb-js iteration order; reads, never writes. A
    value too large to decompress is left out and noted in `skipped`."""
    budget = _Budget(skipped if skipped is not None else [])
    try:
        stores = sorted(lmdbv2.read_file(path), key=_store_rank)
        return [record for store in stores for record in _records(store, budget)]
    except OSError as exc:
        raise LegacyFormatError(f"{path}: cannot be read: {exc.strerror}") from exc
    except ValueError as exc:
        raise LegacyFormatError(f"{path}: not a readable lmdb-js database: {exc}") from exc


class _Budget:
    """Decompressed bytes left for this file, and the values left out."""

    def __init__(self, skipped: list[str]) -> None:
        self.left = MAX_DECOMPRESSED
        self.skipped = skipped

    def allows(self, where: str, raw: bytes) -> bool:
        if not lz4block.is_compressed(raw):
            return True
        size = lz4block.claimed_size(raw)
        why = (
            f"it claims {size:,} bytes once decompressed, over the {lz4block.MAX_VALUE:,} limit"
            if size > lz4block.MAX_VALUE
            else f"the file's values would take more than {MAX_DECOMPRESSED:,} bytes"
            if size > self.left
            else ""
        )
        if why:
            self.skipped.append(f"{where}: {why}")
            return False
        self.left -= size
        return True


def _store_rank(store: lmdbv2.Store) -> int:
    if store.name is None:
        return -1
    return _STORE_ORDER.index(store.name) if store.name in _STORE_ORDER else len(_STORE_ORDER)


def _records(store: lmdbv2.Store, budget: _Budget) -> Iterator[LegacyRecord]:
    shared = _shared_structures(store)
    for raw_key, raw_value in store.entries:
        if raw_key[:1] < b"\x05":  # 0x01 metadata and 0x02 symbol keys are hidden (§10)
            continue
        key = _decode_key(raw_key)
        where = f"{store.name or 'main'} record {key[:80]!r}"
        try:
            if budget.allows(where, raw_value):
                yield LegacyRecord(store.name, key, _decode_value(raw_value, shared))
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from exc


def _shared_structures(store: lmdbv2.Store) -> list[list[str]]:
    """The structures under `\\x02structures:<name>`: a list of key lists, ids 0x40 on (§10)."""
    raw = next((v for k, v in store.entries if k.startswith(_SHARED_STRUCTURES)), None)
    structures = [] if raw is None else _decode_value(raw, [])
    if not isinstance(structures, list) or not all(
        isinstance(keys, list) and all(isinstance(key, str) for key in keys) for keys in structures
    ):
        raise ValueError(f"the shared structures of {store.name} are not lists of names")
    return structures


def _decode_value(raw: bytes, shared: list[list[str]]) -> Any:
    plain = lz4block.decompress_value(raw) if lz4block.is_compressed(raw) else raw
    return msgpackr.unpack(plain, shared)


def _decode_key(raw: bytes) -> str:
    """An ordered-binary string key: maybe a 0x1B lead byte, bytes ≤ 4 escaped by 0x04 (§10)."""
    raw = raw.removeprefix(b"\x1b")
    return re.sub(rb"\x04([\x00-\x04])", rb"\1", raw).decode("utf-8", "backslashreplace")
