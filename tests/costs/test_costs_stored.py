"""A session as the database keeps it: each response once, in time order, however the reads
that found its turns were cut."""

from __future__ import annotations

import itertools

from agent_git_tracker.agentlogs.base import Mention, Turn
from agent_git_tracker.costs import stored


def turn(key: str, at: float, out: int, model: str = "claude-opus-4-5-20251101") -> Turn:
    return Turn("claude-code", "s", key, at, model, "/work/app", None, 10, 100, 0, out)


TURNS = [
    turn("m1", 10.0, 5),
    turn("m2", 20.0, 7, "claude-sonnet-4-5"),
    turn("m2", 20.0, 9, "claude-sonnet-4-5"),  # the complete copy of a streamed response
    turn("m3", 20.0, 1),
    turn("m4", 30.0, 2),
]
MENTIONS = [Mention("claude-code", "s", "1a2b3c4", 21.0)]


def test_any_order_and_any_cut_of_the_reads_keeps_the_same_session() -> None:
    whole = stored.merged(stored.new_session("claude-code", "s"), TURNS, MENTIONS)
    assert [row[0] for row in whole["turns"]] == ["m1", "m2", "m3", "m4"]
    assert whole["turns"][1][7] == 9
    assert whole["models"] == ["claude-opus-4-5-20251101", "claude-sonnet-4-5"]
    assert stored.span(whole) == (10.0, 30.0)
    for order in itertools.permutations(range(len(TURNS))):
        for cut in range(len(TURNS) + 1):
            first = [TURNS[i] for i in order[:cut]]
            second = [TURNS[i] for i in order[cut:]]
            record = stored.merged(stored.new_session("claude-code", "s"), first, MENTIONS)
            record = stored.merged(record, second, MENTIONS)
            assert record == whole, (order, cut)
    assert stored.merged(whole, TURNS, MENTIONS) == whole  # read again: nothing changes
    assert stored.turns_of(whole)[1] == TURNS[2]
