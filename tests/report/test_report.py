"""The report: exact numbers from known records in a real LMDB file, ranking, the
recommendation, filters, groupings, the output formats, and the whole path from real commits."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from agent_git_tracker.config.settings import load
from agent_git_tracker.errors import UsageError
from agent_git_tracker.ledger import digest
from agent_git_tracker.models import GRADE_VALUES, Rules
from agent_git_tracker.report import html, render
from agent_git_tracker.report.build import build_report
from agent_git_tracker.report.model import Report, ReportOptions, Row
from agent_git_tracker.report.run import absolute_time, run_report
from agent_git_tracker.report.table import as_table
from agent_git_tracker.store import keys
from agent_git_tracker.store.db import Store, open_store

from conftest import commit, tracker

SHOP, API = "/home/dev/src/shop", "/home/dev/src/api"
CLAUDE = "claude-code / opus / tdd"
CODEX = "codex / gpt-5"


class Records:
    """Records shaped as the ledger writes them, collected for one `put_many`."""

    def __init__(self) -> None:
        self.items: dict[str, Any] = {}
        self.rules = Rules()
        self.score: dict[str, int] = {}

    def commit(
        self,
        project: str,
        number: int,
        agent: str = "claude-code",
        model: str | None = "opus",
        setup: str | None = "tdd",
        kind: str = "agent",
        when: str = "2026-02-10T09:00:00+01:00",
        lines: tuple[int, int] | None = (10, 2),
        outcomes: dict[str, Any] | None = None,
        confidence: str | None = None,
        files: int | None = None,
    ) -> str:
        commit_hash = f"{agent[:4]}{number:036x}"
        record: dict[str, Any] = {
            "agent_id": agent if kind == "agent" else kind,
            "model": model,
            "setup": setup,
            "kind": kind,
            "evidence": ["test"],
            "commit_hash": commit_hash,
            "project_path": project,
            "timestamp": when,
            "committed_at": when,
            "recorded_at": "2026-02-10T08:00:00.000+00:00",
        }
        if lines:
            record["insertions"], record["deletions"] = lines
        extra = {"outcomes": outcomes, "confidence": confidence, "files_changed": files}
        record.update({k: v for k, v in extra.items() if v is not None})
        self.items[keys.commit(project, commit_hash)] = record
        return commit_hash

    def digests(self) -> Records:
        """Every commit's digest too, as the ledger writes them (the report then reads those)."""
        for key, record in list(self.items.items()):
            if key.startswith("commit:"):
                self.items[keys.digest_of(key)] = digest.of(record)
        return self

    def grade(
        self,
        agent: str,
        project: str,
        commit_hash: str,
        agent_grade: str,
        user_grade: str,
        when: str = "2026-02-11T10:00:00.000+00:00",
    ) -> None:
        a, u = GRADE_VALUES[agent_grade], GRADE_VALUES[user_grade]
        before = self.score.get(agent, 60)
        after = before + self.rules.points(a) + self.rules.points(u)
        self.score[agent] = after
        self.items[keys.retrospective(agent, project, commit_hash)] = {
            "agent_id": agent,
            "project_path": project,
            "commit": commit_hash,
            "timestamp": when,
            "task": "",
            "agent_grade": a,
            "user_grade": u,
            "score_before": before,
            "score_after": after,
        }

    def bug(self, agent: str, project: str, commit_hash: str | None, when: str) -> None:
        self.items[keys.bug(agent, when, str(len(self.items)))] = {
            "agent_id": agent,
            "timestamp": when,
            "commit": commit_hash,
            "project_path": project,
            "note": "",
        }

    def agent(self, agent: str, sp: float, xp: float, cs: float, halted: bool = False) -> None:
        self.items[keys.agent(agent)] = {
            "id": agent,
            "skill_points": sp,
            "experience_points": xp,
            "communication_score": cs,
            "halted": halted,
        }

    def project(self, path: str, language: str | None, files: int | None) -> None:
        self.items[keys.project(path)] = {
            "project_path": path,
            "main_language": language,
            "tracked_files": files,
            "remote_url": None,
        }


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(load(db_path=str(tmp_path / "r.lmdb"), max_db_size="64MiB")) as opened:
        yield opened


