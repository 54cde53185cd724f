"""`wire` writes each agent's own hook configuration: merged into the user's file (a backup
beside it), shown, idempotent; the README shows exactly what it writes, and every command in it
works as the agent runs it."""

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
from agent_git_tracker.hooks.agentconfigs import AGENTS, snippet
from agent_git_tracker.store import keys
from agent_git_tracker.store.db import open_store

from conftest import commit, tracker

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
BIN = str(Path(sys.executable).parent)
FILES = {
    "claude-code": ".claude/settings.json",
    "codex": ".codex/hooks.json",
    "opencode": ".opencode/plugins/agent-git-tracker/index.js",
}


def readme_block(title: str) -> str:
    match = re.search(rf'```\w+ title="{re.escape(title)}"\n(.*?)```', README, re.S)
    assert match, f"README has no snippet titled {title}"
    return match.group(1)


@pytest.mark.parametrize("agent", AGENTS)
def test_wire_into_an_empty_project_writes_the_readme_s_snippet(
    agent: str, repo: Path, db_path: Path
) -> None:
    out = tracker("wire", agent, cwd=repo).stdout
    path = repo / FILES[agent]
    assert f"wrote {path}" in out and "+" in out  # the change is shown
    assert path.read_text() == snippet(agent) == readme_block(FILES[agent])
    again = tracker("wire", agent, cwd=repo).stdout
    assert "nothing to change" in again and path.read_text() == snippet(agent)
    assert list(path.parent.glob("*.bak")) == []  # nothing changed, nothing backed up
    if agent == "codex":
        assert "/hooks" in out and "trust" in out


def test_wire_merges_into_an_existing_file_keeping_the_user_s_entries(
    repo: Path, db_path: Path
) -> None:
    settings = repo / ".claude" / "settings.json"
    settings.parent.mkdir()
    old_snippet = 'cd "$CLAUDE_PROJECT_DIR" && agent-git-tracker session start --agent claude-code'
    mine = {
        "permissions": {"allow": ["Bash(pytest:*)"]},
        "hooks": {
            "SessionStart": [
                {"hooks": [{"type": "command", "command": "echo welcome"}]},
                {"hooks": [{"type": "command", "command": old_snippet}]},
            ],
            "Stop": [{"hooks": [{"type": "command", "command": "notify-send done"}]}],
        },
    }
    settings.write_text(json.dumps(mine))
    dry = tracker("wire", "claude-code", "--dry-run", cwd=repo).stdout
    assert "dry run: nothing written" in dry and "+" in dry
    assert json.loads(settings.read_text()) == mine
    out = tracker("wire", "claude-code", cwd=repo).stdout
    written = json.loads(settings.read_text())
    assert written["permissions"] == mine["permissions"]
    assert written["hooks"]["Stop"] == mine["hooks"]["Stop"]
    starts = [h["command"] for g in written["hooks"]["SessionStart"] for h in g["hooks"]]
    assert starts == [
        "echo welcome",
        "agent-git-tracker session start --agent claude-code --setup default",
    ]
    assert set(written["hooks"]) == {
        "SessionStart", "PostToolUse", "PostToolUseFailure", "SessionEnd", "Stop"
    }  # fmt: skip
    backups = list(settings.parent.glob("settings.json.*.bak"))
    assert len(backups) == 1 and json.loads(backups[0].read_text()) == mine
    assert str(backups[0]) in out
    before = settings.read_text()
    assert "nothing to change" in tracker("wire", "claude-code", cwd=repo).stdout
    assert settings.read_text() == before and len(list(settings.parent.glob("*.bak"))) == 1


def test_wire_user_scope_and_refusals(
    repo: Path, db_path: Path, hermetic: Path, tmp_path: Path
) -> None:
    tracker("wire", "codex", "--user", cwd=tmp_path)
    assert (hermetic / ".codex" / "hooks.json").read_text() == snippet("codex")
    tracker("wire", "opencode", "--user", cwd=tmp_path)
    plugin = hermetic / ".config" / "opencode" / "plugins" / "agent-git-tracker" / "index.js"
    assert plugin.read_text() == snippet("opencode")
    outside = tracker("wire", "claude-code", cwd=tmp_path, check=False)
    assert outside.returncode == 2 and "--user" in outside.stderr
    broken = repo / ".codex" / "hooks.json"
    broken.parent.mkdir()
    broken.write_text("{not json")
    refused = tracker("wire", "codex", cwd=repo, check=False)
    assert refused.returncode == 2 and "not valid JSON" in refused.stderr
    assert broken.read_text() == "{not json"
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text("{}")
    (repo / ".claude").mkdir()
    (repo / ".claude" / "settings.json").symlink_to(elsewhere)
    link = tracker("wire", "claude-code", cwd=repo, check=False)
    assert link.returncode == 2 and "symlink" in link.stderr and elsewhere.read_text() == "{}"


