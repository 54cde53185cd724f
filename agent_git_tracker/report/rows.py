"""The report: which agent setup to use next, computed over the whole central database.

Rows
    One row per setup (agent + model + setup label); `by` regroups them per agent, model,
    project or the project's main language. Human commits always form one baseline row, which
    is shown but not ranked (humans are not graded). Bot commits are only counted in the totals.

The score, in CS points per commit (higher is better)::

    score = (sum of CS changes + 5 × 2) / (graded commits + 5)  −  10 × bugs / commits

    The first term is the mean change of the communication score per graded commit, counted as
    if five more commits had been graded neutral by both sides (+2 each): a handful of grades
    cannot lift a row far from neutral. The second term charges 10 CS points, what the best
    grades of one commit earn (excellence from both sides), for each bug per commit.
    Example: 40 commits, 20 graded with a total CS change of +90, 2 bugs:
    (90 + 10) / 25 − 10 × 2 / 40 = 4.0 − 0.5 = 3.5.

Evidence
    A row has enough evidence with at least 10 commits of which at least 5 are graded. Rows
    with less are marked `little` and ranked after every row with enough evidence, so they are
    never silently ranked first. The recommendation only picks a row with enough evidence whose
    agent is not halted, and says "not enough data" when there is none.

Attribution
    A grade (one retrospective per graded commit) and a bug count in their commit's row. A grade
    or bug whose commit is not one of the agent's recorded commits (a commit never recorded, or
    graded with `--agent` on a human commit) goes to the setup the agent used last in that
    project, else anywhere. Tool uses and commands come from `usage:` records, per agent, day
    and model|setup: they cannot be split per project, so rows by project or language, and any
    report filtered by project, show none.

Reading
    One small digest per commit (`digest.py`: setup, UTC time, lines changed, grade), written by
    the ledger beside each commit record; retrospectives are read only for grades no digest
    carries. When some commit has no digest, the commit records are read instead.

Filters
    `project` names a project path or part of one; `agent` keeps that agent's rows and the human
    baseline; `since` and `until` take an ISO 8601 date or time (a date counts from the start of
    its day for `since`, to its end for `until`) and choose commits by their commit time, in
    UTC, with their grades and bugs; `min_commits` leaves out smaller rows. The timeline puts a
    grade in the week (Monday, UTC) it was given.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from os.path import basename
from typing import Any, Protocol, runtime_checkable

from agent_git_tracker.errors import UsageError
from agent_git_tracker.ledger import digest
from agent_git_tracker.ledger.digest import utc_key
from agent_git_tracker.ledger.points import is_halted
from agent_git_tracker.models import GRADE_LABELS
from agent_git_tracker.store import db as store
from agent_git_tracker.store import keys

GROUPINGS = ("setup", "agent", "model", "project", "language")
# Every record kind the report reads (communication events are not: one retrospective per
# graded commit holds both grades).
PREFIXES = ("project:", "agent:", "commit:", "retrospective:", "bug:", "usage:")
GRADES = ("bad", "neutral", "good", "excellence")
MIN_COMMITS = 10
MIN_GRADED = 5
PRIOR_GRADED = 5
PRIOR_CHANGE = 2
BUG_COST = 10
SIZE_FACTOR = 4  # a project is "like" another with 1/4 … 4 times its tracked files
SCORE_FORMULA = (
    f"score = (sum of CS changes + {PRIOR_GRADED} × {PRIOR_CHANGE}) / "
    f"(graded commits + {PRIOR_GRADED}) − {BUG_COST} × bugs / commits"
)
EVIDENCE_RULE = (
    f"enough evidence: at least {MIN_COMMITS} commits, of which at least {MIN_GRADED} graded"
)

_GRADE_SLOT = {value: GRADES.index(label) for value, label in GRADE_LABELS.items()}
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


@dataclass(frozen=True)
class Row:
    """One group of commits with its numbers; `rank` is None for the human baseline."""

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
    """The answer in one sentence, and the row it rests on (None: not enough data)."""

    sentence: str
    row: Row | None
    like: Like | None


@dataclass(frozen=True)
class Totals:
    """Counts over everything the filters kept."""

    commits: int = 0
    agent_commits: int = 0
    human_commits: int = 0
    bot_commits: int = 0
    graded: int = 0
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


class Source(Protocol):
    def scan(self, prefix: str) -> Iterator[tuple[str, Any]]: ...


@runtime_checkable
class KeySource(Protocol):
    """A database view: keys alone, point reads and raw scans."""

    def keys(self, prefix: str) -> Iterator[str]: ...
    def count(self, prefix: str) -> int: ...
    def get(self, key: str) -> Any | None: ...
    def scan_raw(self, prefix: str) -> Iterator[tuple[str, bytes]]: ...


@runtime_checkable
class RawSource(Protocol):
    def scan_raw(self, prefix: str) -> Iterator[tuple[str, bytes]]: ...


# --- reading ---------------------------------------------------------------------------------


def _unquoted(part: str) -> str:
    return keys.unquote(part) if "%" in part else part


def _pairs(
    source: Source | RawSource, prefix: str
) -> tuple[Iterator[tuple[str, Any]], Callable[[Any], Any]]:
    """The (key, value) pairs under `prefix` and how to decode a value: undecoded from a
    database view, so that records skipped by their key are never decoded."""
    if isinstance(source, RawSource):
        return source.scan_raw(prefix), store.decode
    return source.scan(prefix), _same


def _same(value: Any) -> Any:
    return value


def _entries(source: Source | RawSource, prefix: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every decoded record under `prefix`."""
    pairs, decode = _pairs(source, prefix)
    for key, raw in pairs:
        value = decode(raw)
        if isinstance(value, dict):
            yield key, value


