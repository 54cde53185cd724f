"""How well attribution matches labelled commits: the figures the detector is held to.

Pure functions over labelled rows (the two fixture formats of `tests/fixtures/attribution`) and
what attribution said about each, shared by `bench/eval_detect.py` and the tests.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from agent_git_tracker.attribution.agents import AGENT_IDS
from agent_git_tracker.attribution.modelnames import canonical_model

NOT_AI = ("human", "bot")
OTHER = "other-agent"  # dev.jsonl's label for any AI tool outside AGENT_IDS


@dataclass(frozen=True)
class Label:
    """What a labelled row says: the agent (or human, bot), the model stated, and whether the
    commit carries the agent's own marker (dev.jsonl's prose-only rows do not)."""

    agent: str
    model: str | None
    marked: bool


def label_of(row: Mapping[str, Any]) -> Label:
    """The label of a row of either fixture file (`dev.jsonl` or `realworld-dev.jsonl`)."""
    if "label_agent" in row:
        basis = str(row.get("label_basis") or "")
        return Label(str(row["label_agent"]), row.get("label_model"), "prose-only" not in basis)
    return Label(str(row["label"]), row.get("model"), True)


@dataclass(frozen=True)
class Scored:
    """One labelled commit and what attribution said about it."""

    label: Label
    agent: str
    model: str | None
    confidence: str = "high"

    @property
    def correct(self) -> bool:
        if self.label.agent == OTHER:
            return self.agent not in (*AGENT_IDS, *NOT_AI)
        return self.agent == self.label.agent

    @property
    def named(self) -> bool:
        """Attribution named an agent (any AI, ours or not)."""
        return self.agent not in NOT_AI


@dataclass(frozen=True)
class Ratio:
    hits: int
    total: int

    @property
    def value(self) -> float:
        return self.hits / self.total if self.total else 1.0

    def __str__(self) -> str:
        shown = f"{self.value:6.1%}" if self.total else "     -"
        return f"{shown} ({self.hits}/{self.total})"


@dataclass(frozen=True)
class Measures:
    """The figures of one labelled set."""

    precision: Ratio  # right agent among commits attributed to an agent
    recall: Ratio  # right agent among commits that carry a known agent's marker
    human_is_ai: Ratio  # AI work among commits attributed to the human baseline
    ai_as_human: int  # commits of AI products (outside AGENT_IDS) counted as human
    ai_as_bot: int  # … or as plain bot
    model: Ratio  # canonical model right among commits that state one

    def meets(self) -> bool:
        """The targets: precision ≥ 99 %, recall ≥ 95 %, ≤ 1 % of the human baseline AI work,
        no AI product counted as human, the model right on ≥ 95 %."""
        return (
            self.precision.value >= 0.99
            and self.recall.value >= 0.95
            and self.human_is_ai.value <= 0.01
            and self.ai_as_human == 0
            and self.model.value >= 0.95
        )


def _count(scored: Iterable[Scored], hit: Any) -> Ratio:
    rows = list(scored)
    return Ratio(sum(1 for s in rows if hit(s)), len(rows))


def measure(scored: list[Scored]) -> Measures:
    """Every figure over one labelled set. Commits that name their agent in prose only
    (dev.jsonl's prose-only rows) carry no marker: they count in no figure but precision."""
    marked = [s for s in scored if s.label.marked]
    products = [s for s in scored if s.label.agent not in (*AGENT_IDS, *NOT_AI)]
    return Measures(
        precision=_count((s for s in scored if s.named), lambda s: s.correct),
        recall=_count((s for s in marked if s.label.agent in AGENT_IDS), lambda s: s.correct),
        human_is_ai=_count(
            (s for s in marked if s.agent == "human"), lambda s: s.label.agent not in NOT_AI
        ),
        ai_as_human=sum(1 for s in products if s.agent == "human"),
        ai_as_bot=sum(1 for s in products if s.agent == "bot"),
        model=_count(
            (s for s in scored if s.label.model),
            lambda s: canonical_model(s.model) == canonical_model(s.label.model),
        ),
    )


def per_label(scored: list[Scored]) -> dict[str, tuple[int, Ratio, Ratio]]:
    """Per label: rows, precision over rows attributed to it, recall over its marked rows."""
    labels = dict.fromkeys([*AGENT_IDS, *sorted({s.label.agent for s in scored}), *NOT_AI])
    table = {}
    for label in labels:
        rows = [s for s in scored if s.label.agent == label]
        claimed = [s for s in scored if _claims(s, label)]
        if rows or claimed:
            marked = [s for s in rows if s.label.marked]
            table[label] = (
                len(rows),
                _count(claimed, lambda s: s.correct),
                _count(marked, lambda s: s.correct),
            )
    return table


def _claims(scored: Scored, label: str) -> bool:
    if label == OTHER:
        return scored.agent not in (*AGENT_IDS, *NOT_AI)
    return scored.agent == label
