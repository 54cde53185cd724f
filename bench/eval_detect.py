"""Attribution against the labelled real commits: per agent precision and recall, and the
figures the detector is held to, for each fixture file.

Usage, from the repository root: .venv/bin/python -m bench.eval_detect [FILE.jsonl ...]
(default: tests/fixtures/attribution/dev.jsonl and realworld-dev.jsonl).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from agent_git_tracker.attribution.attribute import attribute
from agent_git_tracker.attribution.scoring import Scored, label_of, measure, per_label

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "attribution"
FILES = (FIXTURES / "dev.jsonl", FIXTURES / "realworld-dev.jsonl")


def load(path: Path) -> list[dict[str, Any]]:
    """The labelled rows of a JSON Lines file."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def predict(row: Mapping[str, Any]) -> Scored:
    """What attribution says of a row's commit, with nothing but the commit to go on."""
    found = attribute(row, None, {}, [], None)
    return Scored(label_of(row), found.agent, found.model, found.confidence)


def table(scored: list[Scored]) -> list[str]:
    lines = [f"{'label':<16} {'rows':>5}  {'precision':<18} {'recall':<18}"]
    for label, (rows, precision, recall) in per_label(scored).items():
        lines.append(f"{label:<16} {rows:>5}  {precision!s:<18} {recall!s:<18}")
    return lines


def summary(scored: list[Scored]) -> list[str]:
    m = measure(scored)
    medium = [s for s in scored if s.confidence == "medium"]
    return [
        "",
        f"precision over agents named            {m.precision}   (target ≥ 99 %)",
        f"recall over commits with a marker      {m.recall}   (target ≥ 95 %)",
        f"human baseline that is AI work         {m.human_is_ai}   (target ≤ 1 %)",
        f"AI products counted as human / as bot  {m.ai_as_human} / {m.ai_as_bot}   (target 0 / 0)",
        f"left out, agent named in prose only    {sum(not s.label.marked for s in scored)}",
        f"model right (canonical ids)            {m.model}   (target ≥ 95 %)",
        f"confidence medium (subject only)       {len(medium)} commits,"
        f" {sum(s.correct for s in medium)} right",
        f"all targets met: {'yes' if m.meets() else 'NO'}",
    ]


def misses(rows: list[dict[str, Any]], scored: list[Scored]) -> list[str]:
    lines = ["", "misses:"]
    for row, s in zip(rows, scored, strict=True):
        stated = s.label.model is not None
        if not s.correct or (stated and measure([s]).model.hits == 0):
            sha = str(row.get("sha") or row.get("hash"))[:10]
            why = "" if s.label.marked else " [named in prose only: not expected]"
            lines.append(
                f"  {row['repo']} {sha}: label {s.label.agent} model {s.label.model!r},"
                f" got {s.agent} ({s.confidence}) model {s.model!r}{why}"
            )
    return lines


def main() -> None:
    for path in [Path(p) for p in sys.argv[1:]] or FILES:
        rows = load(path)
        scored = [predict(row) for row in rows]
        print(f"== {path.name}: {len(rows)} commits")
        print("\n".join([*table(scored), *summary(scored), *misses(rows, scored)]))
        print()


if __name__ == "__main__":
    main()
