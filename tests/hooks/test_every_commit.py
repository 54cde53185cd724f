"""Every commit is recorded once, however it was made: a clean merge, an octopus merge, `git am`
(none of which runs post-commit), through the real hooks; never a fast-forward's upstream
commits; a merge counts the same whether or not it stopped on a conflict."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from agent_git_tracker.config.settings import load
from agent_git_tracker.store import keys
from agent_git_tracker.store.db import open_store

from conftest import commit, git, run_git, tracker


def installed(tmp_path: Path, name: str = "work") -> Path:
    """A repository with a bare remote and the hooks as `agent-git-tracker install` writes."""
    work = tmp_path / name
    git(tmp_path, "init", "-q", "--bare", str(tmp_path / f"{name}.git"))
    git(tmp_path, "init", "-q", str(work))
    git(work, "remote", "add", "origin", str(tmp_path / f"{name}.git"))
    tracker("install", cwd=work)
    return work


def recorded(project: Path) -> dict[str, dict[str, object]]:
    tracker("flush", "--all")
    with open_store(load()) as store, store.reading() as view:
        found = dict(view.scan(keys.commit(str(project), "")))
    return {key.rsplit(":", 1)[1]: value for key, value in found.items()}


def head(work: Path) -> str:
    return git(work, "rev-parse", "HEAD").strip()


def branch_with(work: Path, name: str, files: dict[str, str]) -> None:
    git(work, "checkout", "-q", "-b", name, "main")
    commit(work, f"work on {name}", files=files)
    git(work, "checkout", "-q", "main")


def test_a_clean_merge_and_an_octopus_merge_are_recorded_once_each(
    tmp_path: Path, db_path: Path
) -> None:
    work = installed(tmp_path)
    commit(work, "base", files={"base.txt": "base\n"})
    branch_with(work, "topic", {"topic.txt": "t\n"})
    commit(work, "main moves on", files={"main.txt": "m\n"})
    git(work, "merge", "-q", "--no-ff", "topic", "-m", "Merge topic")
    merge = head(work)
    for name in ("a", "b", "c"):
        branch_with(work, name, {f"{name}.txt": f"{name}\n"})
    git(work, "merge", "-q", "a", "b", "c", "-m", "Octopus")
    octopus = head(work)
    commits = recorded(work)
    assert merge in commits and octopus in commits
    parents = git(work, "log", "-1", "--format=%P", octopus).split()
    assert commits[octopus]["parents"] == parents and len(parents) == 3  # main fast-forwarded
    log = git(work, "log", "--all", "--format=%H").split()
    assert sorted(commits) == sorted(log)  # every commit, once
    assert tracker("status", "--json").returncode == 0


def test_git_am_is_recorded(tmp_path: Path, db_path: Path) -> None:
    source = installed(tmp_path, "source")
    commit(source, "base", files={"base.txt": "base\n"})
    patch_of = commit(source, "the change\n\nCo-authored-by: Codex <noreply@openai.com>",
                      files={"x.txt": "x\n"})  # fmt: skip
    patch = git(source, "format-patch", "-1", "--stdout", patch_of)
    target = installed(tmp_path, "target")
    commit(target, "base", files={"base.txt": "base\n"})
    git(target, "am", "-q", input=patch)
    applied = head(target)
    commits = recorded(target)
    assert applied in commits and commits[applied]["agent_id"] == "codex"
    assert len(commits) == 2


def test_a_fast_forward_records_none_of_upstream_s_commits(tmp_path: Path, db_path: Path) -> None:
    upstream = installed(tmp_path, "upstream")
    commit(upstream, "base", files={"base.txt": "base\n"})
    git(upstream, "push", "-q", "origin", "main")
    mine = tmp_path / "mine"
    git(tmp_path, "clone", "-q", str(tmp_path / "upstream.git"), str(mine))
    tracker("install", cwd=mine)
    theirs = [commit(upstream, f"theirs {n}", files={f"t{n}.txt": "t\n"}) for n in range(2)]
    git(upstream, "push", "-q", "origin", "main")
    git(mine, "pull", "-q", "--ff-only")
    assert head(mine) == theirs[-1]
    assert recorded(mine) == {}  # post-merge ran, and recorded nothing: they are upstream's
    commit(upstream, "theirs again", files={"t9.txt": "t\n"})
    git(upstream, "push", "-q", "origin", "main")
    commit(mine, "mine", files={"m.txt": "m\n"})
    git(mine, "pull", "-q", "--no-rebase", "--no-edit")
    merge = head(mine)
    assert set(recorded(mine)) == {merge, git(mine, "rev-parse", "HEAD^1").strip()}


def test_a_merge_counts_the_same_with_or_without_a_conflict(tmp_path: Path, db_path: Path) -> None:
    counts = []
    for conflict in (False, True):
        work = installed(tmp_path, f"conflict-{conflict}")
        commit(work, "base", files={"f.txt": "base\n"})
        branch_with(work, "topic", {"f.txt" if conflict else "g.txt": "topic\n"})
        commit(work, "main", files={"f.txt": "main\n"})
        merged = run_git(work, "merge", "--no-ff", "-q", "topic", "-m", "Merge topic")
        if conflict:
            assert merged.returncode != 0
            (work / "f.txt").write_text("both\n")
            git(work, "add", "f.txt")
            git(work, "commit", "-q", "--no-edit")
        counts.append(len(recorded(work)))
    assert counts == [4, 4]


def test_a_squash_merge_is_recorded_when_it_is_committed(tmp_path: Path, db_path: Path) -> None:
    work = installed(tmp_path)
    commit(work, "base", files={"base.txt": "base\n"})
    branch_with(work, "topic", {"t.txt": "t\n"})
    git(work, "merge", "-q", "--squash", "topic")
    assert len(recorded(work)) == 2  # base and topic's commit: post-merge added none
    git(work, "commit", "-q", "-m", "squashed topic")
    assert head(work) in recorded(work)


@pytest.mark.slow
def test_merges_and_git_am_are_recorded_once_under_the_pre_commit_framework(
    tmp_path: Path, db_path: Path
) -> None:
    from test_install import pre_commit_config, snapshot_of_this_repository, with_path

    hook_repo, rev = snapshot_of_this_repository(tmp_path)
    work = tmp_path / "work"
    git(tmp_path, "init", "-q", "--bare", str(tmp_path / "work.git"))
    git(tmp_path, "init", "-q", str(work))
    git(work, "remote", "add", "origin", str(tmp_path / "work.git"))
    (work / ".pre-commit-config.yaml").write_text(pre_commit_config(hook_repo, rev))
    env = {**os.environ, **with_path(), "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    for step in (["install"], ["install-hooks"]):
        subprocess.run([sys.executable, "-m", "pre_commit", *step], cwd=work, env=env, check=True,
                       capture_output=True)  # fmt: skip
    commit(work, "base", files={".pre-commit-config.yaml": (work / ".pre-commit-config.yaml")
                                .read_text()}, env=env)  # fmt: skip
    branch_with(work, "topic", {"topic.txt": "t\n"})
    commit(work, "main moves on", files={"main.txt": "m\n"}, env=env)
    git(work, "merge", "-q", "--no-ff", "topic", "-m", "Merge topic", env=env)
    merge = head(work)
    for name in ("a", "b", "c"):
        branch_with(work, name, {f"{name}.txt": f"{name}\n"})
    git(work, "merge", "-q", "a", "b", "c", "-m", "Octopus", env=env)
    octopus = head(work)
    source = tmp_path / "source"
    git(tmp_path, "init", "-q", str(source))
    patch = git(source, "format-patch", "--root", "--stdout",
                commit(source, "a patch", files={"p.txt": "p\n"}))  # fmt: skip
    git(work, "am", "-q", input=patch, env=env)
    applied = head(work)
    assert applied not in recorded(work)  # pre-commit has no post-applypatch stage…
    git(work, "push", "-q", "origin", "HEAD:main", env=env)
    commits = recorded(work)  # …so the push recorded it
    assert {merge, octopus, applied} <= set(commits)
    assert sorted(commits) == sorted(git(work, "log", "--all", "--format=%H").split())


def test_merges_and_git_am_are_recorded_under_install_global(
    tmp_path: Path, db_path: Path, hermetic: Path
) -> None:
    """The third way to install (a global `core.hooksPath` of the tracker's hooks folder)."""
    tracker("install", "--global")
    work = tmp_path / "global"
    git(tmp_path, "init", "-q", str(work))
    commit(work, "base", files={"base.txt": "base\n"})
    branch_with(work, "topic", {"topic.txt": "t\n"})
    commit(work, "main moves on", files={"main.txt": "m\n"})
    git(work, "merge", "-q", "--no-ff", "topic", "-m", "Merge topic")
    merge = head(work)
    source = installed(tmp_path, "source")
    patch_of = commit(source, "the change\n\nCo-authored-by: Codex <noreply@openai.com>",
                      files={"x.txt": "x\n"})  # fmt: skip
    git(work, "am", "-q", input=git(source, "format-patch", "-1", "--stdout", patch_of))
    applied = head(work)
    commits = recorded(work)
    assert merge in commits and commits[applied]["agent_id"] == "codex"
    assert sorted(commits) == sorted(git(work, "log", "--all", "--format=%H").split())
