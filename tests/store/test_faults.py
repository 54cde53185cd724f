"""Full, read-only, broken and vanishing storage: clear messages, nothing lost."""

from __future__ import annotations

import contextlib
import json
import os
import resource
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent_git_tracker.config.settings import load
from agent_git_tracker.store import keys
from agent_git_tracker.store.db import open_store

from conftest import commit, git, run_git, tracker
from crashkit import write_spool


def stored(prefix: str, **options: str) -> dict[str, dict[str, object]]:
    with open_store(load(**options)) as store, store.reading() as view:
        return dict(view.scan(prefix))


def pending(repo: Path) -> int:
    return json.loads(tracker("status", "--json", cwd=repo).stdout)["pending_events"]


def test_a_full_database_refuses_the_flush_and_keeps_the_spool(
    tmp_path: Path, db_path: Path
) -> None:
    write_spool(db_path, tmp_path / "project", 6000)
    tracker("--max-db-size", "1MiB", "db", "info")

    def waiting() -> int:
        info = json.loads(tracker("--max-db-size", "64MiB", "db", "info", "--json").stdout)
        return int(info["spool"]["pending_events"])

    result = tracker("--max-db-size", "1MiB", "flush", "--all", check=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "full" in result.stderr and "max_database_size" in result.stderr
    assert waiting() == 6000
    assert stored("commit:") == {}
    tracker("--max-db-size", "64MiB", "flush", "--all")
    assert waiting() == 0
    assert len(stored("commit:")) == 3000


def ok(*args: str) -> bool:
    return (
        bool(shutil.which(args[0]))
        and subprocess.run(args, capture_output=True, check=False).returncode == 0
    )


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """Make a folder read-only for real, even for root (bind mount, else immutable flag)."""
    where = str(folder)
    if os.geteuid() != 0:
        folder.chmod(0o500)
        undo = ["chmod", "700", where]
    elif ok("mount", "--bind", where, where):
        if not ok("mount", "-o", "remount,bind,ro", where):
            ok("umount", where)
            pytest.skip("cannot remount a folder read-only here")
        undo = ["umount", where]
    elif ok("chattr", "+i", where):
        undo = ["chattr", "-i", where]
    else:
        pytest.skip("cannot make a folder read-only here (needs mount or chattr as root)")
    try:
        yield
    finally:
        ok(*undo)


def test_a_read_only_database_folder(repo: Path, db_path: Path) -> None:
    commit(repo, "one", env={"CLAUDECODE": "1"})
    tracker("flush", cwd=repo)
    commit(repo, "two", env={"CLAUDECODE": "1"})
    before = db_path.read_bytes()
    with read_only(db_path.parent):
        push = run_git(repo, "push", "origin", "HEAD:main")
        assert push.returncode == 0, push.stderr
        lines = [x for x in push.stderr.splitlines() if "agent-git-tracker" in x]
        assert len(lines) == 1 and "warning" in lines[0], push.stderr
        flush = tracker("flush", cwd=repo, check=False)
        assert flush.returncode != 0 and "Traceback" not in flush.stderr
    assert db_path.read_bytes() == before
    tracker("flush", cwd=repo)
    assert len(stored("commit:")) == 2


def limited(limit: int) -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def test_a_full_disk_during_append_and_flush(repo: Path, db_path: Path) -> None:
    """A file-size limit makes writes fail with EFBIG, as a full disk makes them fail."""
    commit(repo, "one", env={"CLAUDECODE": "1"})
    events = next(Path(f"{db_path}-spool").glob("*/events.jsonl"))
    size = events.stat().st_size
    hook = subprocess.run(
        [sys.executable, "-m", "agent_git_tracker", "hook", "post-commit"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
        preexec_fn=lambda: limited(size + 10),
    )
    assert hook.returncode == 0 and hook.stderr.count("\n") == 1 and "warning" in hook.stderr
    assert events.stat().st_size <= size + 10
    flush = subprocess.run(
        [sys.executable, "-m", "agent_git_tracker", "flush"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
        preexec_fn=lambda: limited(8192),
    )
    assert flush.returncode != 0 and "Traceback" not in flush.stderr
    assert pending(repo) >= 1
    tracker("flush", cwd=repo)
    assert len(stored("commit:")) == 1


def test_the_spool_folder_deleted_mid_session(repo: Path, db_path: Path) -> None:
    tracker("session", "start", "--agent", "my-agent", cwd=repo)
    commit(repo, "one")
    shutil.rmtree(f"{db_path}-spool")
    second = commit(repo, "two", env={"CLAUDECODE": "1"})
    result = tracker("session", "end", cwd=repo)
    assert "Traceback" not in result.stderr
    commits = stored("commit:")
    assert list(commits) == [keys.commit(str(repo), second)]  # the first went with the folder
    assert commits[keys.commit(str(repo), second)]["agent_id"] == "claude-code"


def test_a_symlinked_spool_or_database_is_never_written_through(
    repo: Path, db_path: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    db_path.parent.mkdir(parents=True)
    Path(f"{db_path}-spool").symlink_to(elsewhere)
    result = subprocess.run(
        ["git", "commit", "--allow-empty", "-m", "x"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and "symlink" in result.stderr
    assert list(elsewhere.iterdir()) == []
    Path(f"{db_path}-spool").unlink()
    target = tmp_path / "real.lmdb"
    db_path.symlink_to(target)
    info = tracker("db", "info", check=False)
    assert info.returncode == 1 and "symlink" in info.stderr and not target.exists()


def test_files_are_private(repo: Path, db_path: Path) -> None:
    commit(repo, "one")
    git(repo, "push", "-q", "origin", "HEAD:main")
    for path in (db_path, Path(f"{db_path}-lock")):
        assert path.stat().st_mode & 0o777 == 0o600
    for folder in [db_path.parent, *Path(f"{db_path}-spool").rglob("*")]:
        if folder.is_dir():
            assert folder.stat().st_mode & 0o777 == 0o700, folder
        else:
            assert folder.stat().st_mode & 0o077 == 0, folder
