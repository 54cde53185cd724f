"""OpenCode's SQLite database (real SQLite, WAL mode, OpenCode's tables) and older JSON files."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from agent_git_tracker.agentlogs import opencode
from agent_git_tracker.agentlogs.base import Mention, Turn

SESSION = "ses_6d1f4c659f36a5b0"
CWD = "/home/ada/app"
T0 = 1_793_000_000_000  # epoch ms, as OpenCode stores times

SCHEMA = """
CREATE TABLE session (
  id TEXT PRIMARY KEY, project_id TEXT NOT NULL, parent_id TEXT, slug TEXT NOT NULL,
  directory TEXT NOT NULL, title TEXT NOT NULL, version TEXT NOT NULL,
  time_created INTEGER NOT NULL, time_updated INTEGER NOT NULL
);
CREATE TABLE message (
  id TEXT PRIMARY KEY,
  session_id TEXT NOT NULL REFERENCES session(id) ON DELETE CASCADE,
  time_created INTEGER NOT NULL, time_updated INTEGER NOT NULL, data TEXT NOT NULL
);
CREATE INDEX message_session_time_created_id_idx ON message (session_id, time_created, id);
CREATE TABLE part (
  id TEXT PRIMARY KEY,
  message_id TEXT NOT NULL REFERENCES message(id) ON DELETE CASCADE,
  session_id TEXT NOT NULL,
  time_created INTEGER NOT NULL, time_updated INTEGER NOT NULL, data TEXT NOT NULL
);
"""


def data_dir(home: Path) -> Path:
    folder = home / ".local" / "share" / "opencode"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def database(home: Path) -> sqlite3.Connection:
    con = sqlite3.connect(data_dir(home) / "opencode.db", isolation_level=None)
    con.execute("PRAGMA journal_mode = WAL")
    con.executescript(SCHEMA)
    con.execute(
        "INSERT INTO session VALUES (?, 'prj', NULL, 'brave-otter', ?, 'Fix', '1.2.3', ?, ?)",
        (SESSION, CWD, T0, T0),
    )
    return con


def assistant(tokens: dict[str, Any] | None, completed: int | None = None) -> dict[str, Any]:
    return {
        "role": "assistant",
        "time": {"created": T0 + 1000, **({"completed": completed} if completed else {})},
        "parentID": "msg_user_1",
        "modelID": "claude-sonnet-4-5",
        "providerID": "anthropic",
        "mode": "build",
        "agent": "build",
        "path": {"cwd": CWD, "root": CWD},
        "cost": 0,
        "tokens": tokens
        or {"input": 0, "output": 0, "reasoning": 0, "cache": {"read": 0, "write": 0}},
    }


USED = {"input": 1200, "output": 300, "reasoning": 50, "cache": {"read": 8000, "write": 400}}


def put_message(con: sqlite3.Connection, message_id: str, data: dict[str, Any], at: int) -> None:
    con.execute(
        "INSERT INTO message VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET"
        " data = excluded.data, time_updated = excluded.time_updated",
        (message_id, SESSION, T0, at, json.dumps(data)),
    )


def expected_turn() -> Turn:
    return Turn(
        agent="opencode",
        session_id=SESSION,
        key="msg_assistant_1",
        time=(T0 + 9000) / 1000,
        model="anthropic/claude-sonnet-4-5",
        cwd=CWD,
        git_branch=None,
        input_tokens=1200,
        cached_input_tokens=8000,
        cache_write_tokens=400,
        output_tokens=350,
        reasoning_tokens=50,
    )


def test_messages_are_read_as_they_are_updated(hermetic: Path) -> None:
    con = database(hermetic)
    user = {"role": "user", "time": {"created": T0}, "agent": "build", "model": {}}
    put_message(con, "msg_user_1", user, T0)
    put_message(con, "msg_assistant_1", assistant(None), T0 + 1000)  # the response starts
    (root,) = opencode.roots({}, hermetic)
    first = opencode.read(root, None)
    assert first.turns == () and first.skipped == {}

    put_message(con, "msg_assistant_1", assistant(USED, completed=T0 + 9000), T0 + 9000)
    second = opencode.read(root, json.loads(json.dumps(first.cursor)))
    assert second.turns == (expected_turn(),)

    third = opencode.read(root, second.cursor)
    assert third.turns == () and third.cursor == second.cursor


def test_reading_never_blocks_opencode(hermetic: Path) -> None:
    con = database(hermetic)
    put_message(con, "msg_assistant_1", assistant(USED, completed=T0 + 9000), T0 + 9000)
    con.execute("BEGIN IMMEDIATE")  # OpenCode in the middle of writing
    put_message(con, "msg_assistant_2", assistant(USED, completed=T0 + 20000), T0 + 20000)
    (root,) = opencode.roots({}, hermetic)
    result = opencode.read(root, None)
    con.execute("COMMIT")  # the writer was never refused
    assert [t.key for t in result.turns] == ["msg_assistant_1"]
    assert [t.key for t in opencode.read(root, result.cursor).turns] == ["msg_assistant_2"]


def test_commit_output_in_a_bash_part(hermetic: Path) -> None:
    con = database(hermetic)
    part = {
        "type": "tool",
        "callID": "call_1",
        "tool": "bash",
        "state": {
            "status": "completed",
            "input": {"command": "git commit -m 'Fix the parser'"},
            "output": "[main 5e6f7a8] Fix the parser\n 1 file changed\n",
            "title": "git commit",
            "metadata": {},
            "time": {"start": T0 + 5000, "end": T0 + 6000},
        },
    }
    con.execute(
        "INSERT INTO part VALUES ('prt_1', 'msg_assistant_1', ?, ?, ?, ?)",
        (SESSION, T0 + 5000, T0 + 6000, json.dumps(part)),
    )
    (root,) = opencode.roots({}, hermetic)
    result = opencode.read(root, None)
    assert result.mentions == (Mention("opencode", SESSION, "5e6f7a8", (T0 + 6000) / 1000),)


def test_bad_rows_are_counted(hermetic: Path) -> None:
    con = database(hermetic)
    con.execute(
        "INSERT INTO message VALUES ('msg_bad', ?, ?, ?, '{\"role\":\"assis')", (SESSION, T0, T0)
    )
    put_message(con, "msg_odd", {**assistant(USED), "tokens": {"input": "many"}}, T0 + 1)
    (root,) = opencode.roots({}, hermetic)
    assert opencode.read(root, None).skipped == {"not json": 1, "unexpected shape": 1}


def test_older_json_storage(hermetic: Path) -> None:
    storage = data_dir(hermetic) / "storage"
    message = storage / "message" / SESSION / "msg_assistant_1.json"
    message.parent.mkdir(parents=True)
    record = {"id": "msg_assistant_1", "sessionID": SESSION, **assistant(USED, T0 + 9000)}
    message.write_text(json.dumps(record))
    part = storage / "part" / "msg_assistant_1" / "prt_1.json"
    part.parent.mkdir(parents=True)
    output = "commit " + "ab" * 20 + "\nAuthor: Ada\n"
    part.write_text(
        json.dumps(
            {
                "id": "prt_1",
                "sessionID": SESSION,
                "messageID": "msg_assistant_1",
                "type": "tool",
                "tool": "bash",
                "state": {"status": "completed", "output": output, "time": {"end": T0 + 7000}},
            }
        )
    )
    (root,) = opencode.roots({}, hermetic)
    first = opencode.read(root, None)
    assert first.turns == (expected_turn(),)
    assert first.mentions == (Mention("opencode", SESSION, "ab" * 20, (T0 + 7000) / 1000),)
    assert opencode.read(root, first.cursor).turns == ()


def test_roots(hermetic: Path) -> None:
    assert opencode.roots({}, hermetic) == []
    assert opencode.read(hermetic / ".local" / "share" / "opencode", None).turns == ()
    custom = hermetic / "oc-data"
    custom.mkdir()
    assert opencode.roots({"OPENCODE_DATA_DIR": str(custom)}, hermetic) == [custom]
    xdg = hermetic / "xdg"
    (xdg / "opencode").mkdir(parents=True)
    assert opencode.roots({"XDG_DATA_HOME": str(xdg)}, hermetic) == [xdg / "opencode"]
