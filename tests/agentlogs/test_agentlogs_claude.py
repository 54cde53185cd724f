"""Claude Code transcripts, written under the private HOME in Claude Code's own layout."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from agent_git_tracker.agentlogs import claude_code
from agent_git_tracker.agentlogs.base import Mention, Turn, parse_time

SESSION = "5b539e53-47c8-4996-bc4e-3896a787c8ab"
CWD = "/home/ada/app"


def line(record: dict[str, Any]) -> str:
    return json.dumps(record, separators=(",", ":")) + "\n"


def header(kind: str, stamp: str, **extra: Any) -> dict[str, Any]:
    return {
        "parentUuid": None,
        "isSidechain": False,
        "userType": "external",
        "cwd": CWD,
        "sessionId": SESSION,
        "version": "2.0.76",
        "gitBranch": "main",
        "type": kind,
        **extra,
        "uuid": f"u-{stamp}",
        "timestamp": f"2026-11-02T10:{stamp}.000Z",
    }


def prompt(stamp: str, words: str) -> str:
    return line(header("user", stamp, message={"role": "user", "content": words}))


def response(
    stamp: str,
    message_id: str,
    request_id: str | None,
    usage: dict[str, int],
    model: str = "claude-opus-4-5-20251101",
    **extra: Any,
) -> str:
    message = {
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": "Working on it."}],
        "stop_reason": None,
        "usage": usage,
    }
    record = header("assistant", stamp, message=message, **extra)
    if request_id:
        record["requestId"] = request_id
    return line(record)


def tool_output(stamp: str, output: str) -> str:
    content = [{"tool_use_id": "toolu_1", "type": "tool_result", "content": output}]
    return line(
        header(
            "user",
            stamp,
            message={"role": "user", "content": content},
            toolUseResult={"stdout": output, "stderr": "", "interrupted": False},
        )
    )


def usage(inp: int, out: int, write: int = 0, read: int = 0) -> dict[str, int]:
    return {
        "input_tokens": inp,
        "cache_creation_input_tokens": write,
        "cache_read_input_tokens": read,
        "output_tokens": out,
    }


def project_dir(home: Path) -> Path:
    folder = home / ".claude" / "projects" / "-home-ada-app"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def turn(stamp: str, key: str, inp: int, read: int, write: int, out: int, **extra: Any) -> Turn:
    return Turn(
        agent="claude-code",
        session_id=SESSION,
        key=key,
        time=parse_time(f"2026-11-02T10:{stamp}.000Z") or 0.0,
        model=extra.pop("model", "claude-opus-4-5-20251101"),
        cwd=CWD,
        git_branch="main",
        input_tokens=inp,
        cached_input_tokens=read,
        cache_write_tokens=write,
        output_tokens=out,
        **extra,
    )


def test_turns_and_tokens_are_exact(hermetic: Path) -> None:
    transcript = project_dir(hermetic) / f"{SESSION}.jsonl"
    transcript.write_text(
        prompt("00:00", "Fix the failing test")
        + response("00:05", "msg_01", "req_01", usage(3, 10, write=2000, read=12000))
        + response(
            "01:00", "msg_02", "req_02", usage(5, 420, read=14000), model="claude-sonnet-4-5"
        )
        + line({"type": "summary", "summary": "Fixing a test", "leafUuid": "u-01:00"})
    )
    (root,) = claude_code.roots({}, hermetic)
    result = claude_code.read(root, None)
    assert result.turns == (
        turn("00:05", "msg_01", 3, 12000, 2000, 10),
        turn("01:00", "msg_02", 5, 14000, 0, 420, model="claude-sonnet-4-5"),
    )
    assert result.mentions == ()
    assert result.skipped == {}


def test_streamed_copies_and_replays_count_once(hermetic: Path) -> None:
    folder = project_dir(hermetic)
    (folder / f"{SESSION}.jsonl").write_text(
        # One response, written once per content block as it streams: same id and request.
        response("00:05", "msg_01", "req_01", usage(3, 1, write=100, read=5000))
        + response("00:06", "msg_01", "req_01", usage(3, 250, write=100, read=5000))
        + response("00:09", "msg_02", "req_02", usage(4, 30, read=5100))
    )
    side = folder / SESSION / "subagents"
    side.mkdir(parents=True)
    (side / "agent-a1b2.jsonl").write_text(
        # A /btw side question replays msg_01 under a new request id, then answers.
        response("00:40", "msg_01", "req_99", usage(3, 250, write=100, read=5000), isSidechain=True)
        + response("00:41", "msg_03", "req_03", usage(2, 40, read=5000), isSidechain=True)
    )
    (root,) = claude_code.roots({}, hermetic)
    turns = {t.key: t for t in claude_code.read(root, None).turns}
    assert sorted(turns) == ["msg_01", "msg_02", "msg_03"]
    assert turns["msg_01"] == turn("00:06", "msg_01", 3, 5000, 100, 250)
    assert turns["msg_03"].sidechain
    assert sum(t.total_tokens for t in turns.values()) == 5353 + 5134 + 5042


def test_synthetic_and_unknown_lines(hermetic: Path) -> None:
    transcript = project_dir(hermetic) / f"{SESSION}.jsonl"
    transcript.write_text(
        response("00:01", "msg_x", None, usage(0, 0), model="<synthetic>")
        + '{"type":"assistant","message":{"usage":{"input_tokens":3,\n'  # cut short
        + line(header("assistant", "00:03", message={"usage": "none"}))
        + line(
            header("user", "00:04", toolUseResult={"usage": {"input_tokens": 9}}, message={})
        )  # a sub-agent's totals inside a tool result: not a response
        + response("00:05", "msg_01", "req_01", usage(3, 10))
    )
    (root,) = claude_code.roots({}, hermetic)
    result = claude_code.read(root, None)
    assert [t.key for t in result.turns] == ["msg_01"]
    assert result.skipped == {"not json": 1, "unexpected shape": 1}


def test_commit_hashes_in_tool_output(hermetic: Path) -> None:
    transcript = project_dir(hermetic) / f"{SESSION}.jsonl"
    transcript.write_text(
        tool_output(
            "02:00", "[main 1a2b3c4] Fix the failing test\n 1 file changed, 2 insertions(+)"
        )
        + tool_output("03:00", "commit " + "9f" * 20 + "\nAuthor: Ada <ada@example.com>\n")
        + tool_output("04:00", "values[0] = 1 and nothing to commit here")
    )
    (root,) = claude_code.roots({}, hermetic)
    result = claude_code.read(root, None)
    assert result.mentions == (
        Mention("claude-code", SESSION, "1a2b3c4", parse_time("2026-11-02T10:02:00Z") or 0),
        Mention("claude-code", SESSION, "9f" * 20, parse_time("2026-11-02T10:03:00Z") or 0),
    )


def test_incremental_reads(hermetic: Path) -> None:
    transcript = project_dir(hermetic) / f"{SESSION}.jsonl"
    transcript.write_text(
        prompt("00:00", "go") + response("00:05", "msg_01", "req_01", usage(3, 10))
    )
    (root,) = claude_code.roots({}, hermetic)
    first = claude_code.read(root, None)
    assert len(first.turns) == 1

    again = claude_code.read(root, json.loads(json.dumps(first.cursor)))
    assert again.turns == () and again.mentions == ()
    assert again.cursor == first.cursor

    appended = response("00:09", "msg_02", "req_02", usage(4, 20))
    with transcript.open("a") as stream:
        stream.write(appended[:40])  # Claude Code is still writing the line
    partial = claude_code.read(root, again.cursor)
    assert partial.turns == () and partial.skipped == {}
    with transcript.open("a") as stream:
        stream.write(appended[40:])
    last = claude_code.read(root, partial.cursor)
    assert [t.key for t in last.turns] == ["msg_02"]
    assert claude_code.read(root, last.cursor).turns == ()


def test_a_rewritten_file_is_read_again(hermetic: Path) -> None:
    transcript = project_dir(hermetic) / f"{SESSION}.jsonl"
    transcript.write_text(response("00:05", "msg_01", "req_01", usage(3, 10)))
    (root,) = claude_code.roots({}, hermetic)
    first = claude_code.read(root, None)
    replacement = transcript.with_suffix(".tmp")
    replacement.write_text(response("00:05", "msg_07", "req_07", usage(1, 1)))
    replacement.rename(transcript)
    assert [t.key for t in claude_code.read(root, first.cursor).turns] == ["msg_07"]


def test_roots(hermetic: Path) -> None:
    assert claude_code.roots({}, hermetic) == []
    assert claude_code.read(hermetic / ".claude" / "projects", None).turns == ()
    (hermetic / ".config" / "claude" / "projects").mkdir(parents=True)
    (hermetic / ".claude" / "projects").mkdir(parents=True)
    assert claude_code.roots({}, hermetic) == [
        hermetic / ".config" / "claude" / "projects",
        hermetic / ".claude" / "projects",
    ]
    other = hermetic / "work-claude"
    (other / "projects").mkdir(parents=True)
    environ = {"CLAUDE_CONFIG_DIR": f"{other}, ~/.claude, {hermetic}/missing"}
    assert claude_code.roots(environ, hermetic) == [
        other / "projects",
        hermetic / ".claude" / "projects",
    ]
