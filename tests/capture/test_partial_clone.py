"""A partial clone lacks objects: the post-commit hook records the commit without line counts
rather than dropping it, and never fetches what is missing."""

from __future__ import annotations

import sys
from pathlib import Path

from agent_git_tracker.config.settings import load
from agent_git_tracker.store import keys
from agent_git_tracker.store.db import open_store

from conftest import HOOK, commit, git, tracker


def missing(repo: Path) -> set[str]:
    """The objects the clone lacks (listing them never fetches)."""
    out = git(repo, "rev-list", "--objects", "--missing=print", "--all")
    return {line[1:] for line in out.splitlines() if line.startswith("?")}


def test_a_blobless_clone_records_the_commit_without_fetching(
    tmp_path: Path, db_path: Path
) -> None:
    origin = tmp_path / "origin"
    git(tmp_path, "init", "-q", str(origin))
    commit(origin, "start", files={"a.txt": "one\ntwo\n", "b.txt": "three\n"})
    bare = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(origin), str(bare))
    git(bare, "config", "uploadpack.allowFilter", "true")
    clone = tmp_path / "clone"
    git(
        tmp_path, "clone", "-q", "--filter=blob:none", "--no-checkout", f"file://{bare}", str(clone)
    )
    for name in ("post-commit", "pre-push"):
        hook = clone / ".git" / "hooks" / name
        hook.write_text(HOOK.format(python=sys.executable, name=name))
        hook.chmod(0o755)
    git(clone, "reset", "-q")
    blob = git(clone, "rev-parse", "HEAD:a.txt").strip()
    assert blob in missing(clone)
    git(clone, "rm", "-q", "--cached", "a.txt")
    git(clone, "commit", "-q", "-m", "drop a.txt", env={"CLAUDECODE": "1"})
    head = git(clone, "rev-parse", "HEAD").strip()
    assert blob in missing(clone)  # the hook fetched nothing
    tracker("flush", cwd=clone)
    with open_store(load()) as store, store.reading() as view:
        record = view.get(keys.commit(str(clone), head))
    assert record is not None and record["agent_id"] == "claude-code"
    assert (record["files_changed"], record["insertions"], record["deletions"]) == (1, None, None)
