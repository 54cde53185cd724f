"""The outcome measures of recorded commits, kept in their records and digests.

A first pass measures a repository's whole first-parent history (`scan`); later passes (the
pre-push hook, within a time budget) start just before the oldest commit whose measures are
not final yet, so that a pass costs the recent history, not all of it. A measure is stored
when it changes; a final one never changes, so running again writes nothing.
`meta:outcomes:<project>` remembers where the next pass starts.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from agent_git_tracker.history.outcomes import Outcome, first_parent_before, measure
from agent_git_tracker.ledger import digest
from agent_git_tracker.store import keys
from agent_git_tracker.store.db import Store

STORED = ("survival_14d", "survival_30d", "reverted_30d", "fixed_30d", "bulk", "files", "added")


def state_key(project: str) -> str:
    return keys.meta(f"outcomes:{keys.quote(project)}")


def measure_into(
    store: Store, project: str, worktree: Path, now: float, budget: float | None = None
) -> int:
    """Measure the commits of `project` that may have changed since the last pass and store
    what changed; `budget` (seconds) bounds the pass. Returns the commits whose measures
    were written."""
    with store.reading() as view:
        last = view.get(state_key(project)) or {}
        recorded, oldest = _recorded(view, project)
    if not recorded:
        return 0
    start = _start(worktree, last or {"oldest_open": oldest}, now)
    deadline = None if budget is None else time.monotonic() + budget
    found = [o for o in measure(worktree, now=now, start_after=start, deadline=deadline)]
    return _store(store, project, [o for o in found if o.commit in recorded], last, now)


def _recorded(view: Any, project: str) -> tuple[set[str], float | None]:
    """The project's recorded commits, and the time of the oldest (from the digests)."""
    prefix = keys.digest(project, "")
    hashes, times = set(), []
    for key, fact in view.scan(prefix):
        hashes.add(key[len(prefix) :])
        if isinstance(fact, list) and len(fact) > 4 and isinstance(fact[4], str):
            times.append(fact[4])
    return hashes, _epoch(min(times, default=None))


def _epoch(key: str | None) -> float | None:
    if not key:
        return None
    from datetime import UTC, datetime

    return datetime.fromisoformat(key).replace(tzinfo=UTC).timestamp()


def _start(worktree: Path, last: dict[str, Any], now: float) -> str | None:
    """Just before the oldest commit still open at the last pass (or the newest then seen);
    the first pass starts before the oldest recorded commit."""
    since = last.get("oldest_open") or last.get("newest")
    if not isinstance(since, int | float):
        return None
    return first_parent_before(worktree, None, float(since))


# Measures written per transaction: a transaction cannot reuse the pages it frees, so a pass
# over a long history in one would need room for every commit record twice.
BATCH = 5000


def _store(
    store: Store, project: str, outcomes: list[Outcome], last: dict[str, Any], now: float
) -> int:
    """Write the measures that changed, `BATCH` commits a transaction; where the next pass
    starts is written with the last batch (a pass killed part way is done again, and what it
    had written is found unchanged)."""
    written = 0
    for start in range(0, max(len(outcomes), 1), BATCH):
        with store.writing() as txn:
            for outcome in outcomes[start : start + BATCH]:
                key = keys.commit(project, outcome.commit)
                record = txn.get(key)
                if not isinstance(record, dict):
                    continue
                measures = stored(outcome)
                if record.get("outcomes") != measures:
                    record = {**record, "outcomes": measures}
                    txn.put(key, record)
                    txn.put(keys.digest(project, outcome.commit), digest.of(record))
                    written += 1
            if start + BATCH >= len(outcomes):
                open_times = [o.time for o in outcomes if not o.final]
                newest = max((o.time for o in outcomes), default=last.get("newest"))
                state = {"oldest_open": min(open_times, default=None), "newest": newest}
                if state != last:
                    txn.put(state_key(project), state)
    return written


def stored(outcome: Outcome) -> dict[str, Any]:
    """The measures a commit record keeps (`outcomes`)."""
    values: dict[str, Any] = {name: getattr(outcome, name) for name in STORED}
    values["final"] = outcome.final
    return values
