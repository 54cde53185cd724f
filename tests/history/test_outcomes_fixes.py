"""Fixed within 30 days: a fix-marked commit changed or deleted a line the commit added."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_git_tracker.history.markers import is_fix, is_revert, reverted_hashes

from histories import History, lines

BASE = lines("base", 10)
FEATURE = BASE + lines("feature", 5)


def with_feature(tmp_path: Path) -> tuple[History, str]:
    history = History(tmp_path / "repo")
    history.commit(0, "Start", {"app.py": BASE})
    return history, history.commit(1, "Add the feature", {"app.py": FEATURE})


def test_a_fix_after_2_days_that_changes_a_line_marks_the_commit_fixed(tmp_path: Path) -> None:
    history, feature = with_feature(tmp_path)
    fix = history.commit(
        3, "fix: off by one in the feature", {"app.py": FEATURE.replace("feature 2", "feature two")}
    )

    outcome = history.measure(now=40)[feature]

    assert (outcome.fixed_30d, outcome.fixed_by) == (True, fix)
    assert outcome.reverted_30d is False
    assert outcome.survival_30d == 0.8


def test_a_fix_that_touches_other_lines_only_is_not_counted(tmp_path: Path) -> None:
    history, feature = with_feature(tmp_path)
    history.commit(3, "Fix the base", {"app.py": FEATURE.replace("base 2", "base two")})

    outcomes = history.measure(now=40)

    assert outcomes[feature].fixed_30d is False
    assert outcomes[feature].survival_30d == 1.0


def test_a_change_that_is_not_a_fix_is_not_counted(tmp_path: Path) -> None:
    history, feature = with_feature(tmp_path)
    history.commit(3, "Polish the feature", {"app.py": FEATURE.replace("feature 2", "feature two")})

    assert history.measure(now=40)[feature].fixed_30d is False


def test_a_fixes_trailer_marks_a_fix(tmp_path: Path) -> None:
    history, feature = with_feature(tmp_path)
    fix = history.commit(
        3,
        f'Handle empty input\n\nFixes: {feature[:12]} ("Add the feature")',
        {"app.py": FEATURE.replace("feature 4", "feature four")},
    )

    assert history.measure(now=40)[feature].fixed_by == fix


def test_deleting_the_file_in_a_fix_counts(tmp_path: Path) -> None:
    history = History(tmp_path / "repo")
    feature = history.commit(0, "Add helper", {"helper.py": lines("helper", 3), "app.py": "go\n"})
    fix = history.commit(2, "Hotfix: the helper crashes, remove it", {"helper.py": None})

    assert history.measure(now=40)[feature].fixed_by == fix


def test_a_fix_after_30_days_does_not_count(tmp_path: Path) -> None:
    history, feature = with_feature(tmp_path)
    history.commit(31.5, "fix: the feature", {"app.py": BASE})

    outcome = history.measure(now=60)[feature]

    assert outcome.fixed_30d is False
    assert outcome.survival_30d == 1.0


@pytest.mark.parametrize(
    "message",
    [
        "fix: null check",
        "fix(parser)!: null check",
        "Hotfix for the release",
        "Fix crash on start",
        "Fixed a crash",
        "Bug in the parser",
        "bugfix: parser",
        'Handle empty input\n\nFixes: 1234567890ab ("Add parser")',
    ],
)
def test_fix_markers(message: str) -> None:
    assert is_fix(message)


@pytest.mark.parametrize(
    "message",
    [
        "Add prefix handling",
        "More debug logging",
        "Add fixtures for the parser",
        "Squash merge (#12)\n\n* fix typo\n* bug in tests",
        'Revert "fix: null check"\n\nThis reverts commit 1234567890abcdef.',
        "Add feature\n\nFixes #12",
    ],
)
def test_not_fix_markers(message: str) -> None:
    assert not is_fix(message)


def test_revert_markers() -> None:
    message = 'Revert "Add x"\n\nThis reverts commit 0123456789ABCDEF0123456789abcdef01234567.'
    assert reverted_hashes(message) == ["0123456789abcdef0123456789abcdef01234567"]
    assert reverted_hashes("this reverts commit abc1234, and") == ["abc1234"]
    assert is_revert('Revert "Add x"') and not is_revert("Reverting is easy")
