"""What a commit says it is (a revert, a fix) and what it changed, as a comparable fingerprint.

A revert says so in git's words, `This reverts commit <hash>` (full or abbreviated), anywhere
in its message, or starts its subject with `Revert "`. A fix marks its subject: `fix:`,
`fix(scope):` (also `hotfix`, `bugfix`, and with `!`), or holds one of the words fix, fixes,
fixed, fixing, bug, bugs, bugfix, hotfix; or carries a `Fixes: <hash>` trailer. Only the subject
is read for words: a squash merge lists every commit it squashed in its body. A revert is never
a fix.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from agent_git_tracker.history.gitlog import FileChange

_REVERTS = re.compile(r"This reverts commit ([0-9a-fA-F]{4,64})\b", re.IGNORECASE)
_FIX_SUBJECT = re.compile(
    r"^\s*(?:fix|hotfix|bugfix)(?:\([^)]*\))?!?:"
    r"|\b(?:fix(?:es|ed|ing)?|hotfix(?:es)?|bugs?|bugfix(?:es)?)\b",
    re.IGNORECASE,
)
_FIXES_TRAILER = re.compile(r"^Fixes:[ \t]*[0-9a-fA-F]{7,64}\b", re.IGNORECASE | re.MULTILINE)

# One file's change, comparable with another commit's: (old path, new path, removed lines,
# added lines), the removed lines written with `+` like the added ones.
FileFingerprint = tuple[bytes, bytes, bytes, bytes]
Fingerprint = frozenset[FileFingerprint]


def reverted_hashes(message: str) -> list[str]:
    """The (possibly abbreviated) hashes a message says it reverts, lower case."""
    return [found.lower() for found in _REVERTS.findall(message)]


def is_revert(message: str) -> bool:
    """Whether the message is a revert's, by git's words or subject."""
    return message.startswith('Revert "') or bool(_REVERTS.search(message))


def is_fix(message: str) -> bool:
    """Whether the message marks its commit a fix (a revert never is)."""
    if is_revert(message):
        return False
    subject = message.split("\n", 1)[0]
    return bool(_FIX_SUBJECT.search(subject) or _FIXES_TRAILER.search(message))


def fingerprints(files: Iterable[FileChange]) -> tuple[Fingerprint, Fingerprint]:
    """The counted text changes of a commit, forward and inverted.

    A commit D is the exact inverse of C when D's inverted fingerprint equals C's forward one:
    every file C changed, D changed back (same paths, renames undone), removing exactly the
    lines C added and adding back exactly the lines C removed. Like git's patch-id it ignores
    line numbers; unlike it, whitespace counts.
    """
    forward = []
    inverted = []
    for change in files:
        if not change.text or change.copied:
            continue
        removed = b"".join([line for hunk in change.hunks for line in hunk.removed])
        if removed:
            removed = b"+" + removed[1:].replace(b"\n-", b"\n+")
        added = b"".join([line for hunk in change.hunks for line in hunk.added])
        old, new = change.old or b"", change.new or b""
        if old == new and not (removed or added):
            continue  # a mode change: nothing to compare
        forward.append((old, new, removed, added))
        inverted.append((new, old, added, removed))
    return frozenset(forward), frozenset(inverted)
