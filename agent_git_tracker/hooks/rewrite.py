"""The post-rewrite hook: an amend or a rebase spools its old→new hashes."""

from __future__ import annotations

import re
from pathlib import Path

from agent_git_tracker.capture.workspace import here, record, record_unconfigured
from agent_git_tracker.config.settings import Config

HASH = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?")


def parse_rewrites(text: str) -> tuple[list[tuple[str, str]], list[str]]:
    """`<old> <new> [extra]` lines from git's post-rewrite stdin; and the lines that are not."""
    pairs, bad = [], []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 2 and HASH.fullmatch(fields[0]) and HASH.fullmatch(fields[1]):
            pairs.append((fields[0], fields[1]))
        elif line.strip():
            bad.append(line)
    return pairs, bad


def post_rewrite(config: Config | None, kind: str, stdin: str, why: str = "") -> str | None:
    """Spool the old→new mapping of an amend or rebase; returns a warning, if any. Without a
    configuration (`why` says why), the mapping waits in the fallback folder."""
    pairs, bad = parse_rewrites(stdin)
    if not pairs and not stdin.strip():
        from agent_git_tracker.hooks.replayed import rewritten

        pairs = rewritten(kind, Path.cwd())  # pre-commit does not pass git's stdin on
    if pairs and config is not None:
        record(config, here(), "rewrite", kind=kind, mappings=pairs)
    elif pairs:
        record_unconfigured(here(), why, "rewrite", kind=kind, mappings=pairs)
    if bad:
        return f"ignored {len(bad)} malformed post-rewrite line(s), e.g. {bad[0][:80]!r}"
    return None
