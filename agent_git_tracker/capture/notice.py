"""What the post-commit hook says after a commit, and whether a merge made a commit at all.

Both run on the hook path, so they use what the hook already knows (the session, the
environment's marker names, the commit's own text) and `os` and `time` only: no `re`, no
detection rules. The line is a courtesy; the record itself is decided at flush.
"""

from __future__ import annotations

import os
import time

from agent_git_tracker.attribution.agents import MARKING_AGENTS, marker_agent
from agent_git_tracker.config import locate

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any

# Where an agent's own co-author trailer comes from: its vendor's addresses.
_VENDORS = {
    "claude-code": "anthropic.com",
    "codex": "openai.com",
    "opencode": "opencode.ai",
    "cursor": "cursor.com",
    "amp": "ampcode.com",
    "gemini-cli": "google.com",
}
_PRODUCTS = frozenset(("claude", "claude code", "codex", "openai codex", "opencode", "cursor"))
REFLOG_TAIL = 4096


def merge_made(git_dir: str, head: str | None) -> bool:
    """Whether HEAD is a commit `git merge` or `git pull` just made: the reflog's last entry
    says `Merge made by …` for that commit. A fast-forward (`Fast-forward`) made no commit of
    its own: the commits it brings are upstream's and are never recorded as this user's.
    With `head` None, only whether the last entry is a merge's."""
    try:
        fd = os.open(os.path.join(git_dir, "logs", "HEAD"), os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        size = os.fstat(fd).st_size
        tail = os.pread(fd, REFLOG_TAIL, max(0, size - REFLOG_TAIL))
    finally:
        os.close(fd)
    last = tail.rstrip(b"\n").rpartition(b"\n")[2].decode("utf-8", "replace")
    fields, _, message = last.partition("\t")
    parts = fields.split(" ")
    made = ": Merge made by " in f": {message}" or message.endswith(": In-index merge")
    return made and len(parts) > 1 and (head is None or parts[1] == head)


def line(
    session: Mapping[str, str] | None,
    declared: Mapping[str, str],
    markers: Sequence[str],
    commit: Mapping[str, Any],
) -> str | None:
    """`recorded as claude-code / claude-opus-4.5 (CLAUDECODE, trailer)`, when a session or the
    environment decided who made the commit; None when the commit's own text decides (at
    flush) or nobody did."""
    found = [m for m in (marker_agent(entry) for entry in markers) if m]
    agent, model, why = "", "", ""
    if session and session.get("agent"):
        agent = session["agent"]
        own = agent not in MARKING_AGENTS or any(a == agent for _, a in found)
        if own:
            model, why = session.get("model", ""), f"session since {_clock(session)}"
    if not why and declared.get("agent"):
        agent, model, why = declared["agent"], declared.get("model", ""), "AGENT_TRACKER_AGENT"
    if not why and found:
        agent = min(found)[1]
        model = declared.get("model", "")
        why = next(m for m in markers if (marker_agent(m) or (0, ""))[1] == agent)
    if not why:
        return None
    if not model:
        model = trailer_model(agent, commit.get("message", ""))
        why += ", trailer" if model else ""
    shown = f"{agent} / {_model_id(model)}" if model else agent
    return f"recorded as {shown} ({why})"


def quiet() -> bool:
    """Whether the user turned the line off (`quiet = true`, or AGENT_TRACKER_QUIET=1)."""
    try:
        return locate.hook_quiet(os.environ)
    except locate.Unsure:
        from agent_git_tracker.config.settings import load

        try:
            return load(environ=dict(os.environ)).quiet
        except Exception:  # a refused configuration: its own warning says so
            return False


def trailer_model(agent: str, message: str) -> str:
    """The model an agent's co-author trailer names (`Co-Authored-By: Claude Opus 4.5
    <noreply@anthropic.com>`), or ""."""
    vendor = _VENDORS.get(agent)
    if not vendor:
        return ""
    for text in reversed(message.splitlines()[-20:]):
        key, _, value = text.partition(":")
        if key.strip().lower() != "co-authored-by":
            continue
        name, _, address = value.strip().partition("<")
        name = name.strip()
        if address.rstrip("> ").lower().endswith(vendor) and name.lower() not in _PRODUCTS:
            return name
    return ""


def _model_id(model: str) -> str:
    """A model as the report shows it, cheaply: `Claude Opus 4.5` → `claude-opus-4.5`."""
    return "-".join(model.strip().lower().split())[:80]


def _clock(session: Mapping[str, str]) -> str:
    """The local time a session started (`14:02`), from its UTC ISO stamp."""
    stamp = session.get("started", "")
    try:
        year, month, day = int(stamp[:4]), int(stamp[5:7]), int(stamp[8:10])
        hour, minute = int(stamp[11:13]), int(stamp[14:16])
    except ValueError:
        return "?"
    moment = time.localtime(_epoch_days(year, month, day) * 86400 + hour * 3600 + minute * 60)
    return f"{moment.tm_hour:02d}:{moment.tm_min:02d}"


def _epoch_days(year: int, month: int, day: int) -> int:
    """Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil)."""
    year -= month <= 2
    era = year // 400
    yoe = year - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468
