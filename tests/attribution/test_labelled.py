"""Every labelled real commit of both fixture files through the pure rules, by its label, and
the figures the detector is held to (the same `scoring` that bench/eval_detect.py prints)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agent_git_tracker.attribution.agents import AGENT_IDS
from agent_git_tracker.attribution.attribute import attribute
from agent_git_tracker.attribution.modelnames import canonical_model
from agent_git_tracker.attribution.scoring import NOT_AI, OTHER, Scored, label_of, measure

from conftest import FIXTURES

DEV = FIXTURES / "attribution" / "dev.jsonl"
REALWORLD = FIXTURES / "attribution" / "realworld-dev.jsonl"


def rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def ids(path: Path) -> list[str]:
    return [str(row.get("sha") or row.get("hash"))[:10] for row in rows(path)]


def scored(row: dict[str, Any]) -> Scored:
    found = attribute(row, None, {}, [], None)
    return Scored(label_of(row), found.agent, found.model, found.confidence)


@pytest.mark.parametrize(
    "row",
    [*rows(DEV), *rows(REALWORLD)],
    ids=[*ids(DEV), *ids(REALWORLD)],
)
def test_each_labelled_commit(row: dict[str, Any]) -> None:
    found = attribute(row, None, {}, [], None)
    label = label_of(row)
    if label.agent in NOT_AI:
        assert found.kind == "bot" if label.agent == "bot" else found.agent == "human"
    elif label.agent == OTHER or label.agent not in AGENT_IDS:
        assert found.kind == "agent" and found.agent not in AGENT_IDS  # AI work, not ours
    elif label.marked and row.get("confidence", "high") == "high":
        assert found.agent == label.agent
    else:  # subject only, or prose only: found as the label at medium, or not at all
        assert found.agent in (label.agent, "human")
    if found.agent == label.agent and "confidence" in row:
        assert found.confidence == row["confidence"]
        assert [n.agent for n in found.agents] == row["agents"]
        named = {n.agent: canonical_model(n.model) for n in found.agents}
        for agent, model in row["models"].items():
            assert named[agent] == canonical_model(model)
    if label.model:
        assert canonical_model(found.model) == canonical_model(label.model)


@pytest.mark.parametrize("path", [DEV, REALWORLD], ids=["dev", "realworld-dev"])
def test_the_targets(path: Path) -> None:
    figures = measure([scored(row) for row in rows(path)])
    assert figures.precision.value >= 0.99, figures.precision
    assert figures.recall.value >= 0.95, figures.recall
    assert figures.human_is_ai.value <= 0.01, figures.human_is_ai
    assert (figures.ai_as_human, figures.ai_as_bot) == (0, 0)
    assert figures.model.value >= 0.95, figures.model
    assert figures.model.total >= 15
    assert figures.meets()


def test_the_fixture_copies_are_the_shared_ones() -> None:
    """The tests carry their fixtures; they must stay the labelled files the README names."""
    assert len(rows(REALWORLD)) == 1317 and len(rows(DEV)) == 165
    assert sum(len(row["agents"]) > 1 for row in rows(REALWORLD)) >= 10
