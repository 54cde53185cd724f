"""Codex CLI rollouts, written under the private HOME in Codex's own layout and format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from agent_git_tracker.agentlogs import codex
from agent_git_tracker.agentlogs.base import Mention, parse_time, unique

SESSION = "019a9776-0a34-7842-8627-112b63d66e90"
CWD = "/home/ada/app"


def line(stamp: str, kind: str, payload: dict[str, Any]) -> str:
    record = {"timestamp": f"2026-11-02T10:{stamp}.000Z", "type": kind, "payload": payload}
    return json.dumps(record, separators=(",", ":")) + "\n"


def meta(stamp: str, session_id: str = SESSION, **source: Any) -> str:
    payload = {
        "id": session_id,
        "timestamp": f"2026-11-02T10:{stamp}.000Z",
        "cwd": CWD,
        "originator": "codex_cli_rs",
        "cli_version": "0.58.0",
        "instructions": None,
        "source": source or "cli",
        "model_provider": "openai",
        "git": {"commit_hash": "0" * 40, "branch": "main", "repository_url": None},
    }
    return line(stamp, "session_meta", payload)


def context(stamp: str, model: str) -> str:
    return line(
        stamp,
        "turn_context",
        {
            "cwd": CWD,
            "approval_policy": "on-request",
            "sandbox_policy": {"type": "workspace-write"},
            "model": model,
            "effort": "medium",
            "summary": "auto",
        },
    )


def tokens(inp: int, cached: int, out: int, reasoning: int) -> dict[str, int]:
    return {
        "input_tokens": inp,
        "cached_input_tokens": cached,
        "output_tokens": out,
        "reasoning_output_tokens": reasoning,
        "total_tokens": inp + out,
    }


def count(stamp: str, last: dict[str, int] | None, total: dict[str, int] | None) -> str:
    info: dict[str, Any] = {"model_context_window": 272000}
    if last is not None:
        info["last_token_usage"] = last
    if total is not None:
        info["total_token_usage"] = total
    limits = {"primary": {"used_percent": 7.0, "window_minutes": 300, "resets_at": 1}}
    return line(stamp, "event_msg", {"type": "token_count", "info": info, "rate_limits": limits})


def rollout(
    home: Path, name: str = "rollout-2026-11-02T10-00-00", folder: str = "sessions"
) -> Path:
    day = home / ".codex" / folder / "2026" / "11" / "02"
    day.mkdir(parents=True, exist_ok=True)
    return day / f"{name}-{SESSION}.jsonl"


def test_turns_split_cached_input(hermetic: Path) -> None:
    rollout(hermetic).write_text(
        meta("00:00")
        + context("00:01", "gpt-5.2-codex")
        + count("00:02", None, None).replace(
            '"info":{"model_context_window":272000}', '"info":null'
        )
        + count("00:10", tokens(12000, 10000, 800, 300), tokens(12000, 10000, 800, 300))
        + count("00:11", tokens(12000, 10000, 800, 300), tokens(12000, 10000, 800, 300))
        + context("00:20", "gpt-5.2")
        + count("00:30", tokens(15000, 14000, 100, 0), tokens(27000, 24000, 900, 300))
    )
    (root,) = [r for r in codex.roots({}, hermetic) if r.name == "sessions"]
    result = codex.read(root, None)
    assert [
        (t.model, t.input_tokens, t.cached_input_tokens, t.output_tokens, t.reasoning_tokens)
        for t in result.turns
    ] == [("gpt-5.2-codex", 2000, 10000, 800, 300), ("gpt-5.2", 1000, 14000, 100, 0)]
    first = result.turns[0]
    assert (first.session_id, first.cwd, first.git_branch) == (SESSION, CWD, "main")
    assert first.time == parse_time("2026-11-02T10:00:10Z")
    assert first.total_tokens == 12800
    assert result.skipped == {}


def test_totals_alone_give_the_differences(hermetic: Path) -> None:
    rollout(hermetic).write_text(
        meta("00:00")
        + context("00:01", "gpt-5-codex")
        + count("00:10", None, tokens(1000, 100, 200, 20))
        + count("00:20", None, tokens(1500, 150, 300, 20))
    )
    (root,) = codex.roots({}, hermetic)
    result = codex.read(root, None)
    assert [(t.input_tokens, t.cached_input_tokens, t.output_tokens) for t in result.turns] == [
        (900, 100, 200),
        (450, 50, 100),
    ]


def test_archived_and_forked_copies_share_keys(hermetic: Path) -> None:
    content = meta("00:00") + context("00:01", "gpt-5") + count("00:10", tokens(10, 0, 5, 0), None)
    rollout(hermetic).write_text(content)
    rollout(hermetic, folder="archived_sessions").write_text(content)
    turns = [t for root in codex.roots({}, hermetic) for t in codex.read(root, None).turns]
    assert len(turns) == 2 and len(unique(turns)) == 1


def test_sub_agent_replay_is_skipped(hermetic: Path) -> None:
    spawn = {"subagent": {"thread_spawn": {"parent_thread_id": SESSION}}}
    rollout(hermetic, "rollout-2026-11-02T10-03-00").write_text(
        meta("03:00", "019a9777-0000-7000-8000-000000000002", **spawn)
        + meta("03:00")  # the parent's header, repeated
        + count("03:00", tokens(1000, 100, 200, 0), tokens(1000, 100, 200, 0))
        + count("03:00", tokens(500, 50, 100, 0), tokens(1500, 150, 300, 0))
        + context("03:01", "gpt-5.1-codex-mini")
        + count("04:00", tokens(100, 10, 20, 0), tokens(100, 10, 20, 0))
    )
    (root,) = codex.roots({}, hermetic)
    result = codex.read(root, None)
    assert [(t.session_id, t.input_tokens, t.output_tokens) for t in result.turns] == [
        (SESSION, 90, 20)
    ]


def test_commit_output_and_bad_lines(hermetic: Path) -> None:
    output = {
        "type": "function_call_output",
        "call_id": "call_1",
        "output": '{"output":"[feature/x 0badc0ffee1] Add the parser\\n 2 files changed\\n"}',
    }
    rollout(hermetic).write_text(
        meta("00:00")
        + line("05:00", "response_item", output)
        + '{"timestamp":"2026-11-02T10:06:00.000Z","type":"event_msg",'
        + '"payload":{"type":"token_count","info":{"la\n'
        + line("06:01", "event_msg", {"type": "token_count", "info": {"last_token_usage": 7}})
    )
    (root,) = codex.roots({}, hermetic)
    result = codex.read(root, None)
    when = parse_time("2026-11-02T10:05:00Z") or 0.0
    assert result.mentions == (Mention("codex", SESSION, "0badc0ffee1", when),)
    assert result.skipped == {"not json": 1, "unexpected shape": 1}


def test_incremental_reads(hermetic: Path) -> None:
    path = rollout(hermetic)
    path.write_text(
        meta("00:00") + context("00:01", "gpt-5") + count("00:10", tokens(10, 0, 5, 0), None)
    )
    (root,) = codex.roots({}, hermetic)
    first = codex.read(root, None)
    assert len(first.turns) == 1
    assert codex.read(root, first.cursor).turns == ()
    with path.open("a") as stream:
        stream.write(count("00:20", tokens(30, 20, 7, 1), None))
    later = codex.read(root, json.loads(json.dumps(first.cursor)))
    # The session, folder and model come from lines read the first time.
    assert [(t.session_id, t.model, t.cwd, t.input_tokens) for t in later.turns] == [
        (SESSION, "gpt-5", CWD, 10)
    ]


def test_roots(hermetic: Path) -> None:
    assert codex.roots({}, hermetic) == []
    assert codex.read(hermetic / ".codex" / "sessions", None).turns == ()
    custom = hermetic / "codex-home"
    (custom / "sessions").mkdir(parents=True)
    assert codex.roots({"CODEX_HOME": str(custom)}, hermetic) == [custom / "sessions"]
