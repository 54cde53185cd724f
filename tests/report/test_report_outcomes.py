"""The ranking from outcomes: exact measures per row, comparison within repositories, intervals,
the probability of being best and when the recommendation may call a setup separated; on real
LMDB files holding records with a known truth."""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
from test_report import Records, report_of, row

from agent_git_tracker.config.settings import load
from agent_git_tracker.ledger import digest
from agent_git_tracker.models import GRADE_LABELS
from agent_git_tracker.report import render, score, stats
from agent_git_tracker.report.facts import Fact, rank
from agent_git_tracker.report.model import Report
from agent_git_tracker.report.stats import Outcomes
from agent_git_tracker.report.table import as_table
from agent_git_tracker.store.db import Store, open_store

SHOP, API = "/home/dev/src/shop", "/home/dev/src/api"
GOOD = {"survival_14d": 1.0, "survival_30d": 1.0, "reverted_30d": False, "fixed_30d": False}
FIXED = {"survival_14d": 0.5, "survival_30d": 0.5, "reverted_30d": False, "fixed_30d": True}
REVERTED = {"survival_14d": 0.0, "survival_30d": 0.0, "reverted_30d": True, "fixed_30d": False}
YOUNG = {"survival_14d": None, "survival_30d": None, "reverted_30d": None, "fixed_30d": None}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(load(db_path=str(tmp_path / "r.lmdb"), max_db_size="64MiB")) as opened:
        yield opened


def outcome(base: dict[str, Any], bulk: bool = False, **changes: Any) -> dict[str, Any]:
    return {**base, **changes, "bulk": bulk, "final": base["reverted_30d"] is not None}


def commits(
    r: Records,
    project: str,
    agent: str,
    model: str | None,
    pattern: list[dict[str, Any]],
    start: int = 0,
    kind: str = "agent",
    **extra: Any,
) -> None:
    """One commit per outcome in `pattern`, by `agent` (or a human) in `project`."""
    for i, measured in enumerate(pattern, start):
        r.commit(
            project,
            i,
            agent,
            model,
            None,
            kind=kind,
            outcomes=measured,
            files=1 + i % 3,
            when=f"2026-01-{1 + i % 28:02d}T10:00:00Z",
            **extra,
        )


def mixed(n: int) -> list[dict[str, Any]]:
    """A plausible history: mostly kept, some fixed, now and then reverted."""
    return [
        outcome(REVERTED) if i % 10 == 3 else outcome(FIXED) if i % 4 == 1 else outcome(GOOD)
        for i in range(n)
    ]


# --- measures -------------------------------------------------------------------------------


@pytest.mark.parametrize("digests", [True, False], ids=["digests", "records"])
def test_a_row_has_exact_outcome_measures_with_measured_and_pending_counts(
    store: Store, digests: bool
) -> None:
    r = Records()
    pattern = [
        outcome(GOOD),
        outcome(GOOD, survival_30d=0.8),
        outcome(FIXED),
        outcome(REVERTED),
        outcome(YOUNG),  # too young for anything
        outcome(YOUNG, survival_14d=0.9),  # 14 days old: kept, not yet decided
        outcome(YOUNG, reverted_30d=True),  # reverted early: not decided either
        outcome(GOOD, bulk=True),  # huge: counted apart
        outcome(GOOD, survival_14d=None, survival_30d=None),  # no counted lines added
    ]
    commits(r, SHOP, "claude-code", "opus", pattern)
    r.commit(SHOP, 99, "claude-code", "opus", None, lines=(1, 1))  # never measured
    report = report_of(store, r.digests() if digests else r)
    claude = row(report, "claude-code / opus")
    measured = claude.outcomes
    assert measured is not None
    s14, s30 = measured.survival_14d, measured.survival_30d
    assert (s14.measured, s14.pending) == (5, 2)
    assert s14.value == pytest.approx((1 + 1 + 0.5 + 0 + 0.9) / 5)
    assert (s30.measured, s30.pending) == (4, 3)
    assert s30.value == pytest.approx((1 + 0.8 + 0.5 + 0) / 4)
    assert (s30.low, s30.high) == pytest.approx(stats.wilson(2.3 / 4, 4))
    reverted, fixed = measured.reverted_30d, measured.fixed_30d
    assert (reverted.count, reverted.measured, reverted.pending) == (2, 6, 2)
    assert reverted.rate == pytest.approx(2 / 6)
    assert (fixed.count, fixed.measured, fixed.pending) == (1, 5, 3)
    assert (measured.bulk, measured.unmeasured) == (1, 1)
    # Scored: the five decided commits, not bulk; pending: the three undecided.
    assert (claude.commits, claude.measured, claude.pending) == (10, 5, 3)
    assert claude.median_lines == 12 and claude.median_files == 2
    data = render.as_json(report)["rows"][0]["outcomes"]
    assert data["survival_30d"] == {
        "value": 0.575, "low": round(s30.low or 0, 3), "high": round(s30.high or 0, 3),
        "measured": 4, "pending": 3,
    }  # fmt: skip
    assert data["reverted_30d"]["count"] == 2 and data["reverted_30d"]["rate"] == 0.333


