"""Passes: started in the middle, stopped by a deadline, on which branch."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from agent_git_tracker.errors import UsageError
from agent_git_tracker.history import gitrun
from agent_git_tracker.history.gitlog import parse
from agent_git_tracker.history.outcomes import Outcome, first_parent_before, measure, outcome_of
from agent_git_tracker.history.paths import counted
from agent_git_tracker.history.tracker import Tracker

from conftest import git
from histories import DAY, T0, History, lines


def busy_history(path: Path) -> History:
    """Eighty days of work: rewrites, a rename, a revert, fixes and a merge."""
    history = History(path)
    history.commit(0, "Start", {"app.py": lines("base", 20), "lib.py": lines("lib", 8)})
    for day in range(1, 80, 3):
        text = (path / "app.py").read_text().splitlines(keepends=True)
        text[day % 9] = f"day {day}\n"
        message = "fix: day" if day % 2 else "Work"
        history.commit(
            day, f"{message} {day}", {"app.py": "".join(text), f"f{day}.py": lines(str(day), 3)}
        )
        if day == 34:
            history.git("revert", "--no-edit", "HEAD~1", day=35)
        if day == 43:
            history.commit(43.5, "Move lib", {"lib.py": None, "core/lib.py": lines("lib", 8)})
        if day == 52:
            history.git("checkout", "-q", "-b", "topic")
            history.commit(52.2, "Topic", {"f49.py": lines("topic", 2), "t.py": lines("t", 4)})
            history.git("checkout", "-q", "main")
            history.git("merge", "-q", "--no-ff", "-m", "Merge topic", "topic", day=53)
    return history


def test_a_pass_started_in_the_middle_gives_the_same_finals(tmp_path: Path) -> None:
    history = busy_history(tmp_path / "repo")
    full = history.measure(now=110)
    start = first_parent_before(history.path, None, T0 + 30 * DAY)
    assert start is not None and full[start].time < T0 + 30 * DAY

    part = history.measure(now=110, start_after=start)

    assert set(part) == {h for h, o in full.items() if o.time >= T0 + 30 * DAY}
    assert {h: full[h] for h in part} == part
    assert len(part) > 15 and all(o.final for o in part.values())
    assert any(o.reverted_30d for o in part.values()) and any(o.fixed_30d for o in part.values())


def test_a_deadline_stops_early_with_only_right_values(tmp_path: Path) -> None:
    history = busy_history(tmp_path / "repo")
    full = history.measure(now=100)
    assert history.measure(now=100, deadline=time.monotonic()) == {}
    started = time.monotonic()
    history.measure(now=100)
    took = time.monotonic() - started
    for fraction in (0.2, 0.5, 0.8):
        cut = history.measure(now=100, deadline=time.monotonic() + took * fraction)
        for commit, outcome in cut.items():
            assert_agrees(outcome, full[commit])


def test_a_pass_stopped_after_any_commit_says_nothing_wrong(tmp_path: Path) -> None:
    """What a deadline does, after each commit in turn: stop, then yield what is still open."""
    history = busy_history(tmp_path / "repo")
    full = history.measure(now=100)
    tip = gitrun.tip(history.path, None)
    first_parents = gitrun.first_parents(history.path, tip, None)
    with gitrun.Log(history.path, tip, None) as log:
        commits = list(parse(log.stdout, counted))
    for stop in range(len(commits) + 1):
        tracker = Tracker(T0 + 100 * DAY, (), {})
        told = []
        for commit in commits[:stop]:
            step = tracker.first_parent if commit.hash in first_parents else tracker.side
            step(commit)
            told += tracker.closed()
        for record in told + tracker.still_open():
            assert_agrees(outcome_of(record), full[record.hash])


def assert_agrees(partial: Outcome, full: Outcome) -> None:
    """Whatever a stopped pass says is what the full pass says."""
    for name in Outcome.__dataclass_fields__:
        value = getattr(partial, name)
        assert value is None or value == getattr(full, name), name


def test_the_default_branch_is_the_remotes_else_the_one_checked_out(tmp_path: Path) -> None:
    history = History(tmp_path / "origin")
    on_main = history.commit(0, "Start", {"app.py": "x\n"})
    git(tmp_path, "clone", "-q", str(history.path), "clone")
    clone = History(tmp_path / "clone", init=False)
    clone.git("checkout", "-q", "-b", "work")
    on_work = clone.commit(1, "Work", {"app.py": "y\n"})

    assert set(clone.measure(now=40)) == {on_main}
    assert set(clone.measure(now=40, branch="work")) == {on_main, on_work}
    history.git("checkout", "-q", "-b", "work")
    other = history.commit(1, "Other work", {"app.py": "z\n"})
    assert set(history.measure(now=40)) == {on_main, other}


def test_bad_names_say_what_to_do(tmp_path: Path) -> None:
    history = History(tmp_path / "repo")
    with pytest.raises(UsageError, match="no commit"):
        list(measure(history.path, now=T0))
    history.commit(0, "Start", {"app.py": "x\n"})
    for branch in ("nope", "--output=/tmp/x", "main..HEAD"):
        with pytest.raises(UsageError, match="pass an existing branch"):
            list(measure(history.path, branch, now=T0))
    with pytest.raises(UsageError, match="to start after"):
        list(measure(history.path, now=T0, start_after="-p"))


def test_a_shallow_clone_credits_no_one_with_its_boundary(tmp_path: Path) -> None:
    history = History(tmp_path / "origin")
    for day in range(4):
        history.commit(day, f"Work {day}", {"app.py": lines("line", 4 + day)})
    recent = history.commit(4, "Rewrite one", {"app.py": lines("line", 7).replace("line 6", "x")})
    git(tmp_path, "clone", "-q", "--depth", "2", f"file://{history.path}", "shallow")

    clone = History(tmp_path / "shallow", init=False)
    full, shallow = history.measure(now=40), clone.measure(now=40)

    assert set(shallow) == {recent}
    assert shallow[recent] == full[recent]
