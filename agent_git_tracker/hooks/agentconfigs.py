"""What `wire` writes for each agent, in the agent's own current format.

- Claude Code, `settings.json` hooks (docs: code.claude.com/docs/en/hooks): `SessionStart` and
  `SessionEnd` pass JSON on stdin (session id, transcript path, cwd, model), which `session
  start` reads; `PostToolUse` / `PostToolUseFailure` count tool uses.
- Codex, `hooks.json` (openai/codex, `codex-rs/hooks`): `SessionStart` passes session id,
  transcript path, cwd and model on stdin; `PostToolUse`; `SessionEnd` where Codex has it (a
  Codex without that event ignores the entry: its commits still carry its `CODEX_*` markers,
  so a session it never ends claims no other terminal's commits). Codex runs only the hooks
  the user reviewed and trusted (`/hooks`), and a project's hooks only in a trusted project.
- OpenCode, a plugin of its API version 2 (a default export `{ id, setup(ctx) }`; version 2
  no longer loads version-1 plugins), in `.opencode/plugins/agent-git-tracker/`: it starts a
  session when OpenCode starts and when it works again after going idle, counts tool uses,
  and ends the session when OpenCode goes idle or exits.

The README shows these very texts; `tests/hooks/test_wire.py` keeps the two the same.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

AGENTS = ("claude-code", "codex", "opencode")
TRACKER = "agent-git-tracker"


def _command(command: str) -> dict[str, str]:
    return {"type": "command", "command": command}


_IN_PROJECT = 'cd "$CLAUDE_PROJECT_DIR" && '
CLAUDE_HOOKS: dict[str, list[dict[str, Any]]] = {
    "SessionStart": [
        {"hooks": [_command(f"{TRACKER} session start --agent claude-code --setup default")]}
    ],
    "PostToolUse": [
        {
            "matcher": "*",
            "hooks": [_command(f"{_IN_PROJECT}{TRACKER} track tool --agent claude-code")],
        }
    ],
    "PostToolUseFailure": [
        {
            "matcher": "*",
            "hooks": [_command(f"{_IN_PROJECT}{TRACKER} track tool --agent claude-code --failed")],
        }
    ],
    "SessionEnd": [{"hooks": [_command(f"{TRACKER} session end")]}],
}

CODEX_HOOKS: dict[str, list[dict[str, Any]]] = {
    "SessionStart": [
        {
            "matcher": "startup|resume|clear",
            "hooks": [_command(f"{TRACKER} session start --agent codex --setup default")],
        }
    ],
    "PostToolUse": [{"hooks": [_command(f"{TRACKER} track tool --agent codex")]}],
    "SessionEnd": [{"hooks": [_command(f"{TRACKER} session end")]}],
}

PLUGIN_MARK = "// agent-git-tracker: OpenCode's sessions and tool uses"
OPENCODE_PLUGIN = f"""{PLUGIN_MARK}, for `agent-git-tracker report`.
// Written by `agent-git-tracker wire opencode` (OpenCode plugin API version 2): run it again
// to update this file. Each call appends one event to the tracker's spool and never fails.
import {{ spawn }} from "node:child_process"

const tracker = (cwd, args) =>
  new Promise((resolve) => {{
    const child = spawn("agent-git-tracker", args, {{ cwd, stdio: "ignore" }})
    child.on("error", resolve)
    child.on("close", resolve)
  }})

export default {{
  id: "agent-git-tracker",
  async setup(ctx) {{
    const cwd = ctx.location?.directory ?? process.cwd()
    let active = false
    const start = async () => {{
      if (active) return
      active = true
      await tracker(cwd, ["session", "start", "--agent", "opencode", "--setup", "default"])
    }}
    const end = async () => {{
      if (!active) return
      active = false
      await tracker(cwd, ["session", "end"])
    }}
    await start()
    await ctx.tool.hook("execute.before", start)
    await ctx.tool.hook("execute.after", async (event) => {{
      const args = ["track", "tool", "--agent", "opencode", "--tool", String(event.tool)]
      await tracker(cwd, event.status === "error" ? [...args, "--failed"] : args)
    }})
    const idle = (event) =>
      event.type === "session.idle" ||
      (event.type === "session.status" && event.properties?.status?.type === "idle")
    const watch = async () => {{
      for await (const event of ctx.event.subscribe()) if (idle(event)) await end()
    }}
    watch().catch(() => {{}})
    return end
  }},
}}
"""


@dataclass(frozen=True)
class Wiring:
    """One agent's configuration file and what goes into it."""

    agent: str
    path: Path
    kind: str  # "hooks-json" (merged into a JSON object's `hooks`) or "file" (ours whole)
    hooks: dict[str, list[dict[str, Any]]] | None = None
    text: str = ""
    note: str = ""


def wiring(agent: str, user: bool, project: Path, home: Path) -> Wiring:
    """Where `agent` keeps the configuration `wire` writes, per project or for the user."""
    if agent == "claude-code":
        base = home / ".claude" if user else project / ".claude"
        return Wiring(agent, base / "settings.json", "hooks-json", CLAUDE_HOOKS)
    if agent == "codex":
        codex_home = os.environ.get("CODEX_HOME", "")
        base = (Path(codex_home) if codex_home else home / ".codex") if user else project / ".codex"
        note = (
            "Codex runs only the hooks you have reviewed and trusted: open `/hooks` in Codex "
            "and trust these" + ("" if user else ", in a project you trust")
        )
        return Wiring(agent, base / "hooks.json", "hooks-json", CODEX_HOOKS, note=note)
    if agent == "opencode":
        config = os.environ.get("XDG_CONFIG_HOME", "")
        root = (Path(config) if os.path.isabs(config) else home / ".config") / "opencode"
        base = root if user else project / ".opencode"
        path = base / "plugins" / TRACKER / "index.js"
        return Wiring(agent, path, "file", text=OPENCODE_PLUGIN, note="restart OpenCode")
    raise ValueError(agent)


def snippet(agent: str) -> str:
    """The text the README shows for `agent`: what `wire` writes into an empty place."""
    if agent == "opencode":
        return OPENCODE_PLUGIN
    return dump({"hooks": CLAUDE_HOOKS if agent == "claude-code" else CODEX_HOOKS})


def dump(value: Any, level: int = 0) -> str:
    """JSON for a person: objects and lists opened three levels deep (the events' lists of
    groups), each deeper value on one line."""
    pad, inner = "  " * level, "  " * (level + 1)
    if level < 3 and isinstance(value, dict) and value:
        items = (f"{inner}{json.dumps(k, ensure_ascii=False)}: {dump(v, level + 1)}"
                 for k, v in value.items())  # fmt: skip
        return "{\n" + ",\n".join(items) + f"\n{pad}}}" + ("\n" if not level else "")
    if level < 3 and isinstance(value, list) and value:
        items = (f"{inner}{dump(v, level + 1)}" for v in value)
        return "[\n" + ",\n".join(items) + f"\n{pad}]"
    return json.dumps(value, ensure_ascii=False)
