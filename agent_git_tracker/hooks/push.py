"""The pre-push hook: flush this repository's spool, and refuse the push of a halted agent's
commits when the user asked for that."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from agent_git_tracker.capture import spool
from agent_git_tracker.capture.workspace import here, spool_dir
from agent_git_tracker.config.settings import Config
from agent_git_tracker.errors import TrackerError
from agent_git_tracker.hooks.rewrite import HASH
from agent_git_tracker.ledger.flush import Flushed, flush_repo
from agent_git_tracker.ledger.points import is_halted
from agent_git_tracker.store import keys
from agent_git_tracker.store.db import Store, open_store

ZERO = "0" * 40
MEASURE_BUDGET = 0.5  # seconds a push may wait more for the outcome measures
LOGS_BUDGET = 0.5  # seconds a push may wait more for the agents' logs


@dataclass(frozen=True)
class PushedRef:
    local_sha: str
    remote_sha: str


def pushed_refs(stdin: str, environ: Mapping[str, str]) -> list[PushedRef]:
    """The refs being pushed, from git's stdin or from pre-commit's PRE_COMMIT_* variables."""
    refs = []
    for line in stdin.splitlines():
        fields = line.split()
        if len(fields) == 4 and HASH.fullmatch(fields[1]) and HASH.fullmatch(fields[3]):
            refs.append(PushedRef(fields[1], fields[3]))
    if not refs and environ.get("PRE_COMMIT_TO_REF"):
        refs.append(
            PushedRef(environ["PRE_COMMIT_TO_REF"], environ.get("PRE_COMMIT_FROM_REF") or ZERO)
        )
    return refs


def pre_push(config: Config, stdin: str, environ: Mapping[str, str]) -> tuple[Flushed, str | None]:
    """Flush this repository's whole spool, whatever refs are pushed; with `enforce_halt`,
    refuse a push that carries commits of a halted agent."""
    repo = here()
    try:
        store = open_store(config)
    except TrackerError as e:
        raise TrackerError(f"{e}; the events wait in the spool for the next flush") from e
    refs = pushed_refs(stdin, environ)
    with store:
        flushed = flush_repo(store, spool_dir(config, repo), seconds=spool.PUSH_WAIT)
        # pre-commit names no refs when a push starts at the root commit: the branch is known
        branch = environ.get("PRE_COMMIT_LOCAL_BRANCH") or "HEAD"
        _record_pushed(store, repo, refs or [PushedRef(branch, ZERO)], flushed)
        _measure_outcomes(store, repo, flushed)
        if config.agent_logs:
            _read_agent_logs(store, repo, flushed)
        if not config.enforce_halt:
            return flushed, None
        return flushed, halted_in_push(store, repo["project"], refs)


def _record_pushed(
    store: Store, repo: Mapping[str, str], refs: list[PushedRef], flushed: Flushed
) -> None:
    """The pushed commits no hook recorded, recorded from their own text (never commits the
    remotes already have: those are upstream's)."""
    from agent_git_tracker.history.scan import record_missing

    for ref in refs:
        if ref.local_sha == ZERO:
            continue  # a deleted branch sends nothing
        known = [ref.remote_sha] if ref.remote_sha != ZERO else []
        try:
            try:
                count, cut = record_missing(
                    store, Path(repo["worktree"]), [ref.local_sha, "--not", "--remotes", *known]
                )
            except TrackerError:  # the remote's tip is not here (it was never fetched)
                count, cut = record_missing(
                    store, Path(repo["worktree"]), [ref.local_sha, "--not", "--remotes"]
                )
        except TrackerError as error:
            flushed.outcome.notes.append(f"pushed commits not recorded at push: {error}")
            continue
        if count:
            flushed.outcome.notes.append(
                f"recorded {count} pushed commit(s) no hook had recorded, from their own text"
            )
        if cut:
            flushed.outcome.notes.append(
                "more pushed commits are not recorded: run `agent-git-tracker scan`"
            )


def _measure_outcomes(store: Store, repo: Mapping[str, str], flushed: Flushed) -> None:
    """The outcome measures that came due, within a budget: the rest waits for the next push
    or `scan`."""
    from agent_git_tracker.history.measuring import measure_into

    try:
        now = time.time()
        measure_into(store, repo["project"], Path(repo["worktree"]), now, MEASURE_BUDGET)
    except TrackerError as error:
        flushed.outcome.notes.append(f"outcome measures wait for the next push: {error}")


def _read_agent_logs(store: Store, repo: Mapping[str, str], flushed: Flushed) -> None:
    """Model, tokens and cost of the new commits from the agents' logs, within a budget: the
    rest waits for the next push or `scan`."""
    from agent_git_tracker.costs.passes import record_usage

    try:
        record_usage(store, repo["project"], LOGS_BUDGET, seconds=spool.PUSH_WAIT)
    except Exception as error:  # whatever a log holds, the push and its halt check go on
        flushed.outcome.notes.append(f"the agents' logs wait for the next push: {error}")


def halted_in_push(store: Store, project: str, refs: list[PushedRef]) -> str | None:
    """A refusal message when a pushed commit was made by a halted agent."""
    from agent_git_tracker.gitmeta import pushed_commits

    hashes = pushed_commits(project, [(r.local_sha, r.remote_sha) for r in refs])
    with store.reading() as view:
        for commit_hash in hashes:
            commit = view.get(keys.commit(project, commit_hash)) or {}
            agent = view.get(keys.agent(commit.get("agent_id", ""))) if commit else None
            if agent and is_halted(agent):
                return (
                    f"push refused: commit {commit_hash[:12]} was made by {agent['id']}, "
                    f"which is HALTED. Review its work, then run `agent-git-tracker resume "
                    f"{agent['id']} --plan '...'` and push again"
                )
    return None
