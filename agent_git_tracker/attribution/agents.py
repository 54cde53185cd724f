"""The agent ids this package names on its own (any other name may come from a session), and
the known id a name close to one stands for."""

# Kept free of imports: the post-commit hook and `track` read it.
AGENT_IDS = (
    "claude-code",
    "codex",
    "opencode",
    "aider",
    "cursor",
    "copilot",
    "gemini-cli",
    "amp",
    "devin",
    "jules",
    "replit",
    "windsurf",
)

# AI products that commit under their own (often bot) identity: AI work, never the human
# baseline and never plain `bot`, but not coding agents a user picks for a project.
AI_PRODUCT_IDS = (
    "seer",
    "sentry-junior",
    "copilot-autofix",
    "coderabbit",
    "antigravity",
    "factory-droid",
    "firebender",
    "grok",
    "termai",
)

# Other spellings of the known ids, squashed (lowercase, letters and digits only).
_ALIASES = {
    "claude-code": ("claude", "claudeai", "anthropicclaude", "anthropicclaudecode"),
    "codex": ("openaicodex", "chatgptcodex", "codexcloud"),
    "opencode": ("ohmyopencode", "sst opencode"),
    "copilot": ("githubcopilot", "copilotswe", "copilotsweagent", "copilotcodingagent"),
    "gemini-cli": ("googlegemini", "geminicodeassist"),
    "cursor": ("cursorbackgroundagent", "anysphere"),
    "amp": ("ampcode", "sourcegraphamp"),
    "jules": ("googlejules",),
    "windsurf": ("codeium", "cascade"),
}
_SUFFIXES = ("cli", "agent", "ai", "app", "bot")


def _squash(name: str) -> str:
    return "".join(c for c in name.lower() if c.isalnum())


def _stem(squashed: str) -> str:
    """`codexcli` → `codex`, `cursoragent` → `cursor`: a tool's name without its kind."""
    for suffix in _SUFFIXES:
        if squashed.endswith(suffix) and len(squashed) > len(suffix) + 2:
            return squashed[: -len(suffix)]
    return squashed


def _one_edit_apart(a: str, b: str) -> bool:
    """One letter changed, added, dropped or two swapped (`opencde`, `cluade-code`)."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        swapped = len(diff) == 2 and diff[1] == diff[0] + 1
        return len(diff) == 1 or (swapped and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def known_agent_near(name: str | None) -> str | None:
    """The known agent id a name stands for when it is not that id itself (`claude`,
    `Claude Code`, `codex-cli`, `open-code`); None for a known id or an unrelated name."""
    text = (name or "").strip()
    if not text or text in AGENT_IDS:
        return None
    squashed = _squash(text)
    for known in AGENT_IDS:
        forms = {
            _squash(known),
            _stem(_squash(known)),
            *(_squash(a) for a in _ALIASES.get(known, ())),
        }
        if squashed in forms or _stem(squashed) in forms:
            return known
    if len(squashed) < 6 or text in AI_PRODUCT_IDS:
        return None
    return next((k for k in AGENT_IDS if _one_edit_apart(squashed, _squash(k))), None)


def near_known_warning(name: str | None, where: str) -> str | None:
    """A warning for a name close to a known agent id, saying the name is kept as given."""
    known = known_agent_near(name)
    if known is None:
        return None
    return (
        f"agent {name!r} from {where} looks like the known agent id {known!r}; it is recorded "
        f"as {name!r}, as given (use {known!r} to count its commits with {known}'s)"
    )


# Environment markers an agent sets in its own shell, in order of preference; a name ending in
# "_" is a prefix. Only their names are ever recorded. An agent listed here marks every command
# it runs, so a commit made during its session without its marker came from another terminal.
ENVIRONMENT_MARKERS = (
    ("CLAUDECODE", "claude-code"),
    ("CODEX_", "codex"),
    ("GEMINI_CLI", "gemini-cli"),
    ("OPENCODE", "opencode"),
    ("CURSOR_AGENT", "cursor"),
    ("AMP_CURRENT_THREAD_ID", "amp"),
)
MARKING_AGENTS = frozenset(agent for _, agent in ENVIRONMENT_MARKERS)


def marker_agent(entry: str) -> tuple[int, str] | None:
    """The agent a recorded marker entry names, with its preference (lower wins): an entry
    `AI_AGENT=<id>` names a known id outright, so it comes first."""
    if entry.startswith("AI_AGENT="):
        named = entry.partition("=")[2]
        return (-1, named) if named in AGENT_IDS else None
    for preference, (marker, agent) in enumerate(ENVIRONMENT_MARKERS):
        if entry == marker or (marker.endswith("_") and entry.startswith(marker)):
            return preference, agent
    return None
