"""The legacy reader against real lmdb-js files, hand-made pages and damaged copies."""

from __future__ import annotations

import contextlib
import json
import random
import re
import shutil
import struct
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from agent_git_tracker.migration.legacy import (
    LegacyFormatError,
    LegacyRecord,
    is_legacy_file,
    lz4block,
    msgpackr,
    read_records,
)
from agent_git_tracker.migration.legacy.mapping import to_entries
from agent_git_tracker.store import keys

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "legacy-lmdbjs"
LAYOUTS = ("head", "flat")
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def expected(layout: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads((FIXTURES / layout / "expected.json").read_text())
    return result


def source(layout: str) -> Path:
    return FIXTURES / layout / expected(layout)["path"]


def copy_of(layout: str, tmp_path: Path) -> Path:
    folder = tmp_path / "src"
    folder.mkdir(exist_ok=True)
    return Path(shutil.copyfile(source(layout), folder / "agent-tracker.lmdb"))


def typed(value: Any) -> Any:
    """The value with every leaf paired with its type, so 1 and 1.0 or True and 1 differ."""
    if isinstance(value, dict):
        return {name: typed(v) for name, v in value.items()}
    if isinstance(value, list):
        return [typed(v) for v in value]
    return (type(value).__name__, value)


# --- the fixtures, read as lmdb-js reads them -----------------------------------------------


@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_record_comes_through_in_order(layout: str) -> None:
    records = read_records(source(layout))
    want = [(r["db"], r["key"], typed(r["value"])) for r in expected(layout)["records"]]
    assert [(r.db, r.key, typed(r.value)) for r in records] == want


@pytest.mark.parametrize("layout", LAYOUTS)
def test_dates_are_iso_strings_with_milliseconds(layout: str) -> None:
    by_key = {(r.db, r.key): r.value for r in read_records(source(layout))}
    for record in expected(layout)["records"]:
        value = by_key[record["db"], record["key"]]
        for field in record["date_fields"]:
            assert ISO_MS.match(value[field]), (record["key"], field)
            assert value[field] == record["value"][field]


def test_a_compressed_overflow_value_is_read() -> None:
    compressed = [r for r in expected("head")["records"] if r["compressed"]]
    assert compressed and compressed[0]["stored_size"] > 2034  # on an overflow page (§6)
    values = {r.key: r.value for r in read_records(source("head"))}
    assert values[compressed[0]["key"]] == compressed[0]["value"]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_is_legacy_file(layout: str, tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    assert is_legacy_file(source(layout))
    assert not is_legacy_file(text)
    assert not is_legacy_file(tmp_path / "missing.lmdb")


# --- mapping onto our keys ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("layout", "counts"),
    [
        (
            "head",
            {
                "agent": 5,
                "commit": 40,
                "communication": 60,
                "retrospective": 10,
                "activity": 10,
                "project": 2,
                "meta": 1,
            },
        ),
        ("flat", {"agent": 3, "commit": 12, "communication": 20}),
    ],
)
def test_entries_per_prefix(layout: str, counts: dict[str, int]) -> None:
    entries = to_entries(read_records(source(layout)))
    assert Counter(keys.prefix_of(key) for key in entries) == counts
    assert json.loads(json.dumps(entries)) == entries


def test_head_mapping() -> None:
    entries = to_entries(read_records(source("head")))
    build = entries[keys.agent("build")]
    assert (build["setup"], build["scope"], build["halted"], build["active"]) == (
        "unknown",
        "unknown",
        False,
        True,
    )
    commit = entries[keys.commit("/home/dev/projects/project-x", "feb8fd0")]
    assert commit["commit_hash"] == "feb8fd0"
    assert (commit["kind"], commit["evidence"]) == ("agent", ["legacy agent-tracker plugin"])
    grade = entries[
        keys.communication("build", "/home/dev/projects/project-x", "feb8fd0", 1770858087754)
    ]
    assert (grade["grade"], grade["given_by"]) == (2, "unknown")
    retro = next(v for k, v in entries.items() if k.startswith(keys.retrospective_prefix("build")))
    assert retro["agent_id"] == "build"
    activity = entries[keys.activity("review", "2026-02-14T04:31:29.189Z", "legacy")]
    assert activity["agent_id"] == "review"
    project = entries[keys.project("/home/dev/projects/webshop")]
    assert (project["project_path"], project["main_language"]) == (
        "/home/dev/projects/webshop",
        "go",
    )
    assert entries[keys.meta("legacy-migration:/home/dev/projects/project-x")]["version"] == "0.0.1"


def test_flat_mapping() -> None:
    entries = to_entries(read_records(source("flat")))
    assert entries[keys.agent("review")]["setup"] == "backend"
    commit_keys = [k for k in entries if k.startswith("commit:")]
    assert all(keys.parts(k)[1].startswith("/home/dev/projects/") for k in commit_keys)
    assert all(keys.parts(k)[4].isdigit() for k in entries if k.startswith("communication:"))


def test_mapping_of_odd_keys_and_values() -> None:
    records = [
        LegacyRecord("commits", "/srv/git/team:alpha/api:abc1234", {"agent_id": "x"}),
        LegacyRecord("communication", "a:b:abc1234:17", {"agent_id": "a:b", "given_by": "user"}),
        LegacyRecord("communication", "plan:abc1234:notanumber", {"grade": 1}),
        LegacyRecord("agents", "halted-one", {"skill_points": 0, "setup": "mine", "scope": "x"}),
        LegacyRecord("notes", "n1", {"blob": b"\x00\xff"}),
        LegacyRecord(None, "weird", [1, 2]),
    ]
    entries = to_entries(records)
    assert "commit:/srv/git/team%3Aalpha/api:abc1234" in entries
    assert entries[keys.communication("a:b", "", "abc1234", 17)]["given_by"] == "user"
    assert keys.meta("legacy:communication:plan:abc1234:notanumber") in entries
    agent = entries[keys.agent("halted-one")]
    assert (agent["halted"], agent["setup"]) == (True, "mine")
    assert entries[keys.meta("legacy:notes:n1")] == {"blob": "00ff"}
    assert entries[keys.meta("legacy:weird")] == {"value": [1, 2]}


# --- read-only ------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_source_is_left_untouched(layout: str, tmp_path: Path) -> None:
    path = copy_of(layout, tmp_path)
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    read_records(path)
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
    assert list(path.parent.iterdir()) == [path]


# --- damaged and foreign files --------------------------------------------------------------


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("cut", ["100", "4096", "half", "size-1"])
def test_truncated_copies_are_refused(layout: str, cut: str, tmp_path: Path) -> None:
    path = copy_of(layout, tmp_path)
    data = path.read_bytes()
    size = {"100": 100, "4096": 4096, "half": len(data) // 2, "size-1": len(data) - 1}[cut]
    path.write_bytes(data[:size])
    with pytest.raises(LegacyFormatError, match=re.escape(str(path))):
        read_records(path)


def lmdb_file(path: Path, **options: Any) -> Path:
    import lmdb

    env = lmdb.open(str(path), subdir=False, map_size=1 << 20, **options)
    with env.begin(write=True) as txn:
        txn.put(b"agent:x", b"{}")
    env.close()
    return path


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: p.write_bytes(b""), "empty"),
        (lambda p: p.write_text("just some text\n" * 500), "not an LMDB file"),
        (lambda p: p.write_bytes(random.Random(1).randbytes(3 * 4096)), "not an LMDB file"),
        (lmdb_file, "data format v1"),
        (lambda p: lmdb_file(p, lib_version=1), "data format v3"),
    ],
    ids=["empty", "text", "random", "py-lmdb-v1", "py-lmdb-v3"],
)
def test_foreign_files_are_refused(make: Any, reason: str, tmp_path: Path) -> None:
    path = tmp_path / "other.lmdb"
    make(path)
    with pytest.raises(LegacyFormatError, match=reason):
        read_records(path)
    assert not is_legacy_file(path)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(LegacyFormatError, match="cannot be read"):
        read_records(tmp_path / "missing.lmdb")


