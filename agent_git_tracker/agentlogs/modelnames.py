"""Stand-in for `agent_git_tracker.attribution.modelnames` until that module reaches this branch.

It lives here because `attribution` is still a module (`attribution.py`) on this branch: a
package of the same name beside it would hide it and break every import of `attribute`. On
merge, delete this file and import `canonical_model` from `attribution.modelnames` in
`prices.py` and `join.py`; nothing else depends on it.

Contract (the real module's): the canonical id is lowercase, without a provider prefix or a
date suffix, family and version normalised with dots (`claude-opus-4.5`, `gpt-5-codex`,
`gpt-5.2`); None for empty text.
"""

from __future__ import annotations

import re

_DATE = re.compile(r"-(?:\d{8}|\d{4}-\d{2}-\d{2})$")
_CLAUDE_VERSION = re.compile(r"^(claude-(?:opus|sonnet|haiku))-(\d+)-(\d{1,2})(?=$|-)")


def canonical_model(text: str) -> str | None:
    """`claude-opus-4-5-20251101` → `claude-opus-4.5`, `openai/gpt-5.2` → `gpt-5.2`."""
    name = text.strip().lower().rsplit("/", 1)[-1]
    if not name:
        return None
    return _CLAUDE_VERSION.sub(r"\1-\2.\3", _DATE.sub("", name))
