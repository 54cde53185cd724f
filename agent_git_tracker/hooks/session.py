"""The post-rewrite and pre-push hooks, and agent sessions."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass

from agent_git_tracker.capture import spool
from agent_git_tracker.capture.workspace import here, record, spool_dir
from agent_git_tracker.config.settings import Config
from agent_git_tracker.errors import TrackerError
from agent_git_tracker.ledger.flush import Flushed, flush_repo
from agent_git_tracker.ledger.ledger import iso
from agent_git_tracker.ledger.points import is_halted
from agent_git_tracker.models import check_name
from agent_git_tracker.store import keys
from agent_git_tracker.store.db import Store, open_store

_HASH = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?")
ZERO = "0" * 40


def parse_rewrites(text: str) -> tuple[list[tuple[str, str]], list[str]]:
    """`<old> <new> [extra]` lines from git's post-rewrite stdin; and the lines that are not."""
    pairs, bad = [], []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 2 and _HASH.fullmatch(fields[0]) and _HASH.fullmatch(fields[1]):
            pairs.append((fields[0], fields[1]))
        elif line.strip():
            bad.append(line)
    return pairs, bad


def post_rewrite(config: Config, kind: str, stdin: str) -> str | None:
    """Spool the old→new mapping of an amend or rebase; returns a warning, if any."""
    pairs, bad = parse_rewrites(stdin)
    if not pairs and not stdin.strip():
        from agent_git_tracker.gitmeta import rewrites_from_history

        pairs = rewrites_from_history(kind)  # pre-commit does not pass git's stdin on
    if pairs:
        record(config, here(), "rewrite", kind=kind, mappings=pairs)
    if bad:
        return f"ignored {len(bad)} malformed post-rewrite line(s), e.g. {bad[0][:80]!r}"
    return None


@dataclass(frozen=True)
class PushedRef:
    local_sha: str
    remote_sha: str


def pushed_refs(stdin: str, environ: Mapping[str, str]) -> list[PushedRef]:
    """The refs being pushed, from git's stdin or from pre-commit's PRE_COMMIT_* variables."""
    refs = []
    for line in stdin.splitlines():
        fields = line.split()
        if len(fields) == 4 and _HASH.fullmatch(fields[1]) and _HASH.fullmatch(fields[3]):
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
    with open_store(config) as store:
        flushed = flush_repo(store, spool_dir(config, repo))
        if not config.enforce_halt:
            return flushed, None
        return flushed, halted_in_push(store, repo["project"], pushed_refs(stdin, environ))


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
