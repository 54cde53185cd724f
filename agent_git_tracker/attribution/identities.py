"""Whose identity a name and email are: each AI tool's published signature as author,
committer or co-author, the user's own agents from the configuration, and non-AI automation.

Allowlist only. Emails are matched before names: an address is the tool's own, a name can be
anyone's (`Claude Brisson`, `Devin J. Pohly` are people).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Convention:
    """How one tool signs the commits it makes, as author, committer or co-author."""

    agent: str
    emails: tuple[str, ...] = ()  # exact addresses, or "@domain" for any address there
    logins: tuple[str, ...] = ()  # GitHub logins, seen as NNN+login@users.noreply.github.com
    name: str = ""  # regex matched against the whole name, case-insensitively
    models: tuple[str, ...] = ()  # regexes against the whole name; group "model" is the model
    # The vendor's own domains, which count only with the product's (or its model's) name:
    # "Claude <anything@anthropic.com>" is Claude Code, "Jane Doe <jane@anthropic.com>" is Jane.
    domains: tuple[str, ...] = ()
    product: str = ""


CONVENTIONS = (
    Convention(
        "claude-code",
        emails=(
            "noreply@anthropic.com",
            "claude@anthropic.com",
            "claude-code@anthropic.com",
            "support@anthropic.com",
        ),
        logins=("claude[bot]",),
        # Claude Code names the model in the co-author name: "Claude Opus 4.5".
        models=(r"(?P<model>claude\s+(?!code$).+)",),
        domains=("anthropic.com",),
        product=r"claude(?:\s+(?:code|opus|sonnet|haiku|instant|\d)\b.*|\s*\(.*\))?",
    ),
    Convention(
        "codex",
        emails=("codex@openai.com", "noreply@openai.com"),
        logins=("chatgpt-codex-connector[bot]", "openai-codex[bot]"),
        name=r"(openai\s+)?codex\b.*",
        # "Codex (gpt-5.3-codex medium)", "Codex GPT-5", "GPT-5 Codex", "OpenAI GPT-5 Codex".
        models=(
            r"(?:openai\s+)?codex\b[^(]*\((?P<model>.+)\)",
            r"(?:openai\s+)?codex\s+(?P<model>(?:gpt|o\d)\S*.*)",
            r"(?:openai\s+)?(?P<model>(?:gpt|o\d)\S*.*)",
        ),
        domains=("openai.com",),
        product=r"(?:openai\s+)?(?:codex|gpt|o\d)\b.*",
    ),
    Convention(
        "opencode",
        emails=("noreply@opencode.ai",),
        # OhMyOpenCode's agent, Sisyphus, signs as itself or commits as its GitHub account.
        logins=("opencode-agent[bot]", "sisyphus-dev-ai"),
        name=r"sisyphus",
        domains=("opencode.ai", "sisyphuslabs.ai"),
        product=r"(?:opencode|sisyphus)\b.*",
    ),
    Convention(
        "aider",
        # aider appends " (aider)" to the user's own name, or co-authors as "aider (<model>)".
        name=r".+\s\(aider\)|aider\s+\(.+\)",
        models=(r"aider\s+\((?P<model>.+)\)",),
        domains=("aider.chat",),
        product=r"aider\b.*",
    ),
    Convention(
        "cursor",
        emails=("cursoragent@cursor.com", "composer@cursor.com"),
        logins=("cursor[bot]",),
        # Cursor co-authors as its model when the model is its own: "Composer <…@cursor.com>".
        models=(r"(?!cursor\b)(?P<model>.+)",),
        domains=("cursor.com",),
        product=r"(?:cursor|composer)\b.*",
    ),
    Convention("copilot-autofix", name=r"copilot\s+autofix\b.*"),
    Convention(
        "copilot",
        emails=("copilot@github.com",),
        logins=("copilot", "copilot-swe-agent[bot]"),
    ),
    Convention(
        "gemini-cli",
        emails=("@gemini.google.com",),
        logins=("gemini-cli",),
        name=r"gemini\s+cli\b.*",
        models=(r"gemini\b[^(]*\((?P<model>.+)\)",),
    ),
    Convention("amp", emails=("amp@ampcode.com",), domains=("ampcode.com",), product=r"amp\b.*"),
    Convention("devin", logins=("devin-ai-integration[bot]",)),
    Convention("jules", logins=("google-labs-jules[bot]",)),
    # AI products that commit as bots (agents.AI_PRODUCT_IDS).
    Convention("seer", logins=("seer-by-sentry[bot]", "sentry-autofix[bot]")),
    Convention(
        "sentry-junior",
        emails=("junior@sentry.io", "junior[bot]@sentry.io"),
        logins=("sentry-junior[bot]",),
    ),
    Convention("coderabbit", logins=("coderabbitai[bot]",)),
    Convention("antigravity", name=r"antigravity(\s*\(.*\))?"),
    Convention("factory-droid", logins=("factory-droid[bot]",)),
    Convention("firebender", emails=("help@firebender.com",)),
    Convention("grok", emails=("grok@x.ai",)),
    Convention("termai", emails=("noreply@termai.io",)),
)

# Non-AI automation, besides any remaining `*[bot]`, `*-bot` or `* Bot` identity.
_AUTOMATION_EMAILS = ("github-actions@github.com", "actions@users.noreply.github.com")
_AUTOMATION_NAME = re.compile(r".*(\[bot\]|[-_\s]bot)|github-actions|dependabot|renovate", re.I)
_GITHUB_NOREPLY = re.compile(r"(?:\d+\+)?(?P<login>[^@]+)@users\.noreply\.github\.com")
_MAX = 320  # an identity longer than this is nobody's signature


def custom(identities: Mapping[str, Iterable[str]] | None) -> tuple[Convention, ...]:
    """Conventions for the user's own agents (`[agents.<id>] identities = [...]`): an entry with
    an `@` is an email (or `@domain`), any other a GitHub login or a whole name."""
    found = []
    for agent, entries in (identities or {}).items():
        values = [e.strip().lower() for e in entries if e.strip()]
        names = [v for v in values if "@" not in v]
        found.append(
            Convention(
                agent,
                emails=tuple(v for v in values if "@" in v),
                logins=tuple(names),
                name="|".join(re.escape(n) for n in names),
            )
        )
    return tuple(found)


def login(email: str) -> str | None:
    """The GitHub login of a GitHub noreply address."""
    found = _GITHUB_NOREPLY.fullmatch(email)
    return found["login"] if found else None


def _email_matches(convention: Convention, email: str, name: str) -> bool:
    host = email.partition("@")[2]
    if email in convention.emails or "@" + host in convention.emails:
        return True
    if host in convention.domains and re.fullmatch(convention.product, name, re.I):
        return True
    handle = login(email) or (name.lower() if name.lower().endswith("[bot]") else None)
    return handle in convention.logins


@functools.lru_cache(maxsize=4096)  # a flush meets the same few people again and again
def identify(
    name: str, email: str, own: tuple[Convention, ...] = ()
) -> tuple[str, str | None] | None:
    """The tool a name and email belong to, and the model its name states; the user's own
    agents first, emails before names."""
    name, email = name.strip(), email.strip().lower()
    if len(name) > _MAX or len(email) > _MAX:
        return None
    tables = (*own, *CONVENTIONS)
    found = next((c for c in tables if _email_matches(c, email, name)), None)
    found = found or next((c for c in tables if c.name and re.fullmatch(c.name, name, re.I)), None)
    if found is None:
        return None
    return found.agent, _stated_model(found, name)


def _stated_model(convention: Convention, name: str) -> str | None:
    for pattern in convention.models:
        stated = re.fullmatch(pattern, name, re.I)
        if stated:
            return stated["model"].strip()
    return None


@functools.lru_cache(maxsize=4096)
def is_automation(name: str, email: str) -> bool:
    """Non-AI automation: dependabot, renovate, github-actions, any other `[bot]`…"""
    email = email.strip().lower()
    local = login(email) or email.partition("@")[0]
    return email in _AUTOMATION_EMAILS or any(
        _AUTOMATION_NAME.fullmatch(text) for text in (name.strip()[:_MAX], local[:_MAX])
    )


def is_aider_suffix(name: str) -> bool:
    """`Name (aider)`: aider's mark on the user's own name, as author or committer."""
    return name.strip().endswith(" (aider)")
