"""Sessions claim only their agent's own commits; what an agent's hook passes on stdin is kept;
the line after each commit says what was recorded."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

from agent_git_tracker.capture import spool
from agent_git_tracker.config.settings import load
from agent_git_tracker.store import keys
from agent_git_tracker.store.db import open_store

from conftest import HOOK, commit, git, tracker

CLAUDE_START = {
    "session_id": "9b2c-session",
    "transcript_path": "/home/ada/.claude/projects/x/9b2c-session.jsonl",
    "model": "claude-opus-4-5-20251101",
    "hook_event_name": "SessionStart",
    "source": "startup",
}


def record(work: Path, head: str) -> dict[str, object]:
    tracker("flush", cwd=work)
    with open_store(load()) as store, store.reading() as view:
        found = view.get(keys.commit(str(work), head))
    assert isinstance(found, dict)
    return found


def session_file(db_path: Path) -> list[str]:
    folder = next(Path(f"{db_path}-spool").iterdir())
    return (folder / spool.SESSION).read_text().splitlines()


def test_a_human_commit_during_a_codex_session_without_its_marker_is_the_human_s(
    repo: Path, db_path: Path
) -> None:
    tracker("session", "start", "--agent", "codex", "--setup", "default", cwd=repo)
    mine = commit(repo, "my own work, in another terminal")
    theirs = commit(repo, "codex at work", env={"CODEX_THREAD_ID": "t-1", "CODEX_SANDBOX": "1"})
    human = record(repo, mine)
    assert human["agent_id"] == "human" and human["setup"] is None
    assert any("codex session not applied" in e for e in human["evidence"])  # type: ignore[union-attr]
    codex = record(repo, theirs)
    assert codex["agent_id"] == "codex" and codex["setup"] == "default"
    assert codex["session"]["agent"] == "codex"  # type: ignore[index]
    status = json.loads(tracker("status", "codex", "--json").stdout)
    assert status["total_commits"] == 1


def test_an_agent_that_marks_no_shell_keeps_its_session_and_says_so(
    repo: Path, db_path: Path
) -> None:
    tracker("session", "start", "--agent", "aider", "--model", "gpt-4o", cwd=repo)
    (repo / "a.txt").write_text("a\n")
    git(repo, "add", "a.txt")
    result = git_commit(repo, "aider's work")
    assert "agent-git-tracker: recorded as aider / gpt-4o (session since " in result
    assert record(repo, git(repo, "rev-parse", "HEAD").strip())["agent_id"] == "aider"


def git_commit(repo: Path, message: str, env: dict[str, str] | None = None) -> str:
    import subprocess

    done = subprocess.run(
        ["git", "commit", "-q", "-m", message], cwd=repo, env={**os.environ, **(env or {})},
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stderr


def test_the_line_after_a_commit_names_what_was_recorded_and_quiet_silences_it(
    repo: Path, db_path: Path, hermetic: Path
) -> None:
    for n, env in enumerate(({"CLAUDECODE": "1"}, {}, {"CLAUDECODE": "1"})):
        if n == 2:
            config = hermetic / ".config" / "agent-git-tracker" / "config.toml"
            config.parent.mkdir(parents=True)
            config.write_text("quiet = true\n")
        (repo / f"f{n}.txt").write_text("x\n")
        git(repo, "add", f"f{n}.txt")
        trailer = "\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>"
        said = git_commit(repo, f"change {n}{trailer}", env)
        if n == 0:
            assert said == (
                "agent-git-tracker: recorded as claude-code / claude-opus-4.5 "
                "(CLAUDECODE, trailer)\n"
            )
        else:
            assert said == ""  # a commit its own text decides, at flush; then quiet = true
    head = git(repo, "rev-parse", "HEAD").strip()
    assert record(repo, head)["model_canonical"] == "claude-opus-4.5"


def test_session_start_reads_what_the_agent_s_hook_passes(repo: Path, db_path: Path) -> None:
    hook = {**CLAUDE_START, "cwd": str(repo / "sub")}
    (repo / "sub").mkdir()
    started = tracker(
        "session", "start", "--agent", "claude-code", "--setup", "default",
        cwd=repo.parent, input=json.dumps(hook),
    )  # fmt: skip
    assert started.stdout == ""  # an agent shows its hooks' output to the model
    assert "session started: claude-code (claude-opus-4-5-20251101 / default)" in started.stderr
    lines = session_file(db_path)
    assert lines[4:7] == [CLAUDE_START["session_id"], CLAUDE_START["transcript_path"], str(repo)]
    assert lines[7] == (repo / ".git" / spool.REPOSITORY_ID).read_text().strip()
    head = commit(repo, "claude's", env={"CLAUDECODE": "1"})
    found = record(repo, head)
    assert found["model_canonical"] == "claude-opus-4.5"
    assert found["session"]["session_id"] == CLAUDE_START["session_id"]  # type: ignore[index]


def test_a_second_session_says_what_it_replaced(repo: Path, db_path: Path) -> None:
    tracker("session", "start", "--agent", "claude-code", cwd=repo)
    same = tracker("session", "start", "--agent", "claude-code", cwd=repo)
    assert "replaces" not in same.stdout
    other = tracker("session", "start", "--agent", "codex", cwd=repo)
    assert "replaces the session of claude-code since" in other.stdout
    data = json.loads(tracker("session", "start", "--agent", "aider", "--json", cwd=repo).stdout)
    assert data["replaced"]["agent"] == "codex"


def test_an_agent_ending_its_session_leaves_another_s_alone(repo: Path, db_path: Path) -> None:
    tracker("session", "start", "--agent", "claude-code", cwd=repo, input=json.dumps(CLAUDE_START))
    other = {"session_id": "another-window", "hook_event_name": "SessionEnd"}
    kept = tracker("session", "end", cwd=repo, input=json.dumps(other))
    assert "left as it is" in kept.stderr and kept.stdout == ""
    assert json.loads(tracker("session", "show", "--json", cwd=repo).stdout)["agent"]
    ended = tracker("session", "end", cwd=repo, input=json.dumps(CLAUDE_START))
    assert "session ended: claude-code" in ended.stderr


def test_doctor_lists_active_and_stale_sessions(repo: Path, db_path: Path, tmp_path: Path) -> None:
    tracker("session", "start", "--agent", "aider", cwd=repo)
    other = tmp_path / "other"
    git(tmp_path, "init", "-q", str(other))
    tracker("session", "start", "--agent", "codex", cwd=other)
    stale = next(p for p in Path(f"{db_path}-spool").glob("other-*/session"))
    old = stale.stat().st_mtime - spool.SESSION_TTL_SECONDS - 60
    os.utime(stale, (old, old))
    report = json.loads(tracker("doctor", "--json", cwd=repo, check=False).stdout)
    states = {(s["agent"], s["state"], s["repository"]) for s in report["sessions"]}
    assert states == {("aider", "active", str(repo)), ("codex", "stale", str(other))}


def remake(repo: Path) -> None:
    """Delete the repository and make a new one at the same path, with the hooks."""
    shutil.rmtree(repo)
    git(repo.parent, "init", "-q", str(repo))
    hook = repo / ".git" / "hooks" / "post-commit"
    hook.write_text(HOOK.format(python=sys.executable, name="post-commit"))
    hook.chmod(0o755)


def test_a_repository_made_again_at_the_same_path_is_not_claimed_by_the_old_session(
    repo: Path, db_path: Path
) -> None:
    tracker("session", "start", "--agent", "aider", "--model", "gpt-4o", cwd=repo)
    assert record(repo, commit(repo, "aider's, in the old repository"))["agent_id"] == "aider"
    remake(repo)
    (repo / "a.txt").write_text("a\n")
    git(repo, "add", "a.txt")
    said = git_commit(repo, "mine, in the new repository")
    assert "aider" not in said
    mine = record(repo, git(repo, "rev-parse", "HEAD").strip())
    assert mine["agent_id"] == "human" and "session" not in mine
    assert json.loads(tracker("session", "show", "--json", cwd=repo).stdout) is None
    report = json.loads(tracker("doctor", "--json", cwd=repo, check=False).stdout)
    assert [(s["agent"], s["state"]) for s in report["sessions"]] == [("aider", "stale")]
    tracker("grade", "--agent-grade", "good", "--user-grade", "good", cwd=repo, check=False)
    started = tracker("session", "start", "--agent", "codex", cwd=repo).stdout
    assert "replaces" not in started  # the old session named another repository
    theirs = commit(repo, "codex's", env={"CODEX_THREAD_ID": "t-2"})
    assert record(repo, theirs)["agent_id"] == "codex"


def test_a_session_covers_the_repository_s_worktrees_and_not_a_new_one_in_its_place(
    repo: Path, db_path: Path, tmp_path: Path
) -> None:
    commit(repo, "first")
    tracker("session", "start", "--agent", "aider", cwd=repo)
    side = tmp_path / "side"
    git(repo, "worktree", "add", "-q", "-b", "side", str(side))
    assert record(repo, commit(side, "aider's, in a worktree"))["agent_id"] == "aider"
    moved = tmp_path / "moved"
    repo.rename(moved)
    (tmp_path / "work").mkdir()
    git(tmp_path / "work", "init", "-q")  # another repository where the first one was
    shutil.copytree(
        moved / ".git" / "hooks", tmp_path / "work" / ".git" / "hooks", dirs_exist_ok=True
    )
    assert record(repo, commit(repo, "not aider's"))["agent_id"] == "human"


def test_a_repository_whose_git_folder_refuses_the_id_keeps_sessions_as_before(
    repo: Path, db_path: Path
) -> None:
    git_dir = repo / ".git"
    (git_dir / spool.REPOSITORY_ID).mkdir()  # an entry of the wrong kind: no id can be made
    tracker("session", "start", "--agent", "aider", cwd=repo)
    assert session_file(db_path)[7] == ""
    assert record(repo, commit(repo, "aider's"))["agent_id"] == "aider"


def test_a_repository_path_with_a_line_break_and_an_escape(tmp_path: Path, db_path: Path) -> None:
    """Sessions work there, and `doctor`, `show` and `log` keep one line per item, escaped."""
    odd = tmp_path / "re\npo\x1b[31m"
    odd.mkdir()
    remake(odd)
    tracker("session", "start", "--agent", "aider", cwd=odd)
    commit(odd, "aider's")
    assert record(odd, git(odd, "rev-parse", "HEAD").strip())["agent_id"] == "aider"
    commit(odd, "pending")
    for command in (("doctor",), ("show",), ("log",)):
        out = tracker(*command, cwd=odd, check=False).stdout
        assert "\x1b" not in out and "\nrepo" not in out and "po\\x1b[31m" in out, out
        assert "re\\x0apo" in out


def test_a_session_in_a_submodule_is_active_not_stale(
    repo: Path, db_path: Path, tmp_path: Path
) -> None:
    """A submodule's `.git` is a file naming its git dir in the outer repository's: doctor
    finds the session's repository id there."""
    inner = tmp_path / "inner"
    git(tmp_path, "init", "-q", str(inner))
    commit(inner, "first")
    git(repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(inner), "sub")
    sub = repo / "sub"
    assert (sub / ".git").is_file()
    tracker("session", "start", "--agent", "codex", cwd=sub)
    report = json.loads(tracker("doctor", "--json", cwd=sub, check=False).stdout)
    assert [(s["agent"], s["state"]) for s in report["sessions"]] == [("codex", "active")]
