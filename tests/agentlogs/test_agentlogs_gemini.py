"""Gemini CLI chats, written under the private HOME in Gemini CLI's own layout and format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from agent_git_tracker.agentlogs import gemini
from agent_git_tracker.agentlogs.base import Mention, Turn, parse_time

SESSION = "2f0c4b8e-61a3-4d55-9b0e-7c1d2e3f4a5b"
CWD = "/home/ada/app"


def line(record: dict[str, Any]) -> str:
    return json.dumps(record, separators=(",", ":")) + "\n"


def stamp(clock: str) -> str:
    return f"2026-11-02T10:{clock}.000Z"


def chats(home: Path, slug: str = "app") -> Path:
    project = home / ".gemini" / "tmp" / slug
    (project / "chats").mkdir(parents=True, exist_ok=True)
    (project / ".project_root").write_text(CWD)
    return project / "chats"


def metadata() -> str:
    return line(
        {
            "sessionId": SESSION,
            "projectHash": "9c5a" * 16,
            "startTime": stamp("00:00"),
            "lastUpdated": stamp("00:00"),
            "kind": "main",
        }
    )


def answer(message_id: str, clock: str, tokens: dict[str, int] | None, **extra: Any) -> str:
    record = {
        "id": message_id,
        "timestamp": stamp(clock),
        "type": "gemini",
        "content": "Done.",
        "thoughts": [],
        "tokens": tokens,
        "model": "gemini-2.5-pro",
        **extra,
    }
    return line(record)


TOKENS = {
    "input": 12000,
    "output": 300,
    "cached": 8000,
    "thoughts": 120,
    "tool": 40,
    "total": 12460,
}


def expected(message_id: str = "m2", clock: str = "00:05") -> Turn:
    return Turn(
        agent="gemini-cli",
        session_id=SESSION,
        key=message_id,
        time=parse_time(stamp(clock)) or 0.0,
        model="gemini-2.5-pro",
        cwd=CWD,
        git_branch=None,
        input_tokens=4040,
        cached_input_tokens=8000,
        cache_write_tokens=0,
        output_tokens=420,
        reasoning_tokens=120,
    )


def shell_call(output: str) -> list[dict[str, Any]]:
    return [
        {
            "id": "run_shell_command-1",
            "name": "run_shell_command",
            "args": {"command": "git commit -am 'Fix'"},
            "result": [{"functionResponse": {"response": {"output": output}}}],
            "status": "success",
            "timestamp": stamp("00:04"),
        }
    ]


def test_turns_tokens_and_mentions(hermetic: Path) -> None:
    (chats(hermetic) / "session-2026-11-02T10-00-2f0c4b8e.jsonl").write_text(
        metadata()
        + line(
            {"id": "m1", "timestamp": stamp("00:01"), "type": "user", "content": [{"text": "go"}]}
        )
        + line({"$set": {"lastUpdated": stamp("00:01")}})
        + answer("m2", "00:05", None, toolCalls=shell_call("[main 77aa88b] Fix\n"))
        + answer("m2", "00:05", TOKENS, toolCalls=shell_call("[main 77aa88b] Fix\n"))
        + line({"$rewindTo": "m2"})
    )
    (root,) = gemini.roots({}, hermetic)
    result = gemini.read(root, None)
    assert result.turns == (expected(),)
    assert result.mentions == (
        Mention("gemini-cli", SESSION, "77aa88b", parse_time(stamp("00:05")) or 0.0),
    )
    assert result.skipped == {}


def test_sub_agent_chat_belongs_to_its_parent(hermetic: Path) -> None:
    nested = chats(hermetic) / SESSION
    nested.mkdir()
    child = {"sessionId": "child-1", "projectHash": "9c5a" * 16, "kind": "subagent"}
    (nested / "child-1.jsonl").write_text(line(child) + answer("s1", "00:07", TOKENS))
    (root,) = gemini.roots({}, hermetic)
    assert gemini.read(root, None).turns == (expected("s1", "00:07"),)


def test_legacy_json_chat(hermetic: Path) -> None:
    record = {
        "sessionId": SESSION,
        "projectHash": "9c5a" * 16,
        "startTime": stamp("00:00"),
        "lastUpdated": stamp("00:05"),
        "messages": [json.loads(answer("m2", "00:05", TOKENS))],
    }
    (chats(hermetic) / "session-2026-11-02T10-00-2f0c4b8e.json").write_text(json.dumps(record))
    (root,) = gemini.roots({}, hermetic)
    first = gemini.read(root, None)
    assert first.turns == (expected(),)
    assert gemini.read(root, first.cursor).turns == ()


def test_malformed_line_and_incremental_reads(hermetic: Path) -> None:
    path = chats(hermetic) / "session-2026-11-02T10-00-2f0c4b8e.jsonl"
    path.write_text(metadata() + '{"id":"m9","type":"gemini","tokens":{"input"\n')
    (root,) = gemini.roots({}, hermetic)
    first = gemini.read(root, None)
    assert first.turns == () and first.skipped == {"not json": 1}
    assert gemini.read(root, first.cursor).skipped == {}
    with path.open("a") as stream:
        stream.write(answer("m2", "00:05", TOKENS))
    assert gemini.read(root, json.loads(json.dumps(first.cursor))).turns == (expected(),)


def test_roots(hermetic: Path) -> None:
    assert gemini.roots({}, hermetic) == []
    assert gemini.read(hermetic / ".gemini" / "tmp", None).turns == ()
    other = hermetic / "gemini-home"
    (other / ".gemini" / "tmp").mkdir(parents=True)
    assert gemini.roots({"GEMINI_CLI_HOME": str(other)}, hermetic) == [other / ".gemini" / "tmp"]
