"""Build and parse database keys. Every key in the store is made here.

Keys are `<prefix>:<part>:<part>…`. A part that is free text (an agent id, a project path) has
`%` and `:` percent-encoded, so `a:b` as an agent id can never be read as two parts. Text without
those characters is unchanged, which keeps the older plugin's keys one to one.
"""

from __future__ import annotations

# How many parts follow each prefix. The last part may itself hold `:` (a timestamp, a meta name).
_PARTS = {
    "agent": 1,
    "commit": 2,
    "digest": 2,
    "communication": 3,
    "retrospective": 2,
    "activity": 2,
    "bug": 2,
    "project": 1,
    "usage": 2,
    "meta": 1,
}
PREFIXES = tuple(_PARTS)


# LMDB keys hold at most 511 bytes: a longer free-text part keeps its start and a digest.
MAX_PART = 160


def to_bytes(key: str) -> bytes:
    """A key as LMDB stores it. Paths are bytes: one that is not UTF-8 arrives with its other
    bytes as lone surrogates (`surrogateescape`) and keeps them exactly in the key."""
    try:
        return key.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # other lone surrogates, from JSON escapes
        return key.encode("utf-8", "surrogatepass")


def from_bytes(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def quote(part: str) -> str:
    """Encode one free-text key part."""
    quoted = part.replace("%", "%25").replace(":", "%3A")
    if len(to_bytes(quoted)) <= MAX_PART:
        return quoted
    import hashlib

    digest = hashlib.sha256(to_bytes(part)).hexdigest()[:24]
    return f"{to_bytes(quoted)[: MAX_PART - 26].decode('utf-8', 'ignore')}~{digest}"


def unquote(part: str) -> str:
    """Decode one free-text key part."""
    return part.replace("%3A", ":").replace("%3a", ":").replace("%25", "%")


def agent(agent_id: str) -> str:
    return f"agent:{quote(agent_id)}"


def commit(project_path: str, commit_hash: str) -> str:
    return f"commit:{quote(project_path)}:{commit_hash}"


def digest(project_path: str, commit_hash: str) -> str:
    """The report's digest of a commit (see `digest`)."""
    return f"digest:{quote(project_path)}:{commit_hash}"


def digest_prefix(project_path: str) -> str:
    return f"digest:{quote(project_path)}:"


def digest_of(commit_key: str) -> str:
    """The digest key beside a commit key."""
    return "digest:" + commit_key.removeprefix("commit:")


def communication(agent_id: str, commit_hash: str, seq: int) -> str:
    return f"communication:{quote(agent_id)}:{commit_hash}:{seq}"


def communication_prefix(agent_id: str, commit_hash: str) -> str:
    return f"communication:{quote(agent_id)}:{commit_hash}:"


def retrospective(agent_id: str, commit_hash: str) -> str:
    return f"retrospective:{quote(agent_id)}:{commit_hash}"


def activity(agent_id: str, timestamp: str) -> str:
    return f"activity:{quote(agent_id)}:{timestamp}"


def bug(agent_id: str, timestamp: str) -> str:
    return f"bug:{quote(agent_id)}:{timestamp}"


def usage(agent_id: str, day: str) -> str:
    """Tool uses and commands of one agent on one day (UTC `YYYY-MM-DD`)."""
    return f"usage:{quote(agent_id)}:{day}"


def project(project_path: str) -> str:
    return f"project:{quote(project_path)}"


def meta(name: str) -> str:
    return f"meta:{name}"


def prefix_of(key: str) -> str:
    """The record kind of a key: the text before the first `:`."""
    return key.partition(":")[0]


def parts(key: str) -> list[str]:
    """Split a key into its decoded parts, prefix first."""
    prefix, _, rest = key.partition(":")
    return [prefix, *(unquote(p) for p in rest.split(":", _PARTS.get(prefix, 1) - 1))]
