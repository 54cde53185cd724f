"""Flushing the spool in ONE write transaction against one transaction per event.

    python bench/flush.py

For 1,000 and 10,000 spooled events (commits by agents and humans, grades, bugs, tool uses), on
a fresh database each, two figures side by side:
- the write phase: the values a flush writes, as ONE transaction with every key collapsed to one
  put, against the seed's way of one transaction per event (each event's own puts). This is
  what batching changes. Target: ≥ 50× faster at 1,000 events.
- the whole flush, end to end (reading the spool, attribution, points, writing), against the same
  work committed after every event. Interpretation costs the same either way, so this ratio is
  bounded by how cheap this machine's fsync is.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from common import ROOT, scratch

sys.path.insert(0, str(ROOT / "tests"))

from agent_git_tracker.capture import spool
from agent_git_tracker.config.settings import load
from agent_git_tracker.ledger.flush import context_for, flush_repo
from agent_git_tracker.ledger.ledger import Ledger
from agent_git_tracker.ledger.overlay import Overlay
from agent_git_tracker.store.db import Store, open_store

from crashkit import write_spool

REPEATS = 5


class Memory:
    """An in-memory base for the ledger, to prepare each event's writes before timing."""

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}

    def get(self, key: str) -> Any | None:
        return self.data.get(key)

    def scan(self, prefix: str) -> Iterator[tuple[str, Any]]:
        return iter(sorted((k, v) for k, v in self.data.items() if k.startswith(prefix)))


def per_event_writes(events: list[dict[str, Any]], context: Any) -> list[dict[str, Any]]:
    base = Memory()
    writes = []
    for event in events:
        state = Overlay(base)
        Ledger(state, context).apply([event])
        writes.append(dict(state.dirty))
        base.data.update({k: v for k, v in state.dirty.items() if v is not None})
    return writes


def write_phase(store: Store, batches: list[dict[str, Any]]) -> float:
    start = time.perf_counter()
    for batch in batches:
        with store.writing() as txn:
            txn.put_many(batch)
    return time.perf_counter() - start


def fresh(work: Path, name: str, count: int) -> tuple[Store, Path]:
    db = work / name / "t.lmdb"
    directory = write_spool(db, work / "project", count)
    return open_store(load(db_path=str(db), max_db_size="1GiB")), directory


def measure(work: Path, count: int) -> dict[str, float]:
    figures = {}
    store, directory = fresh(work, f"one-{count}", count)
    events, _ = spool.read_events(str(directory / spool.EVENTS))
    context = context_for(store.config, {e["project"] for e in events})
    per_event = per_event_writes(events, context)
    store.close()
    collapsed: dict[str, Any] = {}
    for writes in per_event:
        collapsed.update(writes)
    for name, batches in (("write one", [collapsed]), ("write each", per_event)):
        samples = []
        for run in range(REPEATS):
            store, _ = fresh(work, f"{name}-{count}-{run}", 1)
            samples.append(write_phase(store, batches))
            store.close()
        figures[name] = statistics.median(samples)

    store, directory = fresh(work, f"flush-{count}", count)
    start = time.perf_counter()
    flush_repo(store, str(directory))
    figures["flush one"] = time.perf_counter() - start
    store.close()
    store, directory = fresh(work, f"flush-each-{count}", count)
    start = time.perf_counter()
    context = context_for(store.config, {e["project"] for e in events})
    for event in events:
        with store.writing() as txn:
            state = Overlay(txn)
            Ledger(state, context).apply([event])
            txn.put_many(state.dirty)
    figures["flush each"] = time.perf_counter() - start
    store.close()
    return figures


def main() -> None:
    work = scratch()
    try:
        print(
            f"seconds, fresh database each, measured in this process (write phase: median of "
            f"{REPEATS} runs):"
        )
        for count in (1_000, 10_000):
            f = measure(work, count)
            write_ratio = f["write each"] / f["write one"]
            target = f" (target ≥ 50×: {'met' if write_ratio >= 50 else 'NOT met'})"
            print(
                f"  {count:>6,} events  write phase: one transaction {f['write one']:.4f}, "
                f"one per event {f['write each']:.4f}, {write_ratio:.0f}× faster"
                + (target if count == 1_000 else "")
            )
            print(
                f"  {count:>6,} events  whole flush: one transaction {f['flush one']:.3f}, "
                f"committed per event {f['flush each']:.3f}, "
                f"{f['flush each'] / f['flush one']:.1f}× faster"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
