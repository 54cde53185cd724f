"""The report's records: options in, rows, timeline, recommendation and totals out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from agent_git_tracker.ledger.digest import UsageTotals
from agent_git_tracker.report import score as sc
from agent_git_tracker.report import stats
from agent_git_tracker.report.stats import Measures

GROUPINGS = ("setup", "agent", "model", "project", "language")


# Every record kind the report reads (communication events are not: one retrospective per
# graded commit holds both grades).
PREFIXES = ("project:", "agent:", "commit:", "retrospective:", "bug:", "usage:")


GRADES = ("bad", "neutral", "good", "excellence")


MIN_COMMITS = 10


MIN_GRADED = 5


MIN_MEASURED = 10


PRIOR_GRADED = sc.PRIOR_GRADED


PRIOR_CHANGE = 2  # a neutral grade from both sides, in CS points (the timeline's reference)


BUG_COST = sc.WEIGHT_BUG * sc.SCALE  # points per bug per commit


SIZE_FACTOR = 4  # a project is "like" another with 1/4 … 4 times its tracked files


SCORE_FORMULA = (
    f"score = {sc.SCALE:g} × (outcome effect within repositories + "
    f"{sc.WEIGHT_USER_GRADE:g} × your grades + {sc.WEIGHT_AGENT_GRADE:g} × agent's grades − "
    f"{sc.WEIGHT_BUG:g} × bugs per commit); outcome score per commit = "
    f"{stats.WEIGHT_SURVIVAL:g} × lines surviving 30 days + "
    f"{stats.WEIGHT_NOT_REVERTED:g} × not reverted + {stats.WEIGHT_NOT_FIXED:g} × not fixed"
)


EVIDENCE_RULE = (
    f"enough evidence: at least {MIN_COMMITS} commits, of which at least {MIN_MEASURED} "
    f"measured or {MIN_GRADED} graded"
)


Key = tuple[str | None, ...]


@dataclass(frozen=True)
class ReportOptions:
    """What to report: the grouping and the filters."""

    by: str = "setup"
    project: str | None = None
    agent: str | None = None
    since: str | None = None
    until: str | None = None
    min_commits: int = 0
    like: str | None = None
    include_medium: bool = False


@dataclass(frozen=True)
class Row:
    """One group of commits with its numbers; `rank` is None for the human baseline, and for
    rows attributed from commit subjects alone unless the options include them."""

    label: str
    kind: str
    agent: str | None
    model: str | None
    setup: str | None
    project: str | None
    language: str | None
    projects: int
    commits: int
    graded: int
    mean_cs_change: float | None
    grades: Mapping[str, int]
    agent_grades: Mapping[str, int]
    bugs: int
    bugs_per_100_commits: float | None
    lines_per_commit: float | None
    tool_uses: int | None
    commands: int | None
    tool_uses_per_commit: float | None
    commands_per_commit: float | None
    skill_points: float | None
    experience_points: float | None
    communication_score: float | None
    halted: bool | None
    first_seen: str | None
    last_seen: str | None
    score: float | None
    evidence: str
    rank: int | None = None
    confidence: str = "high"  # `medium`: attributed from the commit subject alone
    score_low: float | None = None
    score_high: float | None = None
    probability_best: float | None = None  # among the candidates (see `Recommendation`)
    leading: bool = False  # in the leading group that the data cannot yet separate
    measured: int = 0  # commits with an outcome score
    pending: int = 0  # commits measured too young for a score
    median_lines: float | None = None
    median_files: float | None = None
    outcomes: Measures | None = None
    usage: UsageTotals | None = None  # tokens and cost from the agents' logs


@dataclass(frozen=True)
class WeekPoint:
    """Grades of one row in one week (weeks start on Monday, UTC)."""

    week: str
    graded: int
    mean_cs_change: float


@dataclass(frozen=True)
class Series:
    """A row's grades over time."""

    label: str
    points: tuple[WeekPoint, ...]


@dataclass(frozen=True)
class Like:
    """The repository named with `like`, and the recorded projects found similar to it."""

    path: str
    language: str | None
    tracked_files: int | None
    similar_projects: tuple[str, ...]


@dataclass(frozen=True)
class Recommendation:
    """The answer in one sentence, and the row it rests on (None: not enough data).

    `probability_best`: that the row is the best of the candidates (rows with enough evidence
    whose agent is not halted); `separated` when that is at least 0.9, else `leading` names the
    rows the data cannot yet tell apart and `more_commits` the further measured commits that
    would (None: out of reach at the current gaps)."""

    sentence: str
    row: Row | None
    like: Like | None
    probability_best: float | None = None
    separated: bool = False
    leading: tuple[str, ...] = ()
    more_commits: int | None = None


@dataclass(frozen=True)
class Totals:
    """Counts over everything the filters kept."""

    commits: int = 0
    agent_commits: int = 0
    human_commits: int = 0
    bot_commits: int = 0
    graded: int = 0
    measured: int = 0
    pending: int = 0
    bugs: int = 0
    projects: int = 0
    first_seen: str | None = None
    last_seen: str | None = None


@dataclass(frozen=True)
class Report:
    options: ReportOptions
    rows: tuple[Row, ...]
    timeline: tuple[Series, ...]
    recommendation: Recommendation
    totals: Totals
