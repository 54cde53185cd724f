"""Runs of line origins against the plain model: a list with one origin per line."""

from __future__ import annotations

import random

import pytest

from agent_git_tracker.history.lines import UNKNOWN, Edit, FileLines, per_line, runs_of


def random_edits(rng: random.Random, length: int, origin: int) -> list[tuple[int, int, list[int]]]:
    """Non-overlapping (start, removed, new origins), top to bottom, as one diff's hunks are."""
    edits = []
    position = 0
    while position <= length and len(edits) < 6:
        start = position + rng.randrange(0, max(1, (length - position) // 2 + 1))
        if start > length:
            break
        removed = rng.randrange(0, min(4, length - start) + 1)
        added = [rng.choice((origin, origin, origin - 1, UNKNOWN)) for _ in range(rng.randrange(4))]
        if removed or added:
            edits.append((start, removed, added))
        position = start + removed + 1  # hunks never touch: git joins adjacent changes
    return edits


@pytest.mark.parametrize("seed", range(20))
def test_runs_follow_the_line_model(seed: int) -> None:
    rng = random.Random(seed)
    model: list[int] = []
    state = FileLines.empty()
    for origin in range(1, 200):
        edits = random_edits(rng, len(model), origin)
        removed = state.apply([Edit(s, n, *runs_of(new)) for s, n, new in edits])
        expected_removed = []
        for start, count, new in reversed(edits):
            expected_removed.append(model[start : start + count])
            model[start : start + count] = new
        assert [per_line(runs) for runs in reversed(removed)] == expected_removed
        assert per_line(state.runs()) == model
        assert all(count > 0 for count in state.counts)


def test_a_file_of_unknown_length_takes_edits_anywhere() -> None:
    state = FileLines.unknown()
    removed = state.apply([Edit(3, 2, [7], [1]), Edit(1000, 1, [8], [2])])
    assert removed == [[(UNKNOWN, 2)], [(UNKNOWN, 1)]]
    assert state.runs()[:5] == [(UNKNOWN, 3), (7, 1), (UNKNOWN, 995), (8, 2), state.runs()[4]]
    assert state.read(2, 3) == [(UNKNOWN, 1), (7, 1), (UNKNOWN, 1)]


def test_an_edit_past_the_known_end_reads_unknown_lines() -> None:
    state = FileLines.empty()
    state.apply([Edit(0, 0, [5], [2])])
    assert state.apply([Edit(1, 3, [6], [1])]) == [[(5, 1), (UNKNOWN, 2)]]
    assert state.runs() == [(5, 1), (6, 1)]
    assert state.read(1, 3) == [(6, 1), (UNKNOWN, 2)]
