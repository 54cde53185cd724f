"""Read the trees of an LMDB "data format v2" file, as lmdb-js 3.x writes it, from its bytes.

Section numbers (§) refer to shared/lmdb-v2-format.md. Only the trees reachable from a meta page
are walked, never the file as a whole (§7: free and stale pages hold arbitrary bytes), and every
page passes the checks of §8 before it is used. Errors are `ValueError`s saying what is wrong.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

MAGIC = 0xBEEFC0DE
HEADER = 24  # PAGEHDRSZ, and PAGEBASE too in v2: node offsets count from here (§3)
P_INVALID = 0xFFFF_FFFF_FFFF_FFFF
P_BRANCH, P_LEAF, P_OVERFLOW, P_META = 0x01, 0x02, 0x04, 0x08
F_BIGDATA, F_SUBDATA, F_DUPDATA = 0x01, 0x02, 0x04
MDB_ENCRYPT = 0x2000
MAX_DEPTH = 32  # CURSOR_STACK in mdb.c: no tree is deeper
_PAGE = struct.Struct("<QQHHHH")  # pgno, txnid, pad, flags, lower, upper
_NODE = struct.Struct("<HHHH")  # lo, hi, flags, ksize
_DB = struct.Struct("<IHHQQQQQ")  # pad, flags, depth, branch, leaf, overflow, entries, root
_OVPAGE = struct.Struct("<QQQ")  # pgno, txnid, pages


@dataclass(frozen=True)
class Store:
    """One tree of records: a named sub-DB, or the main DB's own records (`name` None)."""

    name: str | None
    entries: list[tuple[bytes, bytes]]


@dataclass(frozen=True)
class _Tree:
    depth: int
    entries: int
    root: int


@dataclass(frozen=True)
class _Meta:
    psize: int
    flags: int
    main: _Tree
    last_pg: int
    txnid: int


def is_v2(head: bytes) -> bool:
    """Whether these first bytes of a file carry the LMDB magic and data format version 2."""
    return len(head) >= 32 and struct.unpack_from("<II", head, 24) == (MAGIC, 2)


def read_file(path: Path) -> list[Store]:
    """Every store of the file: the main DB's records first, then the sub-DBs in name order."""
    for _ in range(3):
        data = path.read_bytes()
        stores, psize = read_stores(data)
        # No reader slot protects us from a running writer: retry if a commit landed meanwhile.
        with path.open("rb") as file:
            if file.read(2 * psize) == data[: 2 * psize]:
                return stores
    raise ValueError("it kept changing while it was read; stop the program writing it and retry")


def read_stores(data: bytes) -> tuple[list[Store], int]:
    """The stores of the newest snapshot whose trees pass every check, and the page size."""
    metas = _metas(data)
    psize = metas[0].psize
    if len(data) % psize:
        raise ValueError(
            f"truncated: {len(data)} bytes is not a whole number of {psize}-byte pages"
        )
    if metas[0].flags & MDB_ENCRYPT:
        raise ValueError("its pages are encrypted (lmdb-js encryptionKey)")
    errors: list[ValueError] = []
    for meta in metas:  # §4: fall back to the older snapshot if the newest one is torn
        try:
            return _Walker(data, meta).stores(), psize
        except ValueError as exc:
            errors.append(exc)
    raise errors[0]


def _metas(data: bytes) -> list[_Meta]:
    """The valid meta pages, newest first (§4)."""
    first = _meta(data, 0, 0)
    sizes = [first.psize] if first else [1 << n for n in range(8, 17)]
    second = next((m for m in (_meta(data, 1, size) for size in sizes) if m), None)
    metas = sorted((m for m in (first, second) if m), key=lambda m: -m.txnid)
    if not metas:
        raise ValueError(_not_v2(data))
    return metas


def _meta(data: bytes, pgno: int, psize: int) -> _Meta | None:
    base = pgno * psize
    if len(data) < base + HEADER + 144:
        return None
    number, _, _, flags, magic, version = struct.unpack_from("<QQHH4xII", data, base)
    page_size, env_flags = struct.unpack_from("<IH", data, base + 48)
    last_pg, txnid = struct.unpack_from("<QQ", data, base + 144)
    valid = (
        (number, flags & P_META, magic, version & 0xFFFF) == (pgno, P_META, MAGIC, 2)
        and page_size in {1 << n for n in range(8, 17)}
        and (pgno == 0 or page_size == psize)
        and last_pg >= 1
    )
    if not valid:
        return None
    try:
        main = _tree(data, base + 96)
    except ValueError:  # a torn meta: the other one may still be good
        return None
    return _Meta(page_size, env_flags, main, last_pg, txnid)


def _not_v2(data: bytes) -> str:
    """Why a file without a valid v2 meta page cannot be read (§1)."""
    if not data:
        return "the file is empty"
    if len(data) >= 24 and struct.unpack_from("<II", data, 16) == (MAGIC, 1):
        return "it is LMDB data format v1 (LMDB 0.9, as py-lmdb writes it), not lmdb-js's v2"
    if len(data) >= 32 and struct.unpack_from("<I", data, 24)[0] == MAGIC:
        version = struct.unpack_from("<I", data, 28)[0]
        if version == 2:
            return "truncated or damaged: no valid meta page"
        return f"it is LMDB data format v{version}, not lmdb-js's v2"
    return "not an LMDB file (no LMDB magic number)"


