"""A team's report: real exports (JSON Lines and Parquet) of real LMDB databases in temporary
homes, read by real DuckDB; parity with `report`, duplicates, members, anonymizing, errors."""

from __future__ import annotations

import json
import random
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
from rounding import close, plain

from agent_git_tracker.config.settings import Config, load
from agent_git_tracker.errors import TrackerError, UsageError
from agent_git_tracker.ledger import digest
from agent_git_tracker.models import GRADE_VALUES
from agent_git_tracker.report.build import build_report
from agent_git_tracker.report.model import Report, ReportOptions
from agent_git_tracker.store import keys
from agent_git_tracker.store.db import open_store
from agent_git_tracker.team import anonymize, exporting
from agent_git_tracker.team.exporting import export, member_id
from agent_git_tracker.team.run import team_report

pytest.importorskip("duckdb")

SETUPS = (("claude-code", "opus", "tdd"), ("codex", "gpt-5", None), ("aider", "deepseek", "x"))


def history(member: str, commits: int, seed: int, old: bool = False) -> dict[str, Any]:
    """A member's records as the ledger writes them: commits of three setups and humans in two
    projects, outcome measures, grades (in the commit record and as retrospectives), a bug.
    `old`: records of an earlier version (no files, no confidence, no outcomes, no usage)."""
    rng = random.Random(seed)
    items: dict[str, Any] = {}
    projects = [f"/home/{member}/src/shop", f"/home/{member}/src/api"]
    for project, language in zip(projects, ("Python", "Rust"), strict=True):
        items[keys.project(project)] = {
            "project_path": project,
            "main_language": language,
            "tracked_files": 120,
            "remote_url": f"https://{member}:tok@github.com/acme/{project[-4:]}.git",
        }
    for number in range(commits):
        project = projects[number % 2]
        human = number % 5 == 4
        agent, model, setup = (None, None, None) if human else SETUPS[number % 3]
        commit_hash = f"{seed:04x}{number:036x}"
        when = f"2026-0{1 + number % 6}-{1 + number % 27:02d}T10:{number % 60:02d}:00+02:00"
        record: dict[str, Any] = {
            "agent_id": "human" if human else agent,
            "kind": "human" if human else "agent",
            "model": model,
            "setup": setup,
            "commit_hash": commit_hash,
            "project_path": project,
            "timestamp": when,
            "author_email": f"{member}@example.com",
            "author_name": member.title(),
            "subject": f"fix {project}/main.py",
            "insertions": rng.randint(1, 200),
            "deletions": rng.randint(0, 50),
        }
        if not old:
            record["files_changed"] = rng.randint(1, 9)
            record["outcomes"] = {
                "survival_14d": rng.random(),
                "survival_30d": rng.random() if number % 7 else None,
                "reverted_30d": rng.random() < 0.1,
                "fixed_30d": rng.random() < 0.2 if number % 11 else None,
                "bulk": number % 97 == 0,
            }
        if not human and number % 4 == 0:
            grade = {
                "agent_id": agent,
                "project_path": project,
                "commit": commit_hash,
                "timestamp": "2026-03-03T12:00:00.000+00:00",
                "agent_grade": GRADE_VALUES["good"],
                "user_grade": GRADE_VALUES[rng.choice(["bad", "good", "excellence"])],
                "score_before": 60,
                "score_after": 63,
            }
            items[keys.retrospective(str(agent), project, commit_hash)] = grade
            if number % 8 == 0:  # the ledger keeps a grade's summary with its commit
                record["grade"] = {k: grade[k] for k in digest.GRADE_SUMMARY}
        items[keys.commit(project, commit_hash)] = record
    items[keys.bug("codex", "2026-03-04T10:00:00.000+00:00", member)] = {
        "agent_id": "codex",
        "timestamp": "2026-03-04T10:00:00.000+00:00",
        "commit": f"{seed:04x}{1:036x}",
        "project_path": projects[1],
        "note": f"broke /home/{member}/x",
    }
    for agent, _, _ in SETUPS:
        items[keys.agent(agent)] = {"id": agent, "skill_points": 3, "experience_points": 9}
    return items