@pytest.mark.parametrize("layout", LAYOUTS)
def test_garbage_pages_are_refused(layout: str, tmp_path: Path) -> None:
    path = copy_of(layout, tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[:8192] + random.Random(2).randbytes(len(data) - 8192))
    with pytest.raises(LegacyFormatError):
        read_records(path)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_damaged_bytes_never_raise_anything_else(layout: str, tmp_path: Path) -> None:
    path = copy_of(layout, tmp_path)
    good = path.read_bytes()
    rng = random.Random(3)
    for _ in range(150):
        data = bytearray(good)
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        path.write_bytes(data)
        with contextlib.suppress(LegacyFormatError):
            read_records(path)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_torn_newest_meta_falls_back_to_the_older_snapshot(layout: str, tmp_path: Path) -> None:
    path = copy_of(layout, tmp_path)
    data = bytearray(path.read_bytes())
    txnids = [struct.unpack_from("<Q", data, page * 4096 + 152)[0] for page in (0, 1)]
    data[txnids.index(max(txnids)) * 4096 + 24] ^= 0xFF  # its magic number
    path.write_bytes(data)
    assert len(read_records(path)) >= len(expected(layout)["records"]) - 1


# --- hand-made v2 files: page sizes and cycles ----------------------------------------------

P_INVALID = 0xFFFF_FFFF_FFFF_FFFF


