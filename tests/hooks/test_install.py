"""Installing the hooks three ways, each proven with real commits and a real push."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from agent_git_tracker.config.settings import load
from agent_git_tracker.store import keys
from agent_git_tracker.store.db import open_store

from conftest import commit, git, tracker

ROOT = Path(__file__).resolve().parents[2]
BIN = str(Path(sys.executable).parent)


def plain_repo(tmp_path: Path) -> Path:
    work = tmp_path / "plain"
    git(tmp_path, "init", "-q", "--bare", str(tmp_path / "plain-remote.git"))
    git(tmp_path, "init", "-q", str(work))
    git(work, "remote", "add", "origin", str(tmp_path / "plain-remote.git"))
    return work


def stored(prefix: str) -> dict[str, dict[str, object]]:
    with open_store(load()) as store, store.reading() as view:
        return dict(view.scan(prefix))


def with_path(extra: str | None = BIN) -> dict[str, str]:
    parts = [p for p in os.environ["PATH"].split(os.pathsep) if p != BIN]
    return {"PATH": os.pathsep.join([extra, *parts] if extra else parts)}


def exercise(work: Path, env: dict[str, str]) -> str:
    """An agent commit, an amend and a push; returns the amended hash."""
    commit(work, "agent work", env={**env, "CLAUDECODE": "1"})
    git(work, "commit", "-q", "--amend", "-m", "agent work, amended", env=env)
    git(work, "push", "-q", "origin", "HEAD:main", env=env)
    return git(work, "rev-parse", "HEAD").strip()


def assert_recorded(work: Path, head: str) -> None:
    commits = stored("commit:")
    assert list(commits) == [keys.commit(str(work), head)]
    assert commits[keys.commit(str(work), head)]["agent_id"] == "claude-code"
    assert stored("agent:")[keys.agent("claude-code")]["total_commits"] == 1


def test_install_writes_hooks_that_work_and_says_what_it_did(tmp_path: Path, db_path: Path) -> None:
    work = plain_repo(tmp_path)
    out = tracker("install", cwd=work).stdout
    assert out.count("installed") == 5 and ".git/hooks" in out
    head = exercise(work, with_path(None))  # works without the tool on PATH
    assert_recorded(work, head)
    again = tracker("install", cwd=work).stdout
    assert again.count("updated") == 5
    report = json.loads(tracker("doctor", "--json", cwd=work, check=False).stdout)
    assert set(report["hooks"].values()) == {"agent-git-tracker script"}
    assert report["database"]["exists"] is True
    out = tracker("uninstall", cwd=work).stdout
    assert out.count("removed") == 5
    assert not (work / ".git" / "hooks" / "post-commit").exists()


def test_install_refuses_to_clobber_and_respects_hooks_path(tmp_path: Path, db_path: Path) -> None:
    work = plain_repo(tmp_path)
    own = work / ".git" / "hooks" / "pre-push"
    own.write_text("#!/bin/sh\nexit 0\n")
    result = tracker("install", cwd=work)
    assert "not ours" in result.stderr and own.read_text() == "#!/bin/sh\nexit 0\n"
    assert result.stdout.count("installed") == 4
    uninstall = tracker("uninstall", cwd=work)
    assert own.exists() and "not ours" in uninstall.stderr
    git(work, "config", "core.hooksPath", "my-hooks")
    refused = tracker("install", cwd=work, check=False)
    assert refused.returncode == 1 and "`git config --unset core.hooksPath`" in refused.stderr
    assert not (work / "my-hooks").exists()  # a committed hooks folder is the team's
    report = json.loads(tracker("doctor", "--json", cwd=work, check=False).stdout)
    assert any("hooks not installed" in p for p in report["problems"])
    (work / ".pre-commit-config.yaml").write_text("repos: []\n")
    report = json.loads(tracker("doctor", "--json", cwd=work, check=False).stdout)
    assert any("pre-commit refuses" in p for p in report["problems"])


def test_a_shared_hooks_folder_is_never_touched(tmp_path: Path, db_path: Path) -> None:
    shared = tmp_path / "site-packages" / "githooks"  # as an installed package holds it
    shutil.copytree(ROOT / "githooks", shared, symlinks=True)

    def snapshot() -> dict[str, tuple[bool, bytes]]:
        return {p.name: (p.is_symlink(), p.read_bytes()) for p in sorted(shared.iterdir())}

    before = snapshot()
    git(tmp_path, "config", "--global", "core.hooksPath", str(shared))
    work = plain_repo(tmp_path)
    installed = tracker("install", cwd=work)
    assert "already run here" in installed.stdout and snapshot() == before
    assert_recorded(work, exercise(work, with_path()))
    removed = tracker("uninstall", cwd=work)
    assert "`git config --global --unset core.hooksPath`" in removed.stderr
    assert snapshot() == before  # every repository using it still tracks

    team = tmp_path / "team-hooks"
    team.mkdir()
    git(work, "config", "core.hooksPath", str(team))
    refused = tracker("install", cwd=work, check=False)
    assert refused.returncode == 1 and "`git config --unset core.hooksPath`" in refused.stderr
    assert list(team.iterdir()) == []

    git(work, "config", "--unset", "core.hooksPath")
    git(tmp_path, "config", "--global", "--unset", "core.hooksPath")
    elsewhere = tmp_path / "elsewhere-hook"
    elsewhere.write_text("#!/bin/sh\n# agent-git-tracker git hook\n")
    link = work / ".git" / "hooks" / "post-commit"
    link.symlink_to(elsewhere)
    tracker("install", cwd=work)
    assert elsewhere.read_text() == "#!/bin/sh\n# agent-git-tracker git hook\n"
    assert not link.is_symlink() and "python=" in link.read_text()
    tracker("uninstall", cwd=work)
    assert not os.path.lexists(link) and elsewhere.exists()


def test_githooks_folder_with_core_hooks_path_chains_to_the_repository_hooks(
    tmp_path: Path, db_path: Path
) -> None:
    work = plain_repo(tmp_path)
    git(work, "config", "core.hooksPath", str(ROOT / "githooks"))
    chained = tmp_path / "chained.txt"
    for name in ("post-commit", "pre-push"):
        hook = work / ".git" / "hooks" / name
        hook.write_text(f"#!/bin/sh\necho {name} >> {chained}\ncat >> {chained}\n")
        hook.chmod(0o755)
    head = exercise(work, with_path())
    assert_recorded(work, head)
    ran = chained.read_text()
    assert "post-commit" in ran and "pre-push" in ran and "refs/heads/" in ran


def test_githooks_without_the_cli_warn_once_and_never_block(tmp_path: Path, db_path: Path) -> None:
    work = plain_repo(tmp_path)
    git(work, "config", "core.hooksPath", str(ROOT / "githooks"))
    (work / "a").write_text("a\n")
    git(work, "add", "a")
    env = {**os.environ, **with_path(None)}
    result = subprocess.run(
        ["git", "commit", "-m", "x"], cwd=work, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    lines = [line for line in result.stderr.splitlines() if "agent-git-tracker" in line]
    assert len(lines) == 1 and "not found" in lines[0]


# Modules the hooks import: the standard library's, and this package's own dependencies.
THEIRS = ("agent_git_tracker", "lmdb", "orjson", "click", "git")
SHADOWED = ("zlib", "json", "select", "fcntl", "re", "subprocess", *THEIRS)


def plant_shadow_modules(work: Path, marker: Path, names: tuple[str, ...] = SHADOWED) -> None:
    """Commit modules named like those the hooks import, each leaving a marker if imported."""
    for name in names:
        (work / f"{name}.py").write_text(f"open({str(marker)!r}, 'a').write('{name} ran\\n')\n")
    git(work, "add", *(f"{name}.py" for name in names))
    git(work, "commit", "-q", "--no-verify", "-m", "a repository that ships zlib.py and json.py")


@pytest.mark.parametrize("way", ["install", "githooks"])
def test_a_repository_s_modules_never_run_inside_the_hook(
    tmp_path: Path, db_path: Path, way: str
) -> None:
    work = plain_repo(tmp_path)
    marker = tmp_path / "imported.txt"
    plant_shadow_modules(work, marker)
    cli = str(Path(BIN, "agent-git-tracker"))  # as a user runs it (`python -m` would import)
    if way == "install":
        subprocess.run([cli, "install"], cwd=work, check=True, capture_output=True)
    else:
        git(work, "config", "core.hooksPath", str(ROOT / "githooks"))
    head = exercise(work, with_path(None if way == "install" else BIN))
    subprocess.run([cli, "track", "tool", "--agent", "x"], cwd=work, check=True)
    assert not marker.exists(), marker.read_text()
    commits = stored("commit:")
    assert commits[keys.commit(str(work), head)]["agent_id"] == "claude-code"


def snapshot_of_this_repository(tmp_path: Path) -> tuple[Path, str]:
    """This working tree as a hook repository for pre-commit (it clones by revision)."""
    hook_repo = tmp_path / "hook-repo"
    files = (
        subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, files):
        source = ROOT / name
        target = hook_repo / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            target.symlink_to(os.readlink(source))
        elif source.is_file():
            shutil.copy2(source, target)
    git(tmp_path, "init", "-q", str(hook_repo))
    git(hook_repo, "add", "-A")
    git(hook_repo, "commit", "-q", "-m", "snapshot")
    return hook_repo, git(hook_repo, "rev-parse", "HEAD").strip()


@pytest.mark.slow
def test_pre_commit_framework_installs_this_repository_as_hooks(
    tmp_path: Path, db_path: Path
) -> None:
    hook_repo, rev = snapshot_of_this_repository(tmp_path)
    work = plain_repo(tmp_path)
    (work / ".pre-commit-config.yaml").write_text(pre_commit_config(hook_repo, rev))
    git(work, "add", ".pre-commit-config.yaml")
    marker = tmp_path / "imported.txt"
    # pre-commit's own shim runs `python -mpre_commit` at the top of the repository, which puts
    # that folder first on sys.path for pre-commit itself (its own matter, so a zlib.py breaks
    # it); the hooks' entry is this package's console script, which imports nothing from there.
    plant_shadow_modules(work, marker, THEIRS)
    env = {**with_path(), "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    subprocess.run(
        [sys.executable, "-m", "pre_commit", "install"],  # default_install_hook_types
        cwd=work,
        env={**os.environ, **env},
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [sys.executable, "-m", "pre_commit", "install-hooks"],
        cwd=work,
        env={**os.environ, **env},
        check=True,
        capture_output=True,
    )
    head = exercise(work, env)
    assert not marker.exists(), marker.read_text()
    commits = stored("commit:")
    planted = git(work, "rev-parse", "HEAD^").strip()  # made before the hooks: recorded at push
    assert set(commits) == {keys.commit(str(work), h) for h in (head, planted)}
    assert commits[keys.commit(str(work), head)]["agent_id"] == "claude-code"
    doctor = [str(Path(BIN, "agent-git-tracker")), "doctor", "--json"]  # not `python -m` here
    ran = subprocess.run(doctor, cwd=work, capture_output=True, check=False)
    report = json.loads(ran.stdout)
    assert set(report["hooks"].values()) == {
        "pre-commit framework",
        "at pre-push (pre-commit has no such stage)",
    }
    assert not any("hooks not installed" in p for p in report["problems"])


def pre_commit_config(hook_repo: Path, rev: str) -> str:
    """The README's `.pre-commit-config.yaml`, pointed at a snapshot of this repository."""
    from test_wire import readme_block

    text = readme_block(".pre-commit-config.yaml")
    text = re.sub(r"repo: \S+", f"repo: {hook_repo}", text)
    return re.sub(r"rev: \S+", f"rev: {rev}", text)
