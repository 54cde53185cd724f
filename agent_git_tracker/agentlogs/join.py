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
among the commits, or among `others`) is never joined, whatever the evidence: a trailer copied
by a cherry-pick must not charge one session's tokens to two repositories.

A commit's tokens are its session's turns after the previous commit joined to that session, up
to the commit's time. A session's turns after its last commit are not tied to any commit and
are reported per session, never spread over commits. Times are epoch seconds (the committer
time for commits); work-tree roots should be resolved paths (`Path.resolve`), as agents log
resolved folders.
"""

from __future__ import annotations

import bisect
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePath

from agent_git_tracker.agentlogs.base import Mention, Turn, unique
from agent_git_tracker.agentlogs.prices import Prices
from agent_git_tracker.attribution.modelnames import canonical_model

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


def join(
    found: Sequence[Session],
    commits: Sequence[Commit],
    prices: Prices,
    others: Iterable[tuple[str, ...]] = (),
) -> Joined:
    """Join each commit to its session, then split each session's tokens among its commits.
    `others` are the work-tree roots of more repositories, known to hold none of `commits`."""
    evidence = _Evidence(found, commits, others)
    joined: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
    for index, commit in enumerate(commits):
        if (match := evidence.match(commit)) is not None:
            joined[match[0].agent, match[0].session_id].append((index, match[1]))
    usage: dict[int, CommitUsage] = {}
    untied: list[Untied] = []
    for session in found:
        rest = list(session.turns)
        for index, how in sorted(joined[session.agent, session.session_id], key=_by_time(commits)):
            cut = bisect.bisect_right(rest, commits[index].time, key=_when)
            taken, rest = rest[:cut], rest[cut:]
            usage[index] = _usage(commits[index], session, how, taken, prices)
        if rest:
            untied.append(
                Untied(session.agent, session.session_id, Tokens.of(rest), cost(rest, prices))
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
        cost=cost(turns, prices),
    )


class _Evidence:
    """The sessions indexed by what can join them to a commit: id, printed hash, repository."""

    def __init__(
        self,
        found: Sequence[Session],
        commits: Sequence[Commit],
        others: Iterable[tuple[str, ...]] = (),
    ) -> None:
        every = dict.fromkeys([*(c.roots for c in commits), *others])
        self.repositories = {roots: n for n, roots in enumerate(every)}
        roots = [[_parts(root) for root in repository] for repository in self.repositories]
        # Per session, the repositories each of its folders lies in.
        self.homes: dict[tuple[str, str], list[set[int]]] = {}
        self.working_in: dict[int, list[Session]] = defaultdict(list)
        self.named: dict[str, list[Session]] = defaultdict(list)
        self.printed: dict[str, list[tuple[Mention, Session]]] = defaultdict(list)
        for session in found:
            homes = [
                {n for n, repository in enumerate(roots) if _inside(_parts(folder), repository)}
                for folder in session.folders
            ]
            self.homes[session.agent, session.session_id] = homes
            for repository in set().union(*homes):
                self.working_in[repository].append(session)
            self.named[session.session_id].append(session)
            for mention in session.mentions:
                if len(mention.hash) >= MIN_HASH:
                    self.printed[mention.hash[:MIN_HASH]].append((mention, session))

    def match(self, commit: Commit) -> tuple[Session, str] | None:
        """The commit's session and how it was found, strongest evidence first."""
        here = self.repositories[commit.roots]
        named = [(commit.session_id, "session-id")]
        named += [(session_id, "trailer") for session_id in commit.trailer_sessions]
        for session_id, how in named:
            for session in self.named.get(session_id or "", ()):
                if not self._elsewhere(session, here):
                    return session, how
        printed = self._printed_by(commit, here)
        if printed is not None:
            return printed, "transcript"
        working = self._working_at(commit, here)
        return (working, "folder-and-time") if working is not None else None

    def _elsewhere(self, session: Session, here: int) -> bool:
        """Whether all the session's folders lie in other repositories than this one."""
        homes = self.homes[session.agent, session.session_id]
        return bool(homes) and all(home and here not in home for home in homes)

    def _printed_by(self, commit: Commit, here: int) -> Session | None:
        """The session that printed the commit's hash soonest after making it."""
        delays = [
            (mention.time - commit.time, session.agent, session.session_id, session)
            for mention, session in self.printed.get(commit.hash[:MIN_HASH], ())
            if commit.hash.startswith(mention.hash)
            and mention.time >= commit.time - SKEW
            and session.start <= commit.time + SKEW
            and not self._elsewhere(session, here)
        ]
        return min(delays, key=lambda delay: delay[:3])[3] if delays else None

    def _working_at(self, commit: Commit, here: int) -> Session | None:
        """The session in the repository, running at the commit time, active last before it."""
        running = [
            (_last_before(session, commit.time), session.agent, session.session_id, session)
            for session in self.working_in.get(here, ())
            if session.start <= commit.time <= session.end
        ]
        return max(running, key=lambda run: run[:3])[3] if running else None


def _last_before(session: Session, moment: float) -> float:
    at = bisect.bisect_right(session.turns, moment, key=_when)  # the turns are in time order
    return session.turns[at - 1].time if at else session.start


def _main_model(turns: Sequence[Turn]) -> str | None:
    """The model (as written) of most of the tokens."""
    tokens: dict[str, int] = defaultdict(int)
    for turn in turns:
        tokens[turn.model] += turn.total_tokens
    if not tokens:
        return None
    return min(tokens, key=lambda model: (-tokens[model], model)) or None


def cost(turns: Iterable[Turn], prices: Prices) -> float | None:
    """What the turns cost in USD; None when a turn with tokens has no price."""
    total = 0.0
    for turn in turns:
        spent = prices.cost(turn)
        if spent is None and turn.total_tokens:
            return None
        total += spent or 0.0
    return total


def _when(event: Turn | Mention) -> float:
    return event.time


def _parts(path: str) -> tuple[str, ...]:
    return PurePath(os.path.normpath(path)).parts


def _inside(folder: tuple[str, ...], roots: list[tuple[str, ...]]) -> bool:
    return any(folder[: len(root)] == root for root in roots)
