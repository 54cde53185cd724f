"""Which agent session made which commit, and the tokens and cost behind it. Pure: no I/O.

Each commit takes the strongest match it has, and at most one session:

1. `session-id`: the session id captured at commit time;
2. `trailer`: a session id the commit message names (`Claude-Session:`, `Amp-Thread-ID:` …);
3. `transcript`: the session printed the commit's hash (an abbreviation of 7 hex or more), in
   a session already running when the commit was made, at or after that time (so a `git log`
   of older history does not claim old commits); the nearest such mention wins;
4. `folder-and-time`: the session worked inside the repository (a log `cwd` within one of its
   work-tree roots, compared by path components, so `/a/repo2` is not inside `/a/repo`) and
   its first and last events surround the commit time; the session active last before the
   commit wins.

A session in another repository (all its folders inside the work trees of other repositories
among the commits) is never joined, whatever the evidence: a trailer copied by a cherry-pick
must not charge one session's tokens to two repositories.

A commit's tokens are its session's turns after the previous commit joined to that session, up
to the commit's time. A session's turns after its last commit are not tied to any commit and
are reported per session, never spread over commits. Times are epoch seconds (the committer
time for commits); work-tree roots should be resolved paths (`Path.resolve`), as agents log
resolved folders.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePath

from agent_git_tracker.agentlogs.base import Mention, Turn, unique
from agent_git_tracker.agentlogs.modelnames import canonical_model
from agent_git_tracker.agentlogs.prices import Prices

SKEW = 60.0  # seconds of clock difference tolerated between an agent's log and git
MIN_HASH = 7


@dataclass(frozen=True, slots=True)
class Session:
    """One agent session: its turns (copies dropped) and mentions, each by time."""

    agent: str
    session_id: str
    turns: tuple[Turn, ...]
    mentions: tuple[Mention, ...]

    @property
    def start(self) -> float:
        """The time of its first event."""
        return min(events[0].time for events in (self.turns, self.mentions) if events)

    @property
    def end(self) -> float:
        """The time of its last event."""
        return max(events[-1].time for events in (self.turns, self.mentions) if events)

    @property
    def folders(self) -> tuple[str, ...]:
        """The working folders its log names."""
        return tuple(dict.fromkeys(turn.cwd for turn in self.turns if turn.cwd))


@dataclass(frozen=True, slots=True)
class Commit:
    """A commit as the join needs it: its repository's work-tree roots and what names a session."""

    hash: str
    roots: tuple[str, ...]
    time: float
    session_id: str | None = None
    trailer_sessions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Tokens:
    """Token counts by kind; `output` includes `reasoning`."""

    input: int = 0
    cached_input: int = 0
    cache_write: int = 0
    output: int = 0
    reasoning: int = 0

    @classmethod
    def of(cls, turns: Iterable[Turn]) -> Tokens:
        """The sum over `turns`."""
        totals = [0, 0, 0, 0, 0]
        for turn in turns:
            totals[0] += turn.input_tokens
            totals[1] += turn.cached_input_tokens
            totals[2] += turn.cache_write_tokens
            totals[3] += turn.output_tokens
            totals[4] += turn.reasoning_tokens
        return cls(*totals)

    @property
    def total(self) -> int:
        """Every token billed."""
        return self.input + self.cached_input + self.cache_write + self.output


@dataclass(frozen=True, slots=True)
class CommitUsage:
    """A joined commit (hash and repository): session, how joined, model, tokens, cost (or None)."""

    commit: str
    roots: tuple[str, ...]
    agent: str
    session_id: str
    joined_by: str
    model: str | None
    canonical_model: str | None
    tokens: Tokens
    cost: float | None


@dataclass(frozen=True, slots=True)
class Untied:
    """A session's tokens after its last joined commit (all of them if it joined none)."""

    agent: str
    session_id: str
    tokens: Tokens
    cost: float | None


@dataclass(frozen=True, slots=True)
class Joined:
    """The join's answer: joined commits, untied tokens per session, sessions that joined none."""

    commits: tuple[CommitUsage, ...]
    untied: tuple[Untied, ...]
    unjoined: tuple[tuple[str, str], ...]


def sessions(turns: Iterable[Turn], mentions: Iterable[Mention]) -> list[Session]:
    """Group turns (one per key: copies dropped) and mentions by agent and session id."""
    turns_of: dict[tuple[str, str], list[Turn]] = defaultdict(list)
    mentions_of: dict[tuple[str, str], list[Mention]] = defaultdict(list)
    for turn in unique(turns):
        turns_of[turn.agent, turn.session_id].append(turn)
    for mention in dict.fromkeys(mentions):
        mentions_of[mention.agent, mention.session_id].append(mention)
    return [
        Session(
            agent,
            session_id,
            tuple(sorted(turns_of[agent, session_id], key=_when)),
            tuple(sorted(mentions_of[agent, session_id], key=_when)),
        )
        for agent, session_id in sorted(turns_of.keys() | mentions_of.keys())
    ]


