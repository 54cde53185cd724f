"""Agent state, grading and journals through the real command line (R7, R8)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from agent_git_tracker.config.settings import load
from agent_git_tracker.ledger import points as rules
from agent_git_tracker.models import GRADE_LABELS, Rules, parse_grade
from agent_git_tracker.store import keys
from agent_git_tracker.store.db import open_store

from conftest import commit, git, run_git, tracker

AGENT = {"CLAUDECODE": "1"}


def stored(prefix: str) -> dict[str, dict[str, object]]:
    with open_store(load()) as store, store.reading() as view:
        return dict(view.scan(prefix))


def status(repo: Path, agent: str = "claude-code") -> dict[str, object]:
    return json.loads(tracker("status", agent, "--json", cwd=repo).stdout)


# --- the rules, exhaustively -------------------------------------------------------------


@pytest.mark.parametrize("agent_grade", list(GRADE_LABELS))
@pytest.mark.parametrize("user_grade", list(GRADE_LABELS))
def test_one_commit_moves_cs_between_minus_two_and_ten(agent_grade: int, user_grade: int) -> None:
    change = rules.score_change(agent_grade, user_grade, Rules())
    assert -2 <= change <= 10
    assert change == agent_grade + user_grade


def test_grade_labels_and_numbers_are_accepted_everywhere() -> None:
    assert [parse_grade(x) for x in ("bad", "neutral", "good", "excellence")] == [-1, 1, 2, 5]
    assert [parse_grade(x) for x in ("-1", "1", "2", "5", 5, "+5", "Excellence")] == [
        -1,
        1,
        2,
        5,
        5,
        5,
        5,
    ]


def test_level_up_and_floor() -> None:
    r = Rules()
    agent = rules.new_agent("a", "t", r)
    assert (agent["skill_points"], agent["experience_points"], agent["communication_score"]) == (
        1,
        0,
        60,
    )
    agent = rules.gain(agent, 35, r)  # 10 to reach SP 2, 20 more to reach SP 3
    assert (agent["skill_points"], agent["experience_points"]) == (3, 5)
    low = rules.grade({**agent, "communication_score": 1}, -2, r)
    assert low["communication_score"] == 0 and low["experience_points"] == 6


def test_bug_halts_at_zero_and_resume_reinstates() -> None:
    r = Rules()
    agent = rules.bug(rules.new_agent("a", "t", r), r)
    assert agent["skill_points"] == 0 and agent["halted"] and agent["total_bugs"] == 1
    agent = rules.resume(agent, r)
    assert agent["skill_points"] == 1 and not agent["halted"]


def test_rules_come_from_the_config_file(hermetic: Path) -> None:
    path = hermetic / ".config" / "agent-git-tracker" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text("[rules]\ncommit_experience = 7\ngrade_points = { excellence = 9 }\n")
    r = load().rules
    assert r.commit_experience == 7 and r.points(5) == 9 and r.points(2) == 2


# --- the commands, as a user runs them ---------------------------------------------------


def test_grade_status_and_regrade(repo: Path, db_path: Path) -> None:
    head = commit(repo, "Add a parser", env=AGENT)
    out = tracker(
        "grade", "--agent-grade", "good", "--user-grade", "5", "--user-note", "great", cwd=repo
    ).stdout
    assert "CS +7" in out and "next flush" in out
    shown = status(repo)
    assert shown["communication_score"] == 67 and "communication_score" in shown["pending"]
    assert not db_path.exists() or not stored("retrospective:")  # nothing written yet
    again = tracker(
        "grade", "HEAD", "--agent-grade", "bad", "--user-grade", "neutral", cwd=repo
    ).stdout
    assert "replaces the earlier grade" in again
    tracker("flush", cwd=repo)
    agent = stored("agent:")[keys.agent("claude-code")]
    assert agent["communication_score"] == 60  # 60 + 7, replaced by 60 + 0
    assert agent["experience_points"] == 6  # commit +5, graded once +1
    retro = stored("retrospective:")[keys.retrospective("claude-code", str(repo), head)]
    assert "score_before" not in retro  # it depends on the order of grades: derived, not stored
    assert retro["task"] == "Add a parser" and retro["user_grade"] == 1
    events = stored("communication:")  # every grade given stays as history; the latest counts
    assert sorted(e["given_by"] for e in events.values()) == ["agent", "agent", "user", "user"]
    assert status(repo)["pending"] == []


def test_grade_five_and_bounds_through_the_cli(repo: Path, db_path: Path) -> None:
    commit(repo, "one", env=AGENT)
    tracker("grade", "--agent-grade", "excellence", "--user-grade", "excellence", cwd=repo)
    commit(repo, "two", env=AGENT)
    tracker("grade", "--agent-grade", "bad", "--user-grade", "-1", cwd=repo)
    tracker("flush", cwd=repo)
    retros = stored("retrospective:").values()
    assert sorted((r["agent_grade"], r["user_grade"]) for r in retros) == [(-1, -1), (5, 5)]
    assert stored("agent:")[keys.agent("claude-code")]["communication_score"] == 68  # 60+10-2


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--agent-grade", "superb", "--user-grade", "good"], "unknown grade 'superb'"),
        (["--agent-grade", "3", "--user-grade", "good"], "unknown grade '3'"),
        (["deadbeef", "--agent-grade", "good", "--user-grade", "good"], "unknown commit"),
        (["--agent-grade", "good", "--user-grade", "good", "--agent", " "], "agent id"),
    ],
)
def test_bad_grades_write_nothing(
    repo: Path, db_path: Path, args: list[str], expected: str
) -> None:
    commit(repo, "one", env=AGENT)
    before = sorted(p.read_bytes() for p in Path(f"{db_path}-spool").rglob("*.jsonl"))
    result = tracker("grade", *args, cwd=repo, check=False)
    assert result.returncode == 2 and expected in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.read_bytes() for p in Path(f"{db_path}-spool").rglob("*.jsonl")) == before


def test_grade_without_a_terminal_needs_both_grades(repo: Path, db_path: Path) -> None:
    commit(repo, "one", env=AGENT)
    result = tracker("grade", "--agent-grade", "good", cwd=repo, check=False)
    assert result.returncode == 2 and "--user-grade" in result.stderr


def test_a_human_commit_needs_an_agent_to_grade(repo: Path, db_path: Path) -> None:
    commit(repo, "by hand")
    result = tracker(
        "grade", "--agent-grade", "good", "--user-grade", "good", cwd=repo, check=False
    )
    assert result.returncode == 2 and "--agent" in result.stderr


def test_bug_halts_loudly_and_resume_reinstates(repo: Path, db_path: Path) -> None:
    head = commit(repo, "risky", env=AGENT)
    result = tracker("bug", "--commit", "HEAD", "--note", "broke the build", cwd=repo)
    assert "HALTED" in result.stderr and "resume claude-code" in result.stderr
    assert status(repo)["halted"] is True
    assert "HALTED" in subprocess_commit(repo, "before.txt")  # warned before any flush
    tracker("flush", cwd=repo)
    bug = next(iter(stored("bug:").values()))
    assert bug["commit"] == head and bug["note"] == "broke the build"
    agent = stored("agent:")[keys.agent("claude-code")]
    assert (agent["skill_points"], agent["halted"], agent["total_bugs"]) == (0, True, 1)
    later = subprocess_commit(repo)
    assert "HALTED" in later and "resume" in later
    assert (
        "unknown agent" in tracker("resume", "nobody", "--plan", "x", cwd=repo, check=False).stderr
    )
    tracker("resume", "claude-code", "--plan", "write tests first", cwd=repo)
    shown = status(repo)
    assert shown["skill_points"] == 1 and shown["halted"] is False
    tracker("flush", cwd=repo)
    plans = [a for a in stored("activity:").values() if a["task"] == "resume after halt"]
    assert plans[0]["actions"] == "write tests first"


def subprocess_commit(repo: Path, name: str = "later.txt") -> str:
    (repo / name).write_text("x\n")
    git(repo, "add", name)
    result = run_git(repo, "commit", "-m", "later", env=AGENT)
    assert result.returncode == 0, result.stderr
    return result.stderr


def test_enforce_halt_refuses_the_push_and_names_resume(
    repo: Path, db_path: Path, hermetic: Path
) -> None:
    config = hermetic / ".config" / "agent-git-tracker" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("enforce_halt = true\n")
    commit(repo, "fine", env=AGENT)
    git(repo, "push", "-q", "origin", "HEAD:main")
    tracker("bug", "--agent", "claude-code", cwd=repo)
    commit(repo, "more work", env=AGENT)
    push = run_git(repo, "push", "origin", "HEAD:main")
    assert push.returncode != 0
    assert "HALTED" in push.stderr and "agent-git-tracker resume claude-code" in push.stderr
    tracker("resume", "claude-code", "--plan", "smaller steps", cwd=repo)
    git(repo, "push", "-q", "origin", "HEAD:main")


def test_activity_entries_and_bad_timestamps(repo: Path, db_path: Path) -> None:
    commit(repo, "one", env=AGENT)
    tracker(
        "activity",
        "--agent",
        "claude-code",
        "--task",
        "parser",
        "--actions",
        "wrote it",
        "--outcome",
        "works",
        "--decisions",
        "no regex",
        "--at",
        "2026-03-01T14:05:00Z",
        cwd=repo,
    )
    bad = tracker(
        "activity",
        "--agent",
        "claude-code",
        "--task",
        "x",
        "--at",
        "yesterday",
        cwd=repo,
        check=False,
    )
    assert bad.returncode == 2 and "bad timestamp" in bad.stderr
    empty = tracker("activity", "--agent", "", "--task", "x", cwd=repo, check=False)
    assert empty.returncode == 2
    tracker("flush", cwd=repo)
    prefix = keys.of_agent("activity", "claude-code") + "2026-03-01T14:05:00.000+00:00:"
    [entry] = [v for k, v in stored("activity:").items() if k.startswith(prefix)]
    assert entry["decisions"] == "no regex" and entry["task"] == "parser"
    assert status(repo)["last_activity"] == "2026-03-01T14:05:00.000+00:00"


def test_agents_lists_everyone(repo: Path, db_path: Path) -> None:
    commit(repo, "one", env=AGENT)
    commit(repo, "two", env={"CODEX_SANDBOX": "1"})
    listed = json.loads(tracker("agents", "--json", cwd=repo).stdout)
    assert [a["agent"] for a in listed] == ["claude-code", "codex"]
    assert "claude-code" in tracker("agents", cwd=repo).stdout


def test_state_files_are_exported_when_the_repository_has_them(repo: Path, db_path: Path) -> None:
    (repo / ".journal").mkdir()
    commit(repo, "one", env=AGENT)
    tracker("grade", "--agent-grade", "good", "--user-grade", "excellence", cwd=repo)
    tracker(
        "activity",
        "--agent",
        "claude-code",
        "--task",
        "t",
        "--actions",
        "a",
        "--outcome",
        "o",
        "--decisions",
        "d",
        "--at",
        "2026-03-01T14:05:00Z",
        cwd=repo,
    )
    git(repo, "push", "-q", "origin", "HEAD:main")
    state = json.loads((repo / ".agent" / "status.json").read_text())
    assert state == {
        "agent_name": "claude-code",
        "skill_points": 1,
        "experience_points": 6,
        "total_commits": 1,
        "total_bugs": 0,
        "halted": False,
        "communication_score": 67,
    }
    journal = json.loads((repo / ".journal" / "communication.json").read_text())
    assert journal[0]["agent_grade"] == "good" and journal[0]["user_grade"] == "excellence"
    day = (repo / ".journal" / "2026-03-01.md").read_text()
    assert "## 14:05" in day and "- **Actions taken**: a" in day
    assert "- **Decisions made**: d" in day
    assert git(repo, "status", "--porcelain").count("??") == 2  # never committed


def test_no_state_files_by_default(repo: Path, db_path: Path) -> None:
    commit(repo, "one", env=AGENT)
    git(repo, "push", "-q", "origin", "HEAD:main")
    assert not (repo / ".agent").exists() and not (repo / ".journal").exists()


def test_grade_asks_on_a_terminal(repo: Path, db_path: Path) -> None:
    """Without grades on a real terminal (a pseudo-terminal here), grade shows the commit and
    the labels and asks."""
    import pty
    import select
    import sys

    commit(repo, "Teach the parser", env=AGENT)
    main, child = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "agent_git_tracker", "grade"],
        cwd=repo,
        stdin=child,
        stdout=child,
        stderr=child,
        close_fds=True,
    )
    os.close(child)
    seen = b""
    for answer in (b"good\n", b"excellence\n"):
        while b"grade:" not in seen.rsplit(b"\n", 1)[-1]:
            ready, _, _ = select.select([main], [], [], 30)
            assert ready, seen
            seen += os.read(main, 4096)
        os.write(main, answer)
        seen += b"\n"
    assert process.wait(timeout=30) == 0
    while select.select([main], [], [], 0.5)[0]:
        try:
            seen += os.read(main, 4096)
        except OSError:
            break
    os.close(main)
    text = seen.decode(errors="replace")
    assert "Teach the parser" in text and "excellence (5)" in text
    assert "CS +7" in text
