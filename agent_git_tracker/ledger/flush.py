"""The flush: every spooled event of a repository into LMDB in ONE write transaction.

Exactly once: a flush first claims the appended events into a batch file, and its transaction
records the batch ids it applied (`meta:batch:<id>`). A flush killed before its commit left
nothing in the database and its batch is applied by the next one; a flush killed after its commit
left a batch file whose id is recorded, and the next flush only removes it.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent_git_tracker.capture import spool
from agent_git_tracker.capture.keep import adopt, fallback_dir, reason
from agent_git_tracker.config import locate
from agent_git_tracker.config.settings import Config
from agent_git_tracker.errors import TrackerError
from agent_git_tracker.ledger import exports
from agent_git_tracker.ledger.events import problem
from agent_git_tracker.ledger.ledger import Context, Ledger, Outcome
from agent_git_tracker.ledger.moves import follow_moves
from agent_git_tracker.ledger.overlay import Overlay, Reader
from agent_git_tracker.ledger.points import is_halted
from agent_git_tracker.store import keys
from agent_git_tracker.store.db import Store, View, WriteView
from agent_git_tracker.times import iso

MakeContext = Callable[[Config, set[str]], Context]

BATCH_PREFIX = keys.meta("batch:")
# Repositories a `flush --all` writes per transaction (and spools it keeps locked meanwhile).
GROUP = 100


@dataclass
class Flushed:
    """The result of flushing one repository's spool."""

    directory: str
    events: int = 0
    puts: int = 0
    outcome: Outcome = field(default_factory=Outcome)
    rejected: str | None = None
    rejected_lines: int = 0
    exported: list[Path] = field(default_factory=list)


def batch_key(path: str) -> str:
    return keys.meta(f"batch:{spool.batch_id(path)}")


def context_for(config: Config, projects: set[str], profiles: bool = True) -> Context:
    """Per-project facts from git, read before the write transaction starts (each repository
    opened once). The profiles (language, size, remote) only a flush writes: a pending view
    goes without them."""
    from agent_git_tracker import gitmeta

    found = {p: gitmeta.facts(p, profiles) for p in projects}
    return Context(
        rules=config.rules,
        repo_agents={p: agent for p, (agent, _) in found.items()},
        own_agents=config.agents,
        profiles={p: profile for p, (_, profile) in found.items()} if profiles else {},
    )