def page(pgno: int, flags: int, nodes: list[bytes], psize: int) -> bytes:
    """A branch or leaf page: node offsets count from the end of the 24-byte header (§3)."""
    body = bytearray(psize)
    upper, pointers = psize - 24, []
    for node in nodes:
        upper -= len(node) + len(node) % 2
        body[24 + upper : 24 + upper + len(node)] = node
        pointers.append(upper)
    struct.pack_into(
        f"<QQHHHH{len(nodes)}H", body, 0, pgno, 1, 0, flags, 2 * len(nodes), upper, *pointers
    )
    return bytes(body)


def leaf_node(key: bytes, value: bytes) -> bytes:
    return struct.pack("<IHH", len(value), 0, len(key)) + key + value


def branch_node(key: bytes, child: int) -> bytes:
    return struct.pack("<HHHH", child & 0xFFFF, child >> 16 & 0xFFFF, child >> 32, len(key)) + key


def v2_file(psize: int, pages: list[bytes], root: int, depth: int, entries: int) -> bytes:
    metas = []
    for pgno in (0, 1):
        meta = bytearray(psize)
        struct.pack_into("<QQHH4xII", meta, 0, pgno, 0, 0, 0x08, 0xBEEFC0DE, 2)
        struct.pack_into("<IHHQQQQQ", meta, 48, psize, 0x4008, 0, 0, 0, 0, 0, P_INVALID)
        struct.pack_into("<IHHQQQQQ", meta, 96, 0, 0, depth, 0, 0, 0, entries, root)
        struct.pack_into("<QQ", meta, 144, len(pages) + 1, 1 + pgno)
        metas.append(bytes(meta))
    return b"".join(metas + pages)


# A value as msgpackr writes it with records on: d4 72 40 defines structure 0x40 inline (§10).
RECORD = b"\xd4\x72\x40\x92\xa2id\xa4when" + b"\xa1x" + b"\xd6\xff\x00\x00\x00\x01"


@pytest.mark.parametrize("psize", [1024, 16384, 65536])
def test_the_page_size_comes_from_the_meta(psize: int, tmp_path: Path) -> None:
    leaf = page(2, 0x02, [leaf_node(b"agent:x", RECORD), leaf_node(b"\x02hidden", b"\xc0")], psize)
    path = tmp_path / "small.lmdb"
    path.write_bytes(v2_file(psize, [leaf], root=2, depth=1, entries=2))
    assert read_records(path) == [
        LegacyRecord(None, "agent:x", {"id": "x", "when": "1970-01-01T00:00:01.000Z"})
    ]


def test_a_cycle_in_page_pointers_is_refused(tmp_path: Path) -> None:
    branch = page(2, 0x01, [branch_node(b"", 3), branch_node(b"m", 2)], 1024)
    leaf = page(3, 0x02, [leaf_node(b"a", b"\x01")], 1024)
    path = tmp_path / "cycle.lmdb"
    path.write_bytes(v2_file(1024, [branch, leaf], root=2, depth=2, entries=2))
    with pytest.raises(LegacyFormatError, match="cycle"):
        read_records(path)


