"""One pass over the records the report needs, into a tally per cell.

The reading only turns records into plain facts per commit (cell, time, lines, files, grade,
outcome measures) and sums them per cell; what they mean is computed by `stats` and `score`."""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol, runtime_checkable

from agent_git_tracker.errors import UsageError
from agent_git_tracker.ledger import digest
from agent_git_tracker.report import summed
from agent_git_tracker.report.model import ReportOptions
from agent_git_tracker.report.tally import Cell, Tally
from agent_git_tracker.store import db as store
from agent_git_tracker.store import keys
from agent_git_tracker.times import utc_key


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


def _as_tuple(kind: list[Any] | None) -> tuple[Any, ...] | None:
    return None if kind is None else tuple(kind)


def _matches(project: str, wanted: str) -> bool:
    """`--project` names a project path, or part of one."""
    return project == wanted or wanted in project


MISSING = Tally()


_COMMIT_FIELD_NAMES = ("kind", "agent_id", "model", "setup", "project_path")


# (commit key, (kind, agent, model, setup, project, confidence), time, lines changed, grade
# summary, files changed, outcome measures)
Facts = tuple[str, tuple[Any, ...], Any, Any, Any, Any, Any, Any]


_COMMIT_FIELDS = operator.itemgetter(*_COMMIT_FIELD_NAMES)


_GRADE_FIELDS = operator.itemgetter("agent_id", "commit", "project_path")


