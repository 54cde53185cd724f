"""Build and parse database keys. Every key in the store is made here.

Keys are `<prefix>:<part>:<part>…`. A part that is free text (an agent id, a project path) has
`%` and `:` percent-encoded, so `a:b` as an agent id can never be read as two parts. Text without
those characters is unchanged, which keeps the older plugin's keys one to one.
"""

from __future__ import annotations

# How many parts follow each prefix. The last part may itself hold `:` (a timestamp, a meta name);
# `activity` and `bug` end with a timestamp and then a unique id (which never holds `:`).
_PARTS = {
    "agent": 1,
    "commit": 2,
    "digest": 2,
    "communication": 4,
    "retrospective": 3,
    "activity": 3,
    "bug": 3,
    "project": 1,
    "usage": 2,
    "timeline": 4,
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


def communication(agent_id: str, project_path: str, commit_hash: str, seq: int) -> str:
    """One grade given on a commit: every grade is kept as history."""
    return f"communication:{quote(agent_id)}:{quote(project_path)}:{commit_hash}:{seq}"


def communication_prefix(agent_id: str, project_path: str, commit_hash: str) -> str:
    return f"communication:{quote(agent_id)}:{quote(project_path)}:{commit_hash}:"


def retrospective(agent_id: str, project_path: str, commit_hash: str) -> str:
    """The grade that counts for a commit: the latest one given."""
    return f"retrospective:{quote(agent_id)}:{quote(project_path)}:{commit_hash}"


def retrospective_prefix(agent_id: str) -> str:
    return f"retrospective:{quote(agent_id)}:"


def activity(agent_id: str, timestamp: str, unique: str) -> str:
    """An activity journal entry; `unique` (an event id) keeps two entries of one time apart."""
    return f"activity:{quote(agent_id)}:{timestamp}:{unique}"


def bug(agent_id: str, timestamp: str, unique: str) -> str:
    """A reported bug; `unique` (an event id) keeps two bugs of one millisecond apart."""
    return f"bug:{quote(agent_id)}:{timestamp}:{unique}"


def timeline(agent_id: str, time_key: str, project_path: str, commit_hash: str) -> str:
    """An agent's commit in time order (derived: the agent's counters are replayed from these)."""
    return f"timeline:{quote(agent_id)}:{time_key}:{quote(project_path)}:{commit_hash}"


def of_agent(prefix: str, agent_id: str) -> str:
    """Every key of one agent under a prefix such as `bug`, `activity`, `usage`, `timeline`."""
    return f"{prefix}:{quote(agent_id)}:"


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
    if prefix in ("activity", "bug"):
        agent, _, tail = rest.partition(":")
        timestamp, _, unique = tail.rpartition(":")
        return [prefix, unquote(agent), timestamp, unique]
    if prefix == "timeline":
        agent, _, tail = rest.partition(":")
        return [prefix, unquote(agent), tail[:23], *map(unquote, tail[24:].rsplit(":", 1))]
    return [prefix, *(unquote(p) for p in rest.split(":", _PARTS.get(prefix, 1) - 1))]
