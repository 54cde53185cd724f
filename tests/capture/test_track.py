"""Agent-side events (`track`) and the README's configuration examples."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from agent_git_tracker.config.settings import load, read_file
from agent_git_tracker.ledger.flush import flush_repo
from agent_git_tracker.store import keys
from agent_git_tracker.store.db import open_store

from conftest import commit, tracker

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
BIN = str(Path(sys.executable).parent)


def stored(prefix: str) -> dict[str, dict[str, object]]:
    with open_store(load()) as store, store.reading() as view:
        return dict(view.scan(prefix))


def test_tool_and_command_events_wait_for_a_flush(repo: Path, db_path: Path) -> None:
    commit(repo, "one", env={"CLAUDECODE": "1"})
    tracker("flush", cwd=repo)
    before = db_path.read_bytes()
    for _ in range(5):
        tracker("track", "tool", "--agent", "claude-code", "--tool", "Edit", cwd=repo)
    tracker("track", "command", "--agent", "claude-code", "--name", "pytest", cwd=repo)
    tracker("track", "command", "--agent", "claude-code", "--failed", cwd=repo)
    assert db_path.read_bytes() == before  # nothing written until a flush
    spool_dir = next(Path(f"{db_path}-spool").iterdir())
    with open_store(load()) as store:
        result = flush_repo(store, str(spool_dir))
    # 7 events: one agent put and one usage put (and the batch marker), however many events.
    assert result.events == 7 and result.puts == 3
    agent = stored("agent:")[keys.agent("claude-code")]
    assert agent["tool_uses"] == 5 and agent["commands"] == 2 and agent["failed_commands"] == 1
    assert (agent["skill_points"], agent["experience_points"]) == (2, 2)  # 5 + 5×1 + 2 = 12


def test_track_never_fails_the_agent(repo: Path, tmp_path: Path) -> None:
    result = tracker("track", "tool", cwd=repo, check=False)  # no agent, no session
    assert result.returncode == 0 and result.stderr.count("\n") == 1
    assert "--agent" in result.stderr
    outside = tracker("track", "command", "--agent", "x", cwd=tmp_path, check=False)
    assert outside.returncode == 0 and "warning" in outside.stderr
    strict = tracker("track", "tool", "--strict", cwd=repo, check=False)
    assert strict.returncode == 1


def test_track_uses_the_session_agent_and_its_setup(repo: Path, db_path: Path) -> None:
    tracker("session", "start", "--agent", "opencode", "--model", "m", "--setup", "s", cwd=repo)
    tracker("track", "tool", "--tool", "read", cwd=repo)
    tracker("session", "end", cwd=repo)
    usage = next(iter(stored("usage:").values()))
    assert usage["agent_id"] == "opencode" and usage["setups"] == {"m|s": {"tool_uses": 1}}


# The README's agent snippets are what `wire` writes: tests/hooks/test_wire.py runs them.


def test_readme_configuration_examples_are_valid(tmp_path: Path) -> None:
    blocks = re.findall(r"```toml\n(.*?)```", README, re.S)
    assert len(blocks) >= 2
    for n, block in enumerate(blocks):
        path = tmp_path / f"c{n}.toml"
        path.write_text(block)
        read_file(path)
    config = tmp_path / "all.toml"
    config.write_text("".join(reversed(blocks)))
    env = {"AGENT_TRACKER_CONFIG": str(config), "HOME": os.environ["HOME"]}
    loaded = load(environ=env)
    assert loaded.max_database_size == 1024**3 and loaded.rules.commit_experience == 5


def test_track_with_a_broken_config_file_still_never_fails(repo: Path, hermetic: Path) -> None:
    config = hermetic / ".config" / "agent-git-tracker" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("colour = 'blue'\n")
    # `--tool=Edit` takes the full command line rather than the lean path.
    result = tracker("track", "tool", "--agent", "a", "--tool=Edit", cwd=repo, check=False)
    assert result.returncode == 0 and result.stderr.count("\n") == 1
    assert "unknown key 'colour'" in result.stderr
