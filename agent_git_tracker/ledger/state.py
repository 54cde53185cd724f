"""Agent state as the user sees it: the database plus the events still in the spool."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from agent_git_tracker.config.settings import Config
from agent_git_tracker.ledger.flush import pending_state, spool_folders
from agent_git_tracker.ledger.overlay import Overlay
from agent_git_tracker.store import keys
from agent_git_tracker.store.db import View, exists, open_store

STATUS_FIELDS = (
    "skill_points",
    "experience_points",
    "communication_score",
    "total_commits",
    "total_bugs",
    "halted",
    "model",
    "setup",
    "last_activity",
)


class _Empty:
    """The view of a database that does not exist yet."""

    def get(self, key: str) -> Any | None:
        return None

    def scan(self, prefix: str) -> Iterator[tuple[str, Any]]:
        return iter(())


@contextmanager
def database_view(config: Config) -> Iterator[View | _Empty]:
    """A read view of the database; an empty one when it has not been created yet."""
    if not exists(config):
        yield _Empty()
        return
    with open_store(config) as store, store.reading() as view:
        yield view


@contextmanager
def current(
    config: Config, directories: list[str] | None = None
) -> Iterator[tuple[Overlay, Overlay, int]]:
    """(stored, with pending events, number pending) for the given spool folders (all if
    None). The pending overlay is never written."""
    dirs = spool_folders(config) if directories is None else directories
    with database_view(config) as view:
        pending, _, count = pending_state(view, dirs, config)
        yield Overlay(view), pending, count


def agent_status(stored: Overlay, pending: Overlay, agent_id: str) -> dict[str, Any] | None:
    """An agent's status with the fields that pending events will change marked."""
    now = pending.get(keys.agent(agent_id))
    if now is None:
        return None
    before = stored.get(keys.agent(agent_id)) or {}
    status = {"agent": agent_id, **{f: now.get(f) for f in STATUS_FIELDS}}
    status["halted"] = bool(now.get("halted"))
    status["pending"] = [f for f in STATUS_FIELDS if before.get(f) != now.get(f)]
    for extra in ("tool_uses", "commands"):
        if extra in now:
            status[extra] = now[extra]
    return status


def all_agents(stored: Overlay, pending: Overlay) -> list[dict[str, Any]]:
    ids = [value["id"] for _, value in pending.scan("agent:") if "id" in value]
    return [s for s in (agent_status(stored, pending, a) for a in sorted(ids)) if s]
