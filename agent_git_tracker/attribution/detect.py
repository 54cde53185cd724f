"""Which agent made a commit: pure rules over a commit's identities, trailers, disclosure lines
and subject, and over the agent markers in the environment at commit time.

The primary agent of a commit that names several: the strongest signal wins (the author's
identity, then the committer's, then trailers, then disclosure lines and task links, then the
subject alone), and among signals of the same strength the one written first. Every agent the
commit names is kept, with its model, primary first.

Exceptions, each with its reason in the evidence:

- aider's dirty commits: when only the committer carries ` (aider)`, the author is a person and
  nothing else in the commit names aider, aider committed the user's own pending edits before
  its own change (the commit after it carries aider's trailer). The work is the author's.
- a non-AI automation author (dependabot, renovate, `*[bot]`…) makes a `bot` commit unless an
  agent signs the commit too: then the agent did the work and the bot only committed it.
- a subject that only looks like an agent's (`Codex/<task>`, `[codex]`) is confidence `medium`.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from agent_git_tracker.attribution import identities, message
from agent_git_tracker.attribution.agents import marker_agent
from agent_git_tracker.attribution.message import Signal, clip

_AUTHOR, _COMMITTER = 0, 1


@dataclass(frozen=True)
class Named:
    """One agent a commit names, and the model it states for that agent (as written)."""

    agent: str
    model: str | None = None


@dataclass(frozen=True)
class Attribution:
    """Who made a commit, the model as the evidence states it, what matched, how sure the
    evidence is (`high`, or `medium` for the subject alone) and every agent named."""

    agent: str
    model: str | None
    evidence: tuple[str, ...]
    confidence: str = "high"
    agents: tuple[Named, ...] = ()

    @property
    def kind(self) -> str:
        """`agent`, `bot` or `human`."""
        return self.agent if self.agent in ("bot", "human") else "agent"


HUMAN = Attribution("human", None, ())


def _identity(
    rank: int, role: str, name: str, email: str, own: tuple[identities.Convention, ...]
) -> list[Signal]:
    found = identities.identify(name, email, own)
    if not found:
        return []
    return [Signal(rank, *found, f"{role} {clip(name)} <{clip(email)}>")]


def _dirty(
    author: list[Signal], committer: list[Signal], text: list[Signal], name: str
) -> str | None:
    """Why a committer-only ` (aider)` is the author's own work, or None when it is not that."""
    if not (committer and committer[0].agent == "aider" and identities.is_aider_suffix(name)):
        return None
    if any(s.agent == "aider" for s in (*author, *text)):
        return None
    return (
        f"committer {clip(name)} only: aider committed the author's own pending edits (an "
        "aider dirty commit, no aider trailer), so the work is the author's"
    )


def _combined(signals: list[Signal], confidence: str, extra: Iterable[str] = ()) -> Attribution:
    ordered = sorted(signals, key=lambda s: s.rank)  # stable: same strength keeps its order
    named: dict[str, str | None] = {}
    for signal in ordered:
        if not named.get(signal.agent):
            named[signal.agent] = clip(signal.model, 120) if signal.model else None
    evidence = tuple(dict.fromkeys([*(s.evidence for s in ordered), *extra]))
    agents = tuple(Named(agent, model) for agent, model in named.items())
    return Attribution(agents[0].agent, agents[0].model, evidence, confidence, agents)


def from_commit(
    author_name: str,
    author_email: str,
    committer_name: str,
    committer_email: str,
    text: str,
    *,
    own_agents: Mapping[str, Iterable[str]] | None = None,
) -> Attribution | None:
    """Agent, bot or aider-dirty-commit evidence carried by the commit itself; None when there
    is none. `own_agents` are the user's own agents (`[agents.<id>] identities`)."""
    own = _own(own_agents)
    author = _identity(_AUTHOR, "author", author_name, author_email, own)
    committer = _identity(_COMMITTER, "committer", committer_name, committer_email, own)
    said = message.text_signals(text, own)
    dirty = _dirty(author, committer, said, committer_name)
    if dirty:
        committer = []
    strong = [*author, *committer, *said]
    if strong:
        return _combined(strong, "high", [dirty] if dirty else [])
    if identities.is_automation(author_name, author_email):
        return Attribution("bot", None, (f"author {clip(author_name)} <{clip(author_email)}>",))
    hints = message.subject_hints(text)
    if hints:
        return _combined(hints, "medium", [dirty] if dirty else [])
    return Attribution("human", None, (dirty,)) if dirty else None


def _own(table: Mapping[str, Iterable[str]] | None) -> tuple[identities.Convention, ...]:
    if not table:
        return ()
    return _conventions(tuple((agent, tuple(entries)) for agent, entries in table.items()))


@functools.lru_cache(maxsize=16)  # one configuration per flush
def _conventions(
    table: tuple[tuple[str, tuple[str, ...]], ...],
) -> tuple[identities.Convention, ...]:
    return identities.custom(dict(table))


def from_environment(marker_names: Collection[str]) -> Attribution | None:
    """The agent named by agent marker environment variable NAMES seen at commit time.

    CLAUDECODE -> claude-code, any CODEX_* -> codex, GEMINI_CLI -> gemini-cli, OPENCODE ->
    opencode, CURSOR_AGENT -> cursor, AMP_CURRENT_THREAD_ID -> amp; also entries of the form
    "AI_AGENT=<agent id>" (kept only for a known agent id). None when nothing matches.
    """
    found = sorted((named, entry) for entry in marker_names if (named := marker_agent(entry)))
    if not found:
        return None
    agent = found[0][0][1]
    evidence = tuple(f"environment {entry}" for _, entry in found)
    return Attribution(agent, None, evidence, agents=(Named(agent),))
