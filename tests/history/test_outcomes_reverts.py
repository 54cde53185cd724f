"""Reverts within 30 days: git's message (full, abbreviated, after rewrites) or the inverse."""

from __future__ import annotations

from pathlib import Path

import pytest

from histories import History, lines

BASE = lines("base", 10)
FEATURE = BASE + lines("feature", 5)


def with_feature(tmp_path: Path) -> tuple[History, str]:
    history = History(tmp_path / "repo")
    history.commit(0, "Start", {"app.py": BASE})
    return history, history.commit(1, "Add the feature", {"app.py": FEATURE, "doc.md": "Use it\n"})


def test_git_revert_after_3_days_marks_the_commit_reverted_not_fixed(tmp_path: Path) -> None:
    history, feature = with_feature(tmp_path)
    history.git("revert", "--no-edit", feature, day=4)
    revert = history.head()

    outcome = history.measure(now=40)[feature]

    assert (outcome.reverted_30d, outcome.reverted_by) == (True, revert)
    assert (outcome.fixed_30d, outcome.fixed_by) == (False, None)
    assert outcome.survival_14d == outcome.survival_30d == 0.0


def test_an_abbreviated_hash_in_the_message_is_resolved(tmp_path: Path) -> None:
    history, feature = with_feature(tmp_path)
    revert = history.commit(
        4, f"Back out the feature\n\nThis reverts commit {feature[:9]}.", {"app.py": BASE}
    )

    assert history.measure(now=40)[feature].reverted_by == revert


def test_a_revert_names_a_hash_from_before_a_rewrite(tmp_path: Path) -> None:
    history, feature = with_feature(tmp_path)
    before_amend = "0123456789abcdef0123456789abcdef01234567"
    revert = history.commit(
        4, f'Revert "Add the feature"\n\nThis reverts commit {before_amend}.', {"doc.md": "x\n"}
    )

    assert history.measure(now=40)[feature].reverted_30d is False
    outcome = history.measure(now=40, renamed={before_amend: feature})[feature]
    assert outcome.reverted_by == revert


def test_the_exact_inverse_is_a_revert_whatever_its_message(tmp_path: Path) -> None:
    history, feature = with_feature(tmp_path)
    undo = history.commit(
        3, "fix: drop the feature, it breaks the build", {"app.py": BASE, "doc.md": None}
    )

    outcome = history.measure(now=40)[feature]

    assert (outcome.reverted_30d, outcome.reverted_by) == (True, undo)
    assert outcome.fixed_30d is False  # a revert counts as reverted, not fixed


def test_a_partial_undo_is_not_an_exact_inverse(tmp_path: Path) -> None:
    history, feature = with_feature(tmp_path)
    history.commit(3, "Trim the feature", {"app.py": BASE})  # doc.md stays

    outcome = history.measure(now=40)[feature]

    assert outcome.reverted_30d is False
    assert outcome.survival_30d == 1 / 6


def test_a_revert_after_30_days_does_not_count(tmp_path: Path) -> None:
    history, feature = with_feature(tmp_path)
    history.commit(20, "Other work", {"other.py": "x\n"})
    history.git("revert", "--no-edit", feature, day=32)

    outcome = history.measure(now=60)[feature]

    assert outcome.reverted_30d is False
    assert outcome.survival_30d == 1.0


def test_a_revert_is_known_before_the_window_ends(tmp_path: Path) -> None:
    history, feature = with_feature(tmp_path)
    history.git("revert", "--no-edit", feature, day=4)

    outcome = history.measure(now=10)[feature]

    assert outcome.reverted_30d is True
    assert (outcome.fixed_30d, outcome.survival_14d, outcome.final) == (None, None, False)


@pytest.mark.parametrize("form", ["message", "inverse"])
def test_reverting_a_merge_reverts_the_commits_it_brought(tmp_path: Path, form: str) -> None:
    history = History(tmp_path / "repo")
    history.commit(0, "Start", {"app.py": BASE})
    history.git("checkout", "-q", "-b", "topic")
    side = history.commit(1, "Side work", {"app.py": FEATURE})
    history.git("checkout", "-q", "main")
    history.commit(1.5, "Main work", {"other.py": "x\n"})
    history.git("merge", "-q", "--no-ff", "-m", "Merge topic", "topic", day=2)
    merge = history.head()
    if form == "message":
        history.git("revert", "--no-edit", "-m", "1", merge, day=3)
    else:
        history.commit(3, "Take the topic out", {"app.py": BASE})

    outcome = history.measure(now=40)[side]

    assert (outcome.reverted_30d, outcome.reverted_by) == (True, history.head())