class Reader:
    """One pass over the records the report needs, into a tally per cell.

    The reading only turns records into plain facts per commit (cell, time, lines, files, grade,
    outcome measures) and sums them per cell; what they mean is computed by `stats` and `score`."""

    def __init__(self, options: ReportOptions, use_digests: bool = True) -> None:
        self.options = options
        self.use_digests = use_digests
        self.digests_complete = True
        self.since = _bound(options.since, "since", end=False)
        self.until = _bound(options.until, "until", end=True)
        if self.since and self.until and self.since > self.until:
            raise UsageError(f"--since {options.since} is after --until {options.until}")
        self.cells: dict[Cell, Tally] = {}
        # The fields of a commit record as stored → its tally (None: left out by --agent).
        self.raw_cells: dict[tuple[Any, ...], Tally | None] = {}
        # Commit key → its tally; None for a commit left out by the filters.
        self.index: dict[str, Tally | None] = {}
        self.stamps: dict[str, str | None] = {}  # commit key → time, read without digests
        self.by_hash: dict[str, Tally | None] | None = None
        # From digests: the source, their cells by stored fields, how many carry a grade, and
        # each digest key's tally (None: left out by the filters).
        self.digests: KeySource | None = None
        self.digest_cells: dict[tuple[Any, ...], Tally | None] = {}
        self.digest_index: dict[str, Tally | None] = {}
        self.graded_digests = 0
        self.quoted: dict[str, str] = {}
        self.grade_kinds: dict[tuple[Any, ...], tuple[Any, ...] | None] = {}
        # (agent, commit hash) of the grades already counted from their commit records.
        self.embedded: set[tuple[str, str]] = set()
        self.fallbacks: dict[tuple[str, str | None], Tally] = {}
        self.agent_cells: dict[str, list[Cell]] = {}  # each agent's high-confidence cells
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
        common case, and the report's hottest loop), else from the commit records; or from
        the sums a source computed itself (a team's exports, read by DuckDB)."""
        if isinstance(source, summed.SummedSource):
            summed.read(self, source)
        elif self.use_digests and isinstance(source, KeySource):
            self.digests = source
            self.digests_complete = self._digest_pass(source) == source.count("commit:")
        else:
            self._count(self._record_facts(source))

    def _digest_pass(self, source: KeySource) -> int:
        """One lean pass over the digests; returns how many there are. Cells are looked up by
        the fields as stored (the project still quoted, as in the key) and made sense of once
        per distinct combination; each digest key keeps its tally, for the grades to find."""
        timed = self.since is not None or self.until is not None
        cells, index, decode = self.digest_cells, self.digest_index, store.decode
        seen = graded = 0
        for key, raw in source.scan_raw("digest:"):
            fact = decode(raw)
            if type(fact) is not list or len(fact) < 7:
                continue  # not counted: the commit records are read instead
            seen += 1
            if len(fact) != 11:  # written by another version: missing fields are None
                fact = (fact + [None] * 4)[:11]
            kind, agent, model, setup, stamp, lines, grade, files, outcome, confidence, usage = fact
            cell = (kind, agent, model, setup, key[7 : key.rindex(":")], confidence)
            tally = cells.get(cell, MISSING)
            if tally is MISSING:
                tally = cells[cell] = self._tally((*cell[:4], _unquoted(cell[4]), cell[5]))
            if grade:
                graded += 1
            if tally is None or (timed and not self.in_time(stamp)):
                index[key] = None
                continue
            index[key] = tally
            tally.add_commit(stamp, lines, files, outcome, usage)
            if grade:
                tally.add_grade(grade, stamp)
        self.graded_digests = graded
        return seen

    def _committed(self, project: str, commit_hash: str) -> str | None:
        """The time (UTC key) of a recorded commit, for its grades' week."""
        if self.digests is None:
            return self.stamps.get(keys.commit(project, commit_hash))
        fact = self.digests.get(f"digest:{self.quoted[project]}:{commit_hash}")
        return fact[4] if type(fact) is list and len(fact) > 4 else None

    def _commit_tally(self, project: str, commit_hash: str) -> Tally | None:
        """The tally of one commit (None: left out by the filters; MISSING: not recorded)."""
        if self.digests is None:
            return self.index.get(keys.commit(project, commit_hash), MISSING)
        quoted = self.quoted.get(project)
        if quoted is None:
            quoted = self.quoted[project] = keys.quote(project)
        return self.digest_index.get(f"digest:{quoted}:{commit_hash}", MISSING)

    def _embedded(self) -> set[tuple[str, str]]:
        """(agent, commit hash) of every grade counted with its commit."""
        if self.digests is not None and not self.embedded and self.graded_digests:
            for key, raw in self.digests.scan_raw("digest:"):
                fact = store.decode(raw)
                if type(fact) is list and len(fact) >= 7 and fact[6]:
                    self.embedded.add((fact[1], key.rpartition(":")[2]))
        return self.embedded

    def _count(self, facts: Iterable[Facts]) -> int:
        # The fields that choose a commit's tally are looked up as stored (the project still
        # quoted, from a digest's key), and made sense of once per distinct combination.
        timed = self.since is not None or self.until is not None
        index, embedded = self.index, self.embedded
        seen = 0
        for key, fields, stamp, lines, grade, files, outcome, usage in facts:
            seen += 1
            tally = self.raw_tally(fields)
            if tally is not None and timed and not self.in_time(stamp):
                tally = None
            index[key] = tally
            if tally is not None:
                tally.add_commit(stamp, lines, files, outcome, usage)
                self.stamps[key] = stamp
            if grade:  # the ledger keeps a grade's summary with its commit
                embedded.add((fields[1], key.rpartition(":")[2]))
                if tally is not None:
                    tally.add_grade(grade, stamp)
        return seen

    def _record_facts(self, source: Source | RawSource) -> Iterator[Facts]:
        pairs, decode = _pairs(source, "commit:")
        for key, raw in pairs:
            record = decode(raw)
            if type(record) is not dict:
                continue
            fact = digest.of(record)
            project = record.get("project_path") or keys.parts(key)[1]
            cell = (*fact[:4], project, fact[9])
            yield key, cell, fact[4], fact[5], fact[6], fact[7], fact[8], fact[10]

    def raw_tally(self, fields: tuple[Any, ...]) -> Tally | None:
        """The tally for commits with these stored fields (None: left out by the filters)."""
        tally = self.raw_cells.get(fields, MISSING)
        if tally is MISSING:
            tally = self.raw_cells[fields] = self._tally(fields)
        return tally

    def _tally(self, fields: tuple[Any, ...]) -> Tally | None:
        """The tally for commit records with these stored fields; None when --agent leaves
        them out. Older records may lack any of them."""
        kind = fields[0] or "agent"
        agent = str(fields[1] or ("human" if kind == "human" else "unknown"))
        if kind == "agent" and self.options.agent is not None and agent != self.options.agent:
            return None
        if self.options.project and not _matches(str(fields[4]), self.options.project):
            return None
        confidence = "medium" if fields[5] == "medium" else "high"
        member = fields[6] if len(fields) > 6 else None
        return self._cell(
            (kind, agent, fields[2] or None, fields[3] or None, str(fields[4]), confidence, member)
        )

    def _cell(self, cell: Cell) -> Tally:
        tally = self.cells.get(cell)
        if tally is None:
            tally = self.cells[cell] = Tally(cell)
            if cell[0] == "agent" and cell[5] == "high":
                self.agent_cells.setdefault(cell[1], []).append(cell)
        return tally

    def _target(
        self, agent: str, project: str | None, commit_hash: str | None, when: str | None
    ) -> Tally | None:
        """The tally a grade or bug of `agent` on `commit_hash` counts in (None: filtered)."""
        found: Tally | None = MISSING
        if commit_hash and project:
            found = self._commit_tally(project, commit_hash)
        elif commit_hash:
            found = self._hash_index().get(commit_hash, MISSING)
        if found is None:
            return None
        if found.owner == agent:
            return found
        return self._fallback(agent, project, when)

    def _hash_index(self) -> dict[str, Tally | None]:
        """Older records name a graded commit without its project."""
        if self.by_hash is None:
            self.by_hash = {key.rpartition(":")[2]: tally for key, tally in self.index.items()}
            if self.digests is not None:
                for key in self.digests.keys("digest:"):
                    project, _, commit_hash = key[7:].rpartition(":")
                    self.by_hash[commit_hash] = self._commit_tally(_unquoted(project), commit_hash)
        return self.by_hash

    def _fallback(self, agent: str, project: str | None, when: str | None) -> Tally | None:
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
            mine = self.agent_cells.get(agent, [])
            here = [k for k in mine if k[4] == project]
            last = max(here or mine, key=lambda k: self.cells[k].seen()[1] or "", default=None)
            found = self._cell(last or ("agent", agent, None, None, project or "", "high", None))
            self.fallbacks[(agent, project)] = found
        return found

    def _grades(self, source: Source | RawSource) -> None:
        for key, record in self._retrospectives(source):
            try:
                agent, commit_hash, project = _GRADE_FIELDS(record)
            except KeyError:  # older records lack some
                agent, commit_hash = record.get("agent_id"), record.get("commit")
                project = record.get("project_path")
            tally: Tally | None = MISSING
            committed = None
            if project and commit_hash:
                tally = self._commit_tally(project, commit_hash)
            if tally is None:
                continue
            if tally is not MISSING:
                committed = self._committed(project, commit_hash)
            if tally.owner != agent:
                if not (agent and commit_hash):
                    _, agent, _, commit_hash = keys.parts(key)
                stamp = utc_key(record.get("timestamp"))
                tally = self._target(agent, project, commit_hash, stamp)
                if tally is None:
                    continue
            tally.add_grade(self._grade_kind(record), committed)

    def _grade_kind(self, record: dict[str, Any]) -> tuple[Any, ...] | None:
        """`digest.grade_kind`, worked out once per distinct day and grades."""
        stamp = record.get("timestamp")
        if isinstance(stamp, str) and stamp.endswith(("+00:00", "Z")):
            stamp = stamp[:10]  # grade_kind finds the week from the day of a UTC time
        get = record.get
        memo = (
            stamp,
            get("agent_grade"),
            get("user_grade"),
            get("score_before"),
            get("score_after"),
        )
        try:
            return self.grade_kinds[memo]
        except KeyError:
            kind = self.grade_kinds[memo] = _as_tuple(digest.grade_kind(record))
            return kind
        except TypeError:  # a value that cannot be hashed: some other program's record
            return _as_tuple(digest.grade_kind(record))

    def _retrospectives(self, source: Source | RawSource) -> Iterator[tuple[str, dict[str, Any]]]:
        """The grades not already counted with their commit, nor left out by --agent: chosen
        by their keys in one pass, and only those decoded."""
        wanted = self.options.agent

        def needed(key: str) -> bool:
            agent, _, rest = key[len("retrospective:") :].partition(":")
            if embedded:
                commit_hash = rest.rpartition(":")[2]
                agent = keys.unquote(agent) if "%" in agent else agent
                return (agent, commit_hash) not in embedded and wanted in (None, agent)
            return wanted is None or (keys.unquote(agent) if "%" in agent else agent) == wanted

        counted = self.graded_digests if self.digests is not None else len(self.embedded)
        if (
            counted
            and isinstance(source, KeySource)
            and wanted is None
            and source.count("retrospective:") == counted
        ):
            return  # every grade was counted with its commit
        embedded = self._embedded()
        pairs, decode = _pairs(source, "retrospective:")
        if not embedded and wanted is None:  # every grade is needed
            for key, raw in pairs:
                if type(record := decode(raw)) is dict:
                    yield key, record
            return
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
