"""Joining agent sessions to commits: the four ways, tokens per commit, and what never joins."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from agent_git_tracker.agentlogs import claude_code, join, prices
from agent_git_tracker.agentlogs.base import Mention, Turn

from conftest import run_git

APP = "/work/app"
APP_ROOTS = (APP, "/work/app-worktrees/feature")
T = 1_793_000_000.0  # a moment, epoch seconds
OPUS = "claude-opus-4-5-20251101"
HASH = "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d"


def turn(
    session: str,
    at: float,
    inp: int,
    out: int,
    cwd: str | None = APP,
    model: str = OPUS,
    agent: str = "claude-code",
    cached: int = 0,
    write: int = 0,
) -> Turn:
    key = f"{session}-{at}"
    return Turn(agent, session, key, at, model, cwd, "main", inp, cached, write, out)


def mention(session: str, at: float, commit: str = HASH, agent: str = "claude-code") -> Mention:
    return Mention(agent, session, commit, at)


def commit(
    at: float,
    commit_hash: str = HASH,
    roots: tuple[str, ...] = APP_ROOTS,
    session_id: str | None = None,
    trailers: tuple[str, ...] = (),
) -> join.Commit:
    return join.Commit(commit_hash, roots, at, session_id, trailers)


def run(turns: list[Turn], mentions: list[Mention], commits: list[join.Commit]) -> join.Joined:
    return join.join(join.sessions(turns, mentions), commits, prices.load())


def how(result: join.Joined) -> dict[str, tuple[str, str]]:
    return {usage.commit: (usage.session_id, usage.joined_by) for usage in result.commits}


def test_captured_session_id_comes_first() -> None:
    turns = [turn("s-captured", T - 50, 10, 1), turn("s-busy", T - 10, 10, 1)]
    result = run(turns, [mention("s-busy", T + 2)], [commit(T, session_id="s-captured")])
    assert how(result) == {HASH: ("s-captured", "session-id")}


def test_trailer_names_the_session() -> None:
    turns = [turn("s-trailer", T - 50, 10, 1, cwd="/elsewhere"), turn("s-busy", T - 10, 10, 1)]
    result = run(turns, [], [commit(T, trailers=("s-unknown", "s-trailer"))])
    assert how(result) == {HASH: ("s-trailer", "trailer")}


def test_hash_printed_in_the_transcript() -> None:
    turns = [turn("s-printed", T - 50, 10, 1, cwd="/work"), turn("s-busy", T - 10, 10, 1)]
    mentions = [mention("s-printed", T + 3, HASH[:7]), mention("s-late", T + 900, HASH[:12])]
    turns.append(turn("s-late", T - 100, 1, 1, cwd=None))
    result = run(turns, mentions, [commit(T)])
    assert how(result) == {HASH: ("s-printed", "transcript")}


def test_git_log_of_older_history_claims_nothing() -> None:
    # A session started a day after the commit prints its hash with `git log`.
    turns = [turn("s-reader", T + 86400, 10, 1, cwd="/work")]
    result = run(turns, [mention("s-reader", T + 86410)], [commit(T)])
    assert result.commits == () and result.unjoined == (("claude-code", "s-reader"),)


def test_folder_and_time_in_a_worktree() -> None:
    turns = [
        turn("s-here", T - 300, 10, 1, cwd="/work/app-worktrees/feature/src"),
        turn("s-here", T + 60, 10, 1, cwd="/work/app-worktrees/feature/src"),
        turn("s-before", T - 900, 10, 1),
        turn("s-before", T - 600, 10, 1),
    ]
    result = run(turns, [], [commit(T)])
    assert how(result) == {HASH: ("s-here", "folder-and-time")}


def test_tokens_between_commits_and_after_the_last() -> None:
    turns = [
        turn("s", T, 100, 10, cached=1000, write=50),
        turn("s", T + 60, 200, 20, model="claude-sonnet-4-5", cached=6000),
        turn("s", T + 120, 300, 30, cached=4000),
        turn("s", T + 300, 400, 40),
        turn("s", T + 400, 500, 50),
    ]
    first, second = "a" * 40, "b" * 40
    commits = [commit(T + 121, first, session_id="s"), commit(T + 310, second, session_id="s")]
    result = run(turns, [], commits)
    by_commit = {usage.commit: usage for usage in result.commits}
    assert by_commit[first].tokens == join.Tokens(600, 11000, 50, 60, 0)
    assert by_commit[first].model == "claude-sonnet-4-5"  # 6,220 of its 11,710 tokens
    assert by_commit[first].canonical_model == "claude-sonnet-4.5"
    assert by_commit[second].tokens == join.Tokens(400, 0, 0, 40, 0)
    assert by_commit[second].model == OPUS
    (untied,) = result.untied
    assert (untied.session_id, untied.tokens) == ("s", join.Tokens(500, 0, 0, 50, 0))
    assert untied.cost == pytest.approx((500 * 5 + 50 * 25) / 1e6)
    assert result.unjoined == ()


def test_a_session_in_another_repository_never_joins() -> None:
    other = commit(T - 3000, "c" * 40, roots=("/work/app2",))
    turns = [
        turn("s-app2", T - 100, 10, 1, cwd="/work/app2"),
        turn("s-app2", T + 100, 10, 1, cwd="/work/app2/src"),
        turn("s-sibling", T - 100, 10, 1, cwd="/work/app-old"),
        turn("s-sibling", T + 100, 10, 1, cwd="/work/app-old"),
    ]
    mentions = [mention("s-app2", T + 2)]
    result = run(turns, mentions, [commit(T, trailers=("s-app2",)), other])
    assert HASH not in how(result)
    assert set(result.unjoined) == {("claude-code", "s-app2"), ("claude-code", "s-sibling")}


def test_a_commit_in_a_fork_and_its_upstream_joins_where_the_session_worked() -> None:
    fork = commit(T, roots=("/work/app-fork",), session_id="s")
    result = run(
        [turn("s", T - 60, 10, 1)], [mention("s", T + 1)], [fork, commit(T, session_id="s")]
    )
    ((usage),) = result.commits
    assert (usage.commit, usage.roots, usage.joined_by) == (HASH, APP_ROOTS, "session-id")


def test_cost_with_a_price_override_and_unknown_models() -> None:
    turns = [
        turn("s", T - 60, 1000, 100, cached=10000, write=2000),
        turn("local", T - 60, 1000, 100, model="my-local-llama"),
    ]
    commits = [commit(T, session_id="s"), commit(T, "d" * 40, session_id="local")]
    table = prices.load({"claude-opus-4.5": {"input": 6.0, "cache_read": 0.6}})
    result = join.join(join.sessions(turns, []), commits, table)
    by_commit = {usage.commit: usage for usage in result.commits}
    assert by_commit[HASH].cost == pytest.approx(
        (1000 * 6.0 + 10000 * 0.6 + 2000 * 6.25 + 100 * 25.0) / 1e6
    )
    assert by_commit["d" * 40].cost is None
    assert by_commit["d" * 40].canonical_model == "my-local-llama"


def test_copies_of_a_turn_count_once() -> None:
    original = turn("s", T - 60, 1000, 100)
    replay = Turn(**{**_fields(original), "sidechain": True, "time": T - 30})
    result = run([original, replay, original], [], [commit(T, session_id="s")])
    assert result.commits[0].tokens == join.Tokens(1000, 0, 0, 100, 0)


def _fields(value: Turn) -> dict[str, object]:
    return {name: getattr(value, name) for name in Turn.__slots__}


def test_a_real_commit_printed_by_claude_code(hermetic: Path, tmp_path: Path) -> None:
    repo = tmp_path / "app"
    run_git(tmp_path, "init", "-q", str(repo))
    (repo / "parser.py").write_text("print('hi')\n")
    run_git(repo, "add", "parser.py")
    assert run_git(repo, "commit", "-q", "-m", "Add the parser").returncode == 0
    head, seconds = run_git(repo, "log", "-1", "--format=%H %ct").stdout.split()
    printed = run_git(repo, "log", "-1", "--format=[main %h] %s").stdout.strip()
    made = float(seconds)
    project = hermetic / ".claude" / "projects" / "-app"
    project.mkdir(parents=True)
    records = [
        {
            "sessionId": "s-real",
            "cwd": str(repo.resolve()),
            "gitBranch": "main",
            "type": "assistant",
            "message": {
                "id": "msg_1",
                "model": OPUS,
                "usage": {"input_tokens": 5, "output_tokens": 50, "cache_read_input_tokens": 900},
            },
            "requestId": "req_1",
            "timestamp": _iso(made - 5),
        },
        {
            "sessionId": "s-real",
            "cwd": str(repo.resolve()),
            "type": "user",
            "message": {"role": "user", "content": [{"type": "tool_result", "content": printed}]},
            "timestamp": _iso(made + 1),
        },
    ]
    (project / "s-real.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    (root,) = claude_code.roots({}, hermetic)
    found = claude_code.read(root, None)
    found_sessions = join.sessions(found.turns, found.mentions)
    result = join.join(
        found_sessions, [join.Commit(head, (str(repo.resolve()),), made)], prices.load()
    )
    (usage,) = result.commits
    assert (usage.session_id, usage.joined_by) == ("s-real", "transcript")
    assert usage.tokens == join.Tokens(5, 900, 0, 50, 0)
    assert usage.cost == pytest.approx((5 * 5 + 900 * 0.5 + 50 * 25) / 1e6)


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")
