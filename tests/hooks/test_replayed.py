"""A rebase followed without git's old → new list, as under the pre-commit framework (which
runs post-rewrite without its stdin): only the commits the rebase replayed are paired."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from agent_git_tracker.config.settings import load
from agent_git_tracker.store import keys
from agent_git_tracker.store.db import open_store

from conftest import commit, git, tracker

AGENT = {"CLAUDECODE": "1"}
SAME_SECOND = {"GIT_AUTHOR_DATE": "@1780000000 +0000", "GIT_COMMITTER_DATE": "@1780000000 +0000"}
NO_STDIN = """#!/bin/sh
exec "{python}" -m agent_git_tracker hook post-rewrite "$1" < /dev/null
"""


@pytest.fixture
def without_stdin(repo: Path) -> Path:
    hook = repo / ".git" / "hooks" / "post-rewrite"
    hook.write_text(NO_STDIN.format(python=sys.executable))
    return repo


def commits(repo: Path) -> dict[str, Any]:
    with open_store(load()) as store, store.reading() as view:
        prefix = keys.commit(str(repo), "")
        return {k[len(prefix) :]: v for k, v in view.scan(prefix)}


def test_three_commits_of_one_second_are_three_after_a_rebase(
    without_stdin: Path, db_path: Path
) -> None:
    repo = without_stdin
    base = commit(repo, "base", env=SAME_SECOND)
    for n in range(3):
        commit(repo, f"agent work {n}", {f"w{n}.txt": f"{n}\n"}, env={**AGENT, **SAME_SECOND})
    tracker("flush", cwd=repo)
    git(repo, "rebase", "-q", "--force-rebase", base)
    tracker("flush", cwd=repo)
    found = commits(repo)
    now = git(repo, "rev-list", "HEAD", f"^{base}").split()
    assert {h for h, r in found.items() if r["agent_id"] == "claude-code"} == set(now)
    shown = json.loads(tracker("status", "--json", cwd=repo).stdout)["agents"]
    assert [a["total_commits"] for a in shown] == [3]


def test_an_upstream_commit_of_the_same_second_is_never_paired(
    without_stdin: Path, db_path: Path, tmp_path: Path
) -> None:
    repo = without_stdin
    base = commit(repo, "base", env=SAME_SECOND)
    git(repo, "push", "-q", "origin", "HEAD:main")
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", str(tmp_path / "remote.git"), str(other))
    commit(other, "a person's upstream work", {"up.txt": "up\n"}, env=SAME_SECOND)
    git(other, "push", "-q", "origin", "HEAD:main")
    mine = commit(repo, "agent work", {"a.txt": "a\n"}, env={**AGENT, **SAME_SECOND})
    tracker("flush", cwd=repo)
    git(repo, "pull", "-q", "--rebase", "origin", "main")
    tracker("flush", cwd=repo)
    upstream = git(other, "rev-parse", "HEAD").strip()
    found = commits(repo)
    assert upstream not in found  # never made here: not inherited from the agent's commit
    [rebased] = [h for h, r in found.items() if r["agent_id"] == "claude-code"]
    assert rebased != mine and found[rebased]["rewritten_from"] == [mine]
    assert base in found


def test_a_fixup_folds_into_the_commit_it_fixes(without_stdin: Path, db_path: Path) -> None:
    repo = without_stdin
    base = commit(repo, "base")
    commit(repo, "feature", {"f.txt": "f\n"}, env=AGENT)
    commit(repo, "fix the feature", {"f.txt": "f2\n"}, env=AGENT)
    tracker("flush", cwd=repo)
    editor = {"GIT_SEQUENCE_EDITOR": "sed -i '2s/^pick/fixup/'", "GIT_EDITOR": "true"}
    git(repo, "rebase", "-q", "-i", base, env=editor)
    tracker("flush", cwd=repo)
    head = git(repo, "rev-parse", "HEAD").strip()
    agents = {h: r for h, r in commits(repo).items() if r["agent_id"] == "claude-code"}
    assert list(agents) == [head] and len(agents[head]["rewritten_from"]) == 2


@pytest.mark.slow
def test_under_the_pre_commit_framework(tmp_path: Path, db_path: Path) -> None:
    """The same rebase through the real pre-commit framework's post-rewrite hook."""
    import os
    import subprocess

    from test_install import plain_repo, snapshot_of_this_repository, with_path

    hook_repo, rev = snapshot_of_this_repository(tmp_path)
    work = plain_repo(tmp_path)
    (work / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {hook_repo}\n  rev: {rev}\n  hooks:\n"
        "  - id: agent-tracker-post-commit\n  - id: agent-tracker-post-rewrite\n"
        "  - id: agent-tracker-pre-push\n"
    )
    env = {**with_path(), "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    for step in (
        ["install", "--hook-type", "post-commit", "--hook-type", "post-rewrite"],
        ["install", "--hook-type", "pre-push"],
        ["install-hooks"],
    ):
        subprocess.run(
            [sys.executable, "-m", "pre_commit", *step],
            cwd=work,
            env={**os.environ, **env},
            check=True,
            capture_output=True,
        )
    base = commit(
        work,
        "base",
        {".pre-commit-config.yaml": (work / ".pre-commit-config.yaml").read_text()},
        env={**env, **SAME_SECOND},
    )
    for n in range(3):
        commit(
            work, f"agent work {n}", {f"w{n}.txt": f"{n}\n"}, env={**env, **AGENT, **SAME_SECOND}
        )
    git(work, "rebase", "-q", "--force-rebase", base, env=env)
    git(work, "push", "-q", "origin", "HEAD:main", env=env)
    now = set(git(work, "rev-list", "HEAD", f"^{base}").split())
    assert {h for h, r in commits(work).items() if r["agent_id"] == "claude-code"} == now
