"""The hook pipeline with real git: post-commit spools, post-rewrite follows, pre-push flushes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent_git_tracker.config.settings import load
from agent_git_tracker.ledger.flush import flush_repo
from agent_git_tracker.store import keys
from agent_git_tracker.store.db import open_store

from conftest import commit, git, run_git, tracker

CLAUDE = "Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>"


def spool_lines(db_path: Path) -> list[dict[str, object]]:
    root = Path(f"{db_path}-spool")
    return [
        json.loads(line)
        for f in sorted(root.glob("*/*.jsonl"))
        if not f.name.startswith("rejected")
        for line in f.read_text().splitlines()
        if line.strip()
    ]


def records(db_path: Path, prefix: str) -> dict[str, dict[str, object]]:
    with open_store(load()) as store, store.reading() as view:
        return dict(view.scan(prefix))


def test_post_commit_spools_one_event_and_never_touches_the_database(
    repo: Path, db_path: Path
) -> None:
    tracker("db", "info")  # the database exists: it must stay byte for byte the same
    before = db_path.read_bytes()
    first = commit(
        repo, f"Add parser\n\nBody text.\n\n{CLAUDE}\n", files={"src/a.py": "x = 1\ny = 2\n"}
    )
    second = commit(repo, "Tweak", files={"src/a.py": "x = 1\n"})
    assert db_path.read_bytes() == before
    events = spool_lines(db_path)
    assert [e["type"] for e in events] == ["commit", "commit"]
    assert len({e["id"] for e in events}) == 2
    facts = events[0]["commit"]
    assert isinstance(facts, dict)
    assert facts["hash"] == first and facts["parents"] == []
    assert facts["author_name"] == "Ada Human" and facts["committer_email"] == "ada@example.com"
    assert facts["authored_at"] and facts["committed_at"]
    assert CLAUDE in facts["message"]
    assert (facts["files_changed"], facts["insertions"], facts["deletions"]) == (1, 2, 0)
    assert facts["branch"] == "main"
    assert events[0]["project"] == str(repo)
    second_facts = events[1]["commit"]
    assert isinstance(second_facts, dict)
    assert second_facts["parents"] == [first] and second_facts["hash"] == second
    assert (second_facts["insertions"], second_facts["deletions"]) == (0, 1)
    spool_dir = next(Path(f"{db_path}-spool").iterdir())
    assert oct(spool_dir.stat().st_mode & 0o777) == "0o700"
    assert not str(spool_dir).startswith(str(repo))


def test_pre_push_flushes_everything_in_one_transaction(repo: Path, db_path: Path) -> None:
    hashes = [commit(repo, f"change {i}\n\n{CLAUDE}\n") for i in range(5)]
    human = commit(repo, "a human change")
    git(repo, "push", "-q", "origin", "HEAD:main")
    assert spool_lines(db_path) == []
    commits = records(db_path, "commit:")
    assert set(commits) == {keys.commit(str(repo), h) for h in [*hashes, human]}
    agent = records(db_path, "agent:")[keys.agent("claude-code")]
    assert agent["total_commits"] == 5 and agent["model"] == "Claude Opus 4.5"
    assert commits[keys.commit(str(repo), human)]["kind"] == "human"
    project = records(db_path, "project:")[keys.project(str(repo))]
    assert project["remote_url"] and project["tracked_files"] == 6


def test_five_commits_by_one_agent_write_its_key_once(repo: Path, db_path: Path) -> None:
    for i in range(5):
        commit(repo, f"change {i}\n\n{CLAUDE}\n")
    config = load()
    spool_dir = next(Path(f"{db_path}-spool").iterdir())
    with open_store(config) as store:
        result = flush_repo(store, str(spool_dir))
    # 5 commit records, their 5 digests and 5 timeline keys + 1 agent + 1 project + 1 batch
    # marker: the agent is put once.
    assert result.events == 5 and result.puts == 18
    assert result.outcome.agents == {"claude-code"}


def test_pre_push_under_pre_commit_flushes_whatever_refs(repo: Path, db_path: Path) -> None:
    head = commit(repo, "one")
    env = {
        "PRE_COMMIT_FROM_REF": "0" * 40,
        "PRE_COMMIT_TO_REF": head,
        "PRE_COMMIT_REMOTE_NAME": "origin",
        "PRE_COMMIT_REMOTE_URL": "x",
    }
    tracker("hook", "pre-push", cwd=repo, env=env, input="")
    assert spool_lines(db_path) == []
    assert len(records(db_path, "commit:")) == 1


def test_amend_is_counted_once_under_its_new_hash_and_keeps_its_agent(
    repo: Path, db_path: Path
) -> None:
    old = commit(repo, "agent work", env={"CLAUDECODE": "1"})
    tracker("grade", "--agent-grade", "good", "--user-grade", "good", cwd=repo)
    git(repo, "commit", "-q", "--amend", "-m", "agent work, reworded by a human")
    new = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "push", "-q", "origin", "HEAD:main")
    commits = records(db_path, "commit:")
    assert list(commits) == [keys.commit(str(repo), new)]
    moved = commits[keys.commit(str(repo), new)]
    assert moved["agent_id"] == "claude-code" and moved["rewritten_from"] == [old]
    assert moved["subject"] == "agent work, reworded by a human"
    agent = records(db_path, "agent:")[keys.agent("claude-code")]
    assert agent["total_commits"] == 1 and agent["communication_score"] == 64
    assert list(records(db_path, "retrospective:")) == [
        keys.retrospective("claude-code", str(repo), new)
    ]
    assert all(v["commit_hash"] == new for v in records(db_path, "communication:").values())


def test_rewrite_after_a_flush_moves_grades_and_bugs(repo: Path, db_path: Path) -> None:
    base = commit(repo, "base")
    old = commit(repo, "feature", env={"CLAUDECODE": "1"})
    tracker("grade", "--agent-grade", "excellence", "--user-grade", "good", cwd=repo)
    tracker("bug", "--commit", old, "--note", "broke it", cwd=repo)
    git(repo, "push", "-q", "origin", "HEAD:main")
    git(repo, "rebase", "-q", "--exec", "true", "--force-rebase", base)
    new = git(repo, "rev-parse", "HEAD").strip()
    assert new != old
    git(repo, "push", "-q", "--force", "origin", "HEAD:main")
    commits = records(db_path, "commit:")
    assert keys.commit(str(repo), old) not in commits
    assert commits[keys.commit(str(repo), new)]["agent_id"] == "claude-code"
    assert records(db_path, "agent:")[keys.agent("claude-code")]["total_commits"] == 1
    assert list(records(db_path, "retrospective:")) == [
        keys.retrospective("claude-code", str(repo), new)
    ]
    assert [b["commit"] for b in records(db_path, "bug:").values()] == [new]


def test_session_names_the_agent_and_end_flushes(repo: Path, db_path: Path) -> None:
    tracker(
        "session", "start", "--agent", "my-bot", "--model", "m-1", "--setup", "strict", cwd=repo
    )
    shown = json.loads(tracker("session", "show", "--json", cwd=repo).stdout)
    assert shown["agent"] == "my-bot" and shown["setup"] == "strict"
    commit(repo, "session work")
    ended = tracker("session", "end", cwd=repo).stdout
    assert "1 event(s) flushed" in ended
    record = next(iter(records(db_path, "commit:").values()))
    assert (record["agent_id"], record["model"], record["setup"]) == ("my-bot", "m-1", "strict")
    commit(repo, "after the session")
    assert spool_lines(db_path)[0]["session"] is None
    assert "no active session" in tracker("session", "show", cwd=repo).stdout


def test_hooks_never_break_git_and_nothing_is_lost(
    repo: Path, db_path: Path, tmp_path: Path
) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(b"this is not a database" * 100)
    commit(repo, "kept safe")
    push = run_git(repo, "push", "origin", "HEAD:main")
    assert push.returncode == 0
    warnings = [line for line in push.stderr.splitlines() if "agent-git-tracker" in line]
    assert len(warnings) == 1 and "warning" in warnings[0] and "not an LMDB" in warnings[0]
    assert len(spool_lines(db_path)) == 1  # still waiting
    db_path.unlink()
    commit(repo, "second")
    git(repo, "push", "-q", "origin", "HEAD:main")
    assert len(records(db_path, "commit:")) == 2 and spool_lines(db_path) == []


def test_strict_mode_fails_the_hook(repo: Path, db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(b"x" * 5000)
    commit(repo, "one")
    result = tracker("hook", "pre-push", "--strict", cwd=repo, input="", check=False)
    assert result.returncode == 1 and "error" in result.stderr
    outside = tracker("hook", "post-commit", cwd=repo.parent, check=False)
    assert outside.returncode == 0 and outside.stderr.count("\n") == 1
    strict = tracker("hook", "post-commit", "--strict", cwd=repo.parent, check=False)
    assert strict.returncode == 1


def test_corrupt_spool_lines_are_set_aside_and_reported(repo: Path, db_path: Path) -> None:
    commit(repo, "good one")
    events = next(Path(f"{db_path}-spool").glob("*/events.jsonl"))
    with events.open("a") as f:
        f.write('{"id": "x", "type": "commit", "truncat')  # power loss mid-line
    commit(repo, "good two")
    lines = events.read_text().splitlines()
    assert len(lines) == 3 and lines[2].startswith('{"id"')
    out = json.loads(tracker("flush", "--json", cwd=repo).stdout)
    flushed = out["repositories"][0]
    assert flushed["events"] == 2 and flushed["rejected_lines"] == 1
    assert Path(flushed["rejected_file"]).read_text().startswith('{"id": "x"')
    assert len(records(db_path, "commit:")) == 2


def test_flush_all_covers_every_repository(repo: Path, db_path: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    git(tmp_path, "init", "-q", str(other))
    commit(repo, "one", env={"CLAUDECODE": "1"})
    tracker("hook", "post-commit", cwd=other, check=False)  # no HEAD yet: one warning
    commit(other, "two")
    tracker("hook", "post-commit", cwd=other)
    out = json.loads(tracker("flush", "--all", "--json").stdout)
    assert out["events"] == 2
    assert {r["project_path"] for r in records(db_path, "commit:").values()} == {
        str(repo),
        str(other),
    }


def test_malformed_post_rewrite_input_is_reported_not_fatal(repo: Path, db_path: Path) -> None:
    commit(repo, "one")
    result = tracker("hook", "post-rewrite", "amend", cwd=repo, input="garbage line\n")
    assert "malformed" in result.stderr and result.returncode == 0


@pytest.mark.parametrize("marker", ["CLAUDECODE", "CODEX_SANDBOX", "OPENCODE"])
def test_environment_markers_store_names_only(repo: Path, db_path: Path, marker: str) -> None:
    commit(repo, "env", env={marker: "secret-value-123"})
    line = Path(next(Path(f"{db_path}-spool").glob("*/events.jsonl"))).read_text()
    assert marker in line and "secret-value-123" not in line


@pytest.mark.parametrize(
    "poison",
    [
        {"id": "p1", "type": "commit", "time": 1, "project": "/x"},
        {
            "id": "p2",
            "type": "grade",
            "time": 1,
            "project": "/x",
            "commit": "a" * 40,
            "agent_grade": 3,
            "user_grade": 1,
        },
        {"id": "p3", "type": "teleport", "time": 1, "project": "/x"},
        {"id": "p4", "type": "bug", "project": "/x", "agent": "a"},
        {"id": "p5", "type": "rewrite", "time": 1, "project": "/x", "mappings": [["x", 1]]},
        {"id": "p6", "type": "commit", "time": 1, "project": "/x", "commit": "nope"},
    ],
)
def test_events_that_make_no_sense_are_set_aside_and_never_block(
    repo: Path, db_path: Path, poison: dict[str, object]
) -> None:
    commit(repo, "good one")
    events = next(Path(f"{db_path}-spool").glob("*/events.jsonl"))
    with events.open("a") as f:
        f.write(json.dumps(poison) + "\n")
    commit(repo, "good two")
    flushed = json.loads(tracker("flush", "--json", cwd=repo).stdout)["repositories"][0]
    assert flushed["events"] == 2 and flushed["rejected_lines"] == 1
    assert json.loads(Path(flushed["rejected_file"]).read_text())["id"] == poison["id"]
    assert len(records(db_path, "commit:")) == 2


def test_a_broken_config_file_never_blocks_a_commit_or_a_push(
    repo: Path, db_path: Path, hermetic: Path
) -> None:
    config = hermetic / ".config" / "agent-git-tracker" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("max_database_size = \n")
    # The hook never guesses: the event waits in the fallback folder, which any flush adopts.
    assert run_git(repo, "commit", "--allow-empty", "-m", "x").returncode == 0
    push = run_git(repo, "push", "origin", "HEAD:main")
    assert push.returncode == 0, push.stderr
    lines = [x for x in push.stderr.splitlines() if "agent-git-tracker" in x]
    assert len(lines) == 1 and "warning" in lines[0] and "not valid TOML" in lines[0]
    fallback = hermetic / ".local" / "state" / "agent-git-tracker" / "fallback"
    assert len(list(fallback.glob("*/batch-*.jsonl"))) == 1  # waits for a mended file
    config.write_text("max_database_size = '64MiB'\n")
    git(repo, "commit", "-q", "--allow-empty", "-m", "y")
    git(repo, "push", "-q", "origin", "HEAD:main")
    assert len(records(db_path, "commit:")) == 2 and not list(fallback.glob("*/*"))
