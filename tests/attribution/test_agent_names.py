"""A name close to a known agent id is accepted as given, with a warning naming the known id,
wherever a name enters: `session start --agent`, `track --agent`, AGENT_TRACKER_AGENT."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_git_tracker.attribution.agents import AGENT_IDS, known_agent_near, near_known_warning
from agent_git_tracker.config.settings import load
from agent_git_tracker.store import keys
from agent_git_tracker.store.db import open_store

from conftest import commit, tracker


@pytest.mark.parametrize(
    ("name", "known"),
    [
        ("claude", "claude-code"),
        ("Claude Code", "claude-code"),
        ("Claude-Code", "claude-code"),
        ("claude_code", "claude-code"),
        ("cluade-code", "claude-code"),
        ("codex-cli", "codex"),
        ("Codex", "codex"),
        ("OpenAI Codex", "codex"),
        ("open-code", "opencode"),
        ("OpenCode", "opencode"),
        ("gemini", "gemini-cli"),
        ("GitHub Copilot", "copilot"),
        ("cursor-agent", "cursor"),
        ("devin-ai", "devin"),
    ],
)
def test_names_close_to_a_known_id(name: str, known: str) -> None:
    assert known_agent_near(name) == known


@pytest.mark.parametrize(
    "name",
    [*AGENT_IDS, "my-bot", "sentry-junior", "seer", "house-agent", "kimi", "", None, "human"],
)
def test_known_ids_and_other_names_need_no_warning(name: str | None) -> None:
    assert known_agent_near(name) is None
    assert near_known_warning(name, "--agent") is None


def test_the_warning_names_the_known_id_and_keeps_the_name() -> None:
    warning = near_known_warning("claude", "--agent")
    assert warning is not None
    assert "'claude-code'" in warning and "recorded as 'claude', as given" in warning
    assert "\x1b" not in (near_known_warning("claude\x1b[31m", "--agent") or "")


def test_session_start_warns_and_keeps_the_name(repo: Path) -> None:
    started = tracker("session", "start", "--agent", "Claude Code", cwd=repo)
    assert "'claude-code'" in started.stderr
    assert "session started: Claude Code" in started.stdout
    quiet = tracker("session", "start", "--agent", "claude-code", cwd=repo)
    assert quiet.stderr == ""


def test_track_warns_and_records_the_name(repo: Path) -> None:
    tracked = tracker("track", "tool", "--agent", "codex-cli", "--tool", "Edit", cwd=repo)
    assert "'codex'" in tracked.stderr and "nothing is lost" not in tracked.stderr
    assert tracker("track", "tool", "--agent", "codex", cwd=repo).stderr == ""
    tracker("flush", cwd=repo)
    with open_store(load()) as store, store.reading() as view:
        assert view.get(keys.agent("codex-cli"))["tool_uses"] == 1


def test_agent_tracker_agent_warns_at_flush_once(repo: Path) -> None:
    first = commit(repo, "one", env={"AGENT_TRACKER_AGENT": "claude"})
    commit(repo, "two", env={"AGENT_TRACKER_AGENT": "claude"})
    flushed = tracker("flush", cwd=repo)
    assert flushed.stdout.count("looks like the known agent id 'claude-code'") == 1
    with open_store(load()) as store, store.reading() as view:
        assert view.get(keys.commit(str(repo), first))["agent_id"] == "claude"
