"""Which agent made a commit: pure rules over a commit's identities, trailers and footers.

Allowlist only. Each agent's published conventions sit in the tables below; anything they do
not name is a human, except non-AI automation authors (dependabot, renovate…), which are `bot`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass

from agent_git_tracker.attribution.agents import AGENT_IDS


@dataclass(frozen=True)
class Attribution:
    """Who made a commit, the model when the commit states it, and what matched."""

    agent: str
    model: str | None
    evidence: tuple[str, ...]

    @property
    def kind(self) -> str:
        """`agent`, `bot` or `human`."""
        return self.agent if self.agent in ("bot", "human") else "agent"


HUMAN = Attribution("human", None, ())


@dataclass(frozen=True)
class _Convention:
    """How one tool signs the commits it makes, as author, committer or co-author."""

    agent: str
    emails: tuple[str, ...] = ()  # exact addresses, or "@domain" for any address there
    logins: tuple[str, ...] = ()  # GitHub logins, seen as NNN+login@users.noreply.github.com
    name: str = ""  # regex matched against the whole name, case-insensitively
    model: str = ""  # regex matched against the whole name; group "model" is the stated model


_CONVENTIONS = (
    _Convention(
        "claude-code",
        emails=("noreply@anthropic.com", "claude@anthropic.com"),
        logins=("claude[bot]",),
        # Claude Code names the model family in the co-author name: "Claude Opus 4.5".
        model=r"(?P<model>claude\s+(?!code$).+)",
    ),
    _Convention(
        "codex",
        emails=("codex@openai.com",),
        logins=("chatgpt-codex-connector[bot]", "openai-codex[bot]"),
        name=r"(openai\s+)?codex\b.*",
        model=r"(openai\s+)?codex\b[^(]*\((?P<model>.+)\)",
    ),
    _Convention(
        "opencode",
        emails=("noreply@opencode.ai",),
        logins=("opencode-agent[bot]",),
    ),
    _Convention(
        "aider",
        # aider appends " (aider)" to the user's own name, or co-authors as "aider (<model>)".
        name=r".+\s\(aider\)|aider\s+\(.+\)",
        model=r"aider\s+\((?P<model>.+)\)",
    ),
    _Convention("cursor", emails=("cursoragent@cursor.com",), logins=("cursor[bot]",)),
    _Convention(
        "copilot",
        emails=("copilot@github.com",),
        logins=("copilot", "copilot-swe-agent[bot]"),
    ),
    _Convention(
        "gemini-cli",
        emails=("@gemini.google.com",),
        logins=("gemini-cli",),
        name=r"gemini\s+cli\b.*",
        model=r"gemini\b[^(]*\((?P<model>.+)\)",
    ),
    _Convention("amp", emails=("amp@ampcode.com",)),
    _Convention("devin", logins=("devin-ai-integration[bot]",)),
    _Convention("jules", logins=("google-labs-jules[bot]",)),
)

# AI tools outside AGENT_IDS: named by their own lowercase name, never counted as `bot`.
_OTHER_AI = (
    _Convention("coderabbitai", logins=("coderabbitai[bot]",)),
    _Convention("factory-droid", logins=("factory-droid[bot]",)),
    _Convention("firebender", emails=("help@firebender.com",)),
    _Convention("grok", emails=("grok@x.ai",)),
    _Convention("termai", emails=("noreply@termai.io",)),
)

# Tool names as written in `Assisted-by: Tool:model`, `Made-with: Tool`, "Generated with Tool".
_TOOL_NAMES = {
    "claude": "claude-code",
    "claude code": "claude-code",
    "codex": "codex",
    "openai codex": "codex",
    "opencode": "opencode",
    "aider": "aider",
    "cursor": "cursor",
    "copilot": "copilot",
    "github copilot": "copilot",
    "gemini": "gemini-cli",
    "gemini cli": "gemini-cli",
    "amp": "amp",
    "devin": "devin",
    "jules": "jules",
    "replit": "replit",
    "windsurf": "windsurf",
}

# Trailers that name the agent by their token alone: token -> (agent, regex for the value).
_MARKER_TRAILERS = {
    "replit-commit-author": ("replit", r"agent|assistant"),
    "agent-logs-url": ("copilot", r"https://github\.com/\S+/sessions/\S+"),
    "amp-thread-id": ("amp", r"\S+"),
}
_TOOL_TRAILERS = ("assisted-by", "made-with")

# Non-AI automation, besides any remaining `*[bot]`, `*-bot` or `* Bot` identity.
_AUTOMATION_EMAILS = ("github-actions@github.com", "actions@users.noreply.github.com")
_AUTOMATION_NAME = re.compile(r".*(\[bot\]|[-_\s]bot)|github-actions|dependabot|renovate", re.I)

_TRAILER = re.compile(r"(?P<key>[A-Za-z][A-Za-z0-9-]*):[ \t]*(?P<value>\S.*?)\s*")
_PERSON = re.compile(r"(?P<name>.*?)\s*<(?P<email>[^<>]*)>")
_TOOL_VALUE = re.compile(r"(?P<tool>[^:]+?)\s*(?::\s*(?P<model>\S+).*)?")
_GENERATED_WITH = re.compile(
    r"(?:\W+\s*)?generated with \[?(?P<tool>[^\]()]+?)\]?(?:\(\S*\))?\.?", re.I
)
_AIDER_SUBJECT = re.compile(r"aider: \S")
_GITHUB_NOREPLY = re.compile(r"(?:\d+\+)?(?P<login>[^@]+)@users\.noreply\.github\.com")

# Strength of a signal: the commit's own identities beat trailers, which beat footers.
_IDENTITY, _TRAILER_RANK, _FOOTER = 0, 1, 2


@dataclass(frozen=True)
class _Match:
    rank: int
    agent: str
    model: str | None
    evidence: str


def _login(email: str) -> str | None:
    found = _GITHUB_NOREPLY.fullmatch(email)
    return found["login"] if found else None


def _email_matches(convention: _Convention, email: str, name: str) -> bool:
    domain = "@" + email.partition("@")[2]
    if email in convention.emails or domain in convention.emails:
        return True
    login = _login(email) or (name.lower() if name.lower().endswith("[bot]") else None)
    return login in convention.logins


@functools.lru_cache(maxsize=4096)  # a flush meets the same few people again and again
def _identify(name: str, email: str) -> tuple[str, str | None] | None:
    """The tool a name and email belong to, and the model its name states; emails first."""
    email = email.strip().lower()
    tables = (*_CONVENTIONS, *_OTHER_AI)
    found = next((c for c in tables if _email_matches(c, email, name)), None)
    found = found or next((c for c in tables if c.name and re.fullmatch(c.name, name, re.I)), None)
    if found is None:
        return None
    stated = re.fullmatch(found.model, name, re.I) if found.model else None
    return found.agent, stated["model"] if stated else None


def _identity_matches(role: str, name: str, email: str) -> Iterator[_Match]:
    identified = _identify(name.strip(), email)
    if identified:
        yield _Match(_IDENTITY, *identified, f"{role} {name} <{email}>")


def _trailer_agent(key: str, value: str) -> tuple[str, str | None] | None:
    """The tool one trailer names, and the model it states."""
    person = _PERSON.fullmatch(value)
    if key == "co-authored-by" and person:
        return _identify(person["name"], person["email"])
    if key in _MARKER_TRAILERS:
        agent, pattern = _MARKER_TRAILERS[key]
        return (agent, None) if re.fullmatch(pattern, value, re.I) else None
    tool = _TOOL_VALUE.fullmatch(value) if key in _TOOL_TRAILERS else None
    named = _TOOL_NAMES.get(tool["tool"].lower()) if tool else None
    return (named, tool["model"]) if tool and named else None


def _trailer_matches(line: str) -> Iterator[_Match]:
    trailer = _TRAILER.fullmatch(line)
    found = trailer and _trailer_agent(trailer["key"].lower(), trailer["value"])
    if found:
        yield _Match(_TRAILER_RANK, *found, f"trailer {line.strip()}")


def _footer_matches(line: str) -> Iterator[_Match]:
    generated = _GENERATED_WITH.fullmatch(line.strip())
    agent = _TOOL_NAMES.get(generated["tool"].strip().lower()) if generated else None
    if agent:
        yield _Match(_FOOTER, agent, None, f"footer {line.strip()}")


def _message_matches(message: str) -> Iterator[_Match]:
    lines = message.splitlines()
    if lines and _AIDER_SUBJECT.match(lines[0]):
        yield _Match(_FOOTER, "aider", None, 'subject prefix "aider: "')
    for line in lines:
        yield from _trailer_matches(line)
        yield from _footer_matches(line)


@functools.lru_cache(maxsize=4096)
def _is_automation(name: str, email: str) -> bool:
    email = email.strip().lower()
    local = _login(email) or email.partition("@")[0]
    return email in _AUTOMATION_EMAILS or any(
        _AUTOMATION_NAME.fullmatch(text) for text in (name.strip(), local)
    )


def _strongest(matches: list[_Match]) -> _Match:
    # Our own agent ids win a tie over other AI tools; then the earliest signal.
    return min(matches, key=lambda m: (m.rank, m.agent not in AGENT_IDS))


def from_commit(
    author_name: str,
    author_email: str,
    committer_name: str,
    committer_email: str,
    message: str,
) -> Attribution | None:
    """Agent or bot evidence carried by the commit itself; None when there is none.

    The evidence is the commit's identities, trailers and footers.
    """
    author = list(_identity_matches("author", author_name, author_email))
    matches = sorted(
        [
            *author,
            *_identity_matches("committer", committer_name, committer_email),
            *_message_matches(message),
        ],
        key=lambda m: m.rank,
    )
    evidence = tuple(dict.fromkeys(m.evidence for m in matches))
    if not author and _is_automation(author_name, author_email):
        return Attribution("bot", None, (f"author {author_name} <{author_email}>", *evidence))
    if not matches:
        return None
    agent = _strongest(matches).agent
    model = next((m.model for m in matches if m.agent == agent and m.model), None)
    return Attribution(agent, model, evidence)


# Marker names in order of preference; a name ending in "_" is a prefix.
_ENVIRONMENT_MARKERS = (
    ("CLAUDECODE", "claude-code"),
    ("CODEX_", "codex"),
    ("GEMINI_CLI", "gemini-cli"),
    ("OPENCODE", "opencode"),
    ("CURSOR_AGENT", "cursor"),
    ("AMP_CURRENT_THREAD_ID", "amp"),
)


def _environment_agent(entry: str) -> tuple[int, str] | None:
    """The agent an entry names, with its preference: AI_AGENT names it outright, so it wins."""
    if entry.startswith("AI_AGENT="):
        named = entry.partition("=")[2]
        return (-1, named) if named in AGENT_IDS else None
    for preference, (marker, agent) in enumerate(_ENVIRONMENT_MARKERS):
        if entry == marker or (marker.endswith("_") and entry.startswith(marker)):
            return preference, agent
    return None


def from_environment(marker_names: Collection[str]) -> Attribution | None:
    """The agent named by agent marker environment variable NAMES seen at commit time.

    CLAUDECODE -> claude-code, any CODEX_* -> codex, GEMINI_CLI -> gemini-cli, OPENCODE ->
    opencode, CURSOR_AGENT -> cursor, AMP_CURRENT_THREAD_ID -> amp; also entries of the form
    "AI_AGENT=<agent id>" (kept only for a known agent id). None when nothing matches.
    """
    found = sorted((named, entry) for entry in marker_names if (named := _environment_agent(entry)))
    if not found:
        return None
    return Attribution(found[0][0][1], None, tuple(f"environment {entry}" for _, entry in found))