def test_a_self_referencing_branch_is_refused(tmp_path: Path) -> None:
    branch = page(2, 0x01, [branch_node(b"", 2)], 1024)
    path = tmp_path / "loop.lmdb"
    path.write_bytes(v2_file(1024, [branch], root=2, depth=32, entries=1))
    with pytest.raises(LegacyFormatError, match="cycle"):
        read_records(path)


# --- the value decoders ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "value"),
    [
        (b"\xd6\xff\x69\x8a\xe5\x81", "2026-02-10T08:00:01.000Z"),
        (
            b"\xd7\xff" + ((892_000_000 << 34) | 0x698AE581).to_bytes(8, "big"),
            "2026-02-10T08:00:01.892Z",
        ),
        (b"\xc7\x0c\xff" + struct.pack(">Iq", 123_000_000, -14182940), "1969-07-20T20:17:40.123Z"),
        (b"\xd4\xff\xff", None),
        (b"\xcb" + struct.pack(">d", 1771869600123.0), 1771869600123),
        (b"\xcb" + struct.pack(">d", 1.5), 1.5),
        (b"\xcc\x40", 64),
        (b"\x40", 64),  # no structure 0x40 is known, so it is the integer itself
        (b"\x82\xa1a\xd4\x00\x00\xa1b\x93\x01\xd4\x00\x00\xc0", {"b": [1, None, None]}),
        (b"\x92\xd4\x72\x40\x91\xa1x\x01\x40\x02", [{"x": 1}, {"x": 2}]),
    ],
    ids=["ts32", "ts64", "ts96", "bad-date", "big-int", "float", "uint8", "fixint", "undef", "rec"],
)
def test_msgpackr_values(data: bytes, value: Any) -> None:
    assert typed(msgpackr.unpack(data)) == typed(value)


def test_msgpackr_shared_structures() -> None:
    shared = [["id", "n"]]
    assert msgpackr.unpack(b"\x40\xa1a\x07", shared) == {"id": "a", "n": 7}
    # An own structure at 0x40 replaces the shared one for the rest of that value only.
    own = b"\x92\xd4\x72\x40\x91\xa1z\x01\x40\x02"
    assert msgpackr.unpack(own, shared) == [{"z": 1}, {"z": 2}]
    assert msgpackr.unpack(b"\x40\xa1b\x08", shared) == {"id": "b", "n": 8}


@pytest.mark.parametrize(
    "data", [b"", b"\xc1", b"\xdb\xff\xff\xff\xff", b"\x91" * 500, b"\x01\x02"]
)
def test_msgpackr_refuses_broken_values(data: bytes) -> None:
    with pytest.raises(ValueError, match="msgpack"):
        msgpackr.unpack(data)


def test_lz4_overlapping_match_and_dictionary() -> None:
    # literals "ab", then a match of 6 at offset 2 (overlapping), then a last literal "!"
    block = bytes([0x22]) + b"ab" + b"\x02\x00" + bytes([0x10]) + b"!"
    assert lz4block.decompress_block(block, 9) == b"abababab!"
    # a match of 4 reaching 3 bytes back into the dictionary
    assert lz4block.decompress_block(b"\x00\x03\x00\x10.", 5, b"xyz") == b"xyzx."


def test_lz4_agrees_with_python_lz4_on_the_lmdbjs_dictionary() -> None:
    block = pytest.importorskip("lz4.block")
    dictionary = lz4block._dictionary()
    text = b"the communication score of the agent went up after the review " * 40
    compressed = block.compress(text, store_size=False, dict=dictionary)
    assert lz4block.decompress_block(compressed, len(text), dictionary) == text
    value = b"\xfe" + len(text).to_bytes(3, "big") + compressed
    assert lz4block.decompress_value(value) == text


@pytest.mark.parametrize("value", [b"\xfa\x00\x00\x01x", b"\xfe\x00", b"\xfe\x00\x00\x05\x50abc"])
def test_lz4_refuses_broken_values(value: bytes) -> None:
    with pytest.raises(ValueError):
        lz4block.decompress_value(value)
