"""lmdb-js's value compression: a 0xFE/0xFF header, then a raw LZ4 block made against lmdb-js's
dictionary `dict.txt` (§10 of shared/lmdb-v2-format.md). Pure Python: only values of 1000 bytes
or more are compressed, so speed hardly matters and no native wheel is needed.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files


def is_compressed(value: bytes) -> bool:
    """Whether lmdb-js stored this value compressed: it does so for every first byte ≥ 250."""
    return value[:1] >= b"\xfa"


# What one value may claim to decompress to: lmdb-js records are small, and a file that says
# otherwise must not take the reader's memory (a 4 MB value can claim gigabytes).
MAX_VALUE = 16 * 1024 * 1024


class TooLarge(ValueError):
    """A value that claims to decompress past MAX_VALUE: skipped, never decompressed."""


def claimed_size(value: bytes) -> int:
    """How many bytes a compressed lmdb-js value says it holds."""
    if value[:1] == b"\xfe" and len(value) >= 4:  # 24-bit big-endian length
        return int.from_bytes(value[1:4], "big")
    if value[:1] == b"\xff" and len(value) >= 8:  # byte 1 is left uninitialised by lmdb-js
        return int.from_bytes(value[4:8], "big")
    raise ValueError(f"bad compression header {value[:8].hex()}")


def decompress_value(value: bytes) -> bytes:
    """The bytes of a compressed lmdb-js value."""
    size = claimed_size(value)
    if size > MAX_VALUE:
        raise TooLarge(f"it claims {size:,} bytes once decompressed, over the {MAX_VALUE:,} limit")
    body = value[4:] if value[:1] == b"\xfe" else value[8:]
    return decompress_block(body, size, _dictionary())


def decompress_block(block: bytes, size: int, dictionary: bytes = b"") -> bytes:
    """Decode a raw LZ4 block of `size` bytes whose matches may reach back into `dictionary`."""
    out = bytearray(dictionary)
    end = len(dictionary) + size
    pos = 0
    while pos < len(block):
        token = block[pos]
        literals, pos = _length(block, pos + 1, token >> 4)
        if pos + literals > len(block) or len(out) + literals > end:
            raise ValueError("an LZ4 literal run overruns its block")
        out += block[pos : pos + literals]
        pos += literals
        if pos == len(block):  # the last sequence has literals only
            break
        offset = int.from_bytes(block[pos : pos + 2], "little")
        length, pos = _length(block, pos + 2, token & 0x0F)
        length += 4
        if not 0 < offset <= len(out) or len(out) + length > end:
            raise ValueError("an LZ4 match reaches outside its output")
        start = len(out) - offset
        if length <= offset:
            out += out[start : start + length]
        else:  # the match overlaps its own output: it repeats the last `offset` bytes
            out += (out[start:] * (length // offset + 1))[:length]
    if len(out) != end:
        raise ValueError(f"an LZ4 block gives {len(out) - len(dictionary)} bytes, not {size}")
    return bytes(out[len(dictionary) :])


def _length(block: bytes, pos: int, length: int) -> tuple[int, int]:
    """A 4-bit length, extended by bytes of 255 and one last byte when it is 15."""
    if length == 15:
        while True:
            if pos >= len(block):
                raise ValueError("an LZ4 block ends inside a length")
            length += block[pos]
            pos += 1
            if block[pos - 1] != 255:
                break
    return length, pos


@cache
def _dictionary() -> bytes:
    data = files("agent_git_tracker.migration.legacy").joinpath("dict.txt").read_bytes()
    return data[: len(data) // 8 * 8]  # lmdb-js uses whole 8-byte words of it; 5480 already is
