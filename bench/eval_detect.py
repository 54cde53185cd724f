"""Per-agent precision and recall of `detect.from_commit` over the labeled real commits.

Usage, from the repository root: .venv/bin/python -m bench.eval_detect [path/to/dev.jsonl]
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from agent_git_tracker.attribution.agents import AGENT_IDS
from agent_git_tracker.attribution.detect import HUMAN, from_commit

DEV = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "attribution" / "dev.jsonl"
PROSE_ONLY = "prose-only"


@dataclass(frozen=True)
class Scored:
    """One labeled row with what the detector said about it."""

    row: dict[str, str | None]
    agent: str
    model: str | None

    @property
    def label(self) -> str:
        return str(self.row["label_agent"])

    @property
    def findable(self) -> bool:
        """Our agent ids whose label rests on more than prose."""
        return self.label in AGENT_IDS and PROSE_ONLY not in str(self.row["label_basis"])

    @property
    def other(self) -> bool:
        """Predicted as an AI tool outside our agent ids."""
        return self.agent not in (*AGENT_IDS, "bot", "human")

    @property
    def correct(self) -> bool:
        return self.other if self.label == "other-agent" else self.agent == self.label


def score(rows: Iterable[dict[str, str | None]]) -> list[Scored]:
    """Run every row through `from_commit`, a missing answer meaning human."""
    scored = []
    for row in rows:
        found = from_commit(
            str(row["author_name"]),
            str(row["author_email"]),
            str(row["committer_name"]),
            str(row["committer_email"]),
            str(row["message"]),
        )
        found = found or HUMAN
        scored.append(Scored(row, found.agent, found.model))
    return scored


def load(path: Path) -> list[dict[str, str | None]]:
    """The labeled rows of a JSON Lines file."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def ratio(hits: int, total: int) -> str:
    return f"{hits / total:6.1%}" if total else "     -"


def table(scored: list[Scored]) -> list[str]:
    """One line per label: precision over predictions, recall over findable rows."""
    lines = [f"{'label':<12} {'rows':>4} {'predicted':>9} {'precision':>9} {'recall':>7}"]
    for label in (*AGENT_IDS, "other-agent", "bot", "human"):
        rows = [s for s in scored if s.label == label]
        predicted = [s for s in scored if s.agent == label or (label == "other-agent" and s.other)]
        findable = [s for s in rows if s.findable or label not in AGENT_IDS]
        if not rows and not predicted:
            continue
        precision = ratio(sum(s.correct for s in predicted), len(predicted))
        recall = ratio(sum(s.correct for s in findable), len(findable))
        lines.append(f"{label:<12} {len(rows):>4} {len(predicted):>9} {precision:>9} {recall:>7}")
    return lines


def summary(scored: list[Scored]) -> list[str]:
    """Overall agent precision and recall, model accuracy and every miss."""
    as_agent = [s for s in scored if s.agent in AGENT_IDS]
    findable = [s for s in scored if s.findable]
    stated = [s for s in scored if s.row["label_model"] is not None]
    exact = sum(s.model == s.row["label_model"] for s in stated)
    lines = [
        "",
        f"agent precision {ratio(sum(s.correct for s in as_agent), len(as_agent))}"
        f" ({len(as_agent)} predicted as one of our agent ids)",
        f"agent recall    {ratio(sum(s.correct for s in findable), len(findable))}"
        f" ({len(findable)} agent rows not prose-only)",
        f"model accuracy  {ratio(exact, len(stated))} ({exact}/{len(stated)}"
        " rows that state a model)",
        "",
        "misses:",
    ]
    for s in scored:
        wrong_model = s.row["label_model"] is not None and s.model != s.row["label_model"]
        if not s.correct or wrong_model:
            lines.append(
                f"  {s.row['repo']} {str(s.row['sha'])[:10]}: label {s.label}"
                f" ({s.row['label_basis']}), predicted {s.agent}, model {s.model!r}"
            )
    return lines


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEV
    scored = score(load(path))
    print("\n".join([*table(scored), *summary(scored)]))


if __name__ == "__main__":
    main()
