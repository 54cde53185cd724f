"""`show` and `log` say what was recorded and why; `reassign` corrects it through the spool,
and what the user set beats every later hook event and scan. Counters, grades and the report
follow."""

from __future__ import annotations

import json
from pathlib import Path

from agent_git_tracker.config.settings import load
from agent_git_tracker.store import keys
from agent_git_tracker.store.db import open_store

from conftest import commit, git, tracker

CLAUDE = "Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>"


def stored(key: str) -> dict[str, object] | None:
    with open_store(load()) as store, store.reading() as view:
        value = view.get(key)
    return value if isinstance(value, dict) else None


def status(agent: str) -> dict[str, object]:
    return json.loads(tracker("status", agent, "--json").stdout)


def test_show_and_log_match_the_records_pending_events_included(repo: Path, db_path: Path) -> None:
    first = commit(repo, f"parser\n\n{CLAUDE}", files={"a.py": "a\n"}, env={"CLAUDECODE": "1"})
    tracker("grade", "--agent-grade", "good", "--user-grade", "excellence", cwd=repo)
    tracker("bug", "--commit", first, "--note", "off by one", cwd=repo)
    pending = json.loads(tracker("show", "--json", cwd=repo).stdout)
    assert pending["pending"] is True and pending["agent"] == "claude-code"
    tracker("flush", cwd=repo)
    shown = json.loads(tracker("show", first[:8], "--json", cwd=repo).stdout)
    record = stored(keys.commit(str(repo), first))
    assert record is not None
    assert shown["pending"] is False
    for field in ("agent_id", "model", "model_canonical", "setup", "evidence", "confidence"):
        assert shown["agent" if field == "agent_id" else field] == record[field]
    assert shown["model"] == "Claude Opus 4.5" and shown["model_canonical"] == "claude-opus-4.5"
    assert shown["evidence"][0] == "environment CLAUDECODE"
    assert shown["grade"]["agent_grade"] == 2 and len(shown["grades"]) == 2
    assert [b["note"] for b in shown["bugs"]] == ["off by one"]
    text = tracker("show", cwd=repo).stdout
    assert "model       Claude Opus 4.5 → claude-opus-4.5" in text
    assert "why         environment CLAUDECODE" in text and "bugs        claude-code: off" in text
    second = commit(repo, "tweak")
    listing = json.loads(tracker("log", "--json").stdout)["commits"]
    assert [(r["commit"], r["agent"], r["pending"]) for r in listing] == [
        (second, "human", True),
        (first, "claude-code", False),
    ]
    assert tracker("log").stdout.splitlines()[-1] == "* pending: written at the next flush"
    only = json.loads(tracker("log", "--agent", "human", "--json").stdout)["commits"]
    assert [r["commit"] for r in only] == [second]
    assert json.loads(tracker("log", "--since", "2999-01-01", "--json").stdout)["commits"] == []
    assert tracker("log", "--project", "elsewhere").stdout.startswith("no commits recorded")
    unknown = tracker("log", "--agent", "codx", check=False)
    assert unknown.returncode == 2 and "claude-code, human" in unknown.stderr
    never = tracker("show", "HEAD", cwd=repo.parent / "db", check=False)
    assert never.returncode == 2


def test_reassign_moves_a_commit_and_counters_grades_and_the_report_follow(
    repo: Path, db_path: Path
) -> None:
    work = commit(repo, "agent work", env={"CLAUDECODE": "1"})
    tracker("grade", "--agent-grade", "good", "--user-grade", "good", cwd=repo)
    mine = commit(repo, "mine")
    tracker("flush", cwd=repo)
    assert status("claude-code")["total_commits"] == 1
    out = tracker("reassign", work, "--agent", "codex", "--model", "gpt-5.2", cwd=repo).stdout
    assert f"{work[:12]}: claude-code → codex / gpt-5.2" in out
    assert status("codex")["total_commits"] == 1  # at once, from the pending event
    assert status("claude-code")["pending"]
    tracker("flush", cwd=repo)
    record = stored(keys.commit(str(repo), work))
    assert record is not None and record["agent_id"] == "codex"
    assert record["evidence"] == ["set by the user (`agent-git-tracker reassign`)"]
    assert record["assigned"]["before"]["agent_id"] == "claude-code"  # type: ignore[index]
    assert status("claude-code")["total_commits"] == 0
    assert status("codex")["total_commits"] == 1
    assert stored(keys.retrospective("codex", str(repo), work)) is not None  # grades follow
    assert stored(keys.retrospective("claude-code", str(repo), work)) is None
    report = json.loads(tracker("report", "--json").stdout)
    agents = {row["agent"]: row["commits"] for row in report["rows"]}
    assert agents.get("codex") == 1 and "claude-code" not in agents
    tracker("reassign", mine, "--human", cwd=repo)  # already a person's: still set by the user
    tracker("reassign", work, "--human", cwd=repo)
    tracker("flush", cwd=repo)
    assert stored(keys.commit(str(repo), work))["kind"] == "human"  # type: ignore[index]
    assert status("codex")["total_commits"] == 0


def test_what_the_user_set_beats_later_scans_and_hook_events(repo: Path, db_path: Path) -> None:
    (repo / ".git" / "hooks" / "post-commit").unlink()  # made before the hooks were there
    scanned = commit(repo, f"from the history\n\n{CLAUDE}")
    tracker("scan", cwd=repo)  # recorded from its text: claude-code
    assert stored(keys.commit(str(repo), scanned))["agent_id"] == "claude-code"  # type: ignore[index]
    tracker("reassign", scanned, "--agent", "aider", cwd=repo)
    tracker("flush", cwd=repo)
    tracker("scan", cwd=repo)
    assert stored(keys.commit(str(repo), scanned))["agent_id"] == "aider"  # type: ignore[index]
    # A hook event for the same commit arriving after (what the hooks saw beats a scan, but
    # not what the user set) does not override it either.
    tracker("hook", "post-commit", cwd=repo, env={"CLAUDECODE": "1"})
    tracker("flush", cwd=repo)
    assert stored(keys.commit(str(repo), scanned))["agent_id"] == "aider"  # type: ignore[index]
    git(repo, "commit", "-q", "--amend", "-m", "from the history, amended")
    amended = git(repo, "rev-parse", "HEAD").strip()
    tracker("flush", cwd=repo)
    assert stored(keys.commit(str(repo), amended))["agent_id"] == "aider"  # type: ignore[index]


def test_reassign_checks_what_it_is_given(repo: Path, db_path: Path) -> None:
    head = commit(repo, "one")
    both = tracker("reassign", head, "--agent", "codex", "--human", cwd=repo, check=False)
    assert both.returncode == 2 and "--human" in both.stderr
    model = tracker("reassign", head, "--human", "--model", "x", cwd=repo, check=False)
    assert model.returncode == 2
    git(repo, "commit", "-q", "--allow-empty", "--no-verify", "-m", "two")
    (repo / ".git" / "hooks" / "post-commit").unlink()
    git(repo, "commit", "-q", "--allow-empty", "-m", "never recorded")
    missing = tracker("reassign", "HEAD", "--agent", "codex", cwd=repo, check=False)
    assert missing.returncode == 2 and "agent-git-tracker scan" in missing.stderr
