"""The labelled real commits, replayed as real commits through the real post-commit hook,
flushed, and measured on what the database holds."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agent_git_tracker.attribution.agents import AGENT_IDS
from agent_git_tracker.attribution.scoring import measure
from agent_git_tracker.config.settings import load
from agent_git_tracker.store import keys
from agent_git_tracker.store.db import open_store

from conftest import FIXTURES, git, replay, scored, tracker

DEV = FIXTURES / "attribution" / "dev.jsonl"
REALWORLD = FIXTURES / "attribution" / "realworld-dev.jsonl"
SOURCE = Path(__file__).resolve().parents[2]
# The real post-commit hook, run the direct way (`githooks/post-commit` runs the same `main`),
# without `site`: the hook path needs nothing outside the standard library, and skipping the
# test environment's editable-install finder halves each commit's cost over a long replay.
HOOK = """#!/bin/sh
PYTHONPATH={source} exec "{python}" -S -c 'import sys
from agent_git_tracker.__main__ import main
sys.exit(main())' hook post-commit
"""


@pytest.fixture
def replay_repo(repo: Path) -> Path:
    hook = repo / ".git" / "hooks" / "post-commit"
    hook.write_text(HOOK.format(source=SOURCE, python=sys.executable))
    return repo


def recorded(repo: Path, path: Path) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """Each row of a fixture file with the commit record the hooks and a flush made of it."""
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    for row in rows:
        replay(repo, row, repo.parent / "message.txt")
    hashes = git(repo, "rev-list", "--reverse", "HEAD").split()
    assert len(hashes) == len(rows)
    tracker("flush", cwd=repo)
    with open_store(load()) as store, store.reading() as view:
        found = [view.get(keys.commit(str(repo), h)) for h in hashes]
    assert all(found), "every commit is recorded"
    for row, record in zip(rows, found, strict=True):
        assert record is not None
        yield row, record


def test_dev_commits_through_the_hooks(replay_repo: Path) -> None:
    pairs = list(recorded(replay_repo, DEV))
    figures = measure([scored(row, record) for row, record in pairs])
    assert figures.meets(), figures
    for row, record in pairs:
        if row["label_agent"] in ("human", "bot"):
            assert record["agent_id"] == row["label_agent"] or record["agent_id"] not in AGENT_IDS
        if row["label_model"] and record["agent_id"] == row["label_agent"]:
            assert record["model"] == row["label_model"]  # the model as written, kept


@pytest.mark.slow
def test_realworld_commits_through_the_hooks(replay_repo: Path) -> None:
    pairs = list(recorded(replay_repo, REALWORLD))
    figures = measure([scored(row, record) for row, record in pairs])
    assert figures.precision.value >= 0.99, figures.precision
    assert figures.recall.value >= 0.95, figures.recall
    assert figures.human_is_ai.value <= 0.01, figures.human_is_ai
    assert (figures.ai_as_human, figures.ai_as_bot) == (0, 0)
    assert figures.model.value >= 0.95, figures.model
    two = [(row, record) for row, record in pairs if len(row["agents"]) > 1]
    assert len(two) >= 10
    assert all([a["agent_id"] for a in rec["agents"]] == row["agents"] for row, rec in two)
    medium = [record for row, record in pairs if row["confidence"] == "medium"]
    assert sum(record["confidence"] == "medium" for record in medium) >= len(medium) - 1
    dirty = [rec for row, rec in pairs if row["note"].startswith('committer "(aider)" only')]
    assert dirty and all(rec["kind"] == "human" for rec in dirty)
    assert all("dirty commit" in " ".join(rec["evidence"]) for rec in dirty)
