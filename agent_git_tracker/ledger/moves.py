"""A repository is itself wherever it lives: when a repository's first flush at a new path
finds the records of a repository with the same root commits at a path that no longer holds
it (moved with `mv`), those records move to the new path, so that its history, grades and
rewrites carry on."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

from agent_git_tracker.ledger.overlay import Overlay, Record
from agent_git_tracker.store import keys


def follow_moves(
    state: Overlay,
    profiles: Mapping[str, Record],
    projects: Iterable[str],
    rewrites: Iterable[tuple[str, str]] = (),
) -> list[str]:
    """Move the records of repositories that moved to one of `projects`; returns notes. A root
    commit amended since (`rewrites`, old → new) still names the same repository."""
    earlier = {new: old for old, new in rewrites}
    notes = []
    for project in sorted(set(projects)):
        roots = set((profiles.get(project) or {}).get("roots") or ())
        roots |= {earlier[root] for root in roots if root in earlier}
        if not roots or state.get(keys.project(project)) is not None:
            continue
        old = _moved_from(state, project, roots)
        if old is not None:
            relocate(state, old, project)
            notes.append(f"this repository moved from {old}: its history moved with it")
    return notes


def _moved_from(state: Overlay, project: str, roots: set[str]) -> str | None:
    for _, profile in state.scan("project:"):
        path = profile.get("project_path")
        same = path and path != project and roots & set(profile.get("roots") or ())
        if same and not os.path.exists(os.path.join(str(path), ".git")):
            return str(path)
    return None


def relocate(state: Overlay, old: str, new: str) -> None:
    """Every record of the repository at `old` under `new`."""
    for kind in ("commit", "digest"):
        prefix = f"{kind}:{keys.quote(old)}:"
        for key, value in list(state.scan(prefix)):
            state.delete(key)
            commit_hash = key[len(prefix) :]
            moved = {**value, "project_path": new} if kind == "commit" else value
            state.put(f"{kind}:{keys.quote(new)}:{commit_hash}", moved)
    for key, _ in list(state.scan("timeline:")):
        _, agent, when, project, commit_hash = keys.parts(key)
        if project == old:
            state.delete(key)
            state.put(keys.timeline(agent, when, new, commit_hash), {})
    for key, value in list(state.scan("retrospective:")):
        if value.get("project_path") == old:
            state.delete(key)
            agent, commit_hash = keys.parts(key)[1], keys.parts(key)[3]
            state.put(keys.retrospective(agent, new, commit_hash), {**value, "project_path": new})
            _grades(state, agent, old, new, commit_hash)
    for prefix in ("bug:", "activity:"):
        for key, value in list(state.scan(prefix)):
            if value.get("project_path") == old:
                state.put(key, {**value, "project_path": new})
    _meta(state, old, new)


def _grades(state: Overlay, agent: str, old: str, new: str, commit_hash: str) -> None:
    for key, value in list(state.scan(keys.communication_prefix(agent, old, commit_hash))):
        state.delete(key)
        seq = int(keys.parts(key)[4])
        state.put(keys.communication(agent, new, commit_hash, seq), {**value, "project_path": new})


def _meta(state: Overlay, old: str, new: str) -> None:
    prefix = keys.meta(f"rewrite:{keys.quote(old)}:")
    for key, value in list(state.scan(prefix)):
        state.delete(key)
        state.put(keys.meta(f"rewrite:{keys.quote(new)}:{key[len(prefix) :]}"), value)
    outcomes = state.get(keys.meta(f"outcomes:{keys.quote(old)}"))
    if outcomes is not None:
        state.delete(keys.meta(f"outcomes:{keys.quote(old)}"))
        state.put(keys.meta(f"outcomes:{keys.quote(new)}"), outcomes)
    profile = state.get(keys.project(old))
    if profile is not None:
        state.delete(keys.project(old))
        moved_from = [*profile.get("moved_from", []), old]
        state.put(keys.project(new), {**profile, "project_path": new, "moved_from": moved_from})
