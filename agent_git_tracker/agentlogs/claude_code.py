"""Claude Code transcripts: `projects/<project>/<session>.jsonl` (and `<session>/subagents/…`).

Where (ccusage `rust/crates/ccusage/src/adapter/claude/paths.rs`, `claude/README.md`):
`$CLAUDE_CONFIG_DIR` (comma-separated folders, each the config folder or its `projects/`),
else `$XDG_CONFIG_HOME/claude` (`~/.config/claude`) and `~/.claude`; `projects/` is scanned
recursively for `*.jsonl`.

A line (ccusage `src/types.rs` `UsageEntry`, `adapter/claude/daily.rs`; field order as in
transcripts quoted by projects that parse them): `sessionId`, `cwd`, `gitBranch`, `isSidechain`,
`type`, `timestamp` (ISO 8601), `requestId`, and `message` with `id`, `model` and `usage`
(`input_tokens` without cache, `cache_read_input_tokens`, `cache_creation_input_tokens` or
its `cache_creation.ephemeral_5m/1h_input_tokens` split, `output_tokens`). A `progress` line
nests a sub-agent's message as `data.message.message` (ccusage `DailyAgentProgressEntry`).
Model `<synthetic>` marks a line Claude Code wrote itself, with no real usage.

Copies (ccusage `adapter/claude/mod.rs` `push_deduped_entry`, and pull requests #1155 and #1765):
one response is written once per content block with the same `message.id` and `requestId`,
the usage growing as it streams (the last line is complete, ccusage issue #797: so a line
followed by a copy is not even parsed); a resumed session copies its parent's lines; a `/btw` side
conversation (`isSidechain`) replays parent messages under a new `requestId`. All share the
`message.id`, which is the turn's key (scoped to the session when a gateway wrote no
`requestId`, as ccusage does since #1661); `base.best` keeps the parent's, most complete copy.
"""

from __future__ import annotations

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

AGENT = "claude-code"
_SYNTHETIC = "<synthetic>"


def roots(environ: Mapping[str, str], home: Path) -> list[Path]:
    """The `projects/` folders Claude Code writes to on this machine."""
    configured = [part.strip() for part in environ.get("CLAUDE_CONFIG_DIR", "").split(",")]
    if any(configured):
        bases = [home_path(part, home) for part in configured if part]
    else:
        config = environ.get("XDG_CONFIG_HOME") or str(home / ".config")
        bases = [Path(config) / "claude", home / ".claude"]
    return existing_dirs(base if base.name == "projects" else base / "projects" for base in bases)


def read(root: Path, cursor: Cursor | None, deadline: float | None = None) -> Result:
    """Turns and commit mentions appended under `root` since `cursor`."""
    return jsonl.read_tree(root, cursor, _is_transcript, _LINES, deadline=deadline)


def _is_transcript(path: str) -> bool:
    return path.endswith(".jsonl")


def _parse_line(line: bytes, state: dict[str, Any], found: Found) -> None:
    has_usage = b'"usage":' in line
    hashes = commit_hashes(line) if b'"tool_result"' in line else set()
    if not (has_usage or hashes):
        return
    record = found.load(line)
    if record is None:
        return
    if has_usage:
        try:
            _add_turn(record, found)
        except (KeyError, TypeError, ValueError, AttributeError):
            found.skipped["unexpected shape"] += 1
    found.mention(AGENT, record.get("sessionId"), record.get("timestamp"), hashes)


def _last_copies(lines: list[bytes]) -> list[bytes]:
    """Drop each streamed copy of a response that the next line repeats with more usage."""
    ids = [_message_id(line) for line in lines]
    return [
        line
        for line, this, after in zip(lines, ids, [*ids[1:], None], strict=False)
        if this is None or this != after
    ]


def _message_id(line: bytes) -> bytes | None:
    at = line.find(b'"message":{"id":"')
    if at < 0:
        return None
    start = at + len(b'"message":{"id":"')
    return line[start : line.find(b'"', start)]


# Responses carry usage; tool results carry what `git commit` printed. Other lines are skipped.
_LINES = jsonl.Lines((b'"usage":', b'"tool_result"'), _parse_line, _last_copies)


def _add_turn(record: dict[str, Any], found: Found) -> None:
    entry = _response(record)
    if entry is None:
        return  # a prompt or a tool result whose output happens to contain "usage"
    message = entry["message"]
    usage = message["usage"]
    model = message.get("model")
    if model == _SYNTHETIC:
        return
    session_id, time = text(record.get("sessionId")), parse_time(entry.get("timestamp"))
    if session_id is None or time is None or not isinstance(usage, dict):
        raise ValueError("a response without session, time or usage")
    found.turns.append(
        Turn(
            agent=AGENT,
            session_id=session_id,
            key=_key(session_id, message.get("id"), entry.get("requestId"), time),
            time=time,
            model=text(model) or "",
            cwd=text(record.get("cwd")),
            git_branch=text(record.get("gitBranch")),
            input_tokens=count(usage["input_tokens"]),
            cached_input_tokens=count(usage.get("cache_read_input_tokens")),
            cache_write_tokens=_cache_write(usage),
            output_tokens=count(usage["output_tokens"]),
            sidechain=entry.get("isSidechain") is True,
        )
    )


def _response(record: dict[str, Any]) -> dict[str, Any] | None:
    """The line holding the model's response: the record, or a relayed sub-agent's message."""
    kind = record.get("type")
    if kind == "assistant":
        return record
    if kind == "progress":
        relayed = (record.get("data") or {}).get("message")
        if isinstance(relayed, dict) and isinstance(relayed.get("message"), dict):
            return relayed if "usage" in relayed["message"] else None
    return None


def _key(session_id: str, message_id: object, request_id: object, time: float) -> str:
    if not isinstance(message_id, str) or not message_id:
        return f"{session_id}@{time}"
    return message_id if text(request_id) else f"{session_id}/{message_id}"


def _cache_write(usage: dict[str, Any]) -> int:
    split = usage.get("cache_creation")
    if isinstance(split, dict):
        return count(split.get("ephemeral_5m_input_tokens")) + count(
            split.get("ephemeral_1h_input_tokens")
        )
    return count(usage.get("cache_creation_input_tokens"))