def standard() -> Records:
    """Two setups with enough evidence, one with little, humans and a bot.

    claude-code / opus / tdd, in shop: 12 commits, 6 graded (CS changes 4, 4, 4, 7, 3, 1:
    sum 23), 1 bug. codex / gpt-5, in api: 10 commits, 5 graded neutral by both (+2 each).
    gemini-cli: 2 commits, both graded excellence by both (+10 each): little evidence.
    """
    r = Records()
    r.project(SHOP, "Python", 40)
    r.project(API, "Rust", 300)
    claude = [
        r.commit(SHOP, i, when=f"2026-02-{10 + i:02d}T00:30:00+01:00", lines=(i, 1))
        for i in range(12)
    ]
    for number, user in enumerate(["good", "good", "good", "excellence", "neutral", "bad"]):
        r.grade("claude-code", SHOP, claude[number], "good", user)
    r.bug("claude-code", SHOP, claude[0], "2026-02-20T10:00:00.000+00:00")
    codex = [
        r.commit(API, i, "codex", "gpt-5", None, when="2026-03-02T12:00:00Z") for i in range(10)
    ]
    for commit_hash in codex[:5]:
        r.grade("codex", API, commit_hash, "neutral", "neutral", "2026-03-03T12:00:00.000+00:00")
    for i in range(2):
        gemini = r.commit(API, i, "gemini-cli", "gemini-2.5-pro", None)
        r.grade("gemini-cli", API, gemini, "excellence", "excellence")
    for i in range(3):
        r.commit(SHOP, 100 + i, kind="human", model=None, setup=None, lines=(5, 5))
    r.commit(SHOP, 200, kind="bot", model=None, setup=None)
    r.agent("claude-code", 2, 7, 83)
    r.agent("codex", 3, 1, 70)
    r.agent("gemini-cli", 1, 2, 80)
    r.items[keys.usage("claude-code", "2026-02-11")] = {
        "agent_id": "claude-code",
        "day": "2026-02-11",
        "setups": {"opus|tdd": {"tool_uses": 30, "failed_tool_uses": 6, "commands": 12}},
    }
    return r


def report_of(store: Store, records: Records | None = None, **options: Any) -> Report:
    if records is not None:
        store.put_many(records.items)
    like = options.pop("like_profile", None)
    with store.reading() as view:
        return build_report(view, ReportOptions(**options), like)


def row(report: Report, label: str) -> Row:
    return next(r for r in report.rows if r.label == label)


# --- numbers -------------------------------------------------------------------------------


def test_a_setup_row_has_exact_numbers(store: Store) -> None:
    report = report_of(store, standard())
    claude = row(report, CLAUDE)
    assert (claude.agent, claude.model, claude.setup) == ("claude-code", "opus", "tdd")
    assert (claude.projects, claude.commits, claude.graded) == (1, 12, 6)
    assert claude.mean_cs_change == pytest.approx(23 / 6)
    assert claude.grades == {"bad": 1, "neutral": 1, "good": 3, "excellence": 1}
    assert claude.agent_grades == {"bad": 0, "neutral": 0, "good": 6, "excellence": 0}
    assert claude.bugs == 1
    assert claude.bugs_per_100_commits == pytest.approx(100 / 12)
    assert claude.lines_per_commit == pytest.approx(sum(i + 1 for i in range(12)) / 12)
    assert (claude.tool_uses, claude.commands) == (36, 12)
    assert claude.tool_uses_per_commit == pytest.approx(3.0)
    assert claude.commands_per_commit == pytest.approx(1.0)
    assert (claude.skill_points, claude.experience_points, claude.communication_score) == (2, 7, 83)
    assert claude.halted is False
    # Commit times are compared in UTC: 00:30 at +01:00 is 23:30 the day before.
    assert claude.first_seen == "2026-02-09T23:30:00+00:00"
    assert claude.last_seen == "2026-02-20T23:30:00+00:00"
    # No outcome is measured: the score is the grades' and the bug's (see `report.score`).
    # Your grades: good +0.5 × 3, excellence +1, neutral 0, bad −1; the agent's: good × 6.
    grades = 0.25 * 1.5 / (6 + 5) + 0.05 * 3.0 / (6 + 5)
    assert claude.score == pytest.approx(100 * (grades - 0.5 * 1 / (12 + 5)))
    assert (claude.measured, claude.pending, claude.median_lines) == (0, 0, 6.5)
    assert claude.score_low is not None and claude.score_high is not None
    assert claude.score - claude.score_low == pytest.approx(claude.score_high - claude.score)
    codex = row(report, CODEX)
    assert codex.score == pytest.approx(0.0)
    assert codex.tool_uses is None and codex.tool_uses_per_commit is None
    assert codex.first_seen == "2026-03-02T12:00:00+00:00"


