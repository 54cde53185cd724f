"""Gemini CLI chats: `~/.gemini/tmp/<project>/chats/session-*.jsonl` (older: `.json`).

Where (google-gemini/gemini-cli `packages/core/src/config/storage.ts` `getProjectTempDir`,
`utils/paths.ts` `homedir`, which `$GEMINI_CLI_HOME` replaces; `config/projectRegistry.ts`):
`<home>/.gemini/tmp/<project>/chats/`, where `<project>` is a short name whose folder holds the
project's absolute path in `.project_root` (older versions: the SHA-256 of that path, with no
record of the path). A sub-agent's chat is `chats/<parent session id>/<id>.jsonl`.

Format (`packages/core/src/services/chatRecordingService.ts`, `chatRecordingTypes.ts`): the
first line holds `sessionId`, `projectHash`, `startTime`; then a line per message record
`{id, timestamp, type, content, model, tokens, toolCalls}`, written again whole each time it
changes (tokens arrive after the text; ccusage `adapter/gemini/parser.rs` keeps the last copy
of an id, `base.best` the one with most tokens); `{"$set": {…}}` updates the header (and a
checkpoint rewrites `messages`); `{"$rewindTo": id}` hides messages from the conversation,
but their tokens were spent and stay counted. A legacy `.json` file is the whole
`ConversationRecord` (`messages` inside), read again whole when it changes.

Tokens (`TokensSummary`, from the API's usage metadata): `input` = promptTokenCount, `output` =
candidatesTokenCount, `cached` = cachedContentTokenCount, `thoughts` = thoughtsTokenCount,
`tool` = toolUsePromptTokenCount, `total` = totalTokenCount. As in ccusage
(`normalize_session_input`), the cached tokens are inside `input` when `total` equals
input + output + thoughts + tool; tool-use prompt tokens are input; thoughts are output.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson

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

AGENT = "gemini-cli"


def roots(environ: Mapping[str, str], home: Path) -> list[Path]:
    """Gemini CLI's `tmp/` folder (one sub-folder per project) on this machine."""
    configured = environ.get("GEMINI_CLI_HOME", "").strip()
    base = home_path(configured, home) if configured else home
    return existing_dirs([base / ".gemini" / "tmp"])


def read(root: Path, cursor: Cursor | None, deadline: float | None = None) -> Result:
    """Turns and commit mentions written under `root` since `cursor`."""
    found = Found()
    files = jsonl.read_files(root, cursor, _is_chat_log, _LINES, _start_state, found, deadline)
    legacy = _read_legacy(root, cursor, found, deadline)
    return found.result({"version": jsonl.VERSION, "files": files, "legacy": legacy})


def _is_chat_log(path: str) -> bool:
    return path.endswith(".jsonl") and f"{os.sep}chats{os.sep}" in path


def _is_legacy_chat(path: str) -> bool:
    return path.endswith(".json") and os.path.basename(os.path.dirname(path)) == "chats"


def _start_state(path: Path) -> dict[str, Any]:
    """A chat's project folder and, for a sub-agent's chat, its parent session."""
    chats = next((parent for parent in path.parents if parent.name == "chats"), path.parent)
    nested = path.parent != chats
    return {"session": path.parent.name if nested else None, "nested": nested, "cwd": _cwd(chats)}


def _cwd(chats: Path) -> str | None:
    try:
        return (chats.parent / ".project_root").read_text(encoding="utf-8").strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def _parse_line(line: bytes, state: dict[str, Any], found: Found) -> None:
    record = found.load(line)
    if record is None:
        return
    update = record.get("$set")
    if isinstance(update, dict):
        _header(update, state)
        for message in update.get("messages") or []:
            _message(message, state, found)
    elif "sessionId" in record and "projectHash" in record:
        _header(record, state)
    elif "id" in record:
        _message(record, state, found)


_LINES = jsonl.Lines((b'"tokens"', b'"sessionId"', b'"toolCalls"'), _parse_line)


def _header(record: dict[str, Any], state: dict[str, Any]) -> None:
    session_id = text(record.get("sessionId"))
    if session_id and not state.get("nested"):
        state["session"] = session_id


def _message(message: object, state: dict[str, Any], found: Found) -> None:
    if not isinstance(message, dict) or message.get("type") != "gemini":
        return
    session_id = state.get("session")
    if message.get("toolCalls"):
        hashes = commit_hashes(orjson.dumps(message["toolCalls"]))
        found.mention(AGENT, session_id, message.get("timestamp"), hashes)
    if not message.get("tokens"):
        return  # tokens arrive in a later copy of the message
    try:
        found.turns.append(_turn(message, session_id, state.get("cwd")))
    except (KeyError, TypeError, ValueError, AttributeError):
        found.skipped["unexpected shape"] += 1


def _turn(message: dict[str, Any], session_id: object, cwd: str | None) -> Turn:
    tokens, time = message["tokens"], parse_time(message.get("timestamp"))
    if not isinstance(session_id, str) or time is None:
        raise ValueError("a message without session or time")
    prompt, output = count(tokens.get("input")), count(tokens.get("output"))
    cached, thoughts, tool = (count(tokens.get(kind)) for kind in ("cached", "thoughts", "tool"))
    if cached and tokens.get("total") == prompt + output + thoughts + tool:
        prompt -= min(cached, prompt)  # the cached tokens were counted in the prompt
    return Turn(
        agent=AGENT,
        session_id=session_id,
        key=str(message["id"]),
        time=time,
        model=text(message.get("model")) or "",
        cwd=cwd,
        git_branch=None,
        input_tokens=prompt + tool,
        cached_input_tokens=cached,
        cache_write_tokens=0,
        output_tokens=output + thoughts,
        reasoning_tokens=thoughts,
    )


def _read_legacy(
    root: Path, cursor: Cursor | None, found: Found, deadline: float | None
) -> dict[str, Any]:
    """Whole-file `.json` chats of older versions, read again when changed."""
    seen = (cursor or {}).get("legacy") or {}
    entries: dict[str, Any] = {}
    for path in jsonl.walk(root, _is_legacy_chat):
        if jsonl.past(deadline):
            if str(path) in seen:
                entries[str(path)] = seen[str(path)]  # read next time
            continue
        try:
            status = os.stat(path)
            if jsonl.unchanged(seen.get(str(path)), status):
                entries[str(path)] = seen[str(path)]
                continue
            record = found.load(path.read_bytes())
        except OSError:
            continue
        entries[str(path)] = {
            "inode": status.st_ino,
            "size": status.st_size,
            "mtime": status.st_mtime_ns,
        }
        if record is not None:
            state = _start_state(path)
            _header(record, state)
            for message in record.get("messages") or []:
                _message(message, state, found)
    return entries
