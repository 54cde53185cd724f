"""`scan`: the commits a repository already has, recorded with the hooks' own rules.

One streamed `git log` per repository (`commitlog`) finds every commit reachable from its
local branches; the ones not recorded yet become commit events applied by the ledger, in
batches of one write transaction each. The commit's own text and identities decide who made it
(evidence `scan`); a commit the hooks recorded keeps its hook-time evidence (session,
environment), which is stronger. Records are keyed by commit and counters are replayed from
the records, so a scan killed at any instant and run again records every commit once, and a
second scan writes nothing. The outcome measures (`measuring`) follow in the same command,
then what the agents' own logs say of each commit's model, tokens and cost (`costs`), unless
turned off (`agent_logs = false`, or `scan --no-agent-logs`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent_git_tracker.config.settings import Config
from agent_git_tracker.errors import TrackerError, UsageError
from agent_git_tracker.history import commitlog, gitrun
from agent_git_tracker.ledger.flush import context_for
from agent_git_tracker.ledger.ledger import Ledger
from agent_git_tracker.ledger.moves import follow_moves
from agent_git_tracker.ledger.overlay import Overlay
from agent_git_tracker.store import keys
from agent_git_tracker.store.db import Store

BATCH = 5000  # commits per write transaction
Progress = Callable[[str, int], None]  # (repository, commits read so far)


@dataclass
class Scanned:
    """What a scan found and did in one repository."""

    project: str
    commits: int = 0
    recorded: int = 0
    already: int = 0
    agents: dict[str, int] = field(default_factory=dict)
    measured: int = 0
    notes: list[str] = field(default_factory=list)
    agent_logs: dict[str, Any] | None = None


def locate(path: Path) -> dict[str, str]:
    """The repository at `path`: its project (main worktree) and common git folder."""
    found = gitrun.toplevel(path)
    if found is None:
        raise UsageError(f"{path} is not inside a git repository")
    top, common = found
    common_path = Path(common)
    project = str(common_path.parent) if common_path.name == ".git" else top
    return {"project": project, "worktree": top, "common_dir": common}


def repositories(root: Path) -> tuple[list[Path], list[str]]:
    """Every repository below `root` (not inside another's work tree), and what could not be
    read, each with the reason."""
    found, skipped = [], []

    def failed(error: OSError) -> None:
        skipped.append(f"{error.filename}: {error.strerror}")

    for folder, subfolders, files in os.walk(root, onerror=failed, followlinks=False):
        if ".git" in subfolders or ".git" in files:
            found.append(Path(folder))
            subfolders[:] = []  # its own folders are its work tree (or submodules)
            continue
        subfolders[:] = sorted(s for s in subfolders if s not in _NEVER)
    return found, skipped


_NEVER = frozenset({"node_modules", ".venv", "venv", "__pycache__", ".tox", ".cache"})


def scan_repository(
    store: Store, path: Path, since: str | None = None, progress: Progress | None = None
) -> Scanned:
    """Record every commit of one repository that is not recorded yet."""
    repo = locate(path)
    result = Scanned(repo["project"])
    context = context_for(store.config, {repo["project"]})
    with store.writing() as txn:
        state = Overlay(txn)
        result.notes += follow_moves(state, context.profiles, [repo["project"]])
        txn.put_many(state.dirty)
    known = _recorded(store, repo["project"])
    worktree = Path(repo["worktree"])
    branches = _listed(worktree, since)
    added = [commit for commit in branches if commit not in known]
    result.commits, result.already = len(branches), len(branches) - len(added)
    batch: list[dict[str, Any]] = []
    for read, facts in enumerate(_facts(worktree, added), start=1):
        batch.append(_event(repo, {**facts, "branch": branches.get(facts["hash"])}))
        if len(batch) >= BATCH:
            _write(store, batch, context, result)
            batch = []
        if progress is not None and read % 500 == 0:
            progress(repo["project"], read)
    if batch:
        _write(store, batch, context, result)
    if progress is not None:
        progress(repo["project"], len(added))
    if since is None:
        _reconcile(store, repo, sorted(known - branches.keys()), added, context, result)
    return result


def _reconcile(
    store: Store,
    repo: dict[str, str],
    gone: list[str],
    added: list[str],
    context: Any,
    result: Scanned,
) -> None:
    """History rewritten behind the hooks' back (`git filter-branch`, a rebase without the
    hooks): recorded commits no longer reachable pair, by patch id, with commits this scan
    found, and their records, grades and bugs move there."""
    if not gone or not added:
        return
    ids = gitrun.patch_ids(Path(repo["worktree"]), [*gone, *added])
    waiting: dict[str, list[str]] = {}
    for commit in added:
        if commit in ids:
            waiting.setdefault(ids[commit], []).append(commit)
    pairs = [(old, waiting[ids[old]].pop(0)) for old in gone if waiting.get(ids.get(old, ""))]
    if not pairs:
        return
    event = {
        "id": f"scan-rewrite-{pairs[0][0]}",
        "type": "rewrite",
        "time": time.time(),
        "project": repo["project"],
        "worktree": repo["worktree"],
        "kind": "reconciled by scan",
        "mappings": [list(pair) for pair in pairs],
    }
    with store.writing() as txn:
        state = Overlay(txn)
        Ledger(state, context).apply([event])
        txn.put_many(state.dirty)
    result.notes.append(f"{len(pairs)} recorded commit(s) rewritten outside the hooks followed")


def _recorded(store: Store, project: str) -> set[str]:
    prefix = keys.commit(project, "")
    with store.reading() as view:
        return {key[len(prefix) :] for key in view.keys(prefix)}


def _listed(
    worktree: Path, since: str | None, revisions: tuple[str, ...] = ("--branches", "HEAD")
) -> dict[str, str | None]:
    with gitrun.Log.of(worktree, commitlog.listing(list(revisions), since)) as log:
        found = commitlog.listed(log.stdout)
        log.check()
    return found


def _facts(worktree: Path, commits: list[str]) -> Iterator[dict[str, Any]]:
    if not commits:
        return
    given = "".join(f"{commit}\n" for commit in commits).encode()
    with gitrun.Log.of(worktree, commitlog.args(), stdin=given) as log:
        yield from commitlog.parse(log.stdout)
        log.check()


PUSH_LIMIT = 500  # commits a push records this way; `scan` records any more


def record_missing(store: Store, path: Path, revisions: list[str]) -> tuple[int, bool]:
    """Record the commits of `revisions` (a push's range) that no hook recorded (`git am`
    under pre-commit, which has no post-applypatch stage; commits made before the hooks were
    installed), from their own text; returns how many, and whether PUSH_LIMIT cut it short."""
    repo = locate(path)
    worktree = Path(repo["worktree"])
    listed = _listed(worktree, None, tuple(revisions))
    missing: list[str] = []
    with store.reading() as view:  # the pushed commits looked up, not the project's all
        for commit in listed:
            if not view.has(keys.commit(repo["project"], commit)):
                missing.append(commit)
                if len(missing) > PUSH_LIMIT:
                    break
    cut = len(missing) > PUSH_LIMIT
    batch = [_event(repo, facts) for facts in _facts(worktree, missing[:PUSH_LIMIT])]
    result = Scanned(repo["project"])
    if batch:
        _write(store, batch, context_for(store.config, {repo["project"]}), result)
    return result.recorded, cut


def _event(repo: dict[str, str], facts: dict[str, Any]) -> dict[str, Any]:
    """A commit event as the hook would have made it, dated when the commit was made."""
    return {
        "id": f"scan-{facts['hash']}",
        "type": "commit",
        "time": _epoch(facts["committed_at"]),
        "project": repo["project"],
        "worktree": repo["worktree"],
        "commit": facts,
        "session": None,
        "declared": {},
        "markers": [],
        "scanned": True,
    }


def _epoch(stamp: str) -> float:
    from datetime import datetime

    try:
        return datetime.fromisoformat(stamp).timestamp()
    except ValueError:
        return time.time()


def _write(store: Store, events: list[dict[str, Any]], context: Any, result: Scanned) -> None:
    """One batch in one write transaction; commits recorded meanwhile (a hook's flush) win."""
    with store.writing() as txn:
        state = Overlay(txn)
        outcome = Ledger(state, context).apply(events)
        txn.put_many(state.dirty)
    result.recorded += outcome.commits
    result.already += len(events) - outcome.commits  # recorded meanwhile
    for event in events:
        record = state.get(keys.commit(event["project"], event["commit"]["hash"])) or {}
        if record.get("kind") == "agent" and record.get("scanned"):
            agent = record["agent_id"]
            result.agents[agent] = result.agents.get(agent, 0) + 1


def check_paths(paths: list[Path], all_under: Path | None) -> tuple[list[Path], list[str]]:
    """The repositories to scan: the paths given, the repositories under `all_under`, else the
    current one; and the folders skipped, with why."""
    found, skipped = list(paths), list[str]()
    if all_under is not None:
        if not all_under.is_dir():
            raise UsageError(f"--all-under {all_under}: no such folder")
        below, skipped = repositories(all_under)
        found += below
    if not found:
        found = [Path.cwd()]
    for path in found:
        if not path.exists():
            raise UsageError(f"{path} does not exist")
    return found, skipped


def note(error: TrackerError, path: Path) -> str:
    return f"{path}: skipped, {error}"


@dataclass
class Summary:
    """A whole scan: each repository's result, and what was skipped and why."""

    repositories: list[Scanned] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def recorded(self) -> int:
        return sum(r.recorded for r in self.repositories)


def scan(
    config: Config,
    paths: list[Path],
    all_under: Path | None = None,
    since: str | None = None,
    progress: Progress | None = None,
    now: float | None = None,
    agent_logs: bool = True,
) -> Summary:
    """Scan the repositories named (or found under `all_under`, else the current one), then
    measure their commits' outcomes and, with `agent_logs` (and the configuration's
    `agent_logs`), join them to the agents' own logs."""
    from agent_git_tracker.costs.passes import price_table, record_usage
    from agent_git_tracker.history.measuring import measure_into
    from agent_git_tracker.store.db import open_store

    targets, skipped = check_paths(paths, all_under)
    summary = Summary(skipped=skipped)
    logs = agent_logs and config.agent_logs
    if logs:
        price_table(config)  # a wrong price override stops the scan before it starts
    with open_store(config) as store:
        for path in targets:
            try:
                result = scan_repository(store, path, since, progress)
                result.measured = measure_into(store, result.project, path, now or time.time())
                if logs:
                    result.agent_logs = record_usage(store, result.project).data()
            except TrackerError as error:
                summary.skipped.append(note(error, path))
                continue
            summary.repositories.append(result)
    return summary


def summary_data(summary: Summary) -> dict[str, Any]:
    """The summary as `scan --json` prints it."""
    return {
        "repositories": [vars(r) for r in summary.repositories],
        "skipped": summary.skipped,
        "recorded": summary.recorded,
        "commits": sum(r.commits for r in summary.repositories),
    }