def test_a_commit_score_weighs_survival_reverts_and_fixes() -> None:
    assert stats.commit_score([1.0, 1.0, 0, 0, 0]) == 1.0
    assert stats.commit_score([0.9, 0.5, 0, 1, 0]) == pytest.approx(0.5 * 0.5 + 0.25)
    assert stats.commit_score([0.9, None, 1, 0, 0]) == pytest.approx(0.5 * 0.9 + 0.25)
    assert stats.commit_score([None, None, 0, 1, 0]) == pytest.approx(0.5)  # no lines added
    assert stats.commit_score([1.0, None, None, None, 0]) is None  # pending, never good
    assert stats.commit_score([1.0, 1.0, 0, 0, 1]) is None  # bulk
    assert stats.commit_score(None) is None


def test_commits_counted_in_groups_sum_each_commits_score() -> None:
    """`add_all` gathers commits by what is known of them; the sums of their scores (and of
    the squares) are those of each commit's own score, whatever mix of measures they have."""
    rng = random.Random(5)
    share = [None, 0.0, 1.0, 0.3, 0.75]
    outcomes = [
        None
        if rng.random() < 0.1
        else [rng.choice(share), rng.choice(share), rng.choice([0, 1, None]),
              rng.choice([0, 1, None]), int(rng.random() < 0.05)]
        for _ in range(2000)
    ]  # fmt: skip
    summed = Outcomes()
    summed.add_all(outcomes)
    scores = [s for s in map(stats.commit_score, outcomes) if s is not None]
    assert summed.commits == 2000 and summed.scored == len(scores) > 500
    assert summed.score_sum == pytest.approx(sum(scores), rel=1e-12)
    assert summed.score_squares == pytest.approx(sum(s * s for s in scores), rel=1e-12)
    one_by_one = Outcomes()
    for outcome in outcomes:
        one_by_one.add(outcome)
    assert asdict(one_by_one) == pytest.approx(asdict(summed), rel=1e-12)


def test_the_worked_example_of_the_readme() -> None:
    """Two setups of one repository, 20 commits each, every commit of A scoring 1 and every
    commit of B 0.5: the gap of 0.5 is shrunk by 20 / (20 + 5), and split evenly."""
    cells = {("A", "repo"): Outcomes(), ("B", "repo"): Outcomes()}
    for _ in range(20):
        cells["A", "repo"].add([1.0, 1.0, 0, 0, 0])
        cells["B", "repo"].add([0.5, 0.5, 0, 1, 0])
    fitted = score.fit(cells, {})
    assert fitted.estimates["A"].score == pytest.approx(20.0)
    assert fitted.estimates["B"].score == pytest.approx(-20.0)


# --- comparing, separating ------------------------------------------------------------------


def test_the_same_outcomes_give_no_separated_winner(store: Store) -> None:
    r = Records()
    commits(r, SHOP, "claude-code", "opus", mixed(40))
    commits(r, SHOP, "codex", "gpt-5", mixed(40))
    commits(r, SHOP, "human", None, mixed(40), kind="human")
    report = report_of(store, r.digests())
    claude, codex = row(report, "claude-code / opus"), row(report, "codex / gpt-5")
    assert claude.score == pytest.approx(codex.score)
    assert claude.probability_best == pytest.approx(0.5, abs=0.01)
    assert claude.leading and codex.leading
    recommendation = report.recommendation
    assert recommendation.separated is False
    assert recommendation.probability_best == pytest.approx(0.5, abs=0.01)
    assert set(recommendation.leading) == {"claude-code / opus", "codex / gpt-5"}
    assert recommendation.sentence.startswith("No setup is clearly best yet: ")
    assert "cannot yet separate it from" in recommendation.sentence
    assert "too close for more commits to separate them" in recommendation.sentence