def join(found: Sequence[Session], commits: Sequence[Commit], prices: Prices) -> Joined:
    """Join each commit to its session, then split each session's tokens among its commits."""
    places = _Places(found, commits)
    joined: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
    for index, commit in enumerate(commits):
        if (match := _match(commit, found, places)) is not None:
            joined[match[0].agent, match[0].session_id].append((index, match[1]))
    usage: dict[int, CommitUsage] = {}
    untied: list[Untied] = []
    for session in found:
        rest = list(session.turns)
        for index, how in sorted(joined[session.agent, session.session_id], key=_by_time(commits)):
            taken = [turn for turn in rest if turn.time <= commits[index].time]
            rest = rest[len(taken) :]
            usage[index] = _usage(commits[index], session, how, taken, prices)
        if rest:
            untied.append(
                Untied(session.agent, session.session_id, Tokens.of(rest), _cost(rest, prices))
            )
    return Joined(
        tuple(usage[index] for index in sorted(usage)),
        tuple(untied),
        tuple((s.agent, s.session_id) for s in found if not joined[s.agent, s.session_id]),
    )


def _by_time(commits: Sequence[Commit]) -> Callable[[tuple[int, str]], tuple[float, int]]:
    return lambda pair: (commits[pair[0]].time, pair[0])


def _usage(
    commit: Commit, session: Session, how: str, turns: list[Turn], prices: Prices
) -> CommitUsage:
    model = _main_model(turns)
    return CommitUsage(
        commit=commit.hash,
        roots=commit.roots,
        agent=session.agent,
        session_id=session.session_id,
        joined_by=how,
        model=model,
        canonical_model=canonical_model(model) if model else None,
        tokens=Tokens.of(turns),
        cost=_cost(turns, prices),
    )


class _Places:
    """Which known repository each session's folders lie in."""

    def __init__(self, found: Sequence[Session], commits: Sequence[Commit]) -> None:
        self.repositories = list(dict.fromkeys(commit.roots for commit in commits))
        self._roots = [[_parts(root) for root in roots] for roots in self.repositories]
        self._homes = {(s.agent, s.session_id): self._locate(s) for s in found}

    def _locate(self, session: Session) -> list[set[int]]:
        return [
            {index for index, roots in enumerate(self._roots) if _inside(_parts(folder), roots)}
            for folder in session.folders
        ]

    def inside(self, session: Session, commit: Commit) -> bool:
        """Whether the session worked inside the commit's repository."""
        here = self.repositories.index(commit.roots)
        return any(here in homes for homes in self._homes[session.agent, session.session_id])

    def elsewhere(self, session: Session, commit: Commit) -> bool:
        """Whether all the session's folders lie in other repositories than the commit's."""
        here = self.repositories.index(commit.roots)
        homes = self._homes[session.agent, session.session_id]
        return bool(homes) and all(h and here not in h for h in homes)


def _match(commit: Commit, found: Sequence[Session], places: _Places) -> tuple[Session, str] | None:
    candidates = [s for s in found if not places.elsewhere(s, commit)]
    if commit.session_id:
        named = [s for s in candidates if s.session_id == commit.session_id]
        if named:
            return named[0], "session-id"
    for session_id in commit.trailer_sessions:
        named = [s for s in candidates if s.session_id == session_id]
        if named:
            return named[0], "trailer"
    printed = _printed_by(commit, candidates)
    if printed is not None:
        return printed, "transcript"
    nearby = _working_at(commit, candidates, places)
    return (nearby, "folder-and-time") if nearby is not None else None


def _printed_by(commit: Commit, candidates: Sequence[Session]) -> Session | None:
    """The session that printed the commit's hash soonest after making it."""
    delays: list[tuple[float, str, str, Session]] = []
    for session in candidates:
        if session.start > commit.time + SKEW:
            continue
        for mention in session.mentions:
            if (
                len(mention.hash) >= MIN_HASH
                and commit.hash.startswith(mention.hash)
                and mention.time >= commit.time - SKEW
            ):
                delays.append(
                    (mention.time - commit.time, session.agent, session.session_id, session)
                )
                break
    return min(delays, key=lambda d: d[:3])[3] if delays else None


def _working_at(commit: Commit, candidates: Sequence[Session], places: _Places) -> Session | None:
    """The session in the repository, running at the commit time, active last before it."""
    running = [
        (_last_before(s, commit.time), s.agent, s.session_id, s)
        for s in candidates
        if s.start <= commit.time <= s.end and places.inside(s, commit)
    ]
    return max(running, key=lambda r: r[:3])[3] if running else None


def _last_before(session: Session, moment: float) -> float:
    return max((turn.time for turn in session.turns if turn.time <= moment), default=session.start)


def _main_model(turns: Sequence[Turn]) -> str | None:
    """The model (as written) of most of the tokens."""
    tokens: dict[str, int] = defaultdict(int)
    for turn in turns:
        tokens[turn.model] += turn.total_tokens
    if not tokens:
        return None
    return min(tokens, key=lambda model: (-tokens[model], model)) or None


def _cost(turns: Sequence[Turn], prices: Prices) -> float | None:
    total = 0.0
    for turn in turns:
        cost = prices.cost(turn)
        if cost is None and turn.total_tokens:
            return None
        total += cost or 0.0
    return total


def _when(event: Turn | Mention) -> float:
    return event.time


def _parts(path: str) -> tuple[str, ...]:
    return PurePath(os.path.normpath(path)).parts


def _inside(folder: tuple[str, ...], roots: list[tuple[str, ...]]) -> bool:
    return any(folder[: len(root)] == root for root in roots)
