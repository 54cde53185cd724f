"""A repository's files are never merged on their own: the older plugin's per-project database
is taken in automatically only when the user put it there (git does not track it, the user owns
it), and reading one is bounded, whatever its values claim."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

from agent_git_tracker.config.settings import load
from agent_git_tracker.migration.sources import LEGACY_RELATIVE
from agent_git_tracker.store.db import open_store

from conftest import FIXTURES, commit, git, tracker


def legacy_in(folder: Path) -> Path:
    path = folder / LEGACY_RELATIVE
    path.parent.mkdir(parents=True, exist_ok=True)
    expected = json.loads((FIXTURES / "legacy-lmdbjs" / "head" / "expected.json").read_text())
    shutil.copyfile(FIXTURES / "legacy-lmdbjs" / "head" / expected["path"], path)
    return path


def merged() -> int:
    """How many legacy files the central database took in."""
    with open_store(load()) as store, store.reading() as view:
        return view.count("meta:migration:")


def test_a_legacy_file_git_tracks_is_never_merged_on_its_own(repo: Path, db_path: Path) -> None:
    path = legacy_in(repo)
    git(repo, "add", "-f", "~")
    git(repo, "commit", "-q", "-m", "a repository that ships the older plugin's database")
    status = tracker("status", cwd=repo)
    lines = [line for line in status.stderr.splitlines() if "agent-git-tracker" in line]
    assert len(lines) == 1 and "git tracks it" in lines[0]
    assert f"`agent-git-tracker migrate --from {path}`" in lines[0]
    tracker("session", "start", "--agent", "me", cwd=repo)
    commit(repo, "work")
    git(repo, "push", "-q", "origin", "HEAD:main")
    tracker("migrate", cwd=repo)
    assert merged() == 0
    with open_store(load()) as store, store.reading() as view:
        assert [key for key, _ in view.scan("agent:")] == ["agent:me"]
    tracker("migrate", "--from", str(path), cwd=repo)  # the user's own choice
    assert merged() == 1


def test_a_legacy_file_another_user_owns_is_never_merged_on_its_own(
    repo: Path, db_path: Path
) -> None:
    path = legacy_in(repo)
    os.chown(path, 65534, 65534)
    status = tracker("status", cwd=repo)
    assert "another user owns it" in status.stderr and "migrate --from" in status.stderr
    assert "not merged" not in tracker("status", cwd=repo).stderr  # said once
    assert not db_path.exists() or merged() == 0


def overflow_file(path: Path, value: bytes) -> None:
    """An lmdb-js (v2) file with `agent:good` inline and `agent:huge` on overflow pages."""
    psize = 4096
    record = b"\xd4\x72\x40\x92\xa2id\xa4when" + b"\xa1x" + b"\xd6\xff\x00\x00\x00\x01"
    count = (24 - 1 + len(value)) // psize + 1
    nodes = [
        struct.pack("<IHH", len(record), 0, 10) + b"agent:good" + record,
        struct.pack("<IHH", len(value), 0x01, 10)
        + b"agent:huge"
        + struct.pack("<QQQ", 3, 1, count),
    ]
    leaf = bytearray(psize)
    upper, pointers = psize - 24, []
    for node in nodes:
        upper -= len(node) + len(node) % 2
        leaf[24 + upper : 24 + upper + len(node)] = node
        pointers.append(upper)
    struct.pack_into("<QQHHHH2H", leaf, 0, 2, 1, 0, 0x02, 4, upper, *pointers)
    overflow = bytearray(count * psize)
    struct.pack_into("<QQHHI", overflow, 0, 3, 1, 0, 0x04, count)
    overflow[24 : 24 + len(value)] = value
    metas = []
    for pgno in (0, 1):
        meta = bytearray(psize)
        struct.pack_into("<QQHH4xII", meta, 0, pgno, 0, 0, 0x08, 0xBEEFC0DE, 2)
        struct.pack_into("<IHHQQQQQ", meta, 48, psize, 0x4008, 0, 0, 0, 0, 0, 2**64 - 1)
        struct.pack_into("<IHHQQQQQ", meta, 96, 0, 0, 1, 0, 1, 0, 2, 2)
        struct.pack_into("<QQ", meta, 144, 2 + count, 1 + pgno)
        metas.append(bytes(meta))
    path.write_bytes(b"".join([*metas, bytes(leaf), bytes(overflow)]))


# How much memory a child used at most, in KiB (Linux), measured by a parent of its own.
MEASURE = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
print(json.dumps([resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, done.returncode,
                  done.stdout, done.stderr]))
"""


def test_reading_a_legacy_file_is_bounded(tmp_path: Path, db_path: Path) -> None:
    # A 1 MiB value that claims 2 GiB: one LZ4 match repeating one byte for 255 MiB and more.
    block = b"\x0f" + b"\x01\x00" + b"\xff" * (1 << 20) + b"\x00"
    overflow_file(
        tmp_path / "hostile.lmdb", b"\xff\x00\x00\x00" + (2**31 - 1).to_bytes(4, "big") + block
    )
    run = [
        sys.executable,
        "-m",
        "agent_git_tracker",
        "migrate",
        "--from",
        str(tmp_path / "hostile.lmdb"),
    ]
    measured = subprocess.run(
        [sys.executable, "-c", "import json\n" + MEASURE, *run],
        capture_output=True,
        text=True,
        check=True,
    )
    peak_kib, code, out, err = json.loads(measured.stdout)
    assert code == 0, err
    assert "1 value(s) left out" in out and "over the 16,777,216 limit" in out
    assert "agent:huge" in out and peak_kib < 200 * 1024
    with open_store(load()) as store, store.reading() as view:
        assert [key for key, _ in view.scan("agent:")] == ["agent:good"]
