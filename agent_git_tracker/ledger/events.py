"""Spooled events as the ledger reads them: which can be applied, and their text made safe."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agent_git_tracker.ledger.overlay import Record
from agent_git_tracker.models import GRADE_LABELS
from agent_git_tracker.text import utf8

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
    "reassign": ("commits", "agent"),
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
            lambda: kind != "reassign" or all(map(_is_hash, event["commits"])),
            "a malformed commit list",
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


# Paths are bytes: they keep what git gave (lone surrogates for bytes that are not UTF-8), so
# that their keys hold the exact path; the store writes their values in a readable form.
PATH_FIELDS = frozenset(("project", "worktree"))


def clean(text: Any) -> Any:
    """Text safe to store: lone surrogates (undecodable bytes in git data) become U+FFFD."""
    if isinstance(text, str):
        return utf8(text)
    if isinstance(text, dict):
        return {k: clean(v) for k, v in text.items()}
    if isinstance(text, list):
        return [clean(v) for v in text]
    return text


def clean_event(event: Record) -> Record:
    """An event's text made safe to store, its paths kept as they are (see PATH_FIELDS)."""
    return {k: v if k in PATH_FIELDS else clean(v) for k, v in event.items()}
