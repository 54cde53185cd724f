"""Plain data shared by every layer: grades and the constants of the points rules."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from agent_git_tracker.errors import UsageError

Grade = Literal[-1, 1, 2, 5]
GRADE_LABELS: dict[int, str] = {-1: "bad", 1: "neutral", 2: "good", 5: "excellence"}
GRADE_VALUES: dict[str, int] = {label: value for value, label in GRADE_LABELS.items()}


def parse_grade(raw: str | int) -> int:
    """A grade from its number (`-1`, `1`, `2`, `5`) or its label (`bad` … `excellence`)."""
    text = str(raw).strip().lower().lstrip("+")
    if text in GRADE_VALUES:
        return GRADE_VALUES[text]
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value in GRADE_LABELS:
        return value
    choices = ", ".join(f"{v} ({label})" for v, label in GRADE_LABELS.items())
    raise UsageError(f"unknown grade {raw!r}: use one of {choices}")


_PRINTABLE = re.compile(r"[^\x00-\x1f\x7f]{1,200}")


def check_name(value: str | None, what: str = "agent id") -> str:
    """An agent id or a label: 1 to 200 printable characters (stored in keys and in the
    line-based session file, so no control characters)."""
    text = (value or "").strip()
    if not _PRINTABLE.fullmatch(text):
        raise UsageError(f"the {what} must be 1 to 200 printable characters, not {value!r}")
    return text


@dataclass(frozen=True)
class Rules:
    """The constants of the points table. Each can be set under `[rules]` in the config file."""

    new_agent_skill_points: int = 1
    new_agent_experience_points: int = 0
    new_agent_communication_score: int = 60
    commit_experience: int = 5
    grade_experience: int = 1
    level_up_factor: int = 10
    bug_skill_points: int = 1
    resume_skill_points: int = 1
    tool_experience: int = 1
    command_experience: int = 2
    communication_score_floor: int = 0
    grade_points: dict[str, int] = field(
        default_factory=lambda: {"bad": -1, "neutral": 1, "good": 2, "excellence": 5}
    )

    def points(self, grade: int) -> int:
        """How far one grade moves the communication score."""
        return self.grade_points[GRADE_LABELS[grade]]