def test_the_score_is_the_documented_formula(store: Store) -> None:
    """The module docstring's example: 40 commits, none measured yet, 20 graded by you (10
    excellent, 10 good) and by the agent (neutral), 2 bugs → 100 × (0.25 × 15/25 − 0.5 × 2/45)
    = 12.8."""
    r = Records()
    hashes = [r.commit(SHOP, i) for i in range(40)]
    for number, commit_hash in enumerate(hashes[:20]):  # 10 × (1 + 5) + 10 × (1 + 2) = 90
        r.grade(
            "claude-code", SHOP, commit_hash, "neutral", "excellence" if number < 10 else "good"
        )
    for n in range(2):
        r.bug("claude-code", SHOP, hashes[n], f"2026-02-2{n}T00:00:00.000+00:00")
    claude = row(report_of(store, r), CLAUDE)
    assert (claude.commits, claude.graded, claude.bugs) == (40, 20, 2)
    assert claude.mean_cs_change == pytest.approx(90 / 20)
    assert claude.score == pytest.approx(100 * (0.25 * 15 / 25 - 0.5 * 2 / 45))
    assert round(claude.score, 1) == 12.8


def test_humans_are_an_unranked_baseline_and_bots_are_left_out(store: Store) -> None:
    report = report_of(store, standard())
    human = report.rows[-1]
    assert (human.label, human.kind, human.rank, human.evidence) == (
        "human (baseline)",
        "human",
        None,
        "baseline",
    )
    # Humans have a score too (their outcomes against the same repositories), never a rank.
    assert (human.commits, human.lines_per_commit, human.score) == (3, 10, 0)
    assert all(r.kind != "bot" for r in report.rows)
    totals = report.totals
    assert (totals.commits, totals.agent_commits, totals.human_commits, totals.bot_commits) == (
        28,
        24,
        3,
        1,
    )
    assert (totals.graded, totals.bugs, totals.projects) == (13, 1, 2)


def test_little_evidence_is_marked_and_never_ranked_first(store: Store) -> None:
    report = report_of(store, standard())
    ranked = [(r.rank, r.label, r.evidence) for r in report.rows if r.rank]
    assert ranked == [
        (1, CLAUDE, "enough"),
        (2, CODEX, "enough"),
        (3, "gemini-cli / gemini-2.5-pro", "little"),
    ]
    # Its score is the highest (four excellent grades), yet it ranks after the others.
    assert row(report, "gemini-cli / gemini-2.5-pro").score == pytest.approx(100 * 0.3 * 2 / 7)
    table = as_table(report, 120, color=False)
    assert re.search(r"^\s+3\?\s+gemini-cli", table, re.MULTILINE)
    assert "? little evidence" in table


# --- the recommendation --------------------------------------------------------------------


def test_the_recommendation_names_the_setup_and_the_numbers_behind_it(store: Store) -> None:
    """Grades alone, no measured outcome: claude leads, but cannot be told apart from codex."""
    report = report_of(store, standard())
    recommendation = report.recommendation
    assert recommendation.row is not None and recommendation.row.label == CLAUDE
    assert recommendation.separated is False
    assert recommendation.leading == (CLAUDE, CODEX)
    assert recommendation.sentence == (
        "No setup is clearly best yet: claude-code / opus / tdd leads with a score of +1.8 "
        "(90 % interval -14.5 to +18.2) over 12 commits in 1 project (none measured yet, 6 "
        "graded): 8.3 bugs per 100 commits. Its probability of being the best is 0.55: the "
        "data cannot yet separate it from codex / gpt-5 (score +0.0, probability 0.45). None "
        "of their commits has a measured outcome yet (`agent-git-tracker scan` measures what "
        "became of past commits); your grades of their commits (`agent-git-tracker grade`) add "
        "evidence sooner."
    )


