"""Where rewritten commits went: amends and rebases map old hashes to new ones.

The batch's own mappings are indexed once (old → new, and each final hash → its pre-images), so
following a commit costs its chain, not the size of the batch; earlier batches' mappings are
stored as `meta:rewrite:<project>:<old>` records.
"""

from __future__ import annotations

from collections.abc import Iterable

from agent_git_tracker.ledger.overlay import Overlay, Record
from agent_git_tracker.store import keys
from agent_git_tracker.times import origin as origin_of


def stored_key(project: str, old: str) -> str:
    return keys.meta(f"rewrite:{keys.quote(project)}:{old}")


class Rewrites:
    """The old → new map of one batch, over the mappings stored by earlier ones."""

    def __init__(self, state: Overlay) -> None:
        self.state = state
        self._next: dict[tuple[str, str], str] = {}
        self._preimages: dict[tuple[str, str], list[str]] = {}

    def index(self, events: Iterable[Record]) -> None:
        """Read every rewrite of the batch before any event is applied."""
        for event in events:
            if event.get("type") != "rewrite":
                continue
            for old, new in event.get("mappings", []):
                if old == new:
                    continue
                self._next[(event["project"], old)] = new
                # A commit rewritten back to an earlier hash is alive again: "" stops the walk.
                self._next[(event["project"], new)] = ""
        for project, old in list(self._next):
            if self._next[(project, old)]:
                target = self.final(project, old)
                if target != old:
                    self._preimages.setdefault((project, target), []).append(old)

    def final(self, project: str, commit_hash: str) -> str:
        """The hash a commit ended up with after amends and rebases (this batch or earlier)."""
        seen = set()
        current = commit_hash
        while current not in seen:
            seen.add(current)
            nxt = self._next.get((project, current))
            if nxt == "":
                return current
            if nxt is None:
                stored = self.state.get(stored_key(project, current))
                nxt = stored.get("to") if stored else None
            if not nxt:
                return current
            current = nxt
        return current

    def preimages(self, project: str, target: str) -> list[str]:
        """The hashes of this batch that ended as `target`."""
        return self._preimages.get((project, target), [])

    def record(self, project: str, old: str, new: str, when: str) -> str:
        """Store one mapping for later batches; returns where `old` ended."""
        target = self.final(project, new)
        self.state.put(stored_key(project, old), {"to": target, "time": when})
        self.state.delete(stored_key(project, target))
        return target


def earliest(records: list[Record]) -> Record:
    """The record whose work began first: its attribution is the folded commit's. What the
    hooks saw when a commit was made is stronger than what a scan read: they come first."""
    return min(records, key=lambda r: (bool(r.get("scanned")), origin_of(r)))