def _bound(text: str | None, name: str, end: bool) -> str | None:
    """A `since`/`until` option as a UTC key; a date covers its whole day."""
    if text is None:
        return None
    text = text.strip()
    key = utc_key(text)
    if key is None:
        raise UsageError(
            f"cannot read --{name} {text!r}: use a date (2026-01-31), an ISO 8601 time "
            "(2026-01-31T12:00:00Z) or an age (30d, 4w)"
        )
    return key[:10] + "T23:59:59" if end and len(text) == 10 else key


_NUMBERS = (int, float)


def _number(value: Any) -> float | None:
    return value if isinstance(value, _NUMBERS) and not isinstance(value, bool) else None


Cell = tuple[str, str, str | None, str | None, str]


class _Tally:
    """Sums over commits, grades and bugs: one per cell (kind, agent, model, setup, project),
    merged into one per row."""

    __slots__ = (
        "agent_counts",
        "bugs",
        "cell",
        "commits",
        "cs",
        "graded",
        "kinds",
        "lines",
        "owner",
        "projects",
        "sized",
        "stamps",
        "user_counts",
        "weeks",
    )

    def __init__(self, cell: Cell | None = None) -> None:
        self.cell = cell
        # The agent whose commits these are; None for human and bot commits.
        self.owner = cell[1] if cell is not None and cell[0] == "agent" else None
        self.commits = self.sized = self.graded = self.bugs = 0
        self.lines: float = 0
        self.cs: float = 0
        self.user_counts = [0, 0, 0, 0]
        self.agent_counts = [0, 0, 0, 0]
        self.weeks: dict[str, list[float]] = {}
        # Grades counted by (week, agent grade, user grade, CS change): one update per grade.
        self.kinds: dict[tuple[str | None, Any, Any, float], int] = {}
        self.projects: set[str] = set() if cell is None else {cell[4]}
        self.stamps: list[str] = []  # commit times as UTC keys (`digest.utc_key`)

    def add_commit(self, stamp: str | None, lines: Any) -> None:
        self.commits += 1
        if stamp:
            self.stamps.append(stamp)
        if isinstance(lines, int | float):  # older records have no line counts
            self.lines += lines
            self.sized += 1

    def add_grade(self, kind: Sequence[Any] | None) -> None:
        """One graded commit, as `digest.grade_kind` describes it; summed up in `settle`."""
        if kind:
            key = tuple(kind)
            self.kinds[key] = self.kinds.get(key, 0) + 1

    def settle(self) -> None:
        """Sum the grades counted by `add_grade`: (week graded, agent grade, user grade,
        CS change) → how many."""
        for (week, agent_grade, user_grade, change), count in self.kinds.items():
            self.graded += count
            self.cs += change * count
            if user_grade in _GRADE_SLOT:
                self.user_counts[_GRADE_SLOT[user_grade]] += count
            if agent_grade in _GRADE_SLOT:
                self.agent_counts[_GRADE_SLOT[agent_grade]] += count
            if week is not None:
                bucket = self.weeks.setdefault(week, [0, 0])
                bucket[0] += count
                bucket[1] += change * count
        self.kinds.clear()

    def seen(self) -> tuple[str | None, str | None]:
        """The first and last commit time, as UTC keys."""
        return min(self.stamps, default=None), max(self.stamps, default=None)

    def merge(self, other: _Tally) -> None:
        self.commits += other.commits
        self.sized += other.sized
        self.lines += other.lines
        self.graded += other.graded
        self.cs += other.cs
        self.bugs += other.bugs
        self.projects |= other.projects
        for mine, theirs in (
            (self.user_counts, other.user_counts),
            (self.agent_counts, other.agent_counts),
        ):
            for slot, count in enumerate(theirs):
                mine[slot] += count
        for week, (graded, change) in other.weeks.items():
            bucket = self.weeks.setdefault(week, [0, 0])
            bucket[0] += graded
            bucket[1] += change
        self.stamps += other.stamps


