"""Merges, squash merges and rebases: whose lines a merge brings, and which commits are measured."""

from __future__ import annotations

from pathlib import Path

from histories import History, lines

BASE = lines("base", 10)


def topic(history: History) -> None:
    history.git("checkout", "-q", "-b", "topic", "main")


def merge(history: History, day: float, *extra: str) -> str:
    history.git("checkout", "-q", "main")
    history.git("merge", "-q", "--no-ff", *extra, "-m", "Merge branch 'topic'", "topic", day=day)
    return history.head()


def test_a_merge_gives_each_line_to_the_side_commit_that_wrote_it(tmp_path: Path) -> None:
    history = History(tmp_path / "repo")
    start = history.commit(0, "Start", {"app.py": BASE})
    topic(history)
    first = history.commit(1, "Extend app", {"app.py": BASE + lines("side one", 4)})
    second = history.commit(2, "Add side module", {"side.py": lines("side two", 5)})
    history.git("checkout", "-q", "main")
    main_work = history.commit(1.5, "Main work", {"other.py": lines("main", 3)})
    merged = merge(history, 3)
    later = history.commit(
        5,
        "Rework",
        {
            "app.py": (BASE + lines("side one", 4)).replace("side one 0", "new"),
            "side.py": lines("side two", 5).replace("side two 1", "x").replace("side two 2", "y"),
        },
    )

    outcomes = history.measure(now=60)

    assert set(outcomes) == {start, first, second, main_work, later}  # merges are not measured
    assert outcomes[first].survival_14d == outcomes[first].survival_30d == 0.75
    assert outcomes[second].survival_30d == 0.6
    assert outcomes[main_work].survival_30d == 1.0
    assert merged not in outcomes


def test_side_lines_rewritten_before_the_merge_did_not_survive(tmp_path: Path) -> None:
    history = History(tmp_path / "repo")
    history.commit(0, "Start", {"app.py": BASE})
    topic(history)
    first = history.commit(1, "Extend app", {"app.py": BASE + lines("side", 4)})
    fix = history.commit(
        2, "fix: wrong value", {"app.py": BASE + lines("side", 4).replace("side 3", "side three")}
    )
    history.git("checkout", "-q", "main")
    history.commit(2.5, "Main work", {"other.py": "x\n"})
    merge(history, 40)  # long after the side commits' windows: read just after it lands

    outcomes = history.measure(now=80)

    assert outcomes[first].survival_14d == outcomes[first].survival_30d == 0.75
    assert (outcomes[first].fixed_30d, outcomes[first].fixed_by) == (True, fix)
    assert outcomes[fix].survival_30d == 1.0


def test_a_fix_that_arrives_by_a_merge_marks_the_main_commit_fixed(tmp_path: Path) -> None:
    history = History(tmp_path / "repo")
    feature = history.commit(0, "Add feature", {"app.py": BASE + lines("feature", 3)})
    topic(history)
    fix = history.commit(
        1, "Fix the feature", {"app.py": BASE + lines("feature", 3).replace("feature 1", "ok")}
    )
    history.git("checkout", "-q", "main")
    history.commit(1.5, "Main work", {"other.py": "x\n"})
    merge(history, 2)

    outcomes = history.measure(now=40)

    assert (outcomes[feature].fixed_by, outcomes[feature].survival_30d) == (fix, 12 / 13)
    assert outcomes[fix].survival_30d == 1.0


def test_a_squash_merge_is_one_commit_of_the_branch(tmp_path: Path) -> None:
    history = History(tmp_path / "repo")
    start = history.commit(0, "Start", {"app.py": BASE})
    topic(history)
    history.commit(1, "Part one", {"feature.py": lines("one", 4)})
    history.commit(2, "fix: part one", {"feature.py": lines("one", 4) + "two\n"})
    history.git("checkout", "-q", "main")
    history.git("merge", "-q", "--squash", "topic")
    squash = history.commit(
        3,
        "Feature (#12)\n\n* Part one\n* fix: part one",
        {"app.py": BASE.replace("base 0", "changed by the squash")},
    )
    fix = history.commit(
        5,
        "fix: feature edge case",
        {"feature.py": lines("one", 4).replace("one 0", "zero") + "two\n"},
    )

    outcomes = history.measure(now=60)

    assert set(outcomes) == {start, squash, fix}
    assert (outcomes[squash].added, outcomes[squash].survival_30d) == (6, 5 / 6)
    assert outcomes[squash].fixed_by == fix
    assert outcomes[start].fixed_30d is False  # the squash's body lists a fix: not its subject


def test_rebased_commits_are_measured_from_the_time_they_landed(tmp_path: Path) -> None:
    history = History(tmp_path / "repo")
    history.commit(0, "Start", {"app.py": BASE})
    topic(history)
    history.commit(1, "Topic work", {"topic.py": lines("topic", 2)})
    history.git("checkout", "-q", "main")
    history.commit(2, "Main work", {"other.py": "x\n"})
    history.git("rebase", "-q", "main", "topic", day=20)
    history.git("checkout", "-q", "main")
    history.git("merge", "-q", "--ff-only", "topic")
    rebased = history.head()

    young = history.measure(now=30)[rebased]
    old = history.measure(now=60)[rebased]

    assert young.time == old.time
    assert (young.survival_14d, young.survival_30d) == (None, None)
    assert (old.survival_14d, old.survival_30d) == (1.0, 1.0)