def test_not_enough_data_is_said_plainly(store: Store) -> None:
    assert report_of(store).recommendation.sentence == (
        "Not enough data to recommend a setup: no agent commits are recorded yet; install the "
        "hooks with `agent-git-tracker install` in your repositories."
    )
    r = Records()
    for i in range(12):
        r.commit(SHOP, i)
    r.grade("claude-code", SHOP, r.commit(SHOP, 0), "good", "good")
    report = report_of(store, r)
    assert report.recommendation.row is None
    assert report.recommendation.sentence == (
        "Not enough data to recommend a setup: no setup has 10 commits of which 10 measured or "
        "5 graded yet (closest: claude-code / opus / tdd, 12 commits, 0 measured, 0 pending, 1 "
        "graded); `agent-git-tracker scan` measures what became of past commits, and you can "
        "grade commits with `agent-git-tracker grade`."
    )


def test_a_halted_agent_is_not_recommended(store: Store) -> None:
    r = standard()
    r.agent("claude-code", 0, 7, 83, halted=True)
    report = report_of(store, r)
    assert row(report, CLAUDE).halted is True
    sentence = report.recommendation.sentence
    assert sentence.startswith(
        "Use codex / gpt-5: it is the only usable setup with enough evidence, with a score of +0.0"
    )
    assert sentence.endswith("; claude-code / opus / tdd scores higher, but its agent is halted.")


def test_like_matches_projects_by_language_and_size(store: Store) -> None:
    records = standard()
    report = report_of(
        store,
        records,
        like="/work/new-api",
        like_profile={"main_language": "rust", "tracked_files": 200},
    )
    like = report.recommendation.like
    assert like is not None and like.similar_projects == (API,)
    assert report.recommendation.sentence.startswith(
        "For a project like new-api (Rust, 200 tracked files), use codex / gpt-5: in the one "
        "similar project it is the only usable setup with enough evidence, with a score of "
        "+0.0 (90 % interval -15.1 to +15.1) over 10 commits in 1 project (none measured yet, "
        "5 graded)"
    )
    # 40 files is far from 2,000: no similar project, so the honest answer is "not enough data".
    far = report_of(
        store, like="/w/big", like_profile={"main_language": "Python", "tracked_files": 2000}
    )
    assert far.recommendation.row is None
    assert far.recommendation.sentence == (
        "Not enough data for a project like big (Python, 2000 tracked files): no agent commits "
        "are recorded in similar projects; across all projects, claude-code / opus / tdd leads "
        "with a score of +1.8 (90 % interval -14.5 to +18.2) over 12 commits in 1 project "
        "(none measured yet, 6 graded): 8.3 bugs per 100 commits."
    )


# --- filters and groupings -----------------------------------------------------------------


def test_filters_keep_what_they_name(store: Store) -> None:
    store.put_many(standard().items)
    only_api = report_of(store, project="api")
    assert [r.label for r in only_api.rows] == [CODEX, "gemini-cli / gemini-2.5-pro"]
    only_codex = report_of(store, agent="codex")
    assert [r.label for r in only_codex.rows] == [CODEX, "human (baseline)"]
    march = report_of(store, since="2026-03-01")
    assert [r.label for r in march.rows] == [CODEX]
    february = report_of(store, until="2026-02-15")
    claude = row(february, CLAUDE)
    # Up to the 15th, the whole day, in UTC: the commits of the 9th … 15th (local 10th … 16th).
    assert (claude.commits, claude.graded, claude.bugs) == (7, 6, 1)
    assert claude.tool_uses == 36
    exact = report_of(store, since="2026-02-20T23:30:00+00:00", until="2026-02-21")
    assert row(exact, CLAUDE).commits == 1
    bigger = report_of(store, min_commits=10)
    assert [r.label for r in bigger.rows] == [CLAUDE, CODEX]
    assert report_of(store, project="api").rows[0].tool_uses is None