def _tree(data: bytes, offset: int) -> _Tree:
    _, flags, depth, _, _, _, entries, root = _DB.unpack_from(data, offset)
    if flags & F_DUPDATA or depth > MAX_DEPTH or (root == P_INVALID) != (depth == 0):
        raise ValueError(f"bad database record (flags {flags:#x}, depth {depth})")
    return _Tree(depth, entries, root)


class _Walker:
    """Walks the trees of one snapshot, visiting each page at most once."""

    def __init__(self, data: bytes, meta: _Meta) -> None:
        self.data, self.meta = data, meta
        self.seen: set[int] = set()

    def stores(self) -> list[Store]:
        main: list[tuple[bytes, bytes]] = []
        subs: list[Store] = []
        for key, flags, value in self._records(self.meta.main):
            if not flags & F_SUBDATA:
                main.append((key, value))
                continue
            if len(value) != _DB.size:  # §8: a named DB's data is its MDB_db
                raise ValueError(f"sub-DB {key!r} has a {len(value)}-byte record")
            name = key.removesuffix(b"\0").decode("utf-8", "replace")  # v2 keeps the NUL (§8)
            records = list(self._records(_tree(value, 0)))
            if any(f & F_SUBDATA for _, f, _ in records):
                raise ValueError(f"sub-DB {name!r} holds sub-DBs itself")
            subs.append(Store(name, [(k, v) for k, _, v in records]))
        return [Store(None, main), *subs]

    def _records(self, tree: _Tree) -> Iterator[tuple[bytes, int, bytes]]:
        count = 0
        if tree.root != P_INVALID:
            for record in self._walk(tree.root, 1, tree.depth):
                count += 1
                yield record
        if count != tree.entries:
            raise ValueError(f"a tree holds {count} records but says {tree.entries}")

    def _walk(self, pgno: int, level: int, depth: int) -> Iterator[tuple[bytes, int, bytes]]:
        if level > depth:
            raise ValueError(f"page {pgno} lies deeper than its tree")
        offset, kind = self._page(pgno, P_BRANCH, P_LEAF)
        for start, size, flags, ksize in self._nodes(pgno, offset, kind):
            if kind == P_BRANCH:  # NODEPGNO: mn_flags holds bits 32..47 of the child (§6)
                yield from self._walk(size | flags << 32, level + 1, depth)
            else:
                key = self.data[start : start + ksize]
                yield key, flags, self._value(pgno, start + ksize, flags, size)

    def _page(self, pgno: int, *kinds: int) -> tuple[int, int]:
        """The file offset and type of a page reachable from the meta, after the §8 checks."""
        meta = self.meta
        if not 2 <= pgno <= meta.last_pg or (pgno + 1) * meta.psize > len(self.data):
            raise ValueError(f"page {pgno} lies outside the file")
        if pgno in self.seen:
            raise ValueError(f"page {pgno} is reached twice (a cycle)")
        self.seen.add(pgno)
        offset = pgno * meta.psize
        number, txnid, _, flags, _, _ = _PAGE.unpack_from(self.data, offset)
        kind = flags & 0x1FFF  # 0x2000.. are in-memory bits (§3)
        if number != pgno or txnid > meta.txnid or kind not in kinds:
            raise ValueError(f"page {pgno} has a bad header")
        return offset, kind

    def _nodes(self, pgno: int, offset: int, kind: int) -> Iterator[tuple[int, int, int, int]]:
        """Each node's key offset, `mn_lo | mn_hi << 16`, flags and key size, in key order."""
        lower, upper = struct.unpack_from("<HH", self.data, offset + 20)
        room = self.meta.psize - HEADER
        if lower % 2 or lower > upper or upper > room:
            raise ValueError(f"page {pgno} has bad bounds")
        for pointer in struct.unpack_from(f"<{lower // 2}H", self.data, offset + HEADER):
            if not upper <= pointer <= room - 8:
                raise ValueError(f"page {pgno} has a node outside it")
            lo, hi, flags, ksize = _NODE.unpack_from(self.data, offset + HEADER + pointer)
            size = lo | hi << 16
            inline = 0 if kind == P_BRANCH else _OVPAGE.size if flags & F_BIGDATA else size
            if pointer + 8 + ksize + inline > room:
                raise ValueError(f"page {pgno} has a node outside it")
            yield offset + HEADER + pointer + 8, size, flags, ksize

    def _value(self, pgno: int, start: int, flags: int, size: int) -> bytes:
        if flags & F_DUPDATA:
            raise ValueError(f"page {pgno} holds duplicate-sorted data, which lmdb-js never writes")
        if not flags & F_BIGDATA:
            return self.data[start : start + size]
        first, _, pages = _OVPAGE.unpack_from(self.data, start)  # MDB_ovpage (§6)
        offset, _ = self._page(first, P_OVERFLOW)
        needed = (HEADER - 1 + size) // self.meta.psize + 1  # OVPAGES (§7)
        stored = struct.unpack_from("<I", self.data, offset + 20)[0]
        last = first + needed - 1
        if pages != needed or stored != needed or last > self.meta.last_pg:
            raise ValueError(f"overflow page {first} has a bad length")
        if (last + 1) * self.meta.psize > len(self.data):
            raise ValueError(f"overflow pages {first}..{last} lie outside the file")
        return self.data[offset + HEADER : offset + HEADER + size]
