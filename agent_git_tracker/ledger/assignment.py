"""What the user set applies: a `reassign` event corrects who made a commit.

The ledger applies it to the commit record: evidence "set by the user", the strongest there is,
which later hook events and scans never override (`Ledger`: `_hook_wins`, `_adopt`, `_move`).
The agents' counters are replayed from the records, so they follow; the commit's grades and bugs
move to the new agent with it (a commit given to a person keeps its grades where they were
given).
"""

from __future__ import annotations

from typing import Protocol

from agent_git_tracker.attribution.modelnames import canonical_model, split_model
from agent_git_tracker.ledger.overlay import Overlay, Record
from agent_git_tracker.ledger.rewrites import Rewrites
from agent_git_tracker.store import keys
from agent_git_tracker.times import iso

USER_EVIDENCE = "set by the user (`agent-git-tracker reassign`)"
HUMAN = "human"


class Applying(Protocol):
    """What of the ledger a correction uses."""

    state: Overlay
    rewrites: Rewrites
    touched: set[str]
    later: list[tuple[Record, str]]

    def put_commit(self, project: str, commit_hash: str, record: Record) -> None: ...

    def embed_grades(self, project: str, commit_hash: str) -> None: ...


def fields(event: Record, old: Record) -> Record:
    """A commit record's attribution as the user set it, with what it was before."""
    agent = event["agent"]
    model = event.get("model") or None
    canonical, variant = split_model(model) or (None, None)
    human = agent == HUMAN
    return {
        "agent_id": agent,
        "kind": "human" if human else "agent",
        "model": model,
        "model_canonical": canonical,
        "model_variant": variant,
        "confidence": "high",
        "evidence": [USER_EVIDENCE],
        "agents": []
        if human
        else [{"agent_id": agent, "model": model, "model_canonical": canonical_model(model)}],
        "setup": event.get("setup") or None,
        "assigned": {
            "at": iso(event["time"]),
            "event": event["id"],
            "before": {k: old.get(k) for k in ("agent_id", "model", "setup", "evidence")},
        },
    }


def apply(ledger: Applying, event: Record) -> None:
    """Apply a `reassign` event; a commit recorded later in the same batch (rewritten before
    its first flush) is corrected at the batch's end (`finish`)."""
    for commit_hash in event["commits"]:
        if not _apply_one(ledger, event, commit_hash):
            ledger.later.append((event, commit_hash))


def finish(ledger: Applying) -> list[str]:
    """Apply the corrections that waited for the batch's end; notes on those still unknown."""
    notes = [
        f"reassign of {commit_hash[:12]} skipped: not recorded"
        for event, commit_hash in ledger.later
        if not _apply_one(ledger, event, commit_hash)
    ]
    ledger.later.clear()
    return notes


def _apply_one(ledger: Applying, event: Record, commit_hash: str) -> bool:
    project = event["project"]
    target = ledger.rewrites.final(project, commit_hash)
    old = ledger.state.get(keys.commit(project, target))
    if old is None:
        return False
    before = old.get("agent_id") if old.get("kind") == "agent" else None
    ledger.put_commit(project, target, {**old, **fields(event, old)})
    after = event["agent"] if event["agent"] != HUMAN else None
    if before and after and before != after:
        _move_judgements(ledger, project, target, before, after)
    ledger.embed_grades(project, target)
    return True


def _move_judgements(ledger: Applying, project: str, commit_hash: str, old: str, new: str) -> None:
    """The commit's grades (all of them, the latest still counting) and bugs go with it."""
    state = ledger.state
    retro = state.get(keys.retrospective(old, project, commit_hash))
    if retro is not None:
        state.delete(keys.retrospective(old, project, commit_hash))
        state.put(keys.retrospective(new, project, commit_hash), {**retro, "agent_id": new})
    for key, value in list(state.scan(keys.communication_prefix(old, project, commit_hash))):
        state.delete(key)
        seq = int(keys.parts(key)[4])
        state.put(keys.communication(new, project, commit_hash, seq), {**value, "agent_id": new})
    for key, bug in list(state.scan(keys.of_agent("bug", old))):
        if bug.get("commit") == commit_hash and bug.get("project_path") in (project, None):
            _, _, stamp, unique = keys.parts(key)
            state.delete(key)
            state.put(keys.bug(new, stamp, unique), {**bug, "agent_id": new})
    ledger.touched |= {old, new}


def assigned_of(records: list[Record | None]) -> Record | None:
    """Among records of one commit (before and after a rewrite), the one the user set last."""
    chosen = [r for r in records if r and r.get("assigned")]
    return max(chosen, key=lambda r: str(r["assigned"].get("at", ""))) if chosen else None
