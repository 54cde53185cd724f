"""Model, tokens and cost per commit at `scan`: a history made before the hooks, real logs,
the real command line; read once, and again only what is new."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import git, tracker
from logfiles import (
    T,
    append,
    claude_response,
    claude_transcript,
    commit_at,
    everything,
    record,
)

SESSION = "5b539e53-47c8-4996-bc4e-3896a787c8ab"
SIGNED = "\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\nClaude-Session: {}\n"


def plain_repo(path: Path) -> Path:
    path.mkdir(parents=True)
    git(path, "init", "-q")
    return path


def scan(repo: Path, *options: str) -> dict[str, object]:
    data = json.loads(tracker("scan", "--json", *options, cwd=repo).stdout)
    (result,) = data["repositories"]
    assert isinstance(result, dict)
    return result


def test_scan_joins_history_and_a_second_scan_writes_nothing(
    hermetic: Path, db_path: Path, tmp_path: Path
) -> None:
    repo = plain_repo(tmp_path / "app")
    log = claude_transcript(hermetic, SESSION)
    append(log, claude_response(SESSION, repo.resolve(), T - 60, "msg_1", (10, 1, 0, 0)))
    first = commit_at(repo, T, "One" + SIGNED.format(SESSION))
    append(
        log,
        '{"type":"assistant","message":{"usage":',  # a line cut short, then a complete one
        "\n",
        claude_response(SESSION, repo.resolve(), T + 60, "msg_2", (20, 2, 0, 0)),
    )
    second = commit_at(repo, T + 120, "Two" + SIGNED.format(f"https://claude.ai/code/{SESSION}"))
    append(log, claude_response(SESSION, repo.resolve(), T + 180, "msg_3", (30, 3, 0, 0)))

    result = scan(repo)
    logs = result["agent_logs"]
    assert isinstance(logs, dict)
    assert (logs["turns"], logs["sessions"], logs["joined"]) == (3, 1, 2)
    assert logs["skipped"] == {"not json": 1}
    for made, tokens in ((first, 11), (second, 22)):
        usage = record(repo, made)["usage"]
        assert (usage["joined_by"], usage["session_id"]) == ("trailer", SESSION)
        assert sum(usage["tokens"].values()) - usage["tokens"]["reasoning"] == tokens
    assert record(repo, first)["model"] == "Claude Opus 4.5"  # as the commit wrote it

    before = everything()
    again = scan(repo)["agent_logs"]
    assert isinstance(again, dict)
    assert (again["turns"], again["written"]) == (0, 0)
    assert everything() == before


def test_sessions_read_for_another_repository_join_at_its_next_scan(
    hermetic: Path, db_path: Path, tmp_path: Path
) -> None:
    app, other = plain_repo(tmp_path / "app"), plain_repo(tmp_path / "other")
    commit_at(app, T - 500, "app's first")
    made = commit_at(other, T, "Other's change" + SIGNED.format("unknown"))
    scan(other)  # no log yet: searched, nothing joined
    assert record(other, made)["usage"] is None
    append(
        claude_transcript(hermetic, SESSION),
        claude_response(SESSION, other.resolve(), T - 30, "msg_1", (7, 7, 0, 0)),
        claude_response(SESSION, other.resolve(), T + 30, "msg_2", (1, 1, 0, 0)),
    )
    scan(app)  # reads the new log: the session is left for `other`'s next pass
    assert record(other, made)["usage"] is None
    assert scan(other)["agent_logs"] == scan_shape()
    assert record(other, made)["usage"]["joined_by"] == "folder-and-time"


def scan_shape() -> dict[str, object]:
    """What a pass reports when the logs have nothing new and one commit is joined."""
    return {
        "turns": 0,
        "mentions": 0,
        "sessions": 0,
        "searched": 1,
        "joined": 1,
        "written": 1,
        "complete": True,
        "skipped": {},
        "notes": [],
    }


def test_no_agent_logs(hermetic: Path, db_path: Path, tmp_path: Path) -> None:
    repo = plain_repo(tmp_path / "app")
    append(
        claude_transcript(hermetic, SESSION),
        claude_response(SESSION, repo.resolve(), T - 60, "msg_1", (10, 1, 0, 0)),
    )
    made = commit_at(repo, T, "One" + SIGNED.format(SESSION))
    assert scan(repo, "--no-agent-logs")["agent_logs"] is None
    assert "usage" not in record(repo, made)
    assert not any(key.startswith("meta:logs:") for key in everything())


@pytest.mark.parametrize(
    ("prices", "expected"),
    [
        ('[prices."claude-opus-4.5"]\ninput = "five"\n', 'prices."claude-opus-4.5".input in'),
        ('[prices."claude-opus-4.5"]\nsurcharge = 1.0\n', "unknown key 'surcharge' in"),
        ('[prices."my-llama"]\ninput = 1.0\n', "give output, cache_read, cache_write too"),
        ("prices = 3\n", "'prices' in"),
    ],
)
def test_a_wrong_price_override_is_refused(
    hermetic: Path, db_path: Path, tmp_path: Path, prices: str, expected: str
) -> None:
    config = hermetic / ".config" / "agent-git-tracker" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(prices)
    repo = plain_repo(tmp_path / "app")
    commit_at(repo, T, "One")
    result = tracker("scan", cwd=repo, check=False)
    assert result.returncode in (1, 2)
    assert expected in result.stderr and str(config) in result.stderr


def test_new_prices_apply_to_every_commit_at_the_next_scan(
    hermetic: Path, db_path: Path, tmp_path: Path
) -> None:
    repo = plain_repo(tmp_path / "app")
    append(
        claude_transcript(hermetic, SESSION),
        claude_response(SESSION, repo.resolve(), T - 60, "msg_1", (1000, 100, 0, 0)),
    )
    made = commit_at(repo, T, "One" + SIGNED.format(SESSION))
    scan(repo)
    shipped = record(repo, made)["usage"]["cost"]
    assert shipped == pytest.approx((1000 * 5.0 + 100 * 25.0) / 1e6)  # LiteLLM's opus 4.5
    config = hermetic / ".config" / "agent-git-tracker" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('[prices."claude-opus-4.5"]\ninput = 1.0\noutput = 2.0\n')
    assert scan(repo)["agent_logs"]["written"] == 1
    assert record(repo, made)["usage"]["cost"] == pytest.approx((1000 * 1.0 + 100 * 2.0) / 1e6)
    before = everything()
    scan(repo)
    assert everything() == before


def test_usage_shows_outside_text_escaped_and_filters_by_time(
    hermetic: Path, db_path: Path, tmp_path: Path
) -> None:
    repo = plain_repo(tmp_path / "app")
    hostile = "s\x1b[2J\x07-1"
    append(
        claude_transcript(hermetic, "s-1"),
        claude_response(hostile, repo.resolve(), T - 60, "msg_1", (10, 1, 0, 0), model="m\x1bX"),
    )
    commit_at(repo, T, "One" + SIGNED.format(SESSION))
    scan(repo)
    shown = tracker("usage", cwd=repo).stdout
    assert "\x1b" not in shown and "\x07" not in shown
    assert "s\\x1b[2J\\x07-1" in shown
    data = json.loads(tracker("usage", "--json", cwd=repo).stdout)
    assert data["not_tied"]["sessions_joining_none"][0]["session_id"] == hostile
    later = json.loads(tracker("usage", "--since", "2999-01-01", "--json", cwd=repo).stdout)
    assert (later["setups"], later["not_tied"]["tokens"]["total"]) == ([], 0)
    wrong = tracker("usage", "--since", "yesterday", cwd=repo, check=False)
    assert wrong.returncode == 2 and "--since" in wrong.stderr
