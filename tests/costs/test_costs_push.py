"""Model, tokens and cost per commit at push: real logs in each agent's format under the private
HOME, real commits through the real hooks, a real push, the real command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import git, tracker
from logfiles import (
    OPUS,
    T,
    append,
    claude_response,
    claude_tool_output,
    claude_transcript,
    codex_rollout,
    codex_start,
    codex_tokens,
    commit_at,
    digest_of,
    everything,
    gemini_answer,
    gemini_chat,
    gemini_start,
    opencode_message,
    record,
)

SESSION = "5b539e53-47c8-4996-bc4e-3896a787c8ab"
CLAUDE = {"CLAUDECODE": "1"}
# Not the shipped prices: the override is what the cost must follow.
OVERRIDE = {"input": 10.0, "output": 50.0, "cache_read": 1.0, "cache_write": 12.5}


def priced(inp: int, read: int, write: int, out: int) -> float:
    return (
        inp * OVERRIDE["input"]
        + read * OVERRIDE["cache_read"]
        + write * OVERRIDE["cache_write"]
        + out * OVERRIDE["output"]
    ) / 1e6


def configure(home: Path, text: str) -> None:
    config = home / ".config" / "agent-git-tracker" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(text)


def push(repo: Path) -> None:
    result = git(repo, "push", "-q", "origin", "HEAD:main")
    assert "warning" not in result


def test_claude_code_tokens_per_commit_at_push(hermetic: Path, repo: Path) -> None:
    configure(
        hermetic,
        '[prices."claude-opus-4.5"]\n'
        + "".join(f"{kind} = {value}\n" for kind, value in OVERRIDE.items()),
    )
    log = claude_transcript(hermetic, SESSION)
    here = repo.resolve()
    append(
        log,
        claude_response(SESSION, here, T - 300, "msg_1", (100, 10, 200, 1000)),
        claude_response(SESSION, here / "src", T - 200, "msg_2", (50, 20, 0, 0)),
    )
    first = commit_at(repo, T, "Add the parser", **CLAUDE)
    append(
        log,
        claude_response(SESSION, here, T + 100, "msg_3", (30, 5, 0, 0)),
        "{this line is not JSON\n",
    )
    human = commit_at(repo, T + 150, "A person's fix")
    append(log, claude_response(SESSION, here, T + 200, "msg_4", (7, 3, 0, 0)))
    second = commit_at(repo, T + 300, "Test the parser", **CLAUDE)
    append(log, claude_response(SESSION, here, T + 400, "msg_5", (1000, 100, 0, 0)))
    push(repo)

    made = record(repo, first)
    assert made["model"] is None and made["model_canonical"] == "claude-opus-4.5"
    assert "model from Claude Code's log" in made["evidence"]
    assert made["usage"] == {
        "agent": "claude-code",
        "session_id": SESSION,
        "joined_by": "folder-and-time",
        "model": OPUS,
        "model_canonical": "claude-opus-4.5",
        "tokens": {"input": 150, "cached_input": 1000, "cache_write": 200, "output": 30,
                   "reasoning": 0},
        "cost": pytest.approx(priced(150, 1000, 200, 30)),
    }  # fmt: skip
    assert digest_of(repo, first)[2] == "claude-opus-4.5"
    assert digest_of(repo, first)[10] == [
        "folder-and-time", 150, 1000, 200, 30, 0, pytest.approx(priced(150, 1000, 200, 30))
    ]  # fmt: skip
    assert record(repo, second)["usage"]["tokens"]["input"] == 37  # the human commit in between
    assert record(repo, second)["usage"]["cost"] == pytest.approx(priced(37, 0, 0, 8))
    assert "usage" not in record(repo, human)  # a person's commit never takes an agent's tokens

    usage = json.loads(tracker("usage", "--json", cwd=repo).stdout)
    (row,) = usage["setups"]
    assert (row["agent_id"], row["model"], row["commits"], row["joined"]) == (
        "claude-code", "claude-opus-4.5", 2, 2
    )  # fmt: skip
    assert row["tokens"]["total"] == 1380 + 45
    assert usage["not_tied"]["tokens"]["total"] == 1100  # after the last commit: not spread
    assert usage["not_tied"]["cost"] == pytest.approx(priced(1000, 0, 0, 100))
    assert usage["commits"]["by_how"] == {"folder-and-time": 2}

    before = everything()
    tracker("hook", "pre-push", cwd=repo, input="")  # nothing new: nothing read, nothing written
    assert everything() == before


def test_codex_session_id_from_the_environment(hermetic: Path, repo: Path) -> None:
    named, other = "019a9776-0a34-7842-8627-112b63d66e90", "019a9776-ffff-7842-8627-112b63d66e91"
    here = repo.resolve()
    append(
        codex_rollout(hermetic, named),
        codex_start(named, here, T - 600),
        codex_tokens(T - 500, (1200, 1000, 80, 30), (1200, 1000, 80, 30)),
    )
    append(  # another Codex session in the same repository, active last before the commit
        codex_rollout(hermetic, other),
        codex_start(other, here, T - 400),
        codex_tokens(T - 60, (5000, 0, 500, 0), (5000, 0, 500, 0)),
        codex_tokens(T + 60, (10, 0, 1, 0), (5010, 0, 501, 0)),
        codex_tokens(T + 200, (7, 0, 1, 0), (5017, 0, 502, 0)),
    )
    by_id = commit_at(repo, T, "Fix the cache", CODEX_THREAD_ID=named, CODEX_SANDBOX="seatbelt")
    append(codex_rollout(hermetic, named), codex_tokens(T + 30, (9, 0, 1, 0), (1209, 1000, 81, 30)))
    by_folder = commit_at(repo, T + 120, "Fix the test", CODEX_SANDBOX="seatbelt")
    push(repo)

    usage = record(repo, by_id)["usage"]
    assert (usage["session_id"], usage["joined_by"]) == (named, "session-id")
    assert usage["tokens"] == {
        "input": 200, "cached_input": 1000, "cache_write": 0, "output": 80, "reasoning": 30
    }  # fmt: skip
    assert record(repo, by_id)["session_ids"] == [named]
    assert record(repo, by_id)["model_canonical"] == "gpt-5.1-codex"
    later = record(repo, by_folder)["usage"]
    assert (later["session_id"], later["joined_by"]) == (other, "folder-and-time")
    assert later["tokens"]["input"] == 5010  # all of that session's turns up to the commit


def test_each_agent_joins_its_own_sessions(hermetic: Path, repo: Path) -> None:
    here = repo.resolve()
    gemini = gemini_chat(hermetic, here, "2f0c4b8e-61a3-4d55-9b0e-7c1d2e3f4a5b")
    append(gemini, gemini_start("2f0c4b8e-61a3-4d55-9b0e-7c1d2e3f4a5b", T - 100))
    append(gemini, gemini_answer("g1", T - 50, 4000, 300), gemini_answer("g2", T + 500, 1, 1))
    opencode_message(hermetic, "ses_6d1f4c659f36a5b0", "msg_o1", here, T - 40, 900, 90)
    opencode_message(hermetic, "ses_6d1f4c659f36a5b0", "msg_o2", here, T + 500, 1, 1)
    by_gemini = commit_at(repo, T, "Gemini's change", GEMINI_CLI="1")
    by_opencode = commit_at(repo, T + 10, "OpenCode's change", OPENCODE="1")
    push(repo)
    gemini_usage = record(repo, by_gemini)["usage"]
    assert (gemini_usage["agent"], gemini_usage["tokens"]["input"]) == ("gemini-cli", 4000)
    assert record(repo, by_gemini)["model_canonical"] == "gemini-2.5-pro"
    opencode_usage = record(repo, by_opencode)["usage"]
    assert (opencode_usage["agent"], opencode_usage["tokens"]["input"]) == ("opencode", 900)
    assert opencode_usage["model"] == "anthropic/claude-sonnet-4-5"


def test_a_session_in_another_repository_is_never_joined(
    hermetic: Path, repo: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    git(tmp_path, "init", "-q", str(elsewhere))
    log = claude_transcript(hermetic, SESSION, "-elsewhere")
    append(
        log,
        claude_response(SESSION, elsewhere.resolve(), T - 100, "msg_1", (100, 10, 0, 0)),
        claude_response(SESSION, elsewhere.resolve(), T + 100, "msg_2", (100, 10, 0, 0)),
    )
    # A commit here naming that session (a trailer copied by a cherry-pick) and printed by it.
    message = f"Port the fix\n\nClaude-Session: {SESSION}\n"
    here = commit_at(repo, T, message, **CLAUDE)
    append(log, claude_tool_output(SESSION, elsewhere.resolve(), T + 5, f"[main {here[:7]}] x"))
    push(repo)
    assert record(repo, here)["trailer_sessions"] == [SESSION]
    assert record(repo, here)["usage"] is None
    assert digest_of(repo, here)[10] == []
    usage = json.loads(tracker("usage", "--json", cwd=repo).stdout)
    assert usage["commits"]["no_session"] == 1
    (lonely,) = usage["not_tied"]["sessions_joining_none"]
    assert (lonely["session_id"], lonely["projects"]) == (SESSION, [str(elsewhere.resolve())])


def test_a_session_in_a_linked_worktree_joins_the_repository(
    hermetic: Path, repo: Path, tmp_path: Path
) -> None:
    commit_at(repo, T - 1000, "first")
    worktree = tmp_path / "feature"
    git(repo, "worktree", "add", "-q", "-b", "feature", str(worktree))
    log = claude_transcript(hermetic, SESSION, "-feature")
    append(log, claude_response(SESSION, worktree.resolve(), T - 60, "msg_1", (42, 4, 0, 0)))
    made = commit_at(worktree, T, "Work in the worktree", **CLAUDE)
    append(log, claude_response(SESSION, worktree.resolve(), T + 60, "msg_2", (1, 1, 0, 0)))
    git(worktree, "push", "-q", "origin", "feature")
    usage = record(repo, made)["usage"]
    assert (usage["joined_by"], usage["tokens"]["input"]) == ("folder-and-time", 42)
    with_logs = everything()
    assert not any(str(worktree) in json.dumps(v) for k, v in with_logs.items() if "logs:" in k)


def test_a_model_the_commit_states_is_kept(hermetic: Path, repo: Path) -> None:
    append(
        claude_transcript(hermetic, SESSION),
        claude_response(SESSION, repo.resolve(), T - 60, "msg_1", (5, 5, 0, 0)),
    )
    message = "Refactor\n\nCo-Authored-By: Claude Sonnet 4.5 <noreply@anthropic.com>\n"
    made = commit_at(repo, T, message, **CLAUDE)
    append(
        claude_transcript(hermetic, SESSION),
        claude_tool_output(SESSION, repo.resolve(), T + 1, f"[main {made[:7]}] Refactor\n"),
    )
    push(repo)
    kept = record(repo, made)
    assert kept["usage"]["joined_by"] == "transcript"
    assert (kept["model"], kept["model_canonical"]) == ("Claude Sonnet 4.5", "claude-sonnet-4.5")
    assert kept["usage"]["model_canonical"] == "claude-opus-4.5"
    assert not any(e.startswith("model from") for e in kept["evidence"])


def test_agent_logs_off_in_the_configuration(hermetic: Path, repo: Path) -> None:
    configure(hermetic, "agent_logs = false\n")
    append(
        claude_transcript(hermetic, SESSION),
        claude_response(SESSION, repo.resolve(), T - 60, "msg_1", (5, 5, 0, 0)),
    )
    made = commit_at(repo, T, "Change", **CLAUDE)
    push(repo)
    assert "usage" not in record(repo, made)
    assert not any(key.startswith("meta:logs:") for key in everything())


def test_a_moved_repository_keeps_its_sessions(hermetic: Path, repo: Path, tmp_path: Path) -> None:
    log = claude_transcript(hermetic, SESSION)
    append(log, claude_response(SESSION, repo.resolve(), T - 60, "msg_1", (11, 1, 0, 0)))
    before = commit_at(repo, T, "Before the move", **CLAUDE)
    append(log, claude_response(SESSION, repo.resolve(), T + 60, "msg_2", (1, 1, 0, 0)))
    push(repo)
    assert record(repo, before)["usage"]["tokens"]["input"] == 11
    moved = tmp_path / "moved"
    repo.rename(moved)
    later = "0b539e53-47c8-4996-bc4e-3896a787c8ab"
    log = claude_transcript(hermetic, later, "-moved")
    append(log, claude_response(later, moved.resolve(), T + 600, "msg_3", (22, 2, 0, 0)))
    after = commit_at(moved, T + 660, "After the move", **CLAUDE)
    append(log, claude_response(later, moved.resolve(), T + 720, "msg_4", (1, 1, 0, 0)))
    push(moved)
    assert record(moved, after)["usage"]["tokens"]["input"] == 22
    configure(hermetic, '[prices."claude-opus-4.5"]\ninput = 1000.0\n')
    tracker("scan", cwd=moved)  # new prices: every joined commit is priced again
    usage = record(moved, before)["usage"]
    assert (usage["session_id"], usage["tokens"]["input"]) == (SESSION, 11)
    assert usage["cost"] == pytest.approx((11 * 1000.0 + 1 * 25.0) / 1e6)