def home(tmp_path: Path, member: str, commits: int, seed: int, old: bool = False) -> Config:
    """A member's real LMDB database, with digests as the ledger writes them."""
    config = load(db_path=str(tmp_path / member / "db.lmdb"), max_db_size="256MiB")
    items = history(member, commits, seed, old)
    for key, record in list(items.items()):
        if key.startswith("commit:"):
            items[keys.digest_of(key)] = digest.of(record)
    with open_store(config) as store:
        store.put_many(items)
    return config


def personal(config: Config, **options: Any) -> Report:
    with open_store(config) as store, store.reading() as view:
        return build_report(view, ReportOptions(**options))


def rows(report: Report) -> list[dict[str, Any]]:
    return [asdict(row) for row in report.rows]


@pytest.fixture
def team(tmp_path: Path) -> Path:
    return tmp_path / "team"


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
@pytest.mark.parametrize("by", ["setup", "agent", "project", "language"])
def test_one_members_team_report_is_their_report(
    tmp_path: Path, team: Path, fmt: str, by: str
) -> None:
    alice = home(tmp_path, "alice", 300, 1)
    export(alice, team, fmt, member="alice")
    mine = personal(alice, by=by)
    theirs, members = team_report([str(team)], ReportOptions(by=by))
    assert members == 1
    assert rows(theirs) == close(rows(mine))
    assert asdict(theirs.totals) == close(mine.totals)
    assert plain(theirs.recommendation) == close(mine.recommendation)
    assert plain(theirs.timeline) == close(mine.timeline)


def test_filters_give_the_same_rows_as_report(tmp_path: Path, team: Path) -> None:
    alice = home(tmp_path, "alice", 200, 1)
    export(alice, team, "parquet", member="alice")
    options = {"since": "2026-02-01", "until": "2026-05-31", "agent": "codex", "min_commits": 2}
    theirs, _ = team_report([str(team)], ReportOptions(**options))
    assert rows(theirs) == close(rows(personal(alice, **options)))


def test_three_homes_add_up_and_split_by_member(tmp_path: Path, team: Path) -> None:
    """Three members, one of an earlier version (no files, outcomes nor confidence): the
    totals are the sum of theirs, and --by member splits each setup per member."""
    configs = {
        "alice": home(tmp_path, "alice", 120, 1),
        "bob": home(tmp_path, "bob", 90, 2),
        "carol": home(tmp_path, "carol", 60, 3, old=True),
    }
    export(configs["alice"], team, "parquet", member="alice")
    export(configs["bob"], team, "jsonl", member="bob")
    export(configs["carol"], team, "parquet", member="carol")
    report, members = team_report([str(team)], ReportOptions())
    assert members == 3
    alone = [personal(config).totals for config in configs.values()]
    for field in ("commits", "agent_commits", "human_commits", "graded", "measured", "bugs"):
        assert getattr(report.totals, field) == sum(getattr(t, field) for t in alone), field
    assert report.totals.projects == 6
    split, _ = team_report([str(team)], ReportOptions(by="member"))
    labelled = {row.label: row for row in split.rows}
    assert {row.member for row in split.rows if row.kind == "agent"} == set(configs)
    assert labelled["bob: codex / gpt-5"].commits == next(
        row.commits for row in personal(configs["bob"]).rows if row.label == "codex / gpt-5"
    )
    assert (
        sum(row.commits for row in split.rows) == report.totals.commits - report.totals.bot_commits
    )