def test_by_regroups_the_rows(store: Store) -> None:
    r = standard()
    r.commit(SHOP, 50, "codex", "gpt-5", None)
    r.project("/legacy/tool", "rust", None)  # older records spell languages in lower case
    r.commit("/legacy/tool", 1, "aider", None, None)
    store.put_many(r.items)
    agents = report_of(store, by="agent")
    assert {x.label: (x.commits, x.projects) for x in agents.rows} == {
        "claude-code": (12, 1),
        "codex": (11, 2),
        "aider": (1, 1),
        "gemini-cli": (2, 1),
        "human (baseline)": (3, 1),
    }
    assert row(agents, "codex").skill_points == 3
    models = report_of(store, by="model")
    assert {x.label for x in models.rows} == {
        "opus",
        "gpt-5",
        "gemini-2.5-pro",
        "(model not recorded)",
        "human (baseline)",
    }
    assert row(models, "gpt-5").skill_points is None
    projects = report_of(store, by="project")
    shop = row(projects, SHOP)
    assert (shop.commits, shop.language, shop.project) == (13, "Python", SHOP)
    assert shop.tool_uses is None
    languages = report_of(store, by="language")
    rust = row(languages, "Rust")
    assert (rust.commits, rust.projects) == (13, 2)
    # Whatever the grouping, the recommendation is about setups.
    assert languages.recommendation.row is not None
    assert languages.recommendation.row.label == CLAUDE


def test_grades_and_bugs_without_a_known_commit_go_to_the_agents_last_setup(
    store: Store,
) -> None:
    r = standard()
    r.commit(SHOP, 60, model="sonnet", setup=None, when="2026-01-01T00:00:00Z")
    r.bug("claude-code", SHOP, None, "2026-02-25T00:00:00.000+00:00")
    r.grade("claude-code", SHOP, "f" * 40, "good", "good")  # a commit never recorded
    human = r.commit(SHOP, 150, kind="human", model=None, setup=None)
    r.grade("claude-code", SHOP, human, "bad", "bad")  # graded with --agent on a human commit
    report = report_of(store, r)
    claude = row(report, CLAUDE)
    assert (claude.bugs, claude.graded) == (2, 8)
    assert row(report, "claude-code / sonnet").bugs == 0
    assert row(report, "human (baseline)").graded == 0


def test_older_records_without_model_setup_or_line_counts(store: Store) -> None:
    """Migrated from the older plugin: no model or setup, float points, no line counts,
    `Z` times, and retrospectives that do not name their project."""
    r = Records()
    hashes = [
        r.commit(
            "/old/x", i, "build", None, None, lines=None, when=f"2026-01-0{1 + i % 9}T00:00:00.000Z"
        )
        for i in range(10)
    ]
    for commit_hash in hashes[:5]:
        key = keys.retrospective("build", "/old/x", commit_hash)
        r.grade("build", "/old/x", commit_hash, "good", "neutral")
        del r.items[key]["project_path"]
        r.items[key]["timestamp"] = "2026-01-11T12:27:46.718Z"
    r.agent("build", 1.5, 35.3, 76)
    report = report_of(store, r)
    build = row(report, "build")
    assert (build.commits, build.graded, build.mean_cs_change) == (10, 5, 3)
    assert build.lines_per_commit is None and build.model is None
    assert (build.skill_points, build.experience_points) == (1.5, 35.3)
    assert build.first_seen == "2026-01-01T00:00:00+00:00"
    assert report.timeline[0].points[0].week == "2026-01-05"


def test_the_timeline_counts_grades_by_week(store: Store) -> None:
    report = report_of(store, standard())
    series = {s.label: s for s in report.timeline}
    assert list(series) == [CLAUDE, CODEX, "gemini-cli / gemini-2.5-pro"]
    points = series[CODEX].points
    assert [(p.week, p.graded, p.mean_cs_change) for p in points] == [("2026-03-02", 5, 2.0)]


def test_bad_options_are_usage_errors(store: Store) -> None:
    for options in (
        {"since": "last tuesday"},
        {"until": "2026-13-01"},
        {"since": "2026-03-01", "until": "2026-02-01"},
        {"by": "colour"},
        {"min_commits": -1},
    ):
        with pytest.raises(UsageError):
            report_of(store, **options)