def churny_and_stable() -> Records:
    """Each agent in its own repository, where humans fare exactly as it does."""
    r = Records()
    churny = [outcome(FIXED if i % 2 else REVERTED) for i in range(30)]
    stable = [outcome(GOOD) for _ in range(30)]
    commits(r, SHOP, "claude-code", "opus", churny)
    commits(r, SHOP, "human", None, churny, start=100, kind="human")
    commits(r, API, "codex", "gpt-5", stable)
    commits(r, API, "human", None, stable, start=100, kind="human")
    return r.digests()


def test_a_churny_repository_is_not_held_against_its_agent(store: Store) -> None:
    report = report_of(store, churny_and_stable())
    claude, codex = row(report, "claude-code / opus"), row(report, "codex / gpt-5")
    assert claude.outcomes and codex.outcomes
    assert claude.outcomes.survival_30d.value == 0.25 and codex.outcomes.survival_30d.value == 1
    assert claude.score == pytest.approx(0, abs=1e-9) and codex.score == pytest.approx(0, abs=1e-9)
    assert report.recommendation.separated is False
    assert report.recommendation.probability_best == pytest.approx(0.5)
    # Compared across repositories instead, the stable repository's agent would look far better.
    by_project = report_of(store, by="project")
    assert render.as_json(by_project)["scoring"]["compared"] == "across repositories"
    assert row(by_project, API).score > row(by_project, SHOP).score + 50
    assert row(by_project, API).probability_best == 1.0


def test_a_clear_winner_is_separated(store: Store) -> None:
    r = Records()
    commits(r, SHOP, "claude-code", "opus", [outcome(GOOD) for _ in range(30)])
    commits(r, SHOP, "codex", "gpt-5", [outcome(FIXED) for _ in range(30)])
    commits(r, SHOP, "human", None, mixed(30), kind="human")
    commits(r, API, "gemini-cli", "gemini-2.5-pro", mixed(12))
    report = report_of(store, r.digests())
    claude = row(report, "claude-code / opus")
    assert claude.rank == 1 and claude.score_low is not None and claude.score_low > 0
    assert claude.probability_best is not None and claude.probability_best >= 0.9
    recommendation = report.recommendation
    assert recommendation.separated is True and recommendation.row == claude
    assert recommendation.leading == ("claude-code / opus",)
    sentence = recommendation.sentence
    assert sentence.startswith("Use claude-code / opus: it ranks first with a score of +")
    assert "(30 measured): 100% of its added lines lasted 30 days, 0% of its commits" in sentence
    assert f"best of the 3 usable setups is {claude.probability_best:.2f}" in sentence
    data = render.as_json(report)["recommendation"]
    assert data["separated"] is True and data["probability_best"] >= 0.9
    table = as_table(report, 200, color=False)
    assert "≈" not in table.split("\n\n")[1]  # nothing unseparated is marked


