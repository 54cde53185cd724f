"""Agent sessions: while one is active in a repository, its commits are the agent's."""

from __future__ import annotations

import time

from agent_git_tracker.capture import spool
from agent_git_tracker.capture.workspace import here, spool_dir
from agent_git_tracker.config.settings import Config
from agent_git_tracker.errors import TrackerError
from agent_git_tracker.ledger.flush import Flushed, flush_repo
from agent_git_tracker.models import check_name
from agent_git_tracker.store.db import open_store
from agent_git_tracker.times import iso


def start_session(
    config: Config, agent: str, model: str | None, setup: str | None
) -> dict[str, str]:
    """Make `agent` the author of this repository's commits until `session end`."""
    values = {
        "agent": check_name(agent),
        "model": check_name(model, "model") if model else "",
        "setup": check_name(setup, "setup label") if setup else "",
    }
    values["started"] = iso(time.time())
    directory = spool_dir(config, here())
    spool.write_session(directory, values)
    return values


def show_session(config: Config) -> dict[str, str] | None:
    return spool.read_session(spool_dir(config, here()))


def end_session(config: Config) -> tuple[dict[str, str] | None, Flushed]:
    """End the session and flush: the safety net when an agent stops before a push."""
    directory = spool_dir(config, here())
    session = spool.read_session(directory)
    spool.end_session(directory)
    try:
        with open_store(config) as store:
            return session, flush_repo(store, directory)
    except TrackerError as e:
        raise TrackerError(
            f"session ended; the flush failed and the events stay in the spool "
            f"for the next one: {e}"
        ) from e
