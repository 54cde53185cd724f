"""The agent ids this package names on its own (any other name may come from a session)."""

# Kept free of imports: the post-commit hook reads it.
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
