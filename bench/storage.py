"""Bytes on disk per graded commit: the stored form of this version against plain JSON records.

    python -m bench.storage [--sizes 10000,100000] [--fit 300000]

For each size N, builds a database of N commits and N grade events the ledger's way
(`bench.report`'s generator: 89 % agent commits over 7 setups, 12 % re-grades, bugs, usage)
twice, turn about: once as this version stores records, once with every record written as
plain JSON (what schema 2 stored). Prints the file size, the bytes of the B-tree's pages and
of the records (key + value + LMDB's 10 bytes a record) per commit, by record kind, and how
many graded commits the default `max_database_size` (512 MiB) holds at that rate. `--fit N`
then builds N graded commits into a 512 MiB database, the proof that they fit.
"""

from __future__ import annotations

import argparse
import collections
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import lmdb

from agent_git_tracker.config.settings import Config
from agent_git_tracker.errors import TrackerError
from agent_git_tracker.store import compact, keys, pairs
from bench.common import scratch
from bench.report import build

DEFAULT = 512 * 1024**2
NODE = 10  # LMDB's node header and page index, per record


@contextmanager
def plain_json() -> Iterator[None]:
    """Every value stored as plain JSON under its own key, as schema 2 stored it."""
    put, delete = pairs.put, pairs.delete

    def plain_put(txn: Any, key: str, value: Any) -> None:
        txn.put(keys.to_bytes(key), compact.dumps(value))

    pairs.put = plain_put  # type: ignore[assignment]
    pairs.delete = lambda txn, key: txn.delete(keys.to_bytes(key))  # type: ignore[assignment]
    try:
        yield
    finally:
        pairs.put, pairs.delete = put, delete  # type: ignore[assignment]


def measure(path: Path, commits: int) -> dict[str, float]:
    env = lmdb.open(str(path), subdir=False, readonly=True, lock=False)
    try:
        stat = env.stat()
        kinds: collections.Counter[str] = collections.Counter()
        with env.begin() as txn:
            for key, value in txn.cursor():
                kinds[key.split(b":", 1)[0].decode()] += len(key) + len(value) + NODE
    finally:
        env.close()
    pages = stat["branch_pages"] + stat["leaf_pages"] + stat["overflow_pages"]
    figures = {f"records {kind}": size / commits for kind, size in kinds.items()}
    figures["records"] = sum(kinds.values()) / commits
    figures["tree pages"] = pages * stat["psize"] / commits
    figures["file"] = path.stat().st_size / commits
    return figures


def one(work: Path, commits: int, plain: bool) -> dict[str, float]:
    folder = work / f"{'plain' if plain else 'stored'}-{commits}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    start = time.process_time()
    if plain:
        with plain_json():
            build(folder / "t.lmdb", commits, commits)
    else:
        build(folder / "t.lmdb", commits, commits)
    figures = measure(folder / "t.lmdb", commits)
    figures["build s"] = time.process_time() - start
    shutil.rmtree(folder)
    return figures


def show(commits: int, before: dict[str, float], after: dict[str, float]) -> None:
    print(f"{commits:,} commits and grade events, bytes per commit:    plain JSON   stored")
    rows = ["file", "tree pages", "records"]
    rows += sorted((k for k in before if k.startswith("records ")), key=lambda k: -before[k])
    for row in rows:
        print(f"  {row:<28} {before.get(row, 0):>12,.0f} {after.get(row, 0):>10,.0f}")
    for name, figures in (("plain JSON", before), ("stored now", after)):
        print(
            f"  {name}: the default 512 MiB holds about {DEFAULT / figures['file']:,.0f} graded "
            f"commits at this rate (file), {DEFAULT / figures['tree pages']:,.0f} (tree pages); "
            f"built in {figures['build s']:.0f} s CPU"
        )


def fit(work: Path, commits: int) -> None:
    folder = work / f"fit-{commits}"
    folder.mkdir(parents=True)
    path = folder / "t.lmdb"
    print(f"building {commits:,} graded commits into a database of the default 512 MiB:")
    try:
        build(path, commits, commits, Config(database_path=path, max_database_size=DEFAULT))
    except TrackerError as e:
        print(f"  did NOT fit: {e}")
        return
    finally:
        if path.exists():
            print(f"  file: {path.stat().st_size / 1024**2:.0f} MiB")
    print("  they fit")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--fit", type=int, default=0)
    args = parser.parse_args()
    work = scratch()
    try:
        for commits in (int(s) for s in args.sizes.split(",")):
            after = one(work, commits, plain=False)
            before = one(work, commits, plain=True)
            show(commits, before, after)
        if args.fit:
            fit(work, args.fit)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