def test_ages_become_times_before_now() -> None:
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert absolute_time("30d", now) == "2026-01-30T12:00:00+00:00"
    assert absolute_time("2w", now) == "2026-02-15T12:00:00+00:00"
    assert absolute_time("12h", now) == "2026-03-01T00:00:00+00:00"
    assert absolute_time("2026-02-01", now) == "2026-02-01"
    assert absolute_time(None, now) is None


# --- output --------------------------------------------------------------------------------

ROW_KEYS = {
    "rank", "evidence", "kind", "label", "agent", "model", "setup", "project", "language",
    "projects", "commits", "graded", "mean_cs_change", "grades", "agent_grades", "bugs",
    "bugs_per_100_commits", "lines_per_commit", "tool_uses", "commands", "tool_uses_per_commit",
    "commands_per_commit", "skill_points", "experience_points", "communication_score", "halted",
    "first_seen", "last_seen", "score",
    # since outcomes
    "confidence", "score_low", "score_high", "probability_best", "leading", "measured",
    "pending", "median_lines", "median_files", "outcomes",
    # since agent logs
    "usage",
    # since team reports (null in a personal report)
    "member",
}  # fmt: skip


def test_json_has_the_documented_stable_schema(store: Store) -> None:
    data = render.as_json(report_of(store, standard()))
    assert json.loads(json.dumps(data)) == data
    assert set(data) == {
        "schema_version", "options", "scoring", "totals", "rows", "timeline", "recommendation",
    }  # fmt: skip
    assert data["schema_version"] == 1
    assert set(data["options"]) == {
        "by", "project", "agent", "since", "until", "min_commits", "like", "include_medium",
    }  # fmt: skip
    assert set(data["scoring"]) == {
        "formula", "evidence", "min_commits", "min_graded", "prior_graded", "prior_change",
        "bug_cost",
        # since outcomes
        "min_measured", "weights", "prior_commits", "interval", "separation", "compared",
    }  # fmt: skip
    assert set(data["totals"]) == {
        "commits", "agent_commits", "human_commits", "bot_commits", "graded", "bugs",
        "projects", "first_seen", "last_seen", "measured", "pending",
    }  # fmt: skip
    assert all(set(r) == ROW_KEYS for r in data["rows"])
    assert set(data["rows"][0]["grades"]) == {"bad", "neutral", "good", "excellence"}
    assert set(data["timeline"][0]) == {"label", "weeks"}
    assert set(data["timeline"][0]["weeks"][0]) == {"week", "graded", "mean_cs_change"}
    assert set(data["recommendation"]) == {
        "sentence", "enough_data", "label", "agent", "model", "setup", "like",
        "probability_best", "separated", "leading", "more_commits",
    }  # fmt: skip
    first = data["rows"][0]
    assert (first["label"], first["score"], first["mean_cs_change"]) == (CLAUDE, 1.832, 3.833)
    assert (first["score_low"], first["score_high"]) == (-14.535, 18.198)
    liked = render.as_json(report_of(store, like="/x/y", like_profile={"main_language": "Go"}))
    assert set(liked["recommendation"]["like"]) == {
        "path", "language", "tracked_files", "similar_projects",
    }  # fmt: skip


def test_csv_has_a_header_and_one_line_per_row(store: Store) -> None:
    report = report_of(store, standard())
    lines = list(csv.DictReader(io.StringIO(render.as_csv(report))))
    assert len(lines) == len(report.rows)
    first = lines[0]
    assert (first["label"], first["commits"], first["grades_good"], first["halted"]) == (
        CLAUDE,
        "12",
        "3",
        "false",
    )
    assert lines[-1]["rank"] == "" and lines[-1]["score"] == "0.0"
    assert lines[0]["survival_30d_measured"] == "0" and lines[0]["survival_30d_value"] == ""


@pytest.mark.parametrize("width", [80, 160, 240])
def test_the_table_fits_the_terminal(store: Store, width: int) -> None:
    table = as_table(report_of(store, standard()), width, color=False)
    assert "\x1b[" not in table
    assert all(len(line) <= width for line in table.splitlines()), table
    header = next(line for line in table.splitlines() if line.lstrip().startswith("#"))
    # Beside the score, always: its interval, measured and pending commits, median size.
    for name in ("setup", "score", "90% interval", "measured", "pending", "lines", "files"):
        assert name in header
    for name in ("P(best)", "kept30", "commits", "graded", "ΔCS", "bugs/100"):
        assert (name in header) is (width >= 160)
    assert ("SP/XP/CS" in header) is (width == 240)
    assert ("not shown at this width" in table) is (width < 240)
    assert "Recommendation: No setup is clearly best yet: claude-code / opus / tdd" in table
    assert "left out: 1 bot commit" in table