@dataclass
class Claimed:
    """A repository's spool, locked, its appended events claimed into batch files and read."""

    result: Flushed
    loaded: list[tuple[str, list[dict[str, Any]], list[str]]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    ledger: Ledger | None = None

    @property
    def events(self) -> list[dict[str, Any]]:
        return [e for _, good, _ in self.loaded for e in good]

    @property
    def projects(self) -> set[str]:
        return {e["project"] for e in self.events if "project" in e}


def flush_repo(
    store: Store,
    directory: str,
    make_context: MakeContext = context_for,
    seconds: float = spool.COMMAND_WAIT,
) -> Flushed:
    """Flush one repository's spool folder, waiting at most `seconds` for each lock; a flush
    that cannot go ahead leaves the spool for the next one and says so."""
    return flush_group(store, [directory], make_context, seconds)[0]


def flush_group(
    store: Store,
    directories: list[str],
    make_context: MakeContext = context_for,
    seconds: float = spool.COMMAND_WAIT,
) -> list[Flushed]:
    """Flush several repositories' spools in ONE write transaction, each spool locked until it
    has committed; the counters of the agents they touch are replayed once for all."""
    where = directories[0] if len(directories) == 1 else f"of {len(directories)} repositories"
    with _guarded(where, seconds), contextlib.ExitStack() as locks:
        claimed = []
        for directory in directories:
            with _guarded(directory, seconds):
                claimed.append(_claim(directory, seconds, locks))
        todo = [c for c in claimed if c.loaded]
        if todo:
            projects = set().union(*(c.projects for c in todo))
            context = make_context(store.config, projects)
            with store.writing(seconds) as txn:
                _apply(txn, todo, context)
            for c in todo:
                bad = [line for _, _, lines in c.loaded for line in lines]
                _after_commit(c.result.directory, [p for p, _, _ in c.loaded], bad, c.result)
    if todo:
        _write_halted(store, todo[-1].result)
    for c in todo:
        session = spool.read_session(c.result.directory) or {}
        _export(store, session, c.projects, c.result)
    return [c.result for c in claimed]


class LeftForNextFlush(TrackerError):
    """A flush that could not go ahead: it says which spool waits for the next one."""


@contextlib.contextmanager
def _guarded(directory: str, seconds: float) -> Iterator[None]:
    """A flush that cannot go ahead leaves the spool (or spools) for the next one; the inner
    of two guards (a spool of `flush --all`'s group) names the spool, the outer keeps that."""
    try:
        yield
    except LeftForNextFlush:
        raise
    except spool.Busy as e:
        raise LeftForNextFlush(
            f"another flush of this repository has held its lock for more than {seconds:g} s "
            f"(a stopped or hung agent-git-tracker?); the spool {directory} is left for the "
            "next flush"
        ) from e
    except TrackerError as e:
        raise LeftForNextFlush(f"{e}; the spool {directory} is left for the next flush") from e
    except OSError as e:
        raise LeftForNextFlush(
            f"cannot flush the spool {directory}: {reason(e)}; it is left for the next flush"
        ) from e


def _claim(directory: str, seconds: float, locks: contextlib.ExitStack) -> Claimed:
    claimed = Claimed(Flushed(directory))
    notes = claimed.notes
    fallback = locate.fallback_root(os.environ)
    if not os.path.isdir(directory) and not os.path.isdir(fallback_dir(fallback, directory)):
        return claimed
    if os.path.islink(directory) or (os.path.lexists(directory) and not os.path.isdir(directory)):
        moved = spool.set_aside_entry(directory)  # else it would block every flush from now on
        notes.append(f"the spool folder {directory} was not a folder; set aside as {moved}")
    spool.private_dir(os.path.dirname(directory))
    spool.private_dir(directory)
    locks.enter_context(spool.Locked(directory, "flush.lock", seconds, repair=True))
    notes += adopt(directory, fallback)
    paths = spool.claim(directory, seconds, notes)
    claimed.loaded = [(p, *good_and_bad) for p in paths if (good_and_bad := _load(p, notes))]
    claimed.result.outcome.notes += notes
    return claimed


def _apply(txn: WriteView, todo: list[Claimed], context: Context) -> None:
    """Each spool's batches not applied yet, through one overlay; then the counters."""
    state = Overlay(txn)
    current = {batch_key(p) for c in todo for p, _, _ in c.loaded}
    for c in todo:
        fresh = [(p, good) for p, good, _ in c.loaded if txn.get(batch_key(p)) is None]
        batch = [e for _, good in fresh for e in good]
        projects = {e["project"] for e in batch if "project" in e}
        rewrites = [tuple(m) for e in batch if e["type"] == "rewrite" for m in e["mappings"]]
        c.notes += follow_moves(state, context.profiles, projects, rewrites)
        c.ledger = Ledger(state, context)
        c.result.outcome = c.ledger.apply(batch, refresh=False)
        _profiles(state, context, c.result.outcome.projects, c.events)
        for path, good in fresh:
            state.put(
                batch_key(path), {"path": path, "events": len(good), "applied_at": iso(_now())}
            )
        c.result.events = len(batch)
        c.result.outcome.notes = [*c.notes, *c.result.outcome.notes]
    _refresh_once(state, context, [c.ledger for c in todo if c.ledger is not None])
    _forget_old_batches(txn, state, current)
    txn.put_many(state.dirty)
    for c in todo:
        c.result.puts = txn.puts  # the whole transaction's


def _refresh_once(state: Overlay, context: Context, ledgers: list[Ledger]) -> None:
    """The counters of every agent the ledgers touched, replayed once; each spool's outcome
    names the agents it touched and those it halted."""
    every = Ledger(state, context)
    every.touched = set().union(*(ledger.touched for ledger in ledgers))
    every.whole = any(ledger.whole for ledger in ledgers)
    every.refresh()
    for ledger in ledgers:
        ledger.outcome.agents |= ledger.touched
        ledger.outcome.halted += [a for a in every.outcome.halted if a in ledger.touched]


def _after_commit(directory: str, paths: list[str], bad: list[str], result: Flushed) -> None:
    """The spool's bookkeeping once the transaction has committed: a failure here is a note
    (the batches' ids are recorded, so the next flush only removes them)."""
    try:
        if bad:
            result.rejected, result.rejected_lines = spool.set_aside(directory, bad), len(bad)
        spool.remove(paths)
    except OSError as e:
        result.outcome.notes.append(f"applied, but the spool was not tidied: {reason(e)}")


def _load(path: str, notes: list[str]) -> tuple[list[dict[str, Any]], list[str]] | None:
    """A batch's events, or None for one that cannot be read: set aside with a note, so that
    it never blocks every later flush of the repository."""
    try:
        return _readable(path)
    except FileNotFoundError:
        return None
    except OSError as e:
        try:
            moved = spool.set_aside_entry(path)
        except OSError:
            notes.append(f"{path} cannot be read ({reason(e)}) nor set aside; skipped")
            return None
        notes.append(f"{path} cannot be read ({reason(e)}); set aside as {moved}")
        return None


def _readable(path: str) -> tuple[list[dict[str, Any]], list[str]]:
    """The events of a spool file that can be applied, and the lines to set aside (unreadable,
    or events that make no sense: they must never block the good ones)."""
    good, bad = spool.read_events(path)
    keep = []
    for event in good:
        if problem(event) is None:
            keep.append(event)
        else:
            bad.append(json.dumps(event, ensure_ascii=False))
    return keep, bad


def _now() -> float:
    import time

    return time.time()


def _export(store: Store, session: dict[str, Any], projects: set[str], result: Flushed) -> None:
    """The read-only state files, from the committed database; a failure is only a note."""
    try:
        with store.reading() as view:
            for project in sorted(projects):
                result.exported += exports.write(
                    view, store.config, Path(project), session.get("agent"), result.outcome.notes
                )
    except OSError as e:
        result.outcome.notes.append(f"state files not exported: {e}")


def _forget_old_batches(txn: View, state: Overlay, current: set[str]) -> None:
    """Batch markers whose files are gone can never be needed again."""
    for key, value in txn.scan(BATCH_PREFIX):
        if key not in current and not os.path.exists(value.get("path", "")):
            state.delete(key)


def _profiles(
    state: Overlay, context: Context, projects: set[str], events: list[dict[str, Any]]
) -> None:
    """Each project's profile: remote, main language, first and last seen."""
    for project in projects | {e["project"] for e in events if e.get("type") == "commit"}:
        key = keys.project(project)
        old = state.get(key) or {"project_path": project, "first_seen": None}
        times = [e["time"] for e in events if e.get("project") == project]
        seen = iso(max(times)) if times else None
        profile = {**old, **context.profiles.get(project, {}), "last_seen": seen}
        profile["first_seen"] = old.get("first_seen") or (iso(min(times)) if times else None)
        state.put(key, profile)


def _write_halted(store: Store, result: Flushed) -> None:
    """The post-commit hook warns about halted agents from this small file."""
    with store.reading() as view:
        halted = [value["id"] for _, value in view.scan("agent:") if is_halted(value)]
    root = str(store.config.spool_root)
    try:
        if halted or os.path.lexists(os.path.join(root, spool.HALTED)):
            spool.private_dir(root)
            spool.write_file(os.path.join(root, spool.HALTED), "".join(f"{a}\n" for a in halted))
    except OSError as e:
        result.outcome.notes.append(f"the list of halted agents was not updated: {reason(e)}")


def spool_folders(config: Config) -> list[str]:
    """Every repository's spool folder, and those only the fallback folder holds events of."""
    root = str(config.spool_root)
    kept = spool.repo_dirs(locate.fallback_root(os.environ))
    folders = {*spool.repo_dirs(root), *(os.path.join(root, os.path.basename(d)) for d in kept)}
    return sorted(folders)


def flush_all(store: Store, make_context: MakeContext = context_for) -> list[Flushed]:
    """Flush every repository's spool: `GROUP` repositories per write transaction."""
    folders = spool_folders(store.config)
    results: list[Flushed] = []
    for start in range(0, len(folders), GROUP):
        results += flush_group(store, folders[start : start + GROUP], make_context)
    return results


def pending_events(view: Reader, directories: list[str]) -> list[dict[str, Any]]:
    """Every spooled event not yet in the database, oldest first."""
    events: list[dict[str, Any]] = []
    fallback = locate.fallback_root(os.environ)
    for directory in directories:
        kept = spool.batches(fallback_dir(fallback, directory))
        for path in kept + spool.pending_files(directory):
            if os.path.basename(path).startswith("batch-") and view.get(batch_key(path)):
                continue  # applied already; its file is about to be removed
            try:
                events += _readable(path)[0]
            except OSError:
                continue  # flushed meanwhile, or not readable: the flush sets it aside
    return events


def pending_state(
    view: Reader, directories: list[str], config: Config
) -> tuple[Overlay, Outcome, int]:
    """The database as it will be after the next flush: pending events applied to an overlay
    that is never written (read-your-writes for `status` and `report`)."""
    state = Overlay(view)
    events = pending_events(view, directories)
    context = context_for(config, {e["project"] for e in events}, profiles=False)
    return state, Ledger(state, context).apply(events), len(events)