def test_a_parquet_export_streams_in_batches_and_says_what_it_holds(
    tmp_path: Path, team: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows go to the file a batch at a time: the same records as one batch, and the
    header in the file's metadata counts them."""
    alice = home(tmp_path, "alice", 120, 1)
    whole = export(alice, tmp_path / "whole", "parquet", member="alice")
    monkeypatch.setattr(exporting, "BATCH", 7)
    parts = export(alice, team, "parquet", member="alice")
    pq = pytest.importorskip("pyarrow.parquet")
    assert pq.read_table(parts.path).to_pylist() == pq.read_table(whole.path).to_pylist()
    assert pq.ParquetFile(parts.path).metadata.num_row_groups > 10
    head = json.loads(pq.read_metadata(parts.path).metadata[b"agent_git_tracker.header"])
    assert head["records"] == parts.done.records == pq.read_metadata(parts.path).num_rows
    assert head["member"] == "alice"


def test_duplicates_and_repeated_exports_count_once(tmp_path: Path, team: Path) -> None:
    """Bob imported Alice's history (identical records in both exports), and Alice exported
    twice (the latest counts): every commit is counted once."""
    alice = home(tmp_path, "alice", 80, 1)
    bob = home(tmp_path, "bob", 50, 2)
    export(alice, team, "jsonl", member="alice")
    export(alice, team, "parquet", member="alice")
    with open_store(alice) as store, store.reading() as view:
        shared = dict(view.scan("commit:"))
    with open_store(bob) as store:
        store.put_many(shared)
    export(bob, team, "parquet", member="bob")
    report, members = team_report([str(team)], ReportOptions())
    assert members == 2
    assert report.totals.commits == 80 + 50
    assert report.totals.bugs == 2


def test_since_leaves_out_older_commits(tmp_path: Path, team: Path) -> None:
    alice = home(tmp_path, "alice", 120, 1)
    export(alice, team, "jsonl", since="2026-04-01T00:00:00", member="alice")
    report, _ = team_report([str(team)], ReportOptions())
    assert report.totals.commits == personal(alice, since="2026-04-01T00:00:00").totals.commits
    assert report.totals.first_seen >= "2026-04-01"


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_anonymized_exports_leak_no_email_path_or_url(tmp_path: Path, team: Path, fmt: str) -> None:
    alice = home(tmp_path, "alice", 100, 1)
    written = export(alice, team, fmt, anonymized=True, member="alice")
    raw = written.path.read_bytes()
    for secret in (
        b"alice@example.com",
        b"/home/alice",
        b"github.com",
        b"tok",
        b"Alice",
        b"db.lmdb",
    ):
        assert secret not in raw, secret
    report, _ = team_report([str(team)], ReportOptions())
    mine = personal(alice)
    assert report.totals.commits == mine.totals.commits
    assert report.totals.projects == mine.totals.projects
    # the same sums in another order (hashed projects sort apart): equal to rounding
    assert [r.score for r in report.rows] == pytest.approx([r.score for r in mine.rows])
    by_language, _ = team_report([str(team)], ReportOptions(by="language"))
    assert {r.language for r in by_language.rows if r.kind == "agent"} == {"Python", "Rust"}


def test_anonymizing_is_stable_and_keeps_keys_in_step() -> None:
    record = {"project_path": "/home/a/src/x", "note": "see a@b.io", "main_language": "Go"}
    key, value = anonymize.record(keys.project("/home/a/src/x"), record)
    assert key == keys.project(anonymize.hashed("/home/a/src/x"))
    assert value["project_path"] == anonymize.hashed("/home/a/src/x")
    assert value["main_language"] == "Go"
    assert "a@b.io" not in json.dumps(value)
    assert anonymize.record(keys.project("/home/a/src/x"), record) == (key, value)


def test_member_names_never_choose_where_a_file_goes(tmp_path: Path, team: Path) -> None:
    assert member_id("../../etc/x") == "etc-x"
    assert member_id("..") == "member"
    assert member_id("al ice/é") == "al-ice"
    written = export(home(tmp_path, "a", 5, 1), team, "jsonl", member="../../outside")
    assert written.path.parent.parent == team.resolve()
    assert written.path.parent.name == "member=outside"


def test_sources_that_match_nothing_or_are_damaged_say_so(tmp_path: Path, team: Path) -> None:
    with pytest.raises(UsageError, match="matches no export"):
        team_report([str(tmp_path / "nothing-here")], ReportOptions())
    alice = home(tmp_path, "alice", 20, 1)
    written = export(alice, team, "parquet", member="alice")
    written.path.write_bytes(written.path.read_bytes()[:300])
    with pytest.raises(TrackerError, match="cannot read the team's exports"):
        team_report([str(team)], ReportOptions())
