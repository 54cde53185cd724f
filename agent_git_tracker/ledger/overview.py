"""What the user asks of the tracker itself: what the database holds, what waits in the spool,
and a flush on request."""

from __future__ import annotations

import os
from typing import Any

from agent_git_tracker.capture import spool
from agent_git_tracker.capture.keep import fallback_dir
from agent_git_tracker.capture.workspace import here, spool_dir
from agent_git_tracker.config import locate
from agent_git_tracker.config.settings import Config
from agent_git_tracker.ledger.flush import Flushed, flush_all, flush_repo, spool_folders
from agent_git_tracker.store.db import open_store


def database_info(config: Config, warn: Any = None) -> dict[str, Any]:
    with open_store(config, warn=warn) as store:
        info = store.info()
    info["spool"] = backlog(config)
    return info


def backlog(config: Config) -> dict[str, Any]:
    """How many events wait in the spool, per repository folder."""
    waiting = {}
    fallback = locate.fallback_root(os.environ)
    for directory in spool_folders(config):
        kept = spool.batches(fallback_dir(fallback, directory))
        count = sum(_lines(p) for p in kept + spool.pending_files(directory))
        if count:
            waiting[directory] = count
    return {
        "path": str(config.spool_root),
        "pending_events": sum(waiting.values()),
        "repositories": waiting,
    }


def _lines(path: str) -> int:
    try:
        with os.fdopen(spool.open_regular(path), "rb") as f:
            return sum(1 for line in f if line.strip())
    except OSError:  # gone meanwhile, or not a regular file: the next flush sets it aside
        return 0


def run_flush(config: Config, everything: bool) -> dict[str, Any]:
    with open_store(config) as store:
        results = flush_all(store) if everything else [flush_repo(store, spool_dir(config, here()))]
    return {
        "repositories": [_flushed(r) for r in results],
        "events": sum(r.events for r in results),
    }


def _flushed(result: Flushed) -> dict[str, Any]:
    outcome = result.outcome
    return {
        "spool": result.directory,
        "events": result.events,
        "puts": result.puts,
        "commits": outcome.commits,
        "rewritten": outcome.rewritten,
        "grades": len(outcome.grades),
        "halted": outcome.halted,
        "notes": outcome.notes,
        "rejected_lines": result.rejected_lines,
        "rejected_file": result.rejected,
    }
