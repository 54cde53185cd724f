"""The order of evidence, and what the commit record keeps of it."""

from __future__ import annotations

from pathlib import Path

from agent_git_tracker.attribution.attribute import (
    MISSING_MARKER,
    RECORD_FIELDS,
    SESSION_EVIDENCE,
    attribute,
    record_fields,
)
from agent_git_tracker.attribution.detect import Named
from agent_git_tracker.config.settings import load
from agent_git_tracker.store import keys
from agent_git_tracker.store.db import open_store

from conftest import commit, git, tracker

ALICE = {"author_name": "Alice", "author_email": "alice@example.com"}
TWO = (
    "Add the flag\n\nBody.\n\n"
    "Co-authored-by: OpenAI Codex <noreply@openai.com>\n"
    "Co-authored-by: Claude Opus 4.6 (1M context) <noreply@anthropic.com>\n"
)


def facts(message: str, **who: str) -> dict[str, str]:
    return {**ALICE, "committer_name": "Alice", "committer_email": "alice@example.com", **who,
            "message": message}  # fmt: skip


def test_a_session_claims_only_the_commits_its_agent_s_shell_made() -> None:
    codex = {"agent": "codex", "setup": "default"}
    elsewhere = attribute(facts("mine\n"), codex, {}, [], None)
    assert elsewhere.agent == "human"
    assert elsewhere.evidence == (f"codex session not applied: {MISSING_MARKER}",)
    assert attribute(facts("x\n"), codex, {}, ["CODEX_SANDBOX"], None).agent == "codex"
    assert attribute(facts("x\n"), codex, {}, ["AI_AGENT=codex"], None).agent == "codex"
    assert attribute(facts(TWO), codex, {}, ["CLAUDECODE"], None).agent == "claude-code"
    signed = attribute(facts(TWO), {"agent": "opencode"}, {}, [], None)
    assert signed.agent == "codex" and "opencode session not applied" in signed.evidence[-1]
    aider = attribute(facts("x\n"), {"agent": "aider"}, {}, [], None)
    assert (aider.agent, aider.evidence) == ("aider", (SESSION_EVIDENCE,))  # marks no shell


def test_session_names_the_primary_and_keeps_the_commit_s_agents_and_evidence() -> None:
    session = {"agent": "claude-code", "model": "claude-opus-4-5"}
    found = attribute(facts(TWO), session, {}, ["CLAUDECODE"], None)
    assert (found.agent, found.model, found.confidence) == (
        "claude-code",
        "claude-opus-4-5",
        "high",
    )
    assert found.agents == (Named("claude-code", "claude-opus-4-5"), Named("codex"))
    assert found.evidence[0].startswith("active session")
    assert len(found.evidence) == 3


def test_session_without_a_model_takes_the_commit_s_model_for_its_agent() -> None:
    found = attribute(facts(TWO), {"agent": "claude-code"}, {}, ["CLAUDECODE"], None)
    assert found.model == "Claude Opus 4.6 (1M context)"


def test_environment_marker_then_the_commit() -> None:
    found = attribute(facts(TWO), None, {"model": "gpt-5.2"}, ["CODEX_HOME"], None)
    assert (found.agent, found.model) == ("codex", "gpt-5.2")
    assert found.evidence[0] == "environment CODEX_HOME"
    assert attribute(facts(TWO), None, {}, [], None).agent == "codex"


def test_repository_default_ranks_below_the_commit_and_above_a_subject_hint() -> None:
    hint = facts("Codex/fix the tests (#12)\n")
    assert attribute(hint, None, {}, [], None).confidence == "medium"
    assert attribute(hint, None, {}, [], "aider").agent == "aider"
    assert attribute(facts(TWO), None, {}, [], "aider").agent == "codex"
    dirty = facts("fix\n", committer_name="Alice (aider)")
    assert attribute(dirty, None, {}, [], None).agent == "human"
    assert attribute(dirty, None, {}, [], "cursor").agent == "cursor"


def test_own_agents_reach_the_commit_rules() -> None:
    bot = facts(
        "fix\n", author_name="helper[bot]", author_email="1+helper[bot]@users.noreply.github.com"
    )
    assert attribute(bot, None, {}, [], None).agent == "bot"
    assert attribute(bot, None, {}, [], None, {"helper": ("helper[bot]",)}).agent == "helper"


def test_record_fields() -> None:
    fields = record_fields(
        attribute(facts(TWO), {"agent": "claude-code"}, {}, ["CLAUDECODE"], None)
    )
    assert tuple(fields) == RECORD_FIELDS
    assert fields["model_canonical"] == "claude-opus-4.6"
    assert fields["model_variant"] == "1m-context"
    assert fields["agents"] == [
        {
            "agent_id": "claude-code",
            "model": "Claude Opus 4.6 (1M context)",
            "model_canonical": "claude-opus-4.6",
        },
        {"agent_id": "codex", "model": None, "model_canonical": None},
    ]
    human = record_fields(attribute(facts("fix\n"), None, {}, [], None))
    assert (human["kind"], human["confidence"], human["agents"], human["model_canonical"]) == (
        "human", "high", [], None,
    )  # fmt: skip


def test_the_commit_record_carries_the_new_facts(repo: Path) -> None:
    two = commit(repo, TWO)
    tracker("session", "start", "--agent", "codex", "--model", "openai/gpt-5.2", cwd=repo)
    in_session = commit(repo, "Refactor\n", env={"CODEX_THREAD_ID": "t-1"})  # codex's own shell
    tracker("session", "end", cwd=repo)
    squash = commit(repo, "Codex/add unit tests (#1268)\n\n* Add tests\n")
    git(repo, "commit", "-q", "--allow-empty", "-m", "fix: y", "--author", "Alice <a@example.com>",
        env={"GIT_COMMITTER_NAME": "Alice (aider)"})  # fmt: skip
    dirty = git(repo, "rev-parse", "HEAD").strip()
    tracker("flush", cwd=repo)
    with open_store(load()) as store, store.reading() as view:
        records = {h: view.get(keys.commit(str(repo), h)) for h in (two, in_session, squash, dirty)}
    assert records[two]["agent_id"] == "codex"
    assert [a["agent_id"] for a in records[two]["agents"]] == ["codex", "claude-code"]
    assert records[two]["agents"][1]["model_canonical"] == "claude-opus-4.6"
    assert (records[in_session]["model"], records[in_session]["model_canonical"]) == (
        "openai/gpt-5.2", "gpt-5.2",
    )  # fmt: skip
    assert (records[squash]["agent_id"], records[squash]["confidence"]) == ("codex", "medium")
    assert records[squash]["kind"] == "agent"
    assert records[dirty]["kind"] == "human"
    assert "dirty commit" in records[dirty]["evidence"][0]
