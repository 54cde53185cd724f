"""One canonical id for a model, whatever wrote its name: a commit trailer, a session, the
environment or an agent's log.

The canonical id is lowercase, without a provider prefix (`openai/`, `vertex_ai/`,
`anthropic.`) or a date suffix, with the version written with dots and the words joined by
hyphens: `Claude Opus 4.6 (1M context)`, `claude-opus-4-6` and `anthropic/claude-opus-4.6`
are all `claude-opus-4.6`; `GPT-5 Codex` is `gpt-5-codex`. What only qualifies a model (a
context size, a reasoning effort) is its variant, kept apart: `1m-context`, `medium`.
"""

from __future__ import annotations

import functools
import re

_MAX = 200  # longer text is no model name
# A parenthesised or bracketed part: "(1M context)", "(claude-sonnet-4-6)", "[1m]".
_GROUP = re.compile(r"\(([^()]*)\)|\[([^\[\]]*)\]")
# A part that is itself an API id: one word with a digit and a hyphen or a slash.
_API_ID = re.compile(r"[a-z][\w.:-]*(?:[-/][\w.:]+)+")
_API_ID_DIGIT = re.compile(r"\d")
# Product names that stand before an API id in parentheses: "Claude (claude-sonnet-4-6)".
_PRODUCTS = frozenset(
    ("", "claude", "claude code", "codex", "openai codex", "codex cli", "aider", "gemini",
     "gemini cli", "cursor", "opencode", "copilot", "github copilot", "amp")
)  # fmt: skip
_EFFORTS = frozenset(("minimal", "low", "medium", "high", "xhigh"))
_CONTEXT = re.compile(r"(\d+[km])(?:[-\s]*(?:tokens?\s*)?context)?")
_CLOUD_PREFIX = re.compile(r"^(?:[a-z]{2,6}\.)?anthropic\.")  # Bedrock: us.anthropic.claude-…
_SUFFIXES = (
    re.compile(r"-v\d+(?::\d+)?$"),  # Bedrock's revision: -v2:0
    re.compile(r"[-@](?:\d{8}|\d{4}-\d{2}-\d{2})$"),  # API date: -20251101, @20251101
)
_SEPARATORS = re.compile(r"[\s_]+|-{2,}")
# Version parts: `4`, `5`, `10`, `0`, but not `06` (a date's month).
_SHORT_NUMBER = re.compile(r"\d|[1-9]\d")
_VERSION = re.compile(r"\d{1,2}(?:\.\d{1,2})?")
_CLAUDE_FAMILIES = frozenset(("opus", "sonnet", "haiku"))
# Words before a model's own name that only say who makes or runs it: "OpenAI GPT-5 Codex",
# "Codex GPT-5". They go when a model family follows ("codex-mini-latest" keeps its "codex").
_LEADING = frozenset(("openai", "anthropic", "google", "github", "codex", "cli", "aider", "cursor"))
_FAMILY = re.compile(r"gpt|o\d+|claude|gemini|grok|llama|qwen|deepseek|kimi|mistral|composer")


def canonical_model(text: str | None) -> str | None:
    """The canonical id of a model name (lowercase, no provider prefix, family and version
    normalised with dots), or None for empty text."""
    found = split_model(text)
    return found[0] if found else None


def model_variant(text: str | None) -> str | None:
    """What qualifies the model without changing it (`1m-context`, `medium`), or None."""
    found = split_model(text)
    return found[1] if found else None


@functools.lru_cache(maxsize=1024)  # a flush meets the same few names again and again
def split_model(text: str | None) -> tuple[str, str | None] | None:
    """(canonical id, variant or None) of a model name; None for empty or overlong text."""
    name = (text or "").strip().lower()
    if not name or len(name) > _MAX:
        return None
    name, variants = _groups(name)
    name, effort = _effort(name)
    variants += effort
    canonical = _normalise(name)
    if not canonical:
        return None
    return canonical, "-".join(variants) or None


def _groups(name: str) -> tuple[str, list[str]]:
    """The name without its parenthesised parts, and the variants among them. A part that is
    an API id (or follows a bare product name) is the model itself."""
    outside = _GROUP.sub(" ", name).strip()
    variants: list[str] = []
    for found in _GROUP.finditer(name):
        inner = (found[1] if found[1] is not None else found[2]).strip()
        is_id = _API_ID.fullmatch(inner) and _API_ID_DIGIT.search(inner)
        if inner and (is_id or " ".join(outside.split()) in _PRODUCTS):
            return _groups(inner)[0], variants
        if inner:
            variants.append(_variant(inner))
    return outside, variants


def _variant(text: str) -> str:
    context = _CONTEXT.fullmatch(text)
    if context:
        return f"{context[1]}-context"
    return "-".join(_SEPARATORS.split(text.replace("-", " ").strip()))


def _effort(name: str) -> tuple[str, list[str]]:
    """`gpt-5.3-codex medium` names the reasoning effort after a space: a variant."""
    head, _, last = name.rpartition(" ")
    if last in _EFFORTS and any(c.isdigit() for c in head):
        return head, [last]
    return name, []


def _normalise(name: str) -> str:
    name = name.rsplit("/", 1)[-1].strip()
    name = _CLOUD_PREFIX.sub("", name, count=1)
    for suffix in _SUFFIXES:
        name = suffix.sub("", name)
    words = [w for w in _SEPARATORS.sub("-", name.strip(" -")).split("-") if w]
    while len(words) > 1 and words[0] in _LEADING and _FAMILY.fullmatch(_letters(words[1])):
        words = words[1:]
    return "-".join(_claude_order(_join_versions(words)))


def _letters(word: str) -> str:
    """The leading letters of a word, with the digits of an `o3`-style name."""
    return word if word[:1] == "o" and word[1:].isdigit() else word.rstrip("0123456789.")


def _join_versions(words: list[str]) -> list[str]:
    """`4`, `5` → `4.5`: consecutive short numbers are one version."""
    joined: list[str] = []
    for word in words:
        previous = joined[-1] if joined else ""
        if _SHORT_NUMBER.fullmatch(word) and _SHORT_NUMBER.fullmatch(previous):
            joined[-1] = f"{previous}.{word}"
        else:
            joined.append(word)
    return joined


def _claude_order(words: list[str]) -> list[str]:
    """Claude's names put the version first up to 3.x (`claude-3.5-sonnet`) and the family
    first from 4 on (`claude-opus-4.5`): either order as written becomes the official one."""
    if len(words) < 3 or words[0] != "claude":
        return words
    first, second = words[1], words[2]
    if first in _CLAUDE_FAMILIES and _VERSION.fullmatch(second):
        family, version = first, second
    elif second in _CLAUDE_FAMILIES and _VERSION.fullmatch(first):
        family, version = second, first
    else:
        return words
    pair = [version, family] if int(version.split(".")[0]) < 4 else [family, version]
    return ["claude", *pair, *words[3:]]
