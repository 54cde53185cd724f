"""One canonical model id for every source of a model name: commit trailers, sessions and the
environment, and the API ids in agents' logs."""

from __future__ import annotations

import json

import pytest

from agent_git_tracker.attribution.modelnames import canonical_model, model_variant, split_model

from conftest import FIXTURES


@pytest.mark.parametrize(
    ("text", "canonical", "variant"),
    [
        # commit trailers, as written
        ("Claude Opus 4.6 (1M context)", "claude-opus-4.6", "1m-context"),
        ("Claude Opus 4.6", "claude-opus-4.6", None),
        ("Claude Sonnet 4.5", "claude-sonnet-4.5", None),
        ("Claude Fable 5", "claude-fable-5", None),
        ("Claude (claude-sonnet-4-6)", "claude-sonnet-4.6", None),
        ("GPT-5 Codex", "gpt-5-codex", None),
        ("OpenAI GPT-5 Codex", "gpt-5-codex", None),
        ("Codex GPT-5", "gpt-5", None),
        ("gpt-5.3-codex medium", "gpt-5.3-codex", "medium"),
        ("Composer", "composer", None),
        ("Gemini 3 (gemini-3-pro-preview)", "gemini-3-pro-preview", None),
        ("Kimi-K2.5", "kimi-k2.5", None),
        # sessions and the environment
        ("claude-opus-4-5", "claude-opus-4.5", None),
        ("openai/gpt-5.2", "gpt-5.2", None),
        ("gpt-5.2", "gpt-5.2", None),
        ("gemini/gemini-3-flash-preview", "gemini-3-flash-preview", None),
        ("vertex_ai/gemini-2.5-pro", "gemini-2.5-pro", None),
        ("openrouter/anthropic/claude-3.5-sonnet", "claude-3.5-sonnet", None),
        ("claude-opus-4-6[1m]", "claude-opus-4.6", "1m-context"),
        # API ids from agents' logs
        ("claude-opus-4-5-20251101", "claude-opus-4.5", None),
        ("claude-3-5-sonnet-20241022", "claude-3.5-sonnet", None),
        ("claude-sonnet-4-20250514", "claude-sonnet-4", None),
        ("us.anthropic.claude-3-5-sonnet-20241022-v2:0", "claude-3.5-sonnet", None),
        ("claude-opus-4-5@20251101", "claude-opus-4.5", None),
        ("gpt-5.2-codex", "gpt-5.2-codex", None),
        ("gemini-2.5-pro", "gemini-2.5-pro", None),
        ("models/gemini-2.5-pro", "gemini-2.5-pro", None),
        ("o4-mini", "o4-mini", None),
        ("codex-mini-latest", "codex-mini-latest", None),
        ("gemini-2.5-flash-lite-preview-06-17", "gemini-2.5-flash-lite-preview-06-17", None),
        # either order of Claude's family and version becomes the official one
        ("Claude 3.5 Sonnet", "claude-3.5-sonnet", None),
        ("Claude Sonnet 3.5", "claude-3.5-sonnet", None),
        ("claude-4-opus", "claude-opus-4", None),
    ],
)
def test_canonical_ids(text: str, canonical: str, variant: str | None) -> None:
    assert split_model(text) == (canonical, variant)
    assert (canonical_model(text), model_variant(text)) == (canonical, variant)


@pytest.mark.parametrize("text", [None, "", "   ", "x" * 201])
def test_no_model(text: str | None) -> None:
    assert canonical_model(text) is None
    assert model_variant(text) is None


def test_the_issue_s_separate_rows_become_one() -> None:
    assert canonical_model("Claude Opus 4.6") == canonical_model("Claude Opus 4.6 (1M context)")
    assert canonical_model("gpt-5.2") == canonical_model("openai/gpt-5.2")


def test_canonical_ids_are_fixed_points() -> None:
    """A canonical id read again (from a price table, a report) stays what it is."""
    names = [
        "claude-opus-4.7", "claude-haiku-4.5", "claude-3.5-sonnet", "gpt-5.1-codex-max",
        "gpt-5-nano", "o3", "gemini-3.1-pro-preview", "gemini-2.5-flash-lite", "composer",
    ]  # fmt: skip
    for name in names:
        assert canonical_model(name) == name


def test_every_model_the_labelled_commits_state() -> None:
    """realworld-dev.jsonl states models normalised (aider's as written): the same ids."""
    path = FIXTURES / "attribution" / "realworld-dev.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    stated = {row["model"] for row in rows if row["model"]}
    assert len(stated) >= 15
    for model in stated:
        assert canonical_model(model) == model.rsplit("/", 1)[-1]