def test_what_would_separate_them(store: Store) -> None:
    """A gap the data cannot yet hold up says how many more measured commits would; and
    that many more commits, alike, do separate them."""

    def report_with(n: int) -> Report:
        r = Records()
        commits(r, SHOP, "claude-code", "opus", mixed(n))
        worse = [outcome(FIXED) if i % 5 == 0 else measured for i, measured in enumerate(mixed(n))]
        commits(r, SHOP, "codex", "gpt-5", worse)
        commits(r, SHOP, "human", None, mixed(n), kind="human")
        store.put_many(dict.fromkeys(store_keys(store)))
        return report_of(store, r.digests())

    first = report_with(20)
    recommendation = first.recommendation
    assert recommendation.separated is False and recommendation.more_commits is not None
    assert f"About {recommendation.more_commits:,} more measured commits" in (
        recommendation.sentence
    )
    more = report_with(20 + recommendation.more_commits // 2 + 1)
    assert more.recommendation.separated is True


def store_keys(store: Store) -> list[str]:
    with store.reading() as view:
        return [key for prefix in ("commit:", "digest:") for key in view.keys(prefix)]


def test_the_users_grade_weighs_more_than_the_agents(store: Store) -> None:
    r = Records()
    for agent in ("claude-code", "codex"):
        commits(r, SHOP, agent, "m", mixed(12))
    r.digests()
    for i in range(6):
        r.grade("claude-code", SHOP, f"clau{i:036x}", "neutral", "excellence")
        r.grade("codex", SHOP, f"code{i:036x}", "excellence", "neutral")
    report = report_of(store, r)
    claude, codex = row(report, "claude-code / m"), row(report, "codex / m")
    assert claude.score == pytest.approx(100 * score.WEIGHT_USER_GRADE * 6 / 11)
    assert codex.score == pytest.approx(100 * score.WEIGHT_AGENT_GRADE * 6 / 11)


def test_the_same_database_gives_the_same_numbers(store: Store) -> None:
    r = Records()
    for n, agent in enumerate(("claude-code", "codex", "aider", "opencode")):
        commits(r, SHOP, agent, "m", [outcome(FIXED) if i % (5 + n) == 0 else outcome(GOOD)
                                      for i in range(20)])  # fmt: skip
    store.put_many(r.digests().items)
    first, second = report_of(store), report_of(store)
    assert render.as_json(first) == render.as_json(second)
    # Four close setups: the probability comes from the fixed-seed draws.
    chances = [x.probability_best for x in first.rows if x.probability_best is not None]
    assert len(chances) == 4 and sum(chances) == pytest.approx(1)


# --- attribution ----------------------------------------------------------------------------


def test_subject_only_attributions_are_shown_apart_and_ranked_when_asked(store: Store) -> None:
    r = Records()
    commits(r, SHOP, "codex", "gpt-5", mixed(12))
    commits(r, SHOP, "codex", "gpt-5", mixed(12), start=50, confidence="medium")
    store.put_many(r.digests().items)
    report = report_of(store)
    medium = row(report, "codex / gpt-5 (subject only)")
    assert (medium.confidence, medium.rank, medium.commits, medium.probability_best) == (
        "medium",
        None,
        12,
        None,
    )
    assert row(report, "codex / gpt-5").rank == 1
    assert report.recommendation.row == row(report, "codex / gpt-5")
    table = as_table(report, 200, color=False)
    assert "sub  codex / gpt-5 (subject only)" in table
    assert "attributed from the commit subject alone" in table
    included = report_of(store, include_medium=True)
    assert row(included, "codex / gpt-5 (subject only)").rank in (1, 2)
    assert render.as_json(included)["options"]["include_medium"] is True
    assert len(included.recommendation.leading) == 2  # the same outcomes: no separation


def test_rows_group_by_the_canonical_model(store: Store) -> None:
    r = Records()
    commits(r, SHOP, "claude-code", "claude-opus-4-5-20251101", mixed(3))
    commits(r, SHOP, "claude-code", "Claude Opus 4.5", mixed(3), start=10)
    report = report_of(store, r.digests())
    assert [(x.label, x.commits) for x in report.rows] == [("claude-code / claude-opus-4.5", 6)]


# --- output ---------------------------------------------------------------------------------


def test_json_and_csv_carry_the_intervals(store: Store) -> None:
    report = report_of(store, churny_and_stable())
    data = json.loads(json.dumps(render.as_json(report)))
    first = data["rows"][0]
    assert first["score_low"] < first["score"] < first["score_high"]
    assert set(first["outcomes"]) == {
        "survival_14d", "survival_30d", "reverted_30d", "fixed_30d", "bulk", "unmeasured",
    }  # fmt: skip
    assert set(first["outcomes"]["survival_14d"]) == {"value", "low", "high", "measured", "pending"}
    assert set(first["outcomes"]["fixed_30d"]) == {
        "count", "rate", "low", "high", "measured", "pending",
    }  # fmt: skip
    assert {"probability_best", "separated", "leading", "more_commits"} <= set(
        data["recommendation"]
    )
    assert data["scoring"]["weights"]["user_grade"] > data["scoring"]["weights"]["agent_grade"]
    lines = list(csv.DictReader(io.StringIO(render.as_csv(report))))
    assert lines[0]["survival_30d_measured"] == "30"
    assert float(lines[0]["score_low"]) < float(lines[0]["score_high"])


def test_plain_facts_give_the_same_numbers_as_the_database(store: Store) -> None:
    """One implementation of the maths: per-commit facts from anywhere (a team report's
    DuckDB rows) give what the report computes from the database."""
    r = Records()
    commits(r, SHOP, "claude-code", "opus", mixed(24))
    commits(r, API, "claude-code", "opus", mixed(8), start=40)
    commits(r, SHOP, "codex", "gpt-5", [outcome(FIXED) if i % 3 else g for i, g in
                                         enumerate(mixed(20))])  # fmt: skip
    commits(r, API, "aider", "gpt-4o", mixed(15))
    commits(r, SHOP, "human", None, mixed(10), kind="human")
    commits(r, API, "human", None, mixed(10), start=50, kind="human")
    for i, (agent_grade, user_grade) in enumerate([("good", "excellence"), ("bad", "good")]):
        r.grade("claude-code", SHOP, f"clau{i:036x}", agent_grade, user_grade)
        r.grade("codex", SHOP, f"code{i:036x}", user_grade, agent_grade)
    r.bug("codex", SHOP, f"code{3:036x}", "2026-02-01T00:00:00.000+00:00")
    report = report_of(store, r.digests())

    graded = {v["commit"]: v for k, v in r.items.items() if k.startswith("retrospective:")}
    bugs = {v["commit"] for k, v in r.items.items() if k.startswith("bug:")}
    facts = []
    for key, record in r.items.items():
        if not key.startswith("commit:"):
            continue
        agent, commit_hash = record["agent_id"], record["commit_hash"]
        grade = graded.get(commit_hash, {})
        facts.append(
            Fact(
                row="human (baseline)" if agent == "human" else f"{agent} / {record['model']}",
                repository=record["project_path"],
                outcome=digest.outcome_kind(record.get("outcomes")),
                lines=record["insertions"] + record["deletions"],
                files=record["files_changed"],
                user_grade=GRADE_LABELS.get(grade.get("user_grade", 0)),
                agent_grade=GRADE_LABELS.get(grade.get("agent_grade", 0)),
                bugs=int(commit_hash in bugs),
            )
        )
    usable = {x.label for x in report.rows if x.probability_best is not None}
    ranked = rank(facts, lambda key: key in usable)
    assert [x.label for x in report.rows if x.kind == "agent"] == [
        key for key in ranked.order if key != "human (baseline)"
    ]
    for shown in report.rows:
        summary = ranked.rows[shown.label]
        assert (shown.score, shown.score_low, shown.score_high) == pytest.approx(
            (summary.estimate.score, summary.estimate.low, summary.estimate.high)
        )
        assert shown.outcomes == summary.measures
        assert (shown.median_lines, shown.median_files) == (
            summary.median_lines,
            summary.median_files,
        )
        if shown.probability_best is not None:
            assert shown.probability_best == ranked.choice.probability[shown.label]
    assert report.recommendation.separated is ranked.choice.separated


def test_draws_follow_the_scores_even_when_they_add_up_to_nothing() -> None:
    """Measured against their own mean, the effects of every scored row sum to zero: their
    joint distribution is degenerate, and the draws must still be sound."""
    cells: dict[tuple[str, str], Outcomes] = {}
    for key, kept in (("A", 0.95), ("B", 0.9), ("C", 0.9), ("D", 0.6)):
        for i in range(30):
            cells.setdefault((key, "repo"), Outcomes()).add([kept, kept, 0, int(i % 5 == 0), 0])
    fitted = score.fit(cells, {})
    assert sum(e.score for e in fitted.estimates.values()) == pytest.approx(0, abs=1e-9)
    lower = score.cholesky([[fitted.cov(a, b) for b in "ABCD"] for a in "ABCD"])
    assert all(abs(x) < 1e6 for row in lower for x in row)
    choice = score.choose(fitted, ["A", "B", "C", "D"])
    assert choice.leader == "A" and choice.probability["D"] == 0
    assert choice.probability["B"] == pytest.approx(choice.probability["C"], abs=0.02)
    assert sum(choice.probability.values()) == pytest.approx(1)
