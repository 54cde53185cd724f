"""How records are stored (schemas 3 and 4): compactly on disk, whole on every read.

Readers never see the stored form: `View.get`, `scan` and `export` give each record with every
field it was written with, under the older plugin's field names. What the stored form leaves
out is only what can be restored exactly:

- values the key holds already (a commit's hash and project, a grade's agent and commit);
- values another field of the record holds, or its usual value (`task_description` is the
  `subject`, the author's date is the commit's, `origin` is where it was recorded, `agents`
  names only the primary agent, a grade's `label` is its number's, `given_by` its key's
  parity; `confidence` is `high`);
- field names: the kinds written once per commit or per grade (`layouts`) are stored as a JSON
  array `[present, absent, value…, {other fields}]`: bit i of `present` says that field i is
  in the array, bit i of `absent` that the record had no such field (else it is restored);
  fields no layout names keep their names in a last object;
- the ledger's own times (`2026-01-02T01:55:12.000+00:00`) as milliseconds since 1970;
- the two communication events of a grade are one record (`pairs`);
- records of the kinds with a layout are deflated against the words records share
  (`words`, schema 4) when that saves an eighth; other large values (long free text) are
  deflated alone.

Each field is checked as it is packed: it is left out only when restoring gives the very value
written (same types too), so a record of another shape (the older plugin's, an import's) comes
back exactly. The first byte says how a value is stored: `{` or `[` plain JSON (what earlier
versions wrote, and every kind without a layout), 0x01 a layout, 0x02 deflated, 0x03 a pair,
0x04 deflated against the shared words.
"""

from __future__ import annotations

import zlib
from datetime import date
from typing import Any

import orjson

from agent_git_tracker.store import keys
from agent_git_tracker.store.layouts import KEY_PARTS, LAYOUTS, Field, Record
from agent_git_tracker.store.words import WORDS
from agent_git_tracker.text import utf8
from agent_git_tracker.times import EPOCH_DAY, iso_millis

LAYOUT = 1
DEFLATED = 2
SHARED = 4
PLAIN = frozenset(b"{[")
# Values longer than this are deflated when that saves at least an eighth (a 4 KiB window:
# cheap to set up, and enough for free text).
DEFLATE_OVER = 400
# A layout this long is worth deflating against the shared words.
SHARED_OVER = 96
_WINDOW = 12
_MISSING = object()
# Per kind: (field, its bit) in order, and the names of its fields.
_SPECS = {kind: tuple((f, 1 << i) for i, f in enumerate(fs)) for kind, fs in LAYOUTS.items()}
_NAMES = {kind: frozenset(f.name for f in fs) for kind, fs in LAYOUTS.items()}
# How records of one (kind, present, absent) are restored: the names stored in order, the
# time fields among them, and the fields restored (in order). Shapes repeat: few are kept.
Plan = tuple[tuple[str, ...], tuple[str, ...], tuple[Field, ...]]
_PLANS: dict[tuple[str, int, int], Plan] = {}
_MAX_PLANS = 512


def pack(key: str, value: Any) -> bytes:
    """The stored form of one record (a communication event on its own: see `pairs`)."""
    kind = key[: key.find(":")]
    # A key of another shape (an earlier version's, before its upgrade) is kept plain.
    if kind in LAYOUTS and type(value) is dict and key.count(":") + 1 == KEY_PARTS.get(kind, 0):
        data = b"\x01" + dumps(layout_of(key, value))
        return _deflated(data, SHARED) if len(data) > SHARED_OVER else data
    data = dumps(value)
    return _deflated(data, DEFLATED) if len(data) > DEFLATE_OVER else data


def _deflated(data: bytes, form: int) -> bytes:
    """`data` deflated (against the shared words for SHARED) when that saves an eighth."""
    if form == SHARED:
        packer = zlib.compressobj(6, zlib.DEFLATED, -_WINDOW, 5, zlib.Z_DEFAULT_STRATEGY, WORDS)
    else:
        packer = zlib.compressobj(6, zlib.DEFLATED, -_WINDOW, 5)
    small = packer.compress(data) + packer.flush()
    if len(small) + 1 <= len(data) - len(data) // 8:
        return bytes((form,)) + small
    return data


def unpack(key: str, raw: bytes) -> Any:
    """A record as it was written, from its stored form."""
    first = raw[0]
    if first in PLAIN:
        return orjson.loads(raw)
    if first == LAYOUT:
        return restore(key, orjson.loads(raw[1:]))
    if first == DEFLATED:
        return unpack(key, zlib.decompress(raw[1:], -15))
    if first == SHARED:
        return unpack(key, zlib.decompressobj(-15, WORDS).decompress(raw[1:]))
    return orjson.loads(raw)  # raises: not a value this package wrote


def plain(key: str, raw: bytes) -> bytes:
    """The record as plain JSON: its stored form when that is plain already."""
    return raw if raw[0] in PLAIN else dumps(unpack(key, raw))


