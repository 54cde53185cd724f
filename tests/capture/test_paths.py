"""Repository paths are bytes: one that is not UTF-8, or one that holds a newline (a worktree),
is recorded like any other, from the commit to the database."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from agent_git_tracker.config.settings import load
from agent_git_tracker.store import keys
from agent_git_tracker.store.db import open_store

from conftest import HOOK, commit, git, tracker


def hooked_repo(work: Path, remote: Path) -> Path:
    git(work.parent, "init", "-q", "--bare", str(remote))
    git(work.parent, "init", "-q", str(work))
    git(work, "remote", "add", "origin", str(remote))
    for name in ("post-commit", "post-rewrite", "pre-push"):
        hook = work / ".git" / "hooks" / name
        hook.write_text(HOOK.format(python=sys.executable, name=name))
        hook.chmod(0o755)
    return work


def stored(prefix: str) -> dict[str, dict[str, object]]:
    with open_store(load()) as store, store.reading() as view:
        return dict(view.scan(prefix))


def test_a_path_that_is_not_utf8_keeps_its_bytes(tmp_path: Path, db_path: Path) -> None:
    work = hooked_repo(tmp_path / os.fsdecode(b"caf\xe9"), tmp_path / "remote.git")
    head = commit(work, "agent work", env={"CLAUDECODE": "1"})
    result = tracker("track", "tool", "--agent", "claude-code", "--tool", "Edit", cwd=work)
    assert "warning" not in result.stderr
    status = json.loads(tracker("status", "--json", cwd=work).stdout)
    assert status["pending_events"] == 2
    flushed = tracker("flush", cwd=work)
    assert "2 event(s)" in flushed.stdout
    commits = stored("commit:")
    key = keys.commit(str(work), head)
    assert list(commits) == [key]
    assert os.fsencode(str(work)) in keys.to_bytes(key)  # the exact bytes, \xe9 and all
    assert commits[key]["project_path"] == str(tmp_path / "caf\ufffd")  # readable text
    assert commits[key]["agent_id"] == "claude-code"
    assert stored("agent:")[keys.agent("claude-code")]["tool_uses"] == 1
    commit(work, "second", env={"CLAUDECODE": "1"})
    git(work, "push", "-q", "origin", "HEAD:main")
    assert len(stored("commit:")) == 2


def test_a_worktree_path_with_a_newline(repo: Path, db_path: Path, tmp_path: Path) -> None:
    commit(repo, "base")
    tree = tmp_path / "feature\nwork"
    git(repo, "worktree", "add", "-q", "-b", "feature", str(tree))
    head = commit(tree, "in the worktree", env={"CLAUDECODE": "1"})
    git(tree, "push", "-q", "origin", "feature")
    commits = stored("commit:")
    assert keys.commit(str(repo), head) in commits  # the main worktree's project, one spool
    record = commits[keys.commit(str(repo), head)]
    assert record["branch"] == "feature" and record["agent_id"] == "claude-code"
    assert len(list(Path(f"{db_path}-spool").glob("*-*"))) == 1
