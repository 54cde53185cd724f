"""An agent's counters go on from where the last replay stopped only when that gives exactly
what a replay of every record gives."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agent_git_tracker.config.settings import load
from agent_git_tracker.ledger import counters
from agent_git_tracker.ledger.overlay import Overlay
from agent_git_tracker.models import Rules
from agent_git_tracker.store import keys
from agent_git_tracker.store.db import Store, open_store

AGENT = "claude-code"
RULES = Rules()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(load(db_path=str(tmp_path / "c.lmdb"), max_db_size="64MiB")) as opened:
        yield opened


def stamp(minute: int) -> str:
    return f"2026-03-{1 + minute // 1440:02d}T{minute // 60 % 24:02d}:{minute % 60:02d}:00.000"


def write(state: Overlay, rng: random.Random, clock: list[int], serial: list[int]) -> None:
    """A few records as flushes write them: mostly new and later, sometimes earlier, changed
    or deleted."""
    for _ in range(rng.randint(1, 4)):
        serial[0] += 1
        later = rng.random() < 0.8
        clock[0] += rng.randint(1, 300) if later else 0
        minute = clock[0] if later else rng.randint(0, clock[0])
        when, unique = stamp(minute), f"e{serial[0]}"
        kind = rng.choice(["commit", "commit", "commit", "grade", "bug", "resume", "tools", "gone"])
        if kind == "commit":
            state.put(keys.commit("/p", unique), {"model": f"m{serial[0] % 3}", "setup": "s"})
            state.put(keys.timeline(AGENT, when, "/p", unique), {})
        elif kind == "grade":
            timeline = [k for k, _ in state.scan(keys.of_agent("timeline", AGENT))]
            commit = rng.choice(timeline or [""])
            if commit:
                grades = {f"{who}_grade": str(rng.randint(1, 3)) for who in ("agent", "user")}
                retro = {"timestamp": f"{when}+00:00", **grades}
                state.put(keys.retrospective(AGENT, "/p", keys.parts(commit)[-1]), retro)
        elif kind == "bug":
            state.put(keys.bug(AGENT, when, unique), {"timestamp": f"{when}+00:00"})
        elif kind == "resume":
            activity = {"timestamp": f"{when}+00:00", "task": counters.RESUME_TASK}
            state.put(keys.activity(AGENT, when, unique), activity)
        elif kind == "tools":
            day = when[:10]
            usage = state.get(keys.usage(AGENT, day)) or {"day": day, "setups": {}}
            counts = usage["setups"].setdefault("m|s", {})
            counts["tool_uses"] = counts.get("tool_uses", 0) + rng.randint(1, 5)
            state.put(keys.usage(AGENT, day), usage)
        else:
            timeline = [k for k, _ in state.scan(keys.of_agent("timeline", AGENT))]
            if timeline:
                state.delete(rng.choice(timeline))


def replayed_from_nothing(store: Store) -> dict[str, Any]:
    """The counters a replay of every record gives."""
    with store.reading() as view:
        state = Overlay(view)
        record = dict(state.get(keys.agent(AGENT)) or {})
        record.pop("replayed", None)
        state.put(keys.agent(AGENT), record)
        return counters.refresh(state, AGENT, RULES)


@pytest.mark.parametrize("seed", range(40))
def test_going_on_from_the_last_replay_gives_what_a_whole_replay_gives(
    store: Store, seed: int
) -> None:
    rng = random.Random(seed)
    clock, serial = [0], [0]
    for _ in range(40):
        with store.writing() as txn:
            state = Overlay(txn)
            write(state, rng, clock, serial)
            counters.refresh(state, AGENT, RULES)
            txn.put_many(state.dirty)
        with store.reading() as view:
            kept = view.get(keys.agent(AGENT))
        assert kept == replayed_from_nothing(store)


def test_a_later_commit_is_replayed_alone(store: Store) -> None:
    """The usual flush: one commit after the agent's last record costs only itself."""
    with store.writing() as txn:
        state = Overlay(txn)
        for minute in range(50):
            state.put(keys.timeline(AGENT, stamp(minute), "/p", f"c{minute}"), {})
        counters.refresh(state, AGENT, RULES)
        txn.put_many(state.dirty)
    with store.reading() as view:
        state = Overlay(view)
        state.put(keys.timeline(AGENT, stamp(60), "/p", "c60"), {})
        read: list[str] = []
        scan = view.scan
        view.scan = lambda prefix: read.append(prefix) or scan(prefix)  # type: ignore[method-assign]
        record = counters.refresh(state, AGENT, RULES)
    assert record["total_commits"] == 51 and read == []


def test_a_days_tool_uses_counted_on_are_replayed_alone(store: Store) -> None:
    """The usual flush of an agent wired with `track`: the day's usage record, counted on
    after the day's commits, costs itself (and a look at the day's bugs and resumes)."""
    usage = keys.usage(AGENT, "2026-03-01")
    with store.writing() as txn:
        state = Overlay(txn)
        for minute in range(50):
            state.put(keys.timeline(AGENT, stamp(minute), "/p", f"c{minute}"), {})
        state.put(usage, {"day": "2026-03-01", "setups": {"m|s": {"tool_uses": 3}}})
        counters.refresh(state, AGENT, RULES)
        txn.put_many(state.dirty)
    with store.reading() as view:
        state = Overlay(view)
        state.put(usage, {"day": "2026-03-01", "setups": {"m|s": {"tool_uses": 9, "commands": 2}}})
        read: list[str] = []
        scan = view.scan
        view.scan = lambda prefix: read.append(prefix) or scan(prefix)  # type: ignore[method-assign]
        record = counters.refresh(state, AGENT, RULES)
        assert all(prefix.endswith(":2026-03-01") for prefix in read), read
        everything = {k: v for k, v in record.items() if k != "replayed"}
        state.put(keys.agent(AGENT), everything)
        assert counters.refresh(state, AGENT, RULES) == record  # a replay of every record
    assert (record["tool_uses"], record["commands"]) == (9, 2)
