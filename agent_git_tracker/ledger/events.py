"""Spooled events as the ledger reads them: which can be applied, and their text made safe."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agent_git_tracker.ledger.overlay import Record
from agent_git_tracker.models import GRADE_LABELS

_HEX = frozenset("0123456789abcdef")


_NEEDS: dict[str, tuple[str, ...]] = {
    "commit": ("commit",),
    "rewrite": ("mappings",),
    "grade": ("commit", "agent_grade", "user_grade"),
    "bug": ("agent",),
    "activity": ("agent",),
    "resume": ("agent",),
    "tool": ("agent",),
    "command": ("agent",),
}


def problem(event: Record) -> str | None:
    """Why an event cannot be applied (set aside instead of blocking every flush), or None."""
    kind = event.get("type")
    if kind not in _NEEDS:
        return f"unknown event type {kind!r}"
    missing = [f for f in _NEEDS[kind] if event.get(f) in (None, "")]
    checks: list[tuple[Callable[[], bool], str]] = [
        (lambda: isinstance(event.get("time"), int | float), "no time"),
        (lambda: isinstance(event.get("project"), str), "no project"),
        (lambda: not missing, f"a {kind} event without {', '.join(missing)}"),
        (lambda: kind != "commit" or _is_hash(event["commit"].get("hash")), "no commit hash"),
        (
            lambda: (
                kind != "grade"
                or {event["agent_grade"], event["user_grade"]} <= GRADE_LABELS.keys()
            ),
            "an unknown grade",
        ),
        (
            lambda: (
                kind != "rewrite"
                or all(len(p) == 2 and all(map(_is_hash, p)) for p in event["mappings"])
            ),
            "a malformed rewrite mapping",
        ),
    ]
    try:
        return next((reason for test, reason in checks if not test()), None)
    except (AttributeError, TypeError):
        return f"a malformed {kind} event"


def _is_hash(value: Any) -> bool:
    return isinstance(value, str) and len(value) in (40, 64) and set(value) <= _HEX


def clean(text: Any) -> Any:
    """Text safe to store: lone surrogates (undecodable bytes in git data) become U+FFFD."""
    if isinstance(text, str):
        return text if text.isascii() else text.encode("utf-8", "replace").decode("utf-8")
    if isinstance(text, dict):
        return {k: clean(v) for k, v in text.items()}
    if isinstance(text, list):
        return [clean(v) for v in text]
    return text