def _matches(project: str, wanted: str) -> bool:
    """`--project` names a project path, or part of one."""
    return project == wanted or wanted in project


_MISSING = _Tally()
_COMMIT_FIELD_NAMES = ("kind", "agent_id", "model", "setup", "project_path")
# (commit key, (kind, agent, model, setup, project), time, lines changed, grade summary)
Facts = tuple[str, tuple[Any, ...], Any, Any, Any]
_COMMIT_FIELDS = operator.itemgetter(*_COMMIT_FIELD_NAMES)
_GRADE_FIELDS = operator.itemgetter("agent_id", "commit", "project_path")


class _Reader:
    """One pass over the records the report needs, into a tally per cell."""

    def __init__(self, options: ReportOptions, use_digests: bool = True) -> None:
        self.options = options
        self.use_digests = use_digests
        self.digests_complete = True
        self.since = _bound(options.since, "since", end=False)
        self.until = _bound(options.until, "until", end=True)
        if self.since and self.until and self.since > self.until:
            raise UsageError(f"--since {options.since} is after --until {options.until}")
        self.cells: dict[Cell, _Tally] = {}
        # The fields of a commit record as stored → its tally (None: left out by --agent).
        self.raw_cells: dict[tuple[Any, ...], _Tally | None] = {}
        # Commit key → its tally; None for a commit left out by the filters.
        self.index: dict[str, _Tally | None] = {}
        self.by_hash: dict[str, _Tally | None] | None = None
        # From digests: the source, their cells by stored fields, and how many carry a grade.
        self.digests: KeySource | None = None
        self.digest_cells: dict[tuple[Any, ...], _Tally | None] = {}
        self.graded_digests = 0
        # (agent, commit hash) of the grades already counted from their commit records.
        self.embedded: set[tuple[str, str]] = set()
        self.fallbacks: dict[tuple[str, str | None], _Tally] = {}
        self.bugs = 0
        self.profiles: dict[str, dict[str, Any]] = {}
        self.agents: dict[str, dict[str, Any]] = {}
        self.usage: dict[tuple[str, str | None, str | None], list[int]] = {}

    def read(self, source: Source | RawSource) -> None:
        for key, value in _entries(source, "project:"):
            self.profiles[value.get("project_path") or keys.parts(key)[1]] = value
        for key, value in _entries(source, "agent:"):
            self.agents[value.get("id") or keys.parts(key)[1]] = value
        self._commits(source)
        self._grades(source)
        self._bugs(source)
        self._usage(source)
        for tally in self.cells.values():
            tally.settle()

    def in_time(self, when: str | None) -> bool:
        if self.since is None and self.until is None:
            return True
        return when is not None and (
            (self.since is None or when >= self.since)
            and (self.until is None or when <= self.until)
        )

    def _commits(self, source: Source | RawSource) -> None:
        """Every commit into its tally: from the small digests when every commit has one (the
        common case, and the report's hottest loop), else from the commit records."""
        if self.use_digests and isinstance(source, KeySource):
            self.digests = source
            self.digests_complete = self._digest_pass(source) == source.count("commit:")
        else:
            self._count(self._record_facts(source))

    def _digest_pass(self, source: KeySource) -> int:
        """One lean pass over the digests; returns how many there are. Cells are looked up by
        the fields as stored (the project still quoted, as in the key) and made sense of once
        per distinct combination; no per-commit index is kept (`_commit_tally` looks one up)."""
        timed = self.since is not None or self.until is not None
        cells, decode = self.digest_cells, store.decode
        seen = graded = 0
        for key, raw in source.scan_raw("digest:"):
            fact = decode(raw)
            if type(fact) is not list or len(fact) < 7:
                continue  # not counted: the commit records are read instead
            seen += 1
            cell = (fact[0], fact[1], fact[2], fact[3], key[7 : key.rindex(":")])
            tally = cells.get(cell, _MISSING)
            if tally is _MISSING:
                tally = cells[cell] = self._tally((*cell[:4], _unquoted(cell[4])))
            if fact[6]:
                graded += 1
            if tally is None or (timed and not self.in_time(fact[4])):
                continue
            tally.add_commit(fact[4], fact[5])
            if fact[6]:
                tally.add_grade(fact[6])
        self.graded_digests = graded
        return seen

    def _commit_tally(self, project: str, commit_hash: str) -> _Tally | None:
        """The tally of one commit (None: left out by the filters; _MISSING: not recorded)."""
        if self.digests is None:
            return self.index.get(keys.commit(project, commit_hash), _MISSING)
        fact = self.digests.get(keys.digest(project, commit_hash))
        if type(fact) is not list or len(fact) < 7:
            return _MISSING
        tally = self.digest_cells.get((*fact[:4], keys.quote(project)), _MISSING)
        return None if tally is not None and not self.in_time(fact[4]) else tally

    def _embedded(self) -> set[tuple[str, str]]:
        """(agent, commit hash) of every grade counted with its commit."""
        if self.digests is not None and not self.embedded:
            for key, raw in self.digests.scan_raw("digest:"):
                fact = store.decode(raw)
                if type(fact) is list and len(fact) >= 7 and fact[6]:
                    self.embedded.add((fact[1], key.rpartition(":")[2]))
        return self.embedded

    def _count(self, facts: Iterable[Facts]) -> int:
        # The fields that choose a commit's tally are looked up as stored (the project still
        # quoted, from a digest's key), and made sense of once per distinct combination.
        timed = self.since is not None or self.until is not None
        index, raw_cells, embedded = self.index, self.raw_cells, self.embedded
        seen = 0
        for key, fields, stamp, lines, grade in facts:
            seen += 1
            tally = raw_cells.get(fields, _MISSING)
            if tally is _MISSING:
                tally = raw_cells[fields] = self._tally(fields)
            if tally is not None and timed and not self.in_time(stamp):
                tally = None
            index[key] = tally
            if tally is not None:
                tally.add_commit(stamp, lines)
            if grade:  # the ledger keeps a grade's summary with its commit
                embedded.add((fields[1], key.rpartition(":")[2]))
                if tally is not None:
                    tally.add_grade(grade)
        return seen

    def _record_facts(self, source: Source | RawSource) -> Iterator[Facts]:
        pairs, decode = _pairs(source, "commit:")
        for key, raw in pairs:
            record = decode(raw)
            if type(record) is not dict:
                continue
            try:
                fields = _COMMIT_FIELDS(record)
            except KeyError:  # older records lack some
                fields = tuple(record.get(name) for name in _COMMIT_FIELD_NAMES)
            if not fields[4]:
                fields = (*fields[:4], keys.parts(key)[1])
            fact = digest.of(record)
            yield key, fields, fact[4], fact[5], fact[6]

    def _tally(self, fields: tuple[Any, ...]) -> _Tally | None:
        """The tally for commit records with these stored fields; None when --agent leaves
        them out. Older records may lack any of them."""
        kind = fields[0] or "agent"
        agent = str(fields[1] or ("human" if kind == "human" else "unknown"))
        if kind == "agent" and self.options.agent is not None and agent != self.options.agent:
            return None
        if self.options.project and not _matches(str(fields[4]), self.options.project):
            return None
        return self._cell((kind, agent, fields[2] or None, fields[3] or None, str(fields[4])))

    def _cell(self, cell: Cell) -> _Tally:
        tally = self.cells.get(cell)
        if tally is None:
            tally = self.cells[cell] = _Tally(cell)
        return tally

    def _target(
        self, agent: str, project: str | None, commit_hash: str | None, when: str | None
    ) -> _Tally | None:
        """The tally a grade or bug of `agent` on `commit_hash` counts in (None: filtered)."""
        found: _Tally | None = _MISSING
        if commit_hash and project:
            found = self._commit_tally(project, commit_hash)
        elif commit_hash:
            found = self._hash_index().get(commit_hash, _MISSING)
        if found is None:
            return None
        if found.owner == agent:
            return found
        return self._fallback(agent, project, when)

    def _hash_index(self) -> dict[str, _Tally | None]:
        """Older records name a graded commit without its project."""
        if self.by_hash is None:
            self.by_hash = {key.rpartition(":")[2]: tally for key, tally in self.index.items()}
            if self.digests is not None:
                for key in self.digests.keys("digest:"):
                    project, _, commit_hash = key[7:].rpartition(":")
                    self.by_hash[commit_hash] = self._commit_tally(_unquoted(project), commit_hash)
        return self.by_hash

    def _fallback(self, agent: str, project: str | None, when: str | None) -> _Tally | None:
        """The setup `agent` used last in `project` (else anywhere), for a grade or bug whose
        commit is not one of the agent's recorded commits."""
        options = self.options
        if options.agent is not None and agent != options.agent:
            return None
        if options.project is not None and not _matches(project or "", options.project):
            return None
        if not self.in_time(when):
            return None
        found = self.fallbacks.get((agent, project))
        if found is None:
            mine = [k for k in self.cells if k[0] == "agent" and k[1] == agent]
            here = [k for k in mine if k[4] == project]
            last = max(here or mine, key=lambda k: self.cells[k].seen()[1] or "", default=None)
            found = self._cell(last or ("agent", agent, None, None, project or ""))
            self.fallbacks[(agent, project)] = found
        return found

    def _grades(self, source: Source | RawSource) -> None:
        for key, record in self._retrospectives(source):
            try:
                agent, commit_hash, project = _GRADE_FIELDS(record)
            except KeyError:  # older records lack some
                agent, commit_hash = record.get("agent_id"), record.get("commit")
                project = record.get("project_path")
            tally: _Tally | None = _MISSING
            if project and commit_hash:
                tally = self._commit_tally(project, commit_hash)
            if tally is None:
                continue
            if tally.owner != agent:
                if not (agent and commit_hash):
                    _, agent, commit_hash = keys.parts(key)
                stamp = utc_key(record.get("timestamp"))
                tally = self._target(agent, project, commit_hash, stamp)
                if tally is None:
                    continue
            tally.add_grade(digest.grade_kind(record))

    def _retrospectives(self, source: Source | RawSource) -> Iterator[tuple[str, dict[str, Any]]]:
        """The grades not already counted with their commit, nor left out by --agent. From a
        database view only their keys are read, and the few left over are fetched."""
        wanted = self.options.agent

        def needed(key: str) -> bool:
            agent, _, commit_hash = key[len("retrospective:") :].rpartition(":")
            agent = keys.unquote(agent) if "%" in agent else agent
            return (agent, commit_hash) not in embedded and wanted in (None, agent)

        counted = self.graded_digests if self.digests is not None else len(self.embedded)
        if (
            isinstance(source, KeySource)
            and wanted is None
            and source.count("retrospective:") == counted
        ):
            return  # every grade was counted with its commit
        embedded = self._embedded()
        if isinstance(source, KeySource):
            for key in filter(needed, source.keys("retrospective:")):
                record = source.get(key)
                if type(record) is dict:
                    yield key, record
            return
        pairs, decode = _pairs(source, "retrospective:")
        for key, raw in pairs:
            if needed(key) and type(record := decode(raw)) is dict:
                yield key, record

    def _bugs(self, source: Source | RawSource) -> None:
        for key, record in _entries(source, "bug:"):
            agent = record.get("agent_id") or keys.parts(key)[1]
            when = utc_key(record.get("timestamp") or keys.parts(key)[2])
            tally = self._target(agent, record.get("project_path"), record.get("commit"), when)
            if tally is not None:
                tally.bugs += 1
                self.bugs += 1

    def _usage(self, source: Source | RawSource) -> None:
        options = self.options
        for key, record in _entries(source, "usage:"):
            agent = record.get("agent_id") or keys.parts(key)[1]
            day = str(record.get("day") or keys.parts(key)[2])
            if options.agent is not None and agent != options.agent:
                continue
            if (self.since and day < self.since[:10]) or (self.until and day > self.until[:10]):
                continue
            for label, counts in (record.get("setups") or {}).items():
                model, _, setup = str(label).partition("|")
                slot = self.usage.setdefault((agent, model or None, setup or None), [0, 0])
                slot[0] += int(counts.get("tool_uses", 0)) + int(counts.get("failed_tool_uses", 0))
                slot[1] += int(counts.get("commands", 0)) + int(counts.get("failed_commands", 0))


