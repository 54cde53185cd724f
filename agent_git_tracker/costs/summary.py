"""`agent-git-tracker usage`: what the agents' logs gave, per setup, and what was not joined.

Read from the database alone (the logs are read by `scan` and at push): the sessions kept,
the commits' usage (from their digests), and each session's tokens not tied to a commit
(after its last joined commit, or all of them when it joined none), priced with the table in
force. `since` (epoch seconds) keeps commits made and turns taken from then on.
"""

from __future__ import annotations

import re
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from agent_git_tracker.agentlogs import join
from agent_git_tracker.agentlogs.base import Turn
from agent_git_tracker.agentlogs.prices import Prices
from agent_git_tracker.config.settings import Config
from agent_git_tracker.costs import stored
from agent_git_tracker.errors import UsageError
from agent_git_tracker.ledger import digest
from agent_git_tracker.store.db import View

SHOWN = 20  # sessions listed among those that joined no commit
_AGE = re.compile(r"(\d{1,5})([hdw])", re.IGNORECASE)
_HOURS = {"h": 1, "d": 24, "w": 24 * 7}


def since_time(text: str | None, now: float) -> float | None:
    """`--since` as epoch seconds: a date (from its start, UTC), an ISO 8601 time, or an
    age such as `30d`, `12h` or `4w` before `now`."""
    if text is None:
        return None
    text = text.strip()
    age = _AGE.fullmatch(text)
    if age:
        return now - int(age.group(1)) * _HOURS[age.group(2).lower()] * 3600
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"cannot read --since {text!r}: use a date (2026-01-31), an ISO 8601 time "
            "(2026-01-31T12:00:00Z) or an age (30d, 4w)"
        ) from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def summary(view: View, prices: Prices, since: float | None = None) -> dict[str, Any]:
    """The `usage` command's data (its JSON output)."""
    since_key = _key(since)
    rows: dict[tuple[str, str | None, str | None], list[list[Any]]] = defaultdict(list)
    searched: Counter[str] = Counter()
    for _, fact in view.scan("digest:"):
        if not isinstance(fact, list) or len(fact) < 5 or fact[0] != "agent":
            continue
        if since_key and (not isinstance(fact[4], str) or fact[4] < since_key):
            continue
        rows[fact[1], fact[2], fact[3]].append(fact)
        usage = fact[10] if len(fact) > 10 else None
        searched["not searched" if usage is None else usage[0] if usage else "no session"] += 1
    sessions = [record for _, record in view.scan(stored.SESSIONS) if _ours(record)]
    return {
        "since": None if since is None else datetime.fromtimestamp(since, UTC).isoformat(),
        "sessions": _sessions(sessions, since),
        "commits": {
            "agent_commits": sum(searched.values()),
            "joined": sum(n for how, n in searched.items() if how in _HOW),
            "by_how": {how: searched[how] for how in _HOW if searched[how]},
            "no_session": searched["no session"],
            "not_searched": searched["not searched"],
        },
        "setups": [_setup(key, facts) for key, facts in sorted(rows.items(), key=_order)],
        "not_tied": _not_tied(sessions, prices, since),
        "prices": {"source": prices.source, "taken": prices.taken},
    }


_HOW = ("session-id", "trailer", "transcript", "folder-and-time")


def _key(since: float | None) -> str | None:
    if since is None:
        return None
    return datetime.fromtimestamp(since, UTC).isoformat(timespec="seconds")[:19]


def _ours(record: Any) -> bool:
    return isinstance(record, dict) and record.get("v") == stored.VERSION


def _order(item: tuple[tuple[str, str | None, str | None], list[list[Any]]]) -> tuple[Any, ...]:
    (agent, model, setup), _ = item
    return (agent, model or "", setup or "")


def _setup(key: tuple[str, str | None, str | None], facts: list[list[Any]]) -> dict[str, Any]:
    agent, model, setup = key
    totals = digest.usage_totals(facts)
    return {
        "agent_id": agent,
        "model": model,
        "setup": setup,
        "commits": totals.commits,
        "joined": totals.joined,
        "tokens": _tokens(totals.tokens),
        "priced": totals.priced,
        "cost": totals.cost if totals.priced else None,
        "tokens_per_commit": totals.tokens_per_commit,
        "cost_per_commit": totals.cost_per_commit,
        "surviving": totals.surviving,
        "cost_per_surviving_commit": totals.cost_per_surviving_commit,
    }


def _tokens(values: Sequence[int]) -> dict[str, int]:
    tokens = dict(zip(digest.TOKEN_KINDS, values, strict=True))
    tokens["total"] = sum(values[:4])
    return tokens


def _sessions(sessions: list[dict[str, Any]], since: float | None) -> dict[str, Any]:
    kept = [r for r in sessions if since is None or (stored.span(r) or (0, 0))[1] >= since]
    return {
        "found": len(kept),
        "by_agent": dict(sorted(Counter(r["agent"] for r in kept).items())),
        "joined": sum(1 for r in kept if r["commits"]),
        "joined_none": sum(1 for r in kept if not r["commits"]),
    }


def _not_tied(
    sessions: list[dict[str, Any]], prices: Prices, since: float | None
) -> dict[str, Any]:
    """Tokens after each session's last commit (all of a session that joined none)."""
    listed, totals, cost, unpriced, count = [], [0, 0, 0, 0, 0], 0.0, 0, 0
    for record in sessions:
        until = record["tied_until"]
        turns = [
            t
            for t in stored.turns_of(record)
            if (until is None or t.time > until) and (since is None or t.time >= since)
        ]
        if not turns:
            continue
        count += 1
        tokens = join.Tokens.of(turns)
        spent = join.cost(turns, prices)
        for index, value in enumerate(_values(tokens)):
            totals[index] += value
        cost += spent or 0.0
        unpriced += spent is None
        if not record["commits"]:
            listed.append(_unjoined(record, turns, tokens, spent))
    listed.sort(key=lambda entry: -entry["tokens"]["total"])
    return {
        "sessions": count,
        "tokens": _tokens(totals),
        "cost": cost,
        "sessions_unpriced": unpriced,
        "sessions_joining_none": listed[:SHOWN],
        "more_sessions_joining_none": max(len(listed) - SHOWN, 0),
    }


def _values(tokens: join.Tokens) -> list[int]:
    return [tokens.input, tokens.cached_input, tokens.cache_write, tokens.output, tokens.reasoning]


def _unjoined(
    record: dict[str, Any], turns: list[Turn], tokens: join.Tokens, cost: float | None
) -> dict[str, Any]:
    return {
        "agent": record["agent"],
        "session_id": record["session_id"],
        "first": datetime.fromtimestamp(turns[0].time, UTC).isoformat(timespec="seconds"),
        "last": datetime.fromtimestamp(turns[-1].time, UTC).isoformat(timespec="seconds"),
        "projects": record["projects"],
        "tokens": _tokens(_values(tokens)),
        "cost": cost,
    }


def usage(config: Config, since: str | None = None, now: float | None = None) -> dict[str, Any]:
    """What the agents' logs gave, from the database (nothing is read from the logs here)."""
    from agent_git_tracker.costs.passes import price_table
    from agent_git_tracker.store.db import exists, open_store

    start = since_time(since, time.time() if now is None else now)
    table = price_table(config)
    if not exists(config):
        raise UsageError(
            f"there is no database at {config.database_path} yet: run `agent-git-tracker scan` "
            "in a repository to record its history and read the agents' logs"
        )
    with open_store(config) as store, store.reading() as view:
        return summary(view, table, start)
