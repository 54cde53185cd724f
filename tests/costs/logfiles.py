"""Agents' logs as the agents write them (each in its own layout and format, as the readers'
tests in `tests/agentlogs/` show), under the test's private HOME; and commits at set times."""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agent_git_tracker.config.settings import load
from agent_git_tracker.store import keys
from agent_git_tracker.store.db import open_store

from conftest import commit

OPUS = "claude-opus-4-5-20251101"
# A moment three days ago, on a whole minute: commits and turns are placed around it.
T = float(int(time.time() - 3 * 86400) // 60 * 60)


def iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


def dated(at: float, **env: str) -> dict[str, str]:
    stamp = f"@{int(at)} +0000"
    return {"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp, **env}


def commit_at(repo: Path, at: float, message: str = "change", **env: str) -> str:
    """A real commit made at `at` (epoch seconds), with `env` (an agent's markers)."""
    name = f"f{int(at)}-{len(list(repo.iterdir()))}.txt"
    return commit(repo, message, {name: f"{message}\n"}, env=dated(at, **env))


def append(path: Path, *lines: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as stream:
        stream.write("".join(lines))


def _line(record: dict[str, Any]) -> str:
    return json.dumps(record, separators=(",", ":")) + "\n"


# --- Claude Code: ~/.claude/projects/<folder>/<session>.jsonl ----------------------------------


def claude_transcript(home: Path, session: str, slug: str = "-work-app") -> Path:
    return home / ".claude" / "projects" / slug / f"{session}.jsonl"


def claude_response(
    session: str,
    cwd: Path,
    at: float,
    message_id: str,
    tokens: tuple[int, int, int, int],
    model: str = OPUS,
) -> str:
    """One response: (input, output, cache write, cache read) tokens."""
    inp, out, write, read = tokens
    message = {
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": "Working on it."}],
        "stop_reason": None,
        "usage": {
            "input_tokens": inp,
            "cache_creation_input_tokens": write,
            "cache_read_input_tokens": read,
            "output_tokens": out,
        },
    }
    return _line(
        {
            "parentUuid": None,
            "isSidechain": False,
            "userType": "external",
            "cwd": str(cwd),
            "sessionId": session,
            "version": "2.0.76",
            "gitBranch": "main",
            "type": "assistant",
            "message": message,
            "requestId": f"req_{message_id}",
            "uuid": f"u-{message_id}",
            "timestamp": iso(at),
        }
    )


def claude_tool_output(session: str, cwd: Path, at: float, output: str) -> str:
    content = [{"tool_use_id": "toolu_1", "type": "tool_result", "content": output}]
    return _line(
        {
            "cwd": str(cwd),
            "sessionId": session,
            "type": "user",
            "message": {"role": "user", "content": content},
            "toolUseResult": {"stdout": output, "stderr": "", "interrupted": False},
            "timestamp": iso(at),
        }
    )


# --- Codex CLI: ~/.codex/sessions/YYYY/MM/DD/rollout-<time>-<session>.jsonl ---------------------


def codex_rollout(home: Path, session: str) -> Path:
    return home / ".codex" / "sessions" / "2026" / "11" / "02" / f"rollout-x-{session}.jsonl"


def _codex(at: float, kind: str, payload: dict[str, Any]) -> str:
    return _line({"timestamp": iso(at), "type": kind, "payload": payload})


def codex_start(session: str, cwd: Path, at: float, model: str = "gpt-5.1-codex") -> str:
    meta = {
        "id": session,
        "timestamp": iso(at),
        "cwd": str(cwd),
        "originator": "codex_cli_rs",
        "cli_version": "0.58.0",
        "source": "cli",
        "model_provider": "openai",
        "git": {"commit_hash": "0" * 40, "branch": "main", "repository_url": None},
    }
    context = {"cwd": str(cwd), "approval_policy": "on-request", "model": model}
    return _codex(at, "session_meta", meta) + _codex(at, "turn_context", context)


def codex_tokens(at: float, last: tuple[int, int, int, int], total: tuple[int, ...]) -> str:
    """A `token_count` event: (input with cached, cached, output, reasoning), last and total."""

    def usage(values: tuple[int, ...]) -> dict[str, int]:
        inp, cached, out, reasoning = values
        return {
            "input_tokens": inp,
            "cached_input_tokens": cached,
            "output_tokens": out,
            "reasoning_output_tokens": reasoning,
            "total_tokens": inp + out,
        }

    info = {"last_token_usage": usage(last), "total_token_usage": usage(total)}
    return _codex(at, "event_msg", {"type": "token_count", "info": info})


# --- Gemini CLI: ~/.gemini/tmp/<project>/chats/session-*.jsonl -----------------------------


def gemini_chat(home: Path, cwd: Path, session: str) -> Path:
    project = home / ".gemini" / "tmp" / cwd.name
    (project / "chats").mkdir(parents=True, exist_ok=True)
    (project / ".project_root").write_text(str(cwd))
    return project / "chats" / f"session-{session[:8]}.jsonl"


def gemini_start(session: str, at: float) -> str:
    return _line(
        {"sessionId": session, "projectHash": "9c5a" * 16, "startTime": iso(at), "kind": "main"}
    )


def gemini_answer(message_id: str, at: float, inp: int, out: int) -> str:
    tokens = {"input": inp, "output": out, "cached": 0, "thoughts": 0, "tool": 0}
    tokens["total"] = inp + out
    record = {
        "id": message_id,
        "timestamp": iso(at),
        "type": "gemini",
        "content": "Done.",
        "tokens": tokens,
        "model": "gemini-2.5-pro",
    }
    return _line(record)


# --- OpenCode: ~/.local/share/opencode/opencode.db (SQLite, WAL) -------------------------------

OPENCODE_SCHEMA = """
CREATE TABLE IF NOT EXISTS message (
  id TEXT PRIMARY KEY, session_id TEXT NOT NULL,
  time_created INTEGER NOT NULL, time_updated INTEGER NOT NULL, data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS part (
  id TEXT PRIMARY KEY, message_id TEXT NOT NULL, session_id TEXT NOT NULL,
  time_created INTEGER NOT NULL, time_updated INTEGER NOT NULL, data TEXT NOT NULL
);
"""


def opencode_message(
    home: Path, session: str, message_id: str, cwd: Path, at: float, inp: int, out: int
) -> None:
    folder = home / ".local" / "share" / "opencode"
    folder.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(folder / "opencode.db", isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode = WAL")
        con.executescript(OPENCODE_SCHEMA)
        millis = int(at * 1000)
        data = {
            "role": "assistant",
            "time": {"created": millis - 500, "completed": millis},
            "modelID": "claude-sonnet-4-5",
            "providerID": "anthropic",
            "path": {"cwd": str(cwd), "root": str(cwd)},
            "tokens": {
                "input": inp,
                "output": out,
                "reasoning": 0,
                "cache": {"read": 0, "write": 0},
            },
        }
        con.execute(
            "INSERT INTO message VALUES (?, ?, ?, ?, ?)",
            (message_id, session, millis - 500, millis, json.dumps(data)),
        )
    finally:
        con.close()


# --- the database --------------------------------------------------------------------------


def record(repo: Path, commit_hash: str) -> dict[str, Any]:
    with open_store(load()) as store, store.reading() as view:
        found = view.get(keys.commit(str(repo), commit_hash))
    assert isinstance(found, dict), f"commit {commit_hash[:8]} is not recorded"
    return found


def digest_of(repo: Path, commit_hash: str) -> list[Any]:
    with open_store(load()) as store, store.reading() as view:
        found = view.get(keys.digest(str(repo), commit_hash))
    assert isinstance(found, list)
    return found


def everything() -> dict[str, Any]:
    """Every record but the flush bookkeeping and project profiles (which note times)."""
    with open_store(load()) as store, store.reading() as view:
        return {k: v for k, v in view.scan("") if not k.startswith(("meta:batch:", "project:"))}
