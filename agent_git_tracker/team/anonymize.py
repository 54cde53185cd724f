"""`export --anonymize`: emails, absolute paths, remote URLs and free text replaced by stable
hashes, keeping what the ranking needs.

Kept: agents, models, setups, times, sizes (lines and files changed, tracked files), languages,
outcomes, grades and bugs, and each project's identity: its path becomes `anon-<hash>`, the same
in every record and key, and the same for every member whose project has the same path. Every
string that is an email, a path from the root or the home folder, or a URL (or holds one) is
replaced by its hash; names of people, commit subjects, branches and notes are hashed whole.
The hash is SHA-256 without a secret: stable across exports, and not reversible except by
guessing the text (someone who knows a colleague's email can check it is there).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

from agent_git_tracker.store import keys

# Free text and names: hashed whole, whatever they hold.
HASHED_WHOLE = frozenset(
    ("author_name", "committer_name", "subject", "message", "branch", "task", "note", "title")
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://\S+|\b[\w.-]+@[\w.-]+:[\w./~-]+")
_PATH = re.compile(r"(?<![\w.~/-])(?:~|[A-Za-z]:)?[/\\][^\s'\"<>|,;)]+")
_WHOLE_PATH = re.compile(r"(?:~|[A-Za-z]:)?[/\\]")


def hashed(text: str) -> str:
    """The stable stand-in of a text."""
    return "anon-" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def text(value: str) -> str:
    """A string with every email, URL and path in it hashed (a path alone: hashed whole)."""
    if _WHOLE_PATH.match(value) or _URL.fullmatch(value) or _EMAIL.fullmatch(value):
        return hashed(value)
    for pattern in (_URL, _EMAIL, _PATH):
        value = pattern.sub(lambda m: hashed(m.group(0)), value)
    return value


def value(item: Any, name: str = "") -> Any:
    """A record's value with its personal data hashed, at any depth."""
    if isinstance(item, str):
        return hashed(item) if name in HASHED_WHOLE else text(item)
    if isinstance(item, Mapping):
        return {text(str(k)): value(v, str(k)) for k, v in item.items()}
    if isinstance(item, list):
        return [value(v, name) for v in item]
    return item


def key(raw: str, record: Mapping[str, Any]) -> str:
    """A record's key with its personal parts hashed as its value's are: the part that is the
    record's project path becomes the hash of that path (long paths are shortened in keys)."""
    prefix, _, rest = raw.partition(":")
    project = record.get("project_path")
    quoted_project = keys.quote(project) if isinstance(project, str) else None
    parts = []
    for part in rest.split(":"):
        if part == quoted_project and isinstance(project, str):
            parts.append(keys.quote(text(project)))
        else:
            plain = keys.unquote(part)
            parts.append(keys.quote(text(plain)) if text(plain) != plain else part)
    return ":".join((prefix, *parts))


def record(raw_key: str, item: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """One exported record, anonymized (`transfer.Select`)."""
    return key(raw_key, item), value(item)
