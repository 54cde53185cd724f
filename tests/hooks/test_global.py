"""`install --global`: every repository records, existing and future, and other tools' hooks
keep working; `uninstall --global` puts back what was there before."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agent_git_tracker.config.settings import load
from agent_git_tracker.store import keys
from agent_git_tracker.store.db import open_store

from conftest import commit, git, run_git, tracker

ROOT = Path(__file__).resolve().parents[2]


def global_hooks_path() -> str:
    return run_git(Path.cwd(), "config", "--global", "--get", "core.hooksPath").stdout.strip()


def fresh(tmp_path: Path, name: str) -> Path:
    work = tmp_path / name
    git(tmp_path, "init", "-q", str(work))
    return work


def recorded(work: Path) -> dict[str, dict[str, object]]:
    tracker("flush", "--all")
    with open_store(load()) as store, store.reading() as view:
        return dict(view.scan(keys.commit(str(work), "")))


def test_install_global_records_a_repository_that_never_ran_install(
    tmp_path: Path, db_path: Path, hermetic: Path
) -> None:
    out = tracker("install", "--global").stdout
    folder = hermetic / ".local" / "share" / "agent-git-tracker" / "githooks"
    assert global_hooks_path() == str(folder) and "every repository" in out
    work = fresh(tmp_path, "never-installed")  # made after install --global, never `install`
    head = commit(work, "agent work", env={"CLAUDECODE": "1"})
    records = recorded(work)
    assert records[keys.commit(str(work), head)]["agent_id"] == "claude-code"
    assert not (work / ".git" / "hooks" / "post-commit").exists()  # nothing in the repository
    assert not str(folder).startswith(str(ROOT))  # the tracker's data, not the package's files
    report = json.loads(tracker("doctor", "--json", cwd=work, check=False).stdout)
    assert report["global"]["installed"] is True
    assert set(report["hooks"].values()) == {"agent-git-tracker script"}
    text = tracker("doctor", cwd=work, check=False).stdout
    assert f"global      core.hooksPath is {folder} (install --global)" in text
    tracker("uninstall", "--global")
    assert global_hooks_path() == "" and not folder.exists()
    later = commit(work, "after uninstall", env={"CLAUDECODE": "1"})
    assert keys.commit(str(work), later) not in recorded(work)


def test_uninstall_global_restores_the_previous_global_value(tmp_path: Path, db_path: Path) -> None:
    mine = tmp_path / "my-global-hooks"
    mine.mkdir()
    ran = tmp_path / "ran.txt"
    hook = mine / "post-commit"
    hook.write_text(f"#!/bin/sh\necho my-global-hook >> {ran}\n")
    hook.chmod(0o755)
    git(tmp_path, "config", "--global", "core.hooksPath", "~/../my-global-hooks")
    out = tracker("install", "--global").stdout
    assert "uninstall --global` puts it back" in out
    work = fresh(tmp_path, "repo")
    head = commit(work, "work", env={"CLAUDECODE": "1"})
    assert ran.read_text() == "my-global-hook\n"  # the earlier global hooks still run
    assert keys.commit(str(work), head) in recorded(work)
    tracker("install", "--global")  # again: the value to restore is still the first one
    tracker("uninstall", "--global")
    assert global_hooks_path() == "~/../my-global-hooks"


def test_the_repository_s_own_hooks_keep_working_and_can_refuse(
    tmp_path: Path, db_path: Path
) -> None:
    tracker("install", "--global")
    work = fresh(tmp_path, "repo")
    refuse = work / ".git" / "hooks" / "pre-commit"
    refuse.write_text("#!/bin/sh\necho 'lint failed' >&2\nexit 1\n")
    refuse.chmod(0o755)
    (work / "a.txt").write_text("a\n")
    git(work, "add", "a.txt")
    blocked = run_git(work, "commit", "-m", "refused")
    assert blocked.returncode == 1 and "lint failed" in blocked.stderr
    refuse.unlink()
    seen = tmp_path / "msg.txt"
    msg_hook = work / ".git" / "hooks" / "commit-msg"
    msg_hook.write_text(f'#!/bin/sh\ncp "$1" {seen}\n')
    msg_hook.chmod(0o755)
    head = commit(work, "accepted")
    assert seen.read_text().startswith("accepted")
    assert keys.commit(str(work), head) in recorded(work)


def test_repositories_with_their_own_hooks_path_are_reported(tmp_path: Path, db_path: Path) -> None:
    work = fresh(tmp_path, "husky")
    git(work, "config", "core.hooksPath", ".husky")
    commit(work, "one")
    tracker("scan", cwd=work)  # the tracker knows it now
    result = tracker("install", "--global", cwd=tmp_path)
    assert "husky" in result.stderr and "its own core.hooksPath (.husky)" in result.stderr


@pytest.mark.slow
def test_pre_commit_installs_beside_the_global_hooks(tmp_path: Path, db_path: Path) -> None:
    tracker("install", "--global")
    work = fresh(tmp_path, "repo")
    marker = tmp_path / "pre-commit-ran.txt"
    (work / ".pre-commit-config.yaml").write_text(
        "repos:\n- repo: local\n  hooks:\n  - id: mark\n    name: mark\n    language: system\n"
        f"    entry: sh -c 'echo ran >> {marker}'\n    pass_filenames: false\n"
    )
    git(work, "add", ".pre-commit-config.yaml")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pc-home")}
    refused = subprocess.run(
        [sys.executable, "-m", "pre_commit", "install"], cwd=work, env=env,
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert refused.returncode != 0 and "core.hooksPath" in refused.stdout + refused.stderr
    report = json.loads(tracker("doctor", "--json", cwd=work, check=False).stdout)
    assert any("GIT_CONFIG_GLOBAL=/dev/null pre-commit install" in p for p in report["problems"])
    subprocess.run(
        [sys.executable, "-m", "pre_commit", "install"], cwd=work,
        env={**env, "GIT_CONFIG_GLOBAL": os.devnull}, check=True, capture_output=True,
    )  # fmt: skip
    head = commit(work, "both run", env={"CLAUDECODE": "1"})
    assert marker.read_text() == "ran\n"
    assert keys.commit(str(work), head) in recorded(work)