def test_wire_opencode_moves_the_earlier_version_one_plugin_aside(
    repo: Path, db_path: Path
) -> None:
    old = repo / ".opencode" / "plugins" / "agent-git-tracker.js"
    old.parent.mkdir(parents=True)
    old.write_text("export const AgentGitTracker = async ({ $ }) => {\n"
                   "  const tracker = (args) => $`agent-git-tracker ${args}`\n}\n")  # fmt: skip
    report = json.loads(tracker("doctor", "--json", cwd=repo, check=False).stdout)
    assert any("API version 1" in p for p in report["problems"])
    out = tracker("wire", "opencode", cwd=repo).stdout
    assert not old.exists() and "moved the earlier plugin" in out
    assert len(list(old.parent.glob("agent-git-tracker.js.*.bak"))) == 1


def shell(command: str, cwd: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    path = BIN + os.pathsep + os.environ["PATH"]
    env = {**os.environ, "PATH": path, "CLAUDE_PROJECT_DIR": str(cwd)}
    return subprocess.run(
        ["sh", "-c", command], cwd=cwd, env=env, input=stdin, capture_output=True, text=True,
        check=False,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("agent", "marker"), [("claude-code", "CLAUDECODE"), ("codex", "CODEX_THREAD_ID")]
)
def test_the_wired_commands_work_as_the_agent_runs_them(
    agent: str, marker: str, repo: Path, db_path: Path
) -> None:
    hooks = json.loads(snippet(agent))["hooks"]
    start = {"session_id": f"{agent}-1", "cwd": str(repo), "model": "m-1", "transcript_path": "/t"}
    for event, groups in hooks.items():
        for command in (h["command"] for g in groups for h in g["hooks"]):
            stdin = json.dumps({**start, "hook_event_name": event}) if "session" in command else ""
            result = shell(command, repo.parent if "session" in command else repo, stdin)
            assert result.returncode == 0 and result.stdout == "", (command, result.stderr)
            if event == "SessionStart":
                commit(repo, "agent work", env={marker: "1"})
                commit(repo, "a person's work elsewhere")
    with open_store(load()) as store, store.reading() as view:
        agents = dict(view.scan("agent:"))
        commits = [v["agent_id"] for _, v in view.scan(keys.commit(str(repo), ""))]
    assert sorted(commits) == sorted([agent, "human"])
    record = agents[keys.agent(agent)]
    assert record["total_commits"] == 1 and record["model"] == "m-1"
    assert record.get("tool_uses", 0) >= 1


HARNESS = """
import { spawnSync } from "node:child_process"
import plugin from "./index.js"

let idle
const hooks = {}
const ctx = {
  location: { directory: process.argv[2] },
  tool: { hook: async (name, fn) => { hooks[name] = fn } },
  event: {
    subscribe: () => ({
      [Symbol.asyncIterator]: () => ({
        next: () => new Promise((resolve) => {
          idle = () => resolve({ value: { type: "session.idle" }, done: false })
        }),
      }),
    }),
  },
}
const cleanup = await plugin.setup(ctx)
await hooks["execute.before"]({ tool: "bash" })
spawnSync("git", ["commit", "-q", "--allow-empty", "-m", "opencode at work"], {
  cwd: process.argv[2], env: { ...process.env, OPENCODE: "1" },
})
await hooks["execute.after"]({ tool: "bash", status: "completed" })
await hooks["execute.after"]({ tool: "edit", status: "error" })
idle()
await new Promise((resolve) => setTimeout(resolve, 3000))
await cleanup()
"""


def test_the_opencode_plugin_runs_under_node_as_opencode_loads_it(
    repo: Path, db_path: Path, tmp_path: Path
) -> None:
    node = shutil.which("node")
    if not node:
        pytest.skip("node is not installed")
    folder = tmp_path / "plugin"
    folder.mkdir()
    (folder / "index.js").write_text(snippet("opencode"))
    (folder / "package.json").write_text('{"type": "module"}')
    (folder / "harness.mjs").write_text(HARNESS)
    index = str(folder / "index.js")
    check = subprocess.run([node, "--check", index], capture_output=True, check=False)
    assert check.returncode == 0, check.stderr
    env = {**os.environ, "PATH": BIN + os.pathsep + os.environ["PATH"]}
    ran = subprocess.run(
        [node, str(folder / "harness.mjs"), str(repo)], env=env, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    agent = json.loads(tracker("status", "opencode", "--json").stdout)
    assert agent["total_commits"] == 1 and agent["pending"] == []  # idle ended it: flushed
    assert agent["tool_uses"] == 2
    assert json.loads(tracker("session", "show", "--json", cwd=repo).stdout) is None