def test_long_labels_are_shortened_in_the_middle(store: Store) -> None:
    r = Records()
    r.commit(SHOP, 1, "an-agent-with-a-remarkably-long-name", "a-model-name-as-long", "setup-x")
    table = as_table(report_of(store, r), 80, color=False)
    assert all(len(line) <= 80 for line in table.splitlines()), table
    assert "an-agent-with-a" in table and "…" in table and "setup-x" in table


@pytest.mark.parametrize("width", [80, 100, 120])
def test_terminal_labels_never_cut_the_model_away(store: Store, width: int) -> None:
    r = Records()
    for n in range(3):
        agent = f"ag{n}-an-agent-with-a-remarkably-long-name"
        r.commit(SHOP, 1, agent, f"claude-opus-4.{n}", "a-setup-with-a-long-label-too")
    table = as_table(report_of(store, r), width, color=False)
    assert all(len(line) <= width for line in table.splitlines()), table
    rows = [line for line in table.splitlines() if "claude-opus-4." in line]
    assert len(rows) >= 3, table
    for n in range(3):  # each row shows its model whole, with the start of its agent
        pattern = rf"\sa\S*( / |/)claude-opus-4\.{n}( / |/)a"
        assert any(re.search(pattern, row) for row in rows), table
    assert any("ag0-an" in row for row in rows) is (width > 80)


@pytest.fixture
def config(db_path: Path) -> Any:
    return load()


def clear_winner() -> Records:
    """Claude's work all kept, codex's all fixed, in the same repository as humans'."""
    r = Records()
    kept = {"survival_14d": 1, "survival_30d": 1, "reverted_30d": False, "fixed_30d": False}
    fixed = {**kept, "survival_14d": 0.5, "survival_30d": 0.5, "fixed_30d": True}
    for i in range(30):
        r.commit(SHOP, i, outcomes={**kept, "bulk": False})
        r.commit(SHOP, i, "codex", "gpt-5", None, outcomes={**fixed, "bulk": False})
        human = {**(fixed if i % 2 else kept), "bulk": False}
        r.commit(SHOP, i, "human", None, None, kind="human", outcomes=human)
    return r


