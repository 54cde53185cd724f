"""The same history gives the same numbers: rewrites followed exactly, keys that never
collide, machines combined, SHA-256 repositories, and points that follow the README's rules.
Each through real git and the command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from agent_git_tracker.capture import hook as capture
from agent_git_tracker.capture import spool
from agent_git_tracker.config.settings import load
from agent_git_tracker.store import keys, upgrade
from agent_git_tracker.store.db import open_store

from conftest import HOOK, commit, git, run_git, tracker

AGENT = {"CLAUDECODE": "1"}
PINNED = {"GIT_AUTHOR_DATE": "@1780000000 +0000", "GIT_COMMITTER_DATE": "@1780000000 +0000"}


def stored(prefix: str, db: Path | None = None) -> dict[str, Any]:
    config = load(db_path=str(db)) if db else load()
    with open_store(config) as store, store.reading() as view:
        return dict(view.scan(prefix))


def status(repo: Path, db: Path | None = None) -> dict[str, Any]:
    env = {"AGENT_TRACKER_DB_PATH": str(db)} if db else None
    shown = json.loads(tracker("status", "--json", cwd=repo, env=env).stdout)
    return {a["agent"]: a for a in shown["agents"]}


def test_amending_in_the_same_second_keeps_one_commit(repo: Path, db_path: Path) -> None:
    head = commit(repo, "agent work", env={**AGENT, **PINNED})
    for _ in range(6):  # git reports `A A`: the same commit
        git(repo, "commit", "-q", "--amend", "--no-edit", env={**AGENT, **PINNED})
    assert git(repo, "rev-parse", "HEAD").strip() == head
    tracker("flush", cwd=repo)
    assert status(repo)["claude-code"]["total_commits"] == 1


def test_grading_an_amended_away_commit_follows_it(repo: Path, db_path: Path) -> None:
    old = commit(repo, "agent work", env=AGENT)
    (repo / "more.txt").write_text("more\n")
    git(repo, "add", "more.txt")
    git(repo, "commit", "-q", "--amend", "--no-edit", env=AGENT)
    new = git(repo, "rev-parse", "HEAD").strip()
    said = tracker("grade", old, "--agent-grade", "good", "--user-grade", "good", cwd=repo)
    assert new[:12] in said.stdout
    tracker("flush", cwd=repo)
    [retro] = stored("retrospective:").values()
    assert retro["commit"] == new


def test_two_repositories_sharing_a_hash_keep_their_own_grades(
    tmp_path: Path, db_path: Path
) -> None:
    repos = []
    for name in ("one", "two"):
        work = tmp_path / name
        git(tmp_path, "init", "-q", str(work))
        hook = work / ".git" / "hooks" / "post-commit"
        hook.write_text(HOOK.format(python=sys.executable, name="post-commit"))
        hook.chmod(0o755)
        git(work, "commit", "-q", "--allow-empty", "-m", "root", env={**AGENT, **PINNED})
        repos.append(work)
    hashes = {git(r, "rev-parse", "HEAD").strip() for r in repos}
    assert len(hashes) == 1  # the very same commit in two repositories
    tracker("grade", "--agent-grade", "excellence", "--user-grade", "excellence", cwd=repos[0])
    tracker("grade", "--agent-grade", "bad", "--user-grade", "bad", cwd=repos[1])
    for work in repos:
        tracker("flush", cwd=work)
    grades = stored("retrospective:")
    assert sorted((g["project_path"], g["user_grade"]) for g in grades.values()) == [
        (str(repos[0]), 5),
        (str(repos[1]), -1),
    ]
    assert status(repos[0])["claude-code"]["communication_score"] == 60 + 10 - 2


def test_records_of_one_moment_are_all_kept(repo: Path, db_path: Path) -> None:
    commit(repo, "agent work", env=AGENT)
    for task in ("first", "second"):
        tracker(
            "activity",
            "--agent",
            "claude-code",
            "--task",
            task,
            "--at",
            "2026-03-01T10:00:00Z",
            cwd=repo,
        )
    directory = spool.repo_dir(f"{db_path}-spool", str(repo / ".git"))
    place = {"project": str(repo), "worktree": str(repo)}
    for n in range(3):  # three bugs in the same millisecond
        event = {"id": f"0000000000000000-0-{n:08x}", "type": "bug", "time": 1_780_000_000.5}
        spool.append(directory, capture.dumps({**event, **place, "agent": "claude-code"}))
    tracker("flush", cwd=repo)
    assert sorted(a["task"] for a in stored("activity:").values()) == ["first", "second"]
    assert len(stored("bug:")) == 3
    assert status(repo)["claude-code"]["total_bugs"] == 3


def test_importing_another_machine_combines_the_numbers(tmp_path: Path, repo: Path) -> None:
    machine_a, machine_b = tmp_path / "a.lmdb", tmp_path / "b.lmdb"
    for db, count in ((machine_a, 2), (machine_b, 3)):
        for i in range(count):
            commit(repo, f"{db.stem} {i}", env={**AGENT, "AGENT_TRACKER_DB_PATH": str(db)})
        tracker("flush", cwd=repo, env={"AGENT_TRACKER_DB_PATH": str(db)})
    exported = tmp_path / "b.jsonl"
    tracker("--db-path", str(machine_b), "export", "-o", str(exported))
    tracker("--db-path", str(machine_a), "import", str(exported))
    assert status(repo, machine_a)["claude-code"]["total_commits"] == 5
    report = json.loads(tracker("--db-path", str(machine_a), "report", "--json", cwd=repo).stdout)
    [row] = [r for r in report["rows"] if r["agent"] == "claude-code"]
    assert row["commits"] == 5


def test_sha256_repositories_grade_report_bugs_and_refuse_a_halted_push(
    tmp_path: Path, db_path: Path, hermetic: Path
) -> None:
    config = hermetic / ".config" / "agent-git-tracker" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("enforce_halt = true\n")
    remote, work = tmp_path / "remote.git", tmp_path / "work"
    git(tmp_path, "init", "-q", "--bare", "--object-format=sha256", str(remote))
    git(tmp_path, "init", "-q", "--object-format=sha256", str(work))
    git(work, "remote", "add", "origin", str(remote))
    tracker("install", cwd=work)
    head = commit(work, "agent work", env=AGENT)
    assert len(head) == 64
    tracker("grade", "--agent-grade", "good", "--user-grade", "good", cwd=work)
    tracker("bug", "--commit", "HEAD", "--note", "broke it", cwd=work)
    git(work, "checkout", "-q", "-b", "feature")
    commit(work, "more agent work", env=AGENT)
    push = run_git(work, "push", "origin", "feature")
    assert push.returncode != 0 and "HALTED" in push.stderr
    [bug] = stored("bug:").values()
    assert bug["commit"] == head


def test_resume_refuses_an_agent_that_is_not_halted(repo: Path, db_path: Path) -> None:
    commit(repo, "agent work", env=AGENT)
    tracker("flush", cwd=repo)
    refused = tracker("resume", "claude-code", "--plan", "x", cwd=repo, check=False)
    assert refused.returncode == 2 and "not halted" in refused.stderr
    assert status(repo)["claude-code"]["skill_points"] == 1


def test_a_halted_agent_earns_nothing_and_resume_starts_it_afresh(
    repo: Path, db_path: Path
) -> None:
    commit(repo, "agent work", env=AGENT)
    tracker("bug", "--agent", "claude-code", cwd=repo)
    tracker("bug", "--agent", "claude-code", cwd=repo)  # SP stays at 0, never below
    for i in range(4):
        commit(repo, f"work while halted {i}", env=AGENT)
    halted = status(repo)["claude-code"]
    assert (halted["skill_points"], halted["experience_points"], halted["halted"]) == (0, 5, True)
    assert (halted["total_commits"], halted["total_bugs"]) == (5, 2)
    tracker("resume", "claude-code", "--plan", "smaller steps", cwd=repo)
    commit(repo, "after the resume", env=AGENT)
    resumed = status(repo)["claude-code"]
    assert (resumed["skill_points"], resumed["experience_points"]) == (1, 5)


def test_a_moved_repository_keeps_its_history(repo: Path, db_path: Path, tmp_path: Path) -> None:
    commit(repo, "agent work", env=AGENT)
    tracker("grade", "--agent-grade", "good", "--user-grade", "good", cwd=repo)
    git(repo, "push", "-q", "origin", "HEAD:main")
    moved = tmp_path / "moved"
    repo.rename(moved)
    git(moved, "commit", "-q", "--amend", "-m", "agent work, amended", env=AGENT)
    git(moved, "push", "-q", "-f", "origin", "HEAD:main")
    head = git(moved, "rev-parse", "HEAD").strip()
    commits = stored("commit:")
    assert list(commits) == [keys.commit(str(moved), head)]
    [retro] = stored("retrospective:").values()
    assert (retro["project_path"], retro["commit"]) == (str(moved), head)
    assert status(moved)["claude-code"]["total_commits"] == 1


def test_history_rewritten_outside_the_hooks_is_followed_by_scan(repo: Path, db_path: Path) -> None:
    commit(repo, "base")
    commit(repo, "agent work", {"a.txt": "a\n"}, env=AGENT)
    tracker("grade", "--agent-grade", "good", "--user-grade", "good", cwd=repo)
    tracker("bug", "--commit", "HEAD", "--note", "x", cwd=repo)
    tracker("flush", cwd=repo)
    filtered = run_git(
        repo,
        "filter-branch",
        "-f",
        "--env-filter",
        "GIT_COMMITTER_NAME=Someone; export GIT_COMMITTER_NAME",
        env={"FILTER_BRANCH_SQUELCH_WARNING": "1"},
    )
    assert filtered.returncode == 0, filtered.stderr
    head = git(repo, "rev-parse", "HEAD").strip()
    tracker("scan", cwd=repo)
    agent = {k: v for k, v in stored("commit:").items() if v["agent_id"] == "claude-code"}
    assert list(agent) == [keys.commit(str(repo), head)]
    assert agent[keys.commit(str(repo), head)]["evidence"] == ["environment CLAUDECODE"]
    [retro] = stored("retrospective:").values()
    [bug] = stored("bug:").values()
    assert retro["commit"] == bug["commit"] == head
    assert status(repo)["claude-code"]["total_commits"] == 1


def test_grades_of_an_earlier_version_get_their_project_in_a_named_step(
    repo: Path, db_path: Path
) -> None:
    """A database of schema 1 (grades keyed by agent and hash only) opened by this version:
    the grades move under keys that name their project, once, recorded in `meta:`."""
    made = commit(repo, "graded", env=AGENT)
    tracker("grade", "--agent-grade", "good", "--user-grade", "excellence", cwd=repo)
    tracker("flush", cwd=repo)
    before = json.loads(tracker("report", "--json").stdout)["rows"]
    with open_store(load()) as store:
        with store.reading() as view:
            grades = dict(view.scan("retrospective:")) | dict(view.scan("communication:"))
            upgrades = [k for k, _ in view.scan(keys.meta("upgrade:"))]
        old = {
            key.replace(f":{keys.quote(str(repo))}:", ":"): value for key, value in grades.items()
        }
        assert len(old) == len(grades) >= 2 and not any(str(repo) in key for key in old)
        store.put_many(
            {**dict.fromkeys([*grades, *upgrades]), **old, keys.meta("schema"): {"version": 1}}
        )
    assert tracker("status", "--json").returncode == 0  # the first open upgrades
    assert set(stored("retrospective:")) | set(stored("communication:")) == set(grades)
    step = stored(keys.meta("upgrade:project-in-grade-keys"))
    assert [v["version"] for v in step.values()] == [2]
    assert stored(keys.meta("schema"))[keys.meta("schema")]["version"] == upgrade.VERSION
    assert json.loads(tracker("report", "--json").stdout)["rows"] == before
    assert stored("retrospective:")[keys.retrospective("claude-code", str(repo), made)]
