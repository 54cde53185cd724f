"""Reading the older plugin's lmdb-js files and merging them into the central database.

    python bench/migrate.py

Measured in one run: reading each real fixture file with the pure-Python reader; merging a
synthetic source of the fixture's records copied 300 times (38,400 records) into a fresh
database, against a bare `put_many` of the same records (the floor: one transaction, no
existence checks); merging it again (idempotent: nothing written); and what the automatic check
costs a command when there is no legacy file.
"""

from __future__ import annotations

import shutil
import statistics
import time
from collections.abc import Callable

from agent_git_tracker.config.settings import load
from agent_git_tracker.migration.auto import auto_migrate
from agent_git_tracker.migration.legacy import read_records
from agent_git_tracker.migration.legacy.mapping import to_entries
from agent_git_tracker.migration.migrate import merge
from agent_git_tracker.store.db import open_store

from common import ROOT, scratch

FIXTURES = ROOT / "tests" / "fixtures" / "legacy-lmdbjs"
COPIES = 300


def best(runs: int, action: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    work = scratch()
    try:
        sources = {}
        for layout in ("head", "flat"):
            path = FIXTURES / layout / "project-x" / "~" / ".config" / "opencode"
            copy = work / layout / "agent-tracker.lmdb"
            copy.parent.mkdir(parents=True)
            shutil.copy(path / "agent-tracker.lmdb", copy)
            sources[layout] = copy
            seconds = best(20, lambda c=copy: read_records(c))
            count = len(read_records(copy))
            print(
                f"read {layout:<4} fixture: {count} records in {seconds * 1000:.1f} ms "
                f"({count / seconds:,.0f} records/s)"
            )
        base = to_entries(read_records(sources["head"]))
        entries = {f"{k}.{i}": v for i in range(COPIES) for k, v in base.items()}
        figures = {}
        for name in ("bare put_many", "merge"):
            db = work / name.replace(" ", "-") / "t.lmdb"
            with open_store(load(db_path=str(db), max_db_size="1GiB")) as store:
                start = time.perf_counter()
                if name == "merge":
                    merge(store, entries)
                else:
                    store.put_many(entries)
                figures[name] = time.perf_counter() - start
                if name == "merge":
                    figures["again"] = best(3, lambda s=store: merge(s, entries))
        print(
            f"merge of {len(entries):,} records into a fresh database: "
            f"{figures['merge']:.3f} s; bare put_many {figures['bare put_many']:.3f} s "
            f"({figures['merge'] / figures['bare put_many']:.2f}× the floor)"
        )
        print(f"merging the same source again (writes nothing): {figures['again']:.3f} s")
        empty = work / "no-legacy-here"
        empty.mkdir()
        config = load(db_path=str(work / "auto" / "t.lmdb"))
        seconds = best(1000, lambda: auto_migrate(config, empty, empty))
        print(f"automatic check with no legacy file: {seconds * 1e6:.1f} µs per command")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