def test_colour_only_on_a_terminal_and_never_with_no_color(
    config: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_store(config) as opened:
        opened.put_many(clear_winner().items)
    options = ReportOptions()
    assert "\x1b[" not in run_report(config, options, "table", None, True, 100)  # NO_COLOR=1
    monkeypatch.delenv("NO_COLOR")
    coloured = run_report(config, options, "table", None, True, 100)
    assert "\x1b[1m" in coloured and "\x1b[32m" in coloured
    assert "\x1b[" not in run_report(config, options, "table", None, False, 100)
    monkeypatch.setenv("NO_COLOR", "")  # empty means unset, says no-color.org
    assert "\x1b[" in run_report(config, options, "table", None, True, 100)


def test_no_database_yet_says_so(config: Any) -> None:
    text = run_report(config, ReportOptions(), "table", None, False, 80)
    assert text.startswith(f"No data yet: there is no database at {config.database_path}.")
    assert not config.database_path.exists()
    data = json.loads(run_report(config, ReportOptions(), "json", None, False, 80))
    assert data["rows"] == [] and data["recommendation"]["enough_data"] is False


def test_formats_and_options_are_checked(config: Any) -> None:
    with pytest.raises(UsageError, match="unknown report format"):
        run_report(config, ReportOptions(), "yaml", None, False, 80)
    with pytest.raises(UsageError, match="cannot read --since"):
        run_report(config, ReportOptions(since="yesterday-ish"), "table", None, False, 80)
    with pytest.raises(UsageError, match="not inside a git repository"):
        run_report(
            config,
            ReportOptions(like=str(config.database_path.parent.parent)),
            "table",
            None,
            False,
            80,
        )


class _Resources(HTMLParser):
    """Every attribute that could load something from elsewhere."""

    def __init__(self) -> None:
        super().__init__()
        self.loads: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.loads += [f"{tag} {k}={v}" for k, v in attrs if k in ("src", "href", "srcset")]


def test_the_html_page_is_self_contained(store: Store, tmp_path: Path) -> None:
    r = standard()
    r.commit(SHOP, 70, "evil", "</script><script>alert(1)</script>", None)
    page = html.as_html(report_of(store, r))
    assert "http://" not in page and "https://" not in page
    assert "@import" not in page and "url(" not in page
    parser = _Resources()
    parser.feed(page)
    assert parser.loads == []
    assert "<script>alert(1)" not in page
    assert '<script id="report-data" type="application/json">' in page
    embedded = page.split('type="application/json">', 1)[1].split("</script>", 1)[0]
    assert json.loads(embedded)["rows"][0]["label"] == CLAUDE
    assert "claude-code / opus / tdd leads" in page


# --- the whole path ------------------------------------------------------------------------


def test_report_from_real_commits_hooks_grades_and_a_flush(
    repo: Path, db_path: Path, tmp_path: Path
) -> None:
    claude = {"CLAUDECODE": "1", "AGENT_TRACKER_MODEL": "opus", "AGENT_TRACKER_SETUP": "tdd"}
    made = [
        commit(repo, f"claude {i}", files={f"src/m{i}.py": "x = 1\n" * (i + 1)}, env=claude)
        for i in range(3)
    ]
    commit(repo, "codex", files={"src/c.py": "y = 2\n"}, env={"CODEX_SANDBOX": "1"})
    commit(repo, "by hand", files={"README.md": "hello\n"})
    tracker("grade", made[0], "--agent-grade", "good", "--user-grade", "excellence", cwd=repo)
    tracker("grade", made[1], "--agent-grade", "neutral", "--user-grade", "bad", cwd=repo)
    tracker("bug", "--commit", made[1], "--note", "broke the build", cwd=repo)
    config = load()
    options = ReportOptions(like=str(repo))
    # Before any flush the events wait in the spool, and the report already counts them.
    pending = json.loads(run_report(config, options, "json", None, False, 100))
    tracker("flush", cwd=repo)
    flushed = json.loads(run_report(config, options, "json", None, False, 100))
    for data in (pending, flushed):
        rows = {r["label"]: r for r in data["rows"]}
        assert set(rows) == {CLAUDE, "codex", "human (baseline)"}
        claude_row = rows[CLAUDE]
        assert (claude_row["commits"], claude_row["graded"], claude_row["bugs"]) == (3, 2, 1)
        assert claude_row["grades"] == {"bad": 1, "neutral": 0, "good": 0, "excellence": 1}
        assert claude_row["mean_cs_change"] == pytest.approx(((2 + 5) + (1 - 1)) / 2)
        assert claude_row["lines_per_commit"] == pytest.approx(2)
        assert claude_row["projects"] == 1
        assert rows["codex"]["commits"] == 1 and rows["human (baseline)"]["commits"] == 1
        assert data["recommendation"]["enough_data"] is False
    # Project profiles are written at flush time: then the repository is like itself.
    like = flushed["recommendation"]["like"]
    assert like["language"] == "Python" and like["similar_projects"] == [str(repo)]
    # `--project` with a folder of the repository names the repository.
    inside = run_report(config, ReportOptions(project=str(repo / "src")), "csv", None, False, 80)
    assert len(inside.splitlines()) == 1 + 3
    elsewhere = run_report(config, ReportOptions(project="/nowhere"), "csv", None, False, 80)
    assert len(elsewhere.splitlines()) == 1
    html = tmp_path / "out" / "report.html"
    html.parent.mkdir()
    said = run_report(config, ReportOptions(), "table", html, False, 100)
    assert said.endswith(f"\n\nWrote the HTML report to {html}; open it in a browser.")
    assert "claude-code" in html.read_text()
    table = run_report(config, replace(options, like=None), "table", None, False, 100)
    assert "human (baseline)" in table and "Not enough data" in table
