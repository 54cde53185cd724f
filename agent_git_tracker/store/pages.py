"""The database file read page by page, without LMDB: its meta pages, and every record a
damaged file still holds.

LMDB (0.9, data format v1, 64-bit) trusts its file: a page past the end of a file cut short
kills the process with SIGBUS, and a cursor stepping onto a damaged leaf aborts it on an
assertion. So the size is checked against the meta page before LMDB opens the file, and a
salvage walks the tree here, checking every page before it is used and skipping what fails.
Layouts are those of `mdb.c`: a 16-byte page header, then `MDB_meta` on pages 0 and 1.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field

MAGIC = 0xBEEFC0DE
VERSION = 1
HEADER = 16  # PAGEHDRSZ: pgno u64, pad u16, flags u16, lower u16, upper u16
P_BRANCH, P_LEAF, P_OVERFLOW, P_META = 0x01, 0x02, 0x04, 0x08
F_BIGDATA = 0x01
MAX_DEPTH = 32  # CURSOR_STACK in mdb.c
PAGE_SIZES = frozenset(1 << n for n in range(9, 17))
_META_BYTES = 152  # the header and MDB_meta up to mm_txnid
_DB = struct.Struct("<IHHQQQQQ")  # pad, flags, depth, branch, leaf, overflow, entries, root
_NODE = struct.Struct("<HHHH")  # lo, hi, flags, ksize
P_INVALID = 0xFFFF_FFFF_FFFF_FFFF


@dataclass(frozen=True)
class Meta:
    """One meta page: the page size, the main tree, the last page used and its transaction."""

    page_size: int
    depth: int
    entries: int
    root: int
    last_page: int
    txnid: int

    @property
    def needed_size(self) -> int:
        """The file size this snapshot needs: every page up to its last one."""
        return (self.last_page + 1) * self.page_size


def read_metas(fd: int) -> list[Meta]:
    """The valid meta pages of an open file, newest first (LMDB picks the larger txnid)."""
    first = _meta(os.pread(fd, _META_BYTES, 0), 0)
    if first is None:
        return []
    second = _meta(os.pread(fd, _META_BYTES, first.page_size), first.page_size)
    return sorted((m for m in (first, second) if m), key=lambda m: -m.txnid)


def _meta(data: bytes, pgno_offset: int) -> Meta | None:
    if len(data) < _META_BYTES:
        return None
    pgno, _, flags = struct.unpack_from("<QHH", data, 0)
    magic, version = struct.unpack_from("<II", data, 16)
    psize = struct.unpack_from("<I", data, 40)[0]  # the free DB's md_pad holds the page size
    _, _, depth, _, _, _, entries, root = _DB.unpack_from(data, 88)
    last_page, txnid = struct.unpack_from("<QQ", data, 136)
    valid = (
        (magic, version, flags & P_META) == (MAGIC, VERSION, P_META)
        and psize in PAGE_SIZES
        and pgno * psize == pgno_offset
        and last_page >= 1
        and depth <= MAX_DEPTH
    )
    return Meta(psize, depth, entries, root, last_page, txnid) if valid else None


def shortfall(fd: int) -> str | None:
    """Why LMDB must not map this file (it would read past its end), or None when it may."""
    metas = read_metas(fd)
    size = os.fstat(fd).st_size  # after the metas: a commit meanwhile only adds pages
    if not metas:
        return "no valid LMDB meta page (the start of the file is damaged or cut short)"
    meta = metas[0]
    if meta.needed_size > size:
        return (
            f"it is {size:,} bytes but its pages reach to {meta.needed_size:,}: it was cut "
            "short (an interrupted copy or sync does this)"
        )
    return None


@dataclass
class Salvage:
    """Every record a walk could read, in key order, and what it had to skip."""

    skipped: list[str] = field(default_factory=list)


def records(fd: int, meta: Meta, salvage: Salvage) -> Iterator[tuple[bytes, bytes]]:
    """Every (key, value) of the main tree of `meta`, in key order; a page that fails a
    check is skipped with everything beneath it, and noted in `salvage.skipped`."""
    if meta.root == P_INVALID:
        return
    walker = _Walker(fd, meta, salvage)
    yield from walker.walk(meta.root, 1, b"", None)


class _Walker:
    def __init__(self, fd: int, meta: Meta, salvage: Salvage) -> None:
        self.fd, self.meta, self.salvage = fd, meta, salvage
        self.size = os.fstat(fd).st_size
        self.seen: set[int] = set()

    def walk(
        self, pgno: int, level: int, low: bytes, high: bytes | None
    ) -> Iterator[tuple[bytes, bytes]]:
        try:
            page, kind = self._page(pgno, level)
            nodes = list(self._nodes(pgno, page, kind))
        except ValueError as e:
            self._skip(e, low, high)
            return
        for index, (key, flags, size, start) in enumerate(nodes):
            if kind == P_BRANCH:
                child = size | flags << 32  # NODEPGNO: mn_flags holds bits 32..47
                upper = nodes[index + 1][0] if index + 1 < len(nodes) else high
                yield from self.walk(child, level + 1, key if index else low, upper)
                continue
            try:
                yield key, self._value(page, start, flags, size)
            except ValueError as e:
                self._skip(e, key, key)

    def _skip(self, error: ValueError, low: bytes, high: bytes | None) -> None:
        if low == high:
            where = f"the record {_show(low)}"
        else:
            after = f"from {_show(low)}" if low else "from the first key"
            where = f"records {after} to {_show(high) if high is not None else 'the last key'}"
        self.salvage.skipped.append(f"{where}: {error}")

    def _read(self, pgno: int, pages: int = 1) -> bytes:
        psize = self.meta.page_size
        if pgno < 2 or pgno + pages - 1 > self.meta.last_page:
            raise ValueError(f"page {pgno} lies outside the database")
        if (pgno + pages) * psize > self.size:
            raise ValueError(f"page {pgno} lies past the end of the file")
        data = os.pread(self.fd, pages * psize, pgno * psize)
        if len(data) != pages * psize:
            raise ValueError(f"page {pgno} lies past the end of the file")
        return data

    def _page(self, pgno: int, level: int) -> tuple[bytes, int]:
        if level > max(self.meta.depth, 1) or level > MAX_DEPTH:
            raise ValueError(f"page {pgno} lies deeper than its tree")
        if pgno in self.seen:
            raise ValueError(f"page {pgno} is reached twice")
        self.seen.add(pgno)
        page = self._read(pgno)
        number, _, flags = struct.unpack_from("<QHH", page, 0)
        kind = flags & (P_BRANCH | P_LEAF | P_OVERFLOW | P_META | 0x20 | 0x40)
        if number != pgno or kind not in (P_BRANCH, P_LEAF):
            raise ValueError(f"page {pgno} is damaged (a bad page header)")
        if (kind == P_LEAF) != (level == self.meta.depth):
            raise ValueError(f"page {pgno} is damaged (a {kind:#x} page at level {level})")
        return page, kind

    def _nodes(self, pgno: int, page: bytes, kind: int) -> Iterator[tuple[bytes, int, int, int]]:
        """Each node's key, flags, `mn_lo | mn_hi << 16` and value offset, checked."""
        lower, upper = struct.unpack_from("<HH", page, 12)
        psize = len(page)
        if lower < HEADER or lower % 2 or lower > upper or upper > psize:
            raise ValueError(f"page {pgno} is damaged (bad bounds)")
        previous = None
        for pointer in struct.unpack_from(f"<{(lower - HEADER) // 2}H", page, HEADER):
            if not upper <= pointer <= psize - _NODE.size:
                raise ValueError(f"page {pgno} is damaged (a node outside it)")
            lo, hi, flags, ksize = _NODE.unpack_from(page, pointer)
            size = lo | hi << 16
            start = pointer + _NODE.size + ksize
            inline = 0 if kind == P_BRANCH else 8 if flags & F_BIGDATA else size
            if start + inline > psize:
                raise ValueError(f"page {pgno} is damaged (a node outside it)")
            key = page[pointer + _NODE.size : start]
            if previous is not None and key <= previous and (kind == P_LEAF or previous):
                raise ValueError(f"page {pgno} is damaged (keys out of order)")
            previous = key
            yield key, flags, size, start

    def _value(self, page: bytes, start: int, flags: int, size: int) -> bytes:
        if flags & ~F_BIGDATA:
            raise ValueError(f"unexpected node flags {flags:#x}")
        if not flags & F_BIGDATA:
            return page[start : start + size]
        first = struct.unpack_from("<Q", page, start)[0]
        pages = (HEADER - 1 + size) // self.meta.page_size + 1  # OVPAGES in mdb.c
        data = self._read(first, pages)
        number, _, kind = struct.unpack_from("<QHH", data, 0)
        stored = struct.unpack_from("<I", data, 12)[0]
        if number != first or kind & P_OVERFLOW == 0 or stored != pages:
            raise ValueError(f"overflow page {first} is damaged")
        return data[HEADER : HEADER + size]


def _show(key: bytes) -> str:
    return repr(key.decode("utf-8", "backslashreplace")[:80])
