"""Decode msgpackr values as lmdb-js writes them: msgpack plus "records" (§10 of
shared/lmdb-v2-format.md), giving what lmdb-js's JSON would show: dates as ISO strings, and
`undefined` object fields left out.
"""

from __future__ import annotations

import struct
from datetime import UTC, datetime, timedelta
from typing import Any

_UNDEFINED = object()
_MAX_NESTING = 100
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CONSTANTS = {0xC0: None, 0xC2: False, 0xC3: True}
_I8 = struct.Struct(">b")
# float32, float64, uint8..uint64, int8..int64: the tokens 0xca..0xd3 in that order
_NUMBERS = {0xCA + n: struct.Struct(f">{c}") for n, c in enumerate("fdBHIQbhiq")}
# bin8..32, ext8..32, str8..32, array16/32, map16/32: the size that follows each token
_SIZED = {
    token: struct.Struct(f">{c}")
    for token, c in zip(
        b"\xc4\xc5\xc6\xc7\xc8\xc9\xd9\xda\xdb\xdc\xdd\xde\xdf", "BHIBHIBHIHIHI", strict=True
    )
}
_FIXEXT = {0xD4: 1, 0xD5: 2, 0xD6: 4, 0xD7: 8, 0xD8: 16}
_RECORD, _TIMESTAMP = 0x72, -1


def unpack(data: bytes, shared: list[list[str]] | None = None) -> Any:
    """Decode one whole value; `shared` are its store's shared structures (record ids 0x40…)."""
    decoder = _Decoder(data, shared or [])
    value = decoder.read(0)
    if decoder.pos != len(data):
        raise ValueError(f"{len(data) - decoder.pos} bytes follow the msgpack value")
    return None if value is _UNDEFINED else value


class _Decoder:
    def __init__(self, data: bytes, shared: list[list[str]]) -> None:
        self.data, self.pos = data, 0
        # Own structures restart in every value and override shared ones (§10).
        self.structures: list[list[str] | None] = [*shared[:64], *[None] * (64 - len(shared))]

    def take(self, size: int) -> bytes:
        if self.pos + size > len(self.data):
            raise ValueError("the msgpack value ends early")
        self.pos += size
        return self.data[self.pos - size : self.pos]

    def number(self, fmt: struct.Struct) -> Any:
        return fmt.unpack(self.take(fmt.size))[0]

    def read(self, nesting: int) -> Any:
        if nesting > _MAX_NESTING:
            raise ValueError("msgpack nested too deeply")
        token = self.take(1)[0]
        if token < 0x80:  # 0x40.. is a record id when a structure is known for it (§10)
            keys = self.structures[token & 0x3F] if token >= 0x40 else None
            return token if keys is None else self.record(keys, nesting)
        if token >= 0xE0:
            return token - 0x100
        if token in _CONSTANTS:
            return _CONSTANTS[token]
        if token in _NUMBERS:
            return _js_number(self.number(_NUMBERS[token]))
        return self.sized(token, nesting)

    def sized(self, token: int, nesting: int) -> Any:
        """A value whose length comes in its first byte or right after it."""
        if token < 0x90:  # fixmap, like map16
            kind, size = 0xDE, token & 0x0F
        elif token < 0xA0:  # fixarray
            kind, size = 0xDC, token & 0x0F
        elif token < 0xC0:  # fixstr
            kind, size = 0xD9, token & 0x1F
        elif token in _FIXEXT:
            kind, size = 0xC7, _FIXEXT[token]
        elif token in _SIZED:
            kind, size = token, self.number(_SIZED[token])
        else:
            raise ValueError(f"byte {token:#04x} at {self.pos - 1} starts no msgpack value")
        if kind in (0xC4, 0xC5, 0xC6):
            return self.take(size)
        if kind in (0xD9, 0xDA, 0xDB):
            return self.take(size).decode("utf-8", "replace")
        if kind in (0xDC, 0xDD):
            return self.array(size, nesting)
        if kind in (0xDE, 0xDF):
            return self.mapping(size, nesting)
        return self.extension(self.number(_I8), size, nesting)

    def array(self, size: int, nesting: int) -> list[Any]:
        if size > len(self.data) - self.pos:
            raise ValueError("a msgpack array is longer than its value")
        items = (self.read(nesting + 1) for _ in range(size))
        return [None if item is _UNDEFINED else item for item in items]

    def mapping(self, size: int, nesting: int) -> dict[str, Any]:
        if 2 * size > len(self.data) - self.pos:
            raise ValueError("a msgpack map is longer than its value")
        result = {}
        for _ in range(size):
            key = self.read(nesting + 1)
            if not isinstance(key, str | int) or isinstance(key, bool):
                raise ValueError(f"a msgpack map key is a {type(key).__name__}")
            result[str(key)] = self.read(nesting + 1)
        return _defined(result)

    def record(self, keys: list[str], nesting: int) -> dict[str, Any]:
        return _defined({key: self.read(nesting + 1) for key in keys})

    def extension(self, kind: int, size: int, nesting: int) -> Any:
        if kind == _RECORD and size == 1:  # d4 72 <id>, keys, values: an own structure (§10)
            slot = self.take(1)[0] & 0x3F
            keys = self.read(nesting + 1)
            if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
                raise ValueError("a record structure is not a list of names")
            self.structures[slot] = keys
            return self.record(keys, nesting)
        body = self.take(size)
        if kind == _TIMESTAMP:
            return _timestamp(body)
        if kind == 0 and body == b"\0":
            return _UNDEFINED
        raise ValueError(f"msgpack extension type {kind} ({size} bytes) is not supported")


def _defined(fields: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in fields.items() if value is not _UNDEFINED}


def _js_number(value: float) -> float:
    """An integral float64 as the int that JavaScript's JSON would show (§10: ints above 2³²)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _timestamp(body: bytes) -> str | None:
    """A msgpack timestamp as `Date.toISOString()` shows it; None for an invalid Date."""
    if len(body) == 1:
        return None
    if len(body) == 4:
        seconds, nanos = struct.unpack(">I", body)[0], 0
    elif len(body) == 8:
        packed = struct.unpack(">Q", body)[0]
        seconds, nanos = packed & (1 << 34) - 1, packed >> 34
    elif len(body) == 12:
        nanos, seconds = struct.unpack(">Iq", body)
    else:
        raise ValueError(f"a {len(body)}-byte msgpack timestamp")
    total = seconds * 10**9 + nanos
    millis = abs(total) // 10**6 * (1 if total >= 0 else -1)  # a JS Date truncates toward 0
    try:
        moment = _EPOCH + timedelta(milliseconds=millis)
    except OverflowError as exc:
        raise ValueError(f"date {millis} ms after 1970 is out of range") from exc
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
