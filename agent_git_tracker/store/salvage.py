"""Every record the database can still give, read page by page: what `export` writes.

The walk never lets LMDB touch a data page (`pages`), so a damaged file gives what it still
holds and says what it skipped, instead of killing the process. A healthy file is read inside
an LMDB read transaction that pins its snapshot: a flush meanwhile never reuses those pages.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from agent_git_tracker.config.settings import Config
from agent_git_tracker.errors import TrackerError
from agent_git_tracker.store import damage, pages
from agent_git_tracker.store.damage import open_regular
from agent_git_tracker.store.db import open_store, refuse_foreign

_TRIES = 5


@dataclass
class Reading:
    """One snapshot of the file; `records()` may be walked more than once."""

    fd: int
    meta: pages.Meta | None
    problem: str | None = None
    _walk: pages.Salvage = field(default_factory=pages.Salvage)

    def records(self) -> Iterator[tuple[bytes, bytes]]:
        """Every (key, value) still readable, in key order."""
        self._walk = pages.Salvage()
        if self.meta is not None:
            yield from pages.records(self.fd, self.meta, self._walk)

    @property
    def skipped(self) -> list[str]:
        """What the last walk could not read, one line each (empty for a healthy file)."""
        return [p for p in (self.problem, *self._walk.skipped) if p]


@contextmanager
def reading(config: Config) -> Iterator[Reading]:
    """The records of the database at one snapshot, damaged or not."""
    path = config.database_path
    refuse_foreign(path)
    try:
        fd = open_regular(path)
    except OSError as e:
        raise TrackerError(f"cannot read the database {path}: {e.strerror}") from e
    try:
        short = pages.shortfall(fd)
        if short:  # LMDB must not map it, and every other opener refuses it: none writes
            damage.remember(path, short)
            metas = pages.read_metas(fd)
            yield Reading(fd, metas[0] if metas else None, short)
            return
        with open_store(config, check_schema=False) as store:
            for _ in range(_TRIES):
                with store.snapshot() as txn:
                    meta = next((m for m in pages.read_metas(fd) if m.txnid == txn.id()), None)
                    if meta is not None:
                        yield Reading(fd, meta)
                        return
        raise TrackerError(f"the database {path} kept changing while it was read; try again")
    finally:
        os.close(fd)