# --- rows ------------------------------------------------------------------------------------


def _languages(profiles: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """Each main language's display name by its folded name (older records wrote `rust`)."""
    names: dict[str, str] = {}
    for profile in profiles.values():
        language = profile.get("main_language")
        if isinstance(language, str) and language:
            fold = language.casefold()
            if fold not in names or (names[fold].islower() and not language.islower()):
                names[fold] = language
    return {
        fold: name[:1].upper() + name[1:] if name.islower() else name
        for fold, name in names.items()
    }


class _Grouping:
    """How fine cells roll up into rows for one `by`."""

    def __init__(self, by: str, reader: _Reader) -> None:
        self.by = by
        self.reader = reader
        self.names = _languages(reader.profiles)

    def language(self, project: str | None) -> str | None:
        profile = self.reader.profiles.get(project or "") or {}
        language = profile.get("main_language")
        return self.names.get(language.casefold()) if isinstance(language, str) else None

    def key(self, cell: Cell) -> Key:
        kind, agent, model, setup, project = cell
        if kind == "human":
            return ("human",)
        if self.by == "setup":
            return ("agent", agent, model, setup)
        if self.by == "agent":
            return ("agent", agent)
        if self.by == "model":
            return ("agent", model)
        if self.by == "project":
            return ("agent", project)
        return ("agent", self.language(project))

    def label(self, key: Key) -> str:
        if key[0] == "human":
            return "human (baseline)"
        if self.by == "setup":
            agent, model, setup = key[1:]
            parts = [agent, model or "-", setup] if setup else [agent, model]
            return " / ".join(p for p in parts if p)
        missing = {"model": "(model not recorded)", "language": "(language unknown)"}
        return key[1] or missing.get(self.by, "(unknown)")

    def fields(self, key: Key) -> dict[str, str | None]:
        """The row's agent, model, setup, project and language, where the grouping has one."""
        values: dict[str, str | None] = dict.fromkeys(
            ("agent", "model", "setup", "project", "language")
        )
        if key[0] == "human":
            values["agent"] = "human"
        elif self.by == "setup":
            values["agent"], values["model"], values["setup"] = key[1:]
        elif self.by == "project":
            values["project"], values["language"] = key[1], self.language(key[1])
        else:
            values[self.by] = key[1]
        return values

    def usage(self) -> dict[Key, list[int]]:
        """Tool uses and commands per row key; none where they cannot be attributed."""
        if self.by not in ("setup", "agent", "model") or self.reader.options.project:
            return {}
        totals: dict[Key, list[int]] = {}
        for (agent, model, setup), (tools, commands) in self.reader.usage.items():
            slot = totals.setdefault(self.key(("agent", agent, model, setup, "")), [0, 0])
            slot[0] += tools
            slot[1] += commands
        return totals


def _score(tally: _Tally) -> float:
    quality = (tally.cs + PRIOR_GRADED * PRIOR_CHANGE) / (tally.graded + PRIOR_GRADED)
    return quality - BUG_COST * tally.bugs / max(tally.commits, 1)


def _evidence(kind: str, tally: _Tally) -> str:
    if kind == "human":
        return "baseline"
    return "enough" if tally.commits >= MIN_COMMITS and tally.graded >= MIN_GRADED else "little"


def _per(total: float, count: int, scale: int = 1) -> float | None:
    return scale * total / count if count else None


def _iso(key: str | None) -> str | None:
    return f"{key}+00:00" if key else None


def _row(key: Key, tally: _Tally, grouping: _Grouping, usage: Mapping[Key, list[int]]) -> Row:
    kind = str(key[0])
    fields = grouping.fields(key)
    state = (
        grouping.reader.agents.get(fields["agent"] or "")
        if grouping.by in ("setup", "agent")
        else None
    )
    state = state if kind == "agent" else None
    tools, commands = usage.get(key, (None, None))
    first, last = tally.seen()
    return Row(
        label=grouping.label(key),
        kind=kind,
        agent=fields["agent"],
        model=fields["model"],
        setup=fields["setup"],
        project=fields["project"],
        language=fields["language"],
        projects=len(tally.projects),
        commits=tally.commits,
        graded=tally.graded,
        mean_cs_change=_per(tally.cs, tally.graded),
        grades=dict(zip(GRADES, tally.user_counts, strict=True)),
        agent_grades=dict(zip(GRADES, tally.agent_counts, strict=True)),
        bugs=tally.bugs,
        bugs_per_100_commits=_per(tally.bugs, tally.commits, 100) if kind == "agent" else None,
        lines_per_commit=_per(tally.lines, tally.sized),
        tool_uses=tools,
        commands=commands,
        tool_uses_per_commit=None if tools is None else _per(tools, tally.commits),
        commands_per_commit=None if commands is None else _per(commands, tally.commits),
        skill_points=_number(state.get("skill_points")) if state else None,
        experience_points=_number(state.get("experience_points")) if state else None,
        communication_score=_number(state.get("communication_score")) if state else None,
        halted=is_halted(state) if state else None,
        first_seen=_iso(first),
        last_seen=_iso(last),
        score=_score(tally) if kind == "agent" else None,
        evidence=_evidence(kind, tally),
    )


def _ranked(reader: _Reader, cells: Iterable[Cell], by: str) -> list[tuple[Row, _Tally]]:
    """Rows with enough evidence by score, then rows with little, then the human baseline."""
    grouping = _Grouping(by, reader)
    groups: dict[Key, _Tally] = {}
    for cell in cells:
        if cell[0] not in ("agent", "human"):
            continue  # bots are neither an agent's nor the human baseline
        key = grouping.key(cell)
        if key not in groups:
            groups[key] = _Tally()
        groups[key].merge(reader.cells[cell])
    usage = grouping.usage()
    rows = [
        (_row(key, tally, grouping, usage), tally)
        for key, tally in groups.items()
        if tally.commits >= reader.options.min_commits
        and (tally.commits or tally.graded or tally.bugs)  # tallies whose commits were filtered
    ]
    agents = sorted(
        (pair for pair in rows if pair[0].kind == "agent"),
        key=lambda pair: (
            pair[0].evidence != "enough",
            -(pair[0].score or 0),
            -pair[0].graded,
            -pair[0].commits,
            pair[0].label,
        ),
    )
    ranked = [(_with_rank(row, rank), tally) for rank, (row, tally) in enumerate(agents, 1)]
    return ranked + [pair for pair in rows if pair[0].kind == "human"]


def _with_rank(row: Row, rank: int) -> Row:
    return replace(row, rank=rank)


def _points(weeks: Mapping[str, list[float]]) -> tuple[WeekPoint, ...]:
    return tuple(
        WeekPoint(week, int(count), change / count)
        for week, (count, change) in sorted(weeks.items())
    )


# --- the recommendation ----------------------------------------------------------------------


def similar(like: Mapping[str, Any], profile: Mapping[str, Any]) -> bool:
    """Same main language (any case) and 1/4 … 4 times the tracked files, where known."""
    language = like.get("main_language")
    if language and str(profile.get("main_language") or "").casefold() != str(language).casefold():
        return False
    files, theirs = _number(like.get("tracked_files")), _number(profile.get("tracked_files"))
    if files and theirs is not None:
        return files / SIZE_FACTOR <= theirs <= files * SIZE_FACTOR
    return True


def _numbers(row: Row) -> str:
    return (
        f"a score of {row.score:.1f} over {row.commits} commits ({row.graded} graded) in "
        f"{_count(row.projects, 'project')}, a mean CS change of {row.mean_cs_change or 0:+.1f} "
        f"per graded commit and {row.bugs_per_100_commits or 0:.1f} bugs per 100 commits"
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _pick(rows: list[Row]) -> tuple[Row | None, Row | None, list[Row]]:
    """The best row to use, the runner-up, and better-ranked rows of halted agents."""
    enough = [r for r in rows if r.evidence == "enough"]
    usable = [r for r in enough if not r.halted]
    if not usable:
        return None, None, [r for r in enough if r.halted]
    best = usable[0]
    halted = [r for r in enough if r.halted and (r.rank or 0) < (best.rank or 0)]
    return best, (usable[1] if len(usable) > 1 else None), halted


def _use(best: Row, runner: Row | None, halted: list[Row], opening: str, scope: str) -> str:
    after = (
        f", ahead of {runner.label} (score {runner.score:.1f})"
        if runner and runner.score is not None
        else ", and it is the only usable setup with enough evidence"
    )
    first = "ranks first among agents not halted" if halted else "ranks first"
    skipped = f" ({halted[0].label} scores higher, but its agent is halted)" if halted else ""
    return f"{opening} {best.label}: {scope} {first} with {_numbers(best)}{after}{skipped}."


def _short(rows: list[Row], halted: list[Row], where: str) -> str:
    """Why nothing can be recommended from `rows`, and what to do about it."""
    agents = [r for r in rows if r.kind == "agent"]
    if halted:
        return (
            f"every setup with enough evidence{where} belongs to a halted agent "
            f"({', '.join(r.label for r in halted)}); reinstate one with `agent-git-tracker resume`"
        )
    if not agents and where:
        return f"no agent commits are recorded{where}"
    if not agents:
        return (
            "no agent commits are recorded yet; install the hooks with "
            "`agent-git-tracker install` in your repositories"
        )
    closest = max(
        agents,
        key=lambda r: (min(r.graded, MIN_GRADED) + min(r.commits, MIN_COMMITS), r.graded),
    )
    return (
        f"no setup{where} has {MIN_COMMITS} commits with {MIN_GRADED} of them graded yet "
        f"(closest: {closest.label}, {closest.commits} commits, {closest.graded} graded); "
        "grade more commits with `agent-git-tracker grade`"
    )


def _like(reader: _Reader, profile: Mapping[str, Any]) -> Like:
    language = profile.get("main_language")
    if isinstance(language, str):
        language = _languages(reader.profiles).get(language.casefold(), language)
    files = _number(profile.get("tracked_files"))
    projects = sorted({cell[4] for cell in reader.cells if cell[0] == "agent"})
    return Like(
        path=reader.options.like or "the named repository",
        language=str(language) if language else None,
        tracked_files=None if files is None else int(files),
        similar_projects=tuple(
            p for p in projects if similar(profile, reader.profiles.get(p) or {})
        ),
    )


def _describe(like: Like) -> str:
    files = (
        "size unknown" if like.tracked_files is None else _count(like.tracked_files, "tracked file")
    )
    name = basename(like.path.rstrip("/")) or like.path
    return f"{name} ({like.language or 'no main language'}, {files})"


def _recommend(
    reader: _Reader, overall: list[Row], like_profile: Mapping[str, Any] | None
) -> Recommendation:
    """One sentence: the setup to use and the numbers behind it, or why there is none."""
    if like_profile is None:
        best, runner, halted = _pick(overall)
        if best is not None:
            return Recommendation(_use(best, runner, halted, "Use", "it"), best, None)
        reason = _short(overall, halted, "")
        return Recommendation(f"Not enough data to recommend a setup: {reason}.", None, None)
    like = _like(reader, like_profile)
    cells = [c for c in reader.cells if c[4] in like.similar_projects]
    rows = [row for row, _ in _ranked(reader, cells, "setup")]
    best, runner, halted = _pick(rows)
    described = _describe(like)
    if best is not None:
        count = len(like.similar_projects)
        scope = f"in the {'one' if count == 1 else count} similar project{'s' * (count != 1)} it"
        sentence = _use(best, runner, halted, f"For a project like {described}, use", scope)
        return Recommendation(sentence, best, like)
    reason = _short(rows, halted, " in similar projects")
    top = _pick(overall)[0]
    fallback = f"; across all projects, {top.label} ranks first with {_numbers(top)}" if top else ""
    return Recommendation(
        f"Not enough data for a project like {described}: {reason}{fallback}.", None, like
    )


# --- the report ------------------------------------------------------------------------------


def _totals(reader: _Reader) -> Totals:
    commits = {kind: 0 for kind in ("agent", "human", "bot")}
    for (kind, *_), tally in reader.cells.items():
        commits[kind if kind in commits else "bot"] += tally.commits
    seen = [when for t in reader.cells.values() for when in t.seen() if when]
    return Totals(
        commits=sum(commits.values()),
        agent_commits=commits["agent"],
        human_commits=commits["human"],
        bot_commits=commits["bot"],
        graded=sum(tally.graded for tally in reader.cells.values()),
        bugs=reader.bugs,
        projects=len({cell[4] for cell, tally in reader.cells.items() if tally.commits}),
        first_seen=_iso(min(seen, default=None)),
        last_seen=_iso(max(seen, default=None)),
    )


def build_report(
    view: Source | RawSource, options: ReportOptions, like_profile: Mapping[str, Any] | None = None
) -> Report:
    """The report over every record of `view` that the options keep.

    `like_profile` is `gitmeta.profile` of the repository named by `options.like`.
    """
    if options.by not in GROUPINGS:
        raise UsageError(f"cannot group by {options.by!r}: use one of {', '.join(GROUPINGS)}")
    if options.min_commits < 0:
        raise UsageError(f"--min-commits must be 0 or more, not {options.min_commits}")
    reader = _Reader(options)
    reader.read(view)
    if not reader.digests_complete:  # some commit has no digest: read the records instead
        reader = _Reader(options, use_digests=False)
        reader.read(view)
    pairs = _ranked(reader, reader.cells, options.by)
    rows = [row for row, _ in pairs]
    overall = (
        rows if options.by == "setup" else [r for r, _ in _ranked(reader, reader.cells, "setup")]
    )
    timeline = tuple(
        Series(row.label, _points(tally.weeks)) for row, tally in pairs if tally.graded
    )
    return Report(
        options=options,
        rows=tuple(rows),
        timeline=timeline,
        recommendation=_recommend(reader, overall, like_profile),
        totals=_totals(reader),
    )
