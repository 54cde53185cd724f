"""Hermetic tests: a private HOME, pinned git identity and dates, real git and real LMDB."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agent_git_tracker.attribution.scoring import Scored, label_of

REAL_HOME = os.path.expanduser("~")
# Copies of ../shared/fixtures: real files made by other programs (see their READMEs).
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(autouse=True)
def hermetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """No test can read or write the real $HOME or the developer's git configuration."""
    home = tmp_path / "home"
    home.mkdir()
    for name in list(os.environ):
        if (
            name.startswith(("AGENT_TRACKER_", "GIT_", "PRE_COMMIT"))
            or name
            in (
                "XDG_CONFIG_HOME",
                "XDG_STATE_HOME",
                "CLAUDECODE",
                "GEMINI_CLI",
                "OPENCODE",
                "CURSOR_AGENT",
                "AMP_CURRENT_THREAD_ID",
                "AI_AGENT",
            )
            or name.startswith("CODEX_")
        ):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Ada Human")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "ada@example.com")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Ada Human")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "ada@example.com")
    monkeypatch.setenv("NO_COLOR", "1")
    (home / ".gitconfig").write_text(
        '[init]\n\tdefaultBranch = main\n[protocol "file"]\n\tallow = always\n'
    )
    monkeypatch.chdir(tmp_path)
    yield home
    assert os.path.expanduser("~") == str(home)


@pytest.fixture(autouse=True)
def _no_real_home_writes(tmp_path: Path) -> Iterator[None]:
    """Fail any test that leaves something new under the real home's tracker paths."""
    watched = [
        Path(REAL_HOME, ".config", "opencode"),
        Path(REAL_HOME, ".config", "agent-git-tracker"),
        Path(REAL_HOME, ".local", "state", "agent-git-tracker"),
    ]
    before = {p: sorted(p.rglob("*")) if p.exists() else None for p in watched}
    yield
    after = {p: sorted(p.rglob("*")) if p.exists() else None for p in watched}
    assert before == after, "a test wrote under the real $HOME"


def run_git(
    cwd: Path, *args: str, env: dict[str, str] | None = None, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run real git as a user would, hooks and all; the caller looks at the result."""
    return subprocess.run(
        ["git", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        input=input,
        capture_output=True,
        text=True,
        check=False,
    )


def git(cwd: Path, *args: str, env: dict[str, str] | None = None, input: str | None = None) -> str:
    """Run real git; fail loudly with its stderr."""
    result = run_git(cwd, *args, env=env, input=input)
    assert result.returncode == 0, f"git {' '.join(args)} failed:\n{result.stderr}"
    return result.stdout


def tracker(
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    input: str | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run the real command line in a subprocess, as a user would (stdin empty unless given:
    `session start` reads an agent hook's JSON from it)."""
    result = subprocess.run(
        [sys.executable, "-m", "agent_git_tracker", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        input="" if input is None else input,
        capture_output=True,
        text=True,
        check=False,
    )
    if check:
        assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A database in the test's folder, named through the environment for every process."""
    path = tmp_path / "db" / "tracker.lmdb"
    monkeypatch.setenv("AGENT_TRACKER_DB_PATH", str(path))
    return path


HOOK = """#!/bin/sh
exec "{python}" -m agent_git_tracker hook {name} "$@"
"""


@pytest.fixture
def repo(tmp_path: Path, db_path: Path) -> Path:
    """A real repository whose hooks call this package, with a bare remote `origin`."""
    work = tmp_path / "work"
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(tmp_path, "init", "-q", str(work))
    git(work, "remote", "add", "origin", str(remote))
    for name in ("post-commit", "post-rewrite", "pre-push"):
        hook = work / ".git" / "hooks" / name
        hook.write_text(HOOK.format(python=sys.executable, name=name))
        hook.chmod(0o755)
    return work


def commit(
    repo: Path,
    message: str = "change",
    files: dict[str, str] | None = None,
    env: dict[str, str] | None = None,
    author: str | None = None,
) -> str:
    """A real commit; returns its full hash."""
    for name, text in (files or {f"file{len(list(repo.iterdir()))}.txt": "hello\n"}).items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        git(repo, "add", name)
    extra = ["--author", author] if author else []
    git(repo, "commit", "-q", "-m", message, *extra, env=env)
    return git(repo, "rev-parse", "HEAD").strip()


def replay(repo: Path, row: dict[str, Any], message: Path) -> None:
    """One row of a labelled fixture as a real commit (the fixture README's recipe)."""
    message.write_bytes(row["message"].encode())
    git(
        repo,
        "commit",
        "-q",
        "--allow-empty",
        "--cleanup=verbatim",
        "-F",
        str(message),
        "--author",
        f"{row['author_name']} <{row['author_email']}>",
        env={
            "GIT_COMMITTER_NAME": row["committer_name"],
            "GIT_COMMITTER_EMAIL": row["committer_email"],
            "GIT_AUTHOR_DATE": row.get("author_date") or row["authored_at"],
            "GIT_COMMITTER_DATE": row.get("committed_at") or row.get("author_date") or "",
        },
    )


def scored(row: dict[str, Any], record: dict[str, Any]) -> Scored:
    """A labelled row and what the tracker recorded of it, for `attribution.scoring`."""

    return Scored(
        label_of(row), record["agent_id"], record["model_canonical"], record["confidence"]
    )
