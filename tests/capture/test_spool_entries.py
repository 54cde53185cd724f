"""A spool entry of the wrong kind (a folder, a symlink, a FIFO where a file belongs; a spool
folder that is a file): no hook or command waits or writes through it, the event goes
somewhere safe and the warning says where, and the next flush sets the entry aside."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from agent_git_tracker.config.settings import load
from agent_git_tracker.store.db import open_store

from conftest import commit, git

HANG = 60  # a hang fails as a timeout; no test asserts wall-clock times


def run(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=HANG,
        check=False,
    )


def cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run(cwd, sys.executable, "-m", "agent_git_tracker", *args)


def ours(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "agent-git-tracker" in line]


def commits() -> int:
    with open_store(load()) as store, store.reading() as view:
        return view.count("commit:")


def make_folder(path: Path, outside: Path) -> None:
    path.mkdir()


def make_symlink(path: Path, outside: Path) -> None:
    path.symlink_to(outside)


def make_fifo(path: Path, outside: Path) -> None:
    os.mkfifo(path)


def make_unreadable(path: Path, outside: Path) -> None:
    """Mode 000, as a file root made looks to the user after `sudo -E git commit`."""
    path.write_text('{"id": "x", "type": "commit"}\n')
    path.chmod(0)


KINDS: dict[str, Callable[[Path, Path], None]] = {
    "folder": make_folder,
    "symlink": make_symlink,
    "fifo": make_fifo,
    "unreadable": make_unreadable,
}
ROOT_READS_ALL = pytest.mark.skipif(
    os.geteuid() == 0, reason="running as root, who can read mode-000 files"
)
KIND_PARAMS = [pytest.param(k, marks=ROOT_READS_ALL) if k == "unreadable" else k for k in KINDS]


def spool_folder(db_path: Path) -> Path:
    return next(Path(f"{db_path}-spool").glob("*-*"))


def make_commit(repo: Path, message: str) -> subprocess.CompletedProcess[str]:
    (repo / f"{message}.txt").write_text(message)
    git(repo, "add", f"{message}.txt")
    return run(repo, "git", "commit", "-q", "-m", message)


@pytest.mark.parametrize("kind", KIND_PARAMS)
@pytest.mark.parametrize("entry", ["events.jsonl", "lock"])
def test_an_events_or_lock_entry_of_the_wrong_kind(
    repo: Path, db_path: Path, tmp_path: Path, entry: str, kind: str
) -> None:
    commit(repo, "first")
    git(repo, "push", "-q", "origin", "HEAD:main")
    folder = spool_folder(db_path)
    outside = tmp_path / "outside.txt"
    outside.write_text("not the tracker's\n")
    (folder / entry).unlink(missing_ok=True)
    KINDS[kind](folder / entry, outside)
    made = make_commit(repo, "second")
    assert made.returncode == 0, made.stderr
    assert len(ours(made.stderr)) == 1 and f"kept in {folder}/batch-" in made.stderr
    why = "Permission denied" if kind == "unreadable" else "not a regular file"
    assert why in made.stderr and "nothing is lost" not in made.stderr
    status = cli(repo, "status", "--json")  # a FIFO never makes a reader wait
    assert status.returncode == 0 and json.loads(status.stdout)["pending_events"] >= 1
    pushed = run(repo, "git", "push", "-q", "origin", "HEAD:main")
    assert pushed.returncode == 0, pushed.stderr
    assert commits() == 2
    assert outside.read_text() == "not the tracker's\n"
    aside = f"rejected-*{entry}" if kind != "unreadable" else "rejected-*"
    assert list(folder.glob(aside)) != []  # set aside, named in the flush notes
    made = make_commit(repo, "third")
    assert made.returncode == 0 and ours(made.stderr) == []  # the spool works again
    git(repo, "push", "-q", "origin", "HEAD:main")
    assert commits() == 3


@pytest.mark.parametrize("kind", KIND_PARAMS)
def test_a_session_entry_of_the_wrong_kind(repo: Path, db_path: Path, kind: str) -> None:
    commit(repo, "first")
    folder = spool_folder(db_path)
    KINDS[kind](folder / "session", folder / "elsewhere")
    made = make_commit(repo, "second")
    assert made.returncode == 0 and "the session was ignored" in made.stderr
    shown = cli(repo, "session", "show")
    assert shown.returncode == 0 and "no active session" in shown.stdout
    ended = cli(repo, "session", "end")
    assert ended.returncode == 0 and "2 event(s) flushed" in ended.stdout
    assert commits() == 2
    started = cli(repo, "session", "start", "--agent", "codex")
    assert started.returncode == 0, started.stderr  # the session works again
    git(repo, "commit", "-q", "--allow-empty", "-m", "third")
    git(repo, "push", "-q", "origin", "HEAD:main")
    assert commits() == 3


@pytest.mark.parametrize("kind", KIND_PARAMS)
def test_an_unreadable_batch_is_set_aside_and_never_blocks_the_others(
    repo: Path, db_path: Path, tmp_path: Path, kind: str
) -> None:
    commit(repo, "first")
    folder = spool_folder(db_path)
    (tmp_path / "elsewhere.jsonl").write_text("")
    KINDS[kind](folder / "batch-0000-stuck.jsonl", tmp_path / "elsewhere.jsonl")
    flushed = cli(repo, "flush")
    assert flushed.returncode == 0, flushed.stderr
    assert "batch-0000-stuck.jsonl cannot be read" in flushed.stdout
    assert "set aside as" in flushed.stdout and commits() == 1
    commit(repo, "second")
    assert "cannot be read" not in cli(repo, "flush").stdout
    assert commits() == 2


def test_a_spool_folder_that_is_not_a_folder_sends_events_to_the_fallback(
    repo: Path, db_path: Path, hermetic: Path
) -> None:
    commit(repo, "first")
    folder = spool_folder(db_path)
    git(repo, "push", "-q", "origin", "HEAD:main")
    for leftover in folder.iterdir():
        leftover.unlink()
    folder.rmdir()
    folder.write_text("a file where the spool folder belongs\n")
    made = make_commit(repo, "second")
    fallback = hermetic / ".local" / "state" / "agent-git-tracker" / "fallback" / folder.name
    assert made.returncode == 0 and f"kept in {fallback}/batch-" in made.stderr
    used = cli(repo, "track", "tool", "--agent", "codex")
    assert used.returncode == 0 and f"kept in {fallback}/batch-" in used.stderr
    pending = json.loads(cli(repo, "status", "--json").stdout)
    assert pending["pending_events"] == 2
    pushed = run(repo, "git", "push", "-q", "origin", "HEAD:main")
    assert pushed.returncode == 0, pushed.stderr
    assert commits() == 2 and list(fallback.iterdir()) == []
    assert folder.is_dir()
