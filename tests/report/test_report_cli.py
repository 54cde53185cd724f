"""The report and the demo through the real command line."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from conftest import commit, git, tracker


def test_report_formats_through_the_cli(repo: Path, db_path: Path, tmp_path: Path) -> None:
    for i in range(3):
        commit(repo, f"agent {i}", env={"CLAUDECODE": "1"})
    commit(repo, "human")
    tracker("grade", "--agent-grade", "good", "--user-grade", "excellence", "HEAD~1", cwd=repo)
    git(repo, "push", "-q", "origin", "HEAD:main")
    table = tracker("report", cwd=repo).stdout
    assert "claude-code" in table and "human (baseline)" in table
    assert "Recommendation" in table and "\x1b[" not in table  # no colour off a terminal
    data = json.loads(tracker("report", "--json", cwd=repo).stdout)
    assert data["schema_version"] == 1
    rows = list(csv.DictReader(io.StringIO(tracker("report", "--csv", cwd=repo).stdout)))
    assert {r["agent"] for r in rows} >= {"claude-code", "human"}
    page = tmp_path / "report.html"
    out = tracker("report", "--html", str(page), cwd=repo).stdout
    assert "Wrote the HTML report" in out and page.read_text().startswith("<!")
    by_agent = json.loads(tracker("report", "--by", "agent", "--json", cwd=repo).stdout)
    assert by_agent["options"]["by"] == "agent"
    medium = json.loads(tracker("report", "--include-medium", "--json", cwd=repo).stdout)
    assert medium["options"]["include_medium"] is True
    like = json.loads(tracker("report", "--like", ".", "--json", cwd=repo).stdout)
    assert like["recommendation"]["like"]["similar_projects"] == [str(repo)]
    recent = json.loads(
        tracker(
            "report",
            "--since",
            "30d",
            "--project",
            ".",
            "--agent",
            "claude-code",
            "--min-commits",
            "1",
            "--json",
            cwd=repo,
        ).stdout
    )
    assert {r["agent"] for r in recent["rows"]} == {"claude-code", "human"}
    old = json.loads(tracker("report", "--until", "2000-01-01", "--json", cwd=repo).stdout)
    assert old["totals"]["commits"] == 0


def test_report_refuses_bad_options(repo: Path, db_path: Path) -> None:
    both = tracker("report", "--json", "--csv", cwd=repo, check=False)
    assert both.returncode == 2 and "--json" in both.stderr
    bad = tracker("report", "--since", "the other day", cwd=repo, check=False)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    wrong = tracker("report", "--by", "colour", cwd=repo, check=False)
    assert wrong.returncode == 2 and "Invalid value" in wrong.stderr


def test_report_without_a_database_says_what_to_do(db_path: Path) -> None:
    out = tracker("report").stdout
    assert "No data yet" in out and "agent-git-tracker install" in out
    assert not db_path.exists()


def test_demo_runs_end_to_end_and_touches_nothing_of_the_user(
    hermetic: Path, db_path: Path
) -> None:
    before = sorted(hermetic.rglob("*"))
    out = tracker("demo").stdout
    assert "pushed to a local bare remote" in out
    assert "claude-code / claude-opus-4.5 / plan-first" in out
    assert "Recommendation: Use claude-code" in out
    # The recommendation rests on measured outcomes, not only on grades.
    assert "(12 measured, 6 graded): 100% of its" in " ".join(out.split())
    assert sorted(hermetic.rglob("*")) == before
    assert not db_path.exists()


def test_digests_and_commit_records_give_the_same_report(repo: Path, db_path: Path) -> None:
    from agent_git_tracker.config.settings import load
    from agent_git_tracker.store import keys
    from agent_git_tracker.store.db import open_store

    for i in range(4):
        commit(repo, f"agent {i}", env={"CODEX_SANDBOX": "1"})
        tracker("grade", "--agent-grade", "good", "--user-grade", str([1, 2, 5, -1][i]), cwd=repo)
    tracker("flush", cwd=repo)
    with_digests = json.loads(tracker("report", "--json", cwd=repo).stdout)
    head = git(repo, "rev-parse", "HEAD").strip()
    with open_store(load()) as store:
        assert store.put_many({keys.digest(str(repo), head): None}) == 0  # one digest gone
    from_records = json.loads(tracker("report", "--json", cwd=repo).stdout)
    assert from_records["rows"] == with_digests["rows"]
    assert from_records["rows"][0]["graded"] == 4


def test_a_grade_given_after_its_commits_flush_is_carried_by_the_digest(
    repo: Path, db_path: Path
) -> None:
    """The report reads one digest per commit; a grade given later lands in it too, so that
    the report need not read the grades on their own."""
    from agent_git_tracker.config.settings import load
    from agent_git_tracker.store import keys
    from agent_git_tracker.store.db import open_store

    commit(repo, "agent work", env={"CODEX_SANDBOX": "1"})
    tracker("flush", cwd=repo)
    tracker("grade", "--agent-grade", "good", "--user-grade", "excellence", cwd=repo)
    tracker("flush", cwd=repo)
    head = git(repo, "rev-parse", "HEAD").strip()
    with open_store(load()) as store, store.reading() as view:
        fact = view.get(keys.digest(str(repo), head))
    assert fact[6][1:3] == [2, 5]  # [week, agent grade, user grade, CS change]
    data = json.loads(tracker("report", "--json", cwd=repo).stdout)
    assert data["rows"][0]["grades"]["excellence"] == 1


def test_the_timeline_puts_grades_in_the_week_of_their_commit(repo: Path, db_path: Path) -> None:
    """A commit of January graded today counts in January's week, graded before its flush
    or after, read from the digests or from the commit records."""
    from agent_git_tracker.config.settings import load
    from agent_git_tracker.store import keys
    from agent_git_tracker.store.db import open_store

    weeks = {"2026-01-07T12:00:00Z": "2026-01-05", "2026-01-14T12:00:00Z": "2026-01-12"}
    made = []
    for n, when in enumerate(weeks):
        dated = {"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when, "CODEX_SANDBOX": "1"}
        made.append(commit(repo, f"agent {n}", env=dated))
        if n == 1:
            tracker("flush", cwd=repo)  # the second commit is graded after its flush
        tracker("grade", "--agent-grade", "good", "--user-grade", "good", cwd=repo)
    pending = json.loads(tracker("report", "--json", cwd=repo).stdout)["timeline"]
    tracker("flush", cwd=repo)
    stored = json.loads(tracker("report", "--json", cwd=repo).stdout)["timeline"]
    with open_store(load()) as store:
        store.put_many({keys.digest(str(repo), made[0]): None})  # read the commit records
    from_records = json.loads(tracker("report", "--json", cwd=repo).stdout)["timeline"]
    for timeline in (pending, stored, from_records):
        assert [w["week"] for w in timeline[0]["weeks"]] == list(weeks.values())
