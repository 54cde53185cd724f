"""Codex CLI rollouts: `${CODEX_HOME:-~/.codex}/{sessions,archived_sessions}/**/rollout-*.jsonl`.

Format (openai/codex `codex-rs/protocol/src/protocol.rs`: `RolloutLine`, `RolloutItem`,
`SessionMetaLine`, `GitInfo`, `TurnContextItem`, `EventMsg::TokenCount`, `TokenUsageInfo`,
`TokenUsage`; `codex-rs/core/src/rollout/mod.rs` for the two folders and `rollout/policy.rs` for
what is written): each line is `{"timestamp", "type", "payload"}`. `session_meta` gives
`payload.id`, `cwd`, `git.branch` and `source` (a sub-agent names its parent in
`source.subagent.thread_spawn.parent_thread_id`); `turn_context` gives the `model` and `cwd` of
the turns that follow; `event_msg` with `payload.type == "token_count"` gives
`payload.info.last_token_usage` (this response) and `total_token_usage` (the session so far),
each `{input_tokens, cached_input_tokens, output_tokens, reasoning_output_tokens,
total_tokens}`. `input_tokens` includes the cached ones and `output_tokens` the reasoning ones
(`TokenUsage::non_cached_input`, and `total_tokens == input + output`). Commands' output is
kept in `response_item` lines (`function_call_output`), where `git commit` prints its hash.

Copies, as ccusage handles them (`adapter/codex/parser.rs`, `loader.rs` `dedupe_codex_events`,
its README; issues #876, #1288 and pull requests #824, #1156, #1218, #1237):
- Codex writes `token_count` again with an unchanged `total_token_usage` (a rate-limit or UI
  refresh): skipped, like ccusage's #824; a rollout without totals counts every event.
- Without `last_token_usage`, the turn is the difference of the cumulative totals.
- A forked session, a goal rollout or an archived copy repeats lines with their timestamps: the
  key (timestamp, model and counts, ccusage's tuple) makes them one turn.
- A `thread_spawn` sub-agent's rollout starts with a second `session_meta` (its parent's, which
  is ignored) and replays the parent's `token_count`s, all stamped the second it was spawned:
  those are skipped, the totals kept as the baseline. ccusage detects the replay by its first
  two events sharing a second; here the spawn time is the session_meta's, which needs no
  look-ahead across reads. The sub-agent's turns belong to its parent's session.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from agent_git_tracker.agentlogs import jsonl
from agent_git_tracker.agentlogs.base import (
    Cursor,
    Found,
    Result,
    Turn,
    commit_hashes,
    count,
    existing_dirs,
    home_path,
    parse_time,
    text,
)

AGENT = "codex"
_FIELDS = ("input_tokens", "cached_input_tokens", "output_tokens", "reasoning_output_tokens")


def roots(environ: Mapping[str, str], home: Path) -> list[Path]:
    """The `sessions/` and `archived_sessions/` folders of Codex's home on this machine."""
    configured = environ.get("CODEX_HOME", "").strip()
    base = home_path(configured, home) if configured else home / ".codex"
    return existing_dirs([base / "sessions", base / "archived_sessions"])


def read(root: Path, cursor: Cursor | None, deadline: float | None = None) -> Result:
    """Turns and commit mentions appended under `root` since `cursor`."""
    return jsonl.read_tree(root, cursor, _is_rollout, _LINES, deadline=deadline)


def _is_rollout(path: str) -> bool:
    return os.path.basename(path).startswith("rollout-") and path.endswith(".jsonl")


def _parse_line(line: bytes, state: dict[str, Any], found: Found) -> None:
    usage = b'"token_count"' in line
    context = b'"session_meta"' in line or b'"turn_context"' in line
    hashes = set() if usage or context else commit_hashes(line)
    if not (usage or context or hashes):
        return
    record = found.load(line)
    if record is None:
        return
    kind, payload = record.get("type"), record.get("payload")
    if not isinstance(payload, dict):
        found.skipped["unexpected shape"] += 1
        return
    try:
        if kind == "session_meta":
            _session_meta(payload, record.get("timestamp"), state)
        elif kind == "turn_context":
            state["model"] = text(payload.get("model")) or state.get("model")
            state["cwd"] = text(payload.get("cwd")) or state.get("cwd")
        elif kind == "event_msg" and payload.get("type") == "token_count":
            _token_count(payload, record.get("timestamp"), state, found)
    except (KeyError, TypeError, ValueError, AttributeError):
        found.skipped["unexpected shape"] += 1
    found.mention(AGENT, state.get("session"), record.get("timestamp"), hashes)


# Headers, model changes, usage, and tool output (`function_call_output`, `aggregated_output`).
_LINES = jsonl.Lines(
    (b'"token_count"', b'"session_meta"', b'"turn_context"', b'output"'), _parse_line
)


def _session_meta(payload: dict[str, Any], timestamp: object, state: dict[str, Any]) -> None:
    if state.get("session"):
        return  # a sub-agent's rollout repeats its parent's header after its own
    source = payload.get("source")
    spawn = source.get("subagent", {}).get("thread_spawn") if isinstance(source, dict) else None
    parent = text(spawn.get("parent_thread_id")) if isinstance(spawn, dict) else None
    state["session"] = parent or text(payload["id"])
    state["cwd"] = text(payload.get("cwd"))
    state["branch"] = text((payload.get("git") or {}).get("branch"))
    if spawn is not None and isinstance(timestamp, str):
        state["replay"] = timestamp[:19]  # to the second


def _token_count(
    payload: dict[str, Any], timestamp: object, state: dict[str, Any], found: Found
) -> None:
    info = payload.get("info")
    if info is None:
        return  # a rate-limit update without usage
    total = _counts(info.get("total_token_usage"))
    if state.get("replay"):
        if isinstance(timestamp, str) and timestamp[:19] == state["replay"]:
            state["total"] = total
            return
        state["replay"] = None
    if total is not None and total == state.get("total"):
        return  # the same event again
    last = _counts(info.get("last_token_usage"))
    previous = state.get("total") or [0, 0, 0, 0]
    if last is None and total is not None:
        last = [max(now - before, 0) for now, before in zip(total, previous, strict=True)]
    if total is not None:
        state["total"] = total
    if last is not None and any(last):
        _add_turn(last, info.get("model") or payload.get("model"), timestamp, state, found)


def _counts(usage: object) -> list[int] | None:
    if usage is None:
        return None
    if not isinstance(usage, dict):
        raise TypeError("token usage is not an object")
    return [count(usage.get(name)) for name in _FIELDS]


def _add_turn(
    usage: list[int], model: object, timestamp: object, state: dict[str, Any], found: Found
) -> None:
    session_id, time = state.get("session"), parse_time(timestamp)
    if not session_id or time is None:
        raise ValueError("token usage before the session header, or without a time")
    raw_input, cached, output, reasoning = usage
    cached = min(cached, raw_input)
    model_name = text(model) or state.get("model") or ""
    found.turns.append(
        Turn(
            agent=AGENT,
            session_id=session_id,
            key=f"{timestamp}|{model_name}|{raw_input}|{cached}|{output}|{reasoning}",
            time=time,
            model=model_name,
            cwd=state.get("cwd"),
            git_branch=state.get("branch"),
            input_tokens=raw_input - cached,
            cached_input_tokens=cached,
            cache_write_tokens=0,
            output_tokens=output,
            reasoning_tokens=reasoning,
        )
    )