def layout_of(key: str, value: Record) -> list[Any]:
    """The layout form of a record of a kind that has one."""
    kind = key[: key.find(":")]
    parts = _parts(kind, key)
    present = absent = 0
    values: list[Any] = []
    extras: Record | None = None
    if not _NAMES[kind].issuperset(value):
        extras = {k: v for k, v in value.items() if k not in _NAMES[kind]}
    for field, bit in _SPECS[kind]:
        stored = value.get(field.name, _MISSING)
        if stored is _MISSING:
            if field.derive is not None:
                absent |= bit
            continue
        derive = field.derive
        restored = derive is not None and _same(derive(value, parts), stored)
        if restored and (not field.keyed or _clean(stored)):
            continue
        if field.time:
            short = _short_time(stored)
            if short is None:  # not text: kept by name
                extras = {**(extras or {}), field.name: stored}
                continue
            stored = short
        present |= bit
        values.append(stored)
    return [present, absent, *values, *([extras] if extras else [])]


def restore(key: str, stored: list[Any]) -> Record:
    """A record from its layout form."""
    kind = key[: key.find(":")]
    parts = _parts(kind, key)
    present, absent = stored[0], stored[1]
    if len(stored) > 2 + present.bit_count():
        return _restore_with_extras(kind, parts, stored)
    plan = _PLANS.get((kind, present, absent)) or _plan(kind, present, absent)
    names, times, derived = plan
    record = dict(zip(names, stored[2:], strict=True))
    for name in times:
        value = record[name]
        if type(value) is int:
            record[name] = iso_millis(value)
    for field in derived:
        record[field.name] = field.derive(record, parts)  # type: ignore[misc]
    return record


def _plan(kind: str, present: int, absent: int) -> Plan:
    specs = _SPECS[kind]
    plan = (
        tuple(f.name for f, bit in specs if present & bit),
        tuple(f.name for f, bit in specs if present & bit and f.time),
        tuple(f for f, bit in specs if not (present | absent) & bit and f.derive is not None),
    )
    if len(_PLANS) < _MAX_PLANS:
        _PLANS[(kind, present, absent)] = plan
    return plan


def _restore_with_extras(kind: str, parts: list[str], stored: list[Any]) -> Record:
    present, absent, extras = stored[0], stored[1], stored[-1]
    values = iter(stored[2:-1])
    record: Record = {}
    for field, bit in _SPECS[kind]:
        if present & bit:
            value = next(values)
            record[field.name] = iso_millis(value) if field.time and type(value) is int else value
        elif field.name in extras:
            record[field.name] = extras[field.name]
        elif field.derive is not None and not absent & bit:
            record[field.name] = field.derive(record, parts)
    record.update(extras)
    return record


def _parts(kind: str, key: str) -> list[str]:
    """The key's decoded parts, prefix first."""
    parts = key.split(":")
    if len(parts) != KEY_PARTS[kind]:
        return keys.parts(key)
    if "%" in key:
        return [keys.unquote(p) for p in parts]
    return parts


def _same(derived: Any, value: Any) -> bool:
    """Equal and of the same types throughout (0 is not False, 1 is not 1.0)."""
    kind = type(value)
    if type(derived) is not kind:
        return False
    if kind is list:
        return len(derived) == len(value) and all(map(_same, derived, value))
    if kind is dict:
        return derived.keys() == value.keys() and all(_same(derived[k], value[k]) for k in value)
    return bool(derived == value)


def _short_time(value: Any) -> Any:
    """One of the ledger's UTC times as milliseconds (when that gives it back exactly); other
    text as it is; None for what is not text."""
    if type(value) is not str:
        return None
    if len(value) == 29 and value[19] == "." and value.endswith("+00:00"):
        try:
            days = date.fromisoformat(value[:10]).toordinal() - EPOCH_DAY
            hours, minutes, seconds = int(value[11:13]), int(value[14:16]), int(value[17:19])
            number = ((days * 24 + hours) * 60 + minutes) * 60_000 + seconds * 1000
            number += int(value[20:23])
        except ValueError:
            return value
        if number >= 0 and iso_millis(number) == value:
            return number
    return value


def _clean(value: Any) -> bool:
    """Text restored from a key is exact only where it is valid UTF-8 (a path of other bytes
    is stored in its readable form: `dumps`)."""
    return type(value) is not str or value.isascii() or utf8(value) == value


def dumps(value: Any) -> bytes:
    """JSON, with text that UTF-8 cannot hold (lone surrogates) in its readable form."""
    try:
        return orjson.dumps(value)
    except TypeError as e:
        if "surrogates" not in str(e):
            raise TypeError(f"cannot store {type(value).__name__} value as JSON: {e}") from e
        return orjson.dumps(_readable(value))


def _readable(value: Any) -> Any:
    if isinstance(value, str):
        return utf8(value)
    if isinstance(value, dict):
        return {_readable(k): _readable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_readable(v) for v in value]
    return value
