"""One pass for a repository: read what is new in the agents' logs, keep it, join the commits.

`scan` runs it after each repository's records are written, the pre-push hook after its
flush within a budget (what is left waits for the next push or scan). The logs are read
outside any write transaction; what they gave, the cursors and the commits' usage are then
written in ONE transaction, so a pass killed at any instant leaves all of it or none, and
the next pass reads again from the cursors stored: each turn is kept once.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Mapping
from dataclasses import asdict, astuple, dataclass, field
from pathlib import Path
from typing import Any

from agent_git_tracker.agentlogs import prices
from agent_git_tracker.agentlogs.prices import Prices
from agent_git_tracker.capture import spool
from agent_git_tracker.config.settings import Config
from agent_git_tracker.costs import stored
from agent_git_tracker.costs.joining import has_work, join_project
from agent_git_tracker.costs.reading import keep, postpone, read_logs
from agent_git_tracker.errors import UsageError
from agent_git_tracker.store.db import Store

READ_SHARE = 0.6  # of a pass's budget, for reading the logs; the rest is for the join
# The prices the joined commits' costs were computed with: when they change (an override in
# the configuration, a newer table), a pass without a budget (`scan`) prices every commit again.
PRICED = stored.meta_key("prices")


@dataclass
class Recorded:
    """What a pass read and joined."""

    turns: int = 0
    mentions: int = 0
    sessions: int = 0
    searched: int = 0
    joined: int = 0
    written: int = 0
    complete: bool = True
    skipped: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def data(self) -> dict[str, Any]:
        return asdict(self)


def fingerprint(table: Prices) -> str:
    """What identifies a price table's figures."""
    rows = sorted((model, astuple(price)) for model, price in table.models.items())
    return hashlib.sha256(repr(rows).encode()).hexdigest()[:32]


def price_table(config: Config) -> Prices:
    """The shipped prices with the configuration's overrides (`[prices."<model>"]`)."""
    try:
        return prices.load(config.prices)
    except UsageError as error:
        source = config.sources.get("prices", "the configuration")
        raise UsageError(f"{error}: see the [prices] tables of {source}") from error


def record_usage(
    store: Store,
    project: str,
    budget: float | None = None,
    environ: Mapping[str, str] | None = None,
    seconds: float = spool.COMMAND_WAIT,
) -> Recorded:
    """Read the agents' logs from where the last pass stopped and join `project`'s commits;
    `budget` (seconds) bounds the pass, `seconds` the wait for the database's writer lock."""
    table = price_table(store.config)
    env = os.environ if environ is None else environ
    started = time.monotonic()
    read_by = None if budget is None else started + budget * READ_SHARE
    priced = {"prices": fingerprint(table)}
    with store.reading() as view:
        found = read_logs(view, env, Path(os.path.expanduser("~")), read_by)
        reprice = budget is None and view.get(PRICED) != priced
        idle = not (found.turns or found.mentions or found.cursors or reprice)
        idle = idle and not has_work(view, project)
    done = Recorded(
        turns=len(found.turns),
        mentions=len(found.mentions),
        complete=found.complete,
        skipped=dict(found.skipped),
        notes=found.notes,
    )
    if idle:
        return done  # nothing to write: not even the database's writer lock is taken
    with store.writing(seconds) as txn:
        changed = keep(txn, found)
        postpone(txn, changed, project)
        joined = join_project(
            txn, project, changed, table, None if budget is None else started + budget, reprice
        )
        if reprice:
            txn.put(PRICED, priced)
    done.sessions, done.searched = len(changed), joined.searched
    done.joined, done.written = joined.joined, joined.written
    done.complete = done.complete and joined.complete
    return done
