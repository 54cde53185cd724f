"""The report over 100,000 commits and 100,000 grade events, against a bare scan-and-decode.

Builds a temporary database the way flushes do (the ledger applies spool-shaped events, a few
large write transactions store what it wrote), then gives every commit outcome measures the
way the measuring does (into the commit record and its digest): each setup and the humans have
their own survival, revert and fix rates, each project its own churn that lowers everyone's
survival, 1 % of commits are bulk, and the last 30 days are pending (the last 14 wholly). Then
it times, turn about in the same run:
  floor    the commits and grade events (and the few project, agent, bug and usage records),
           scanned and decoded (`report.PREFIXES`), nothing else
  digests  the commits' digests alone, scanned and decoded: what the report decodes (a digest
           carries the few facts of a commit the report needs, grade included, so commit records
           and retrospectives are then left unread; see `agent_git_tracker.ledger.digest`)
  report   `build_report` over the same database
  pending  the same with one commit event still in the spool (replayed over the stored view)
Targets: report ≤ 2 × floor, and report < 1 s. Each line gives medians, and the best runs,
whose ratio suffers least from other programs sharing the machine.

Usage, from the repository root: .venv/bin/python -m bench.report [--commits N] [--runs N]
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from agent_git_tracker.config.settings import Config
from agent_git_tracker.ledger import digest
from agent_git_tracker.ledger.ledger import Context, Ledger
from agent_git_tracker.ledger.overlay import Overlay
from agent_git_tracker.models import GRADE_LABELS, Rules
from agent_git_tracker.report.build import build_report
from agent_git_tracker.report.model import PREFIXES, ReportOptions
from agent_git_tracker.report.run import PendingView
from agent_git_tracker.store import db as store
from agent_git_tracker.store import keys
from agent_git_tracker.times import iso
from bench.common import interleaved

SETUPS = (
    ("claude-code", "claude-opus-4-5", "tdd-prompt"),
    ("claude-code", "claude-sonnet-4-5", None),
    ("codex", "gpt-5-codex", "default"),
    ("codex", "gpt-5", "high-reasoning"),
    ("aider", "deepseek-chat", None),
    ("gemini-cli", "gemini-2.5-pro", "yolo"),
    ("opencode", "kimi-k2", "plan-then-build"),
)
LANGUAGES = ("Python", "TypeScript", "Rust", "Go")
OFFSETS = ("+00:00", "+01:00", "-05:00", "+05:30")
START = 1_767_225_600.0  # 2026-01-01T00:00:00Z
DAY = 86_400.0
BATCH = 20_000
# A re-grade makes the ledger scan its overlay for the commit's earlier grade events, which
# costs the size of the transaction: re-grades go in small transactions.
REGRADE_BATCH = 500


def commit_event(rng: random.Random, index: int, when: float) -> dict[str, Any]:
    """A post-commit spool event: 89% by an agent setup, 10% human, 1% dependabot."""
    project = f"/home/dev/src/project-{index % 12:02d}"
    roll = rng.random()
    offset = OFFSETS[index % 12 % len(OFFSETS)]
    stamp = iso(when).replace("+00:00", offset)  # the clock reading is kept, as git shows it
    facts = {
        "hash": f"{index:040x}",
        "parents": [f"{index - 1:040x}"] if index else [],
        "author_name": "Ada Developer",
        "author_email": "ada@example.com",
        "authored_at": stamp,
        "committer_name": "Ada Developer",
        "committer_email": "ada@example.com",
        "committed_at": stamp,
        "message": f"Change {index}: tighten the parser and update its tests\n\nDetails.\n",
        "branch": "main",
        "files_changed": rng.randint(1, 12),
        "insertions": rng.randint(0, 400),
        "deletions": rng.randint(0, 150),
        "stats_capped": False,
    }
    declared: dict[str, str] = {}
    if roll < 0.01:
        facts["author_name"], facts["author_email"] = "dependabot[bot]", "bot@example.com"
    elif roll < 0.89:
        agent, model, setup = SETUPS[int(roll * 1000) % len(SETUPS)]
        declared = {"agent": agent, "model": model, **({"setup": setup} if setup else {})}
    return {
        "type": "commit",
        "id": f"c{index:08d}",
        "project": project,
        "time": when,
        "commit": facts,
        "session": None,
        "declared": declared,
        "markers": [],
    }


def grade_event(
    rng: random.Random, commit: dict[str, Any], when: float, number: int
) -> dict[str, Any]:
    agent = commit["declared"]["agent"]
    bias = SETUPS.index(
        (agent, commit["declared"]["model"], commit["declared"].get("setup"))
    ) % len(GRADE_LABELS)
    grades = list(GRADE_LABELS)
    pick = rng.choices(grades, weights=[4 - bias % 3, 4, 3 + bias, 1 + bias % 2])
    return {
        "type": "grade",
        "id": f"g{number:08d}",
        "project": commit["project"],
        "time": when,
        "commit": commit["commit"]["hash"],
        "agent": agent,
        "agent_grade": rng.choice(grades),
        "user_grade": pick[0],
        "task": commit["commit"]["message"].split("\n")[0],
        "agent_note": "Tests first, then the change.",
        "user_note": "",
    }


def events(commits: int, grades: int, seed: int = 5) -> Iterator[list[dict[str, Any]]]:
    """Batches of spool events: every commit, then grade events (each agent commit graded
    once, the rest re-grades), a bug now and then."""
    rng = random.Random(seed)
    made = [commit_event(rng, i, START + i * 180 * DAY / commits) for i in range(commits)]
    for start in range(0, commits, BATCH):
        yield made[start : start + BATCH]
    by_agent = [c for c in made if c["declared"]]
    order = by_agent + rng.choices(by_agent, k=max(0, grades - len(by_agent)))
    batch: list[dict[str, Any]] = []
    for number, commit in enumerate(order[:grades]):
        if number == len(by_agent):
            yield batch
            batch = []
        when = commit["time"] + 3600 + (number // len(by_agent)) * 86_400
        batch.append(grade_event(rng, commit, when, number))
        if rng.random() < 0.01:
            batch.append(
                {
                    "type": "bug",
                    "id": f"b{number:08d}",
                    "project": commit["project"],
                    "time": when + 60,
                    "agent": commit["declared"]["agent"],
                    "commit": commit["commit"]["hash"] if rng.random() < 0.8 else None,
                    "note": "regression",
                }
            )
        if len(batch) >= (BATCH if number < len(by_agent) else REGRADE_BATCH):
            yield batch
            batch = []
    yield batch


def usage(days: int) -> dict[str, Any]:
    """`usage:` records as the ledger keeps them: per agent and day, counts per model|setup."""
    records: dict[str, Any] = {}
    for day in range(days):
        stamp = iso(START + day * DAY)[:10]
        for agent, model, setup in SETUPS:
            record = records.setdefault(
                keys.usage(agent, stamp), {"agent_id": agent, "day": stamp, "setups": {}}
            )
            record["setups"][f"{model}|{setup or ''}"] = {"tool_uses": 40 + day % 7, "commands": 9}
    return records


# Per setup (in SETUPS order) and for humans: (mean survival, revert rate, fix rate).
QUALITY = (
    (0.93, 0.01, 0.06),
    (0.90, 0.02, 0.08),
    (0.91, 0.02, 0.07),
    (0.86, 0.03, 0.12),
    (0.84, 0.04, 0.14),
    (0.88, 0.03, 0.10),
    (0.89, 0.02, 0.09),
)
HUMAN_QUALITY = (0.90, 0.02, 0.08)
NOW = START + 180 * DAY  # when the measures were taken: the newest commits are pending


def measures(rng: random.Random, record: dict[str, Any], churn: float) -> dict[str, Any]:
    """Outcome measures as the measuring stores them (`history.measuring.stored`)."""
    setup = (record.get("agent_id"), record.get("model"), record.get("setup"))
    survival, reverts, fixes = QUALITY[SETUPS.index(setup)] if setup in SETUPS else HUMAN_QUALITY
    age = (NOW - datetime.fromisoformat(record["timestamp"]).timestamp()) / DAY
    kept = max(0.0, min(1.0, rng.gauss(survival - churn, 0.15)))
    reverted = rng.random() < reverts
    values: dict[str, Any] = {
        "survival_14d": None if age < 14 else (0.0 if reverted else min(1.0, kept + 0.03)),
        "survival_30d": None if age < 30 else (0.0 if reverted else kept),
        "reverted_30d": (True if reverted and age >= 5 else None if age < 30 else False),
        "fixed_30d": None if age < 30 else rng.random() < fixes,
        "bulk": rng.random() < 0.01,
    }
    values["final"] = age >= 30
    return values


def measure(db: store.Store, seed: int = 7) -> int:
    """Every commit record and digest given outcome measures, a batch per transaction."""
    rng = random.Random(seed)
    churn = {f"/home/dev/src/project-{p:02d}": 0.02 * (p % 6) for p in range(12)}
    with db.reading() as view:
        commit_keys = list(view.keys("commit:"))
    for start in range(0, len(commit_keys), BATCH):
        with db.writing() as txn:
            for key in commit_keys[start : start + BATCH]:
                record = txn.get(key)
                if record.get("kind") == "bot":
                    continue
                record["outcomes"] = measures(rng, record, churn[record["project_path"]])
                txn.put(key, record)
                txn.put(keys.digest_of(key), digest.of(record))
    return len(commit_keys)


def build(path: Path, commits: int, grades: int, config: Config | None = None) -> Config:
    config = config or Config(database_path=path, max_database_size=2 * 1024**3)
    profiles = {
        f"/home/dev/src/project-{p:02d}": {
            "main_language": LANGUAGES[p % len(LANGUAGES)],
            "tracked_files": 40 * (p + 1),
            "remote_url": f"git@example.com:dev/project-{p:02d}.git",
        }
        for p in range(12)
    }
    context = Context(rules=Rules(), profiles=profiles)
    with store.open_store(config) as db:
        for batch in events(commits, grades):
            with db.writing() as txn:
                state = Overlay(txn)
                Ledger(state, context).apply(batch)
                txn.put_many(state.dirty)
        db.put_many(usage(181))
        db.put_many(
            {keys.project(path): {"project_path": path, **p} for path, p in profiles.items()}
        )
        measure(db)
        with db.reading() as view:
            counts = {prefix: view.count(prefix) for prefix in (*PREFIXES, "communication:")}
    print("database:", ", ".join(f"{p[:-1]} {n:,}" for p, n in counts.items()))
    print(f"file size: {path.stat().st_size / 1024**2:.0f} MiB")
    return config


def floor(view: store.View) -> int:
    """A bare scan-and-decode of every record the report reads."""
    decode = store.decode
    total = 0
    for prefix in PREFIXES:
        for _, raw in view.scan_raw(prefix):
            decode(raw)
            total += 1
    return total


def digests(view: store.View) -> int:
    return sum(1 for _, raw in view.scan_raw("digest:") if store.decode(raw))


def report_with_one_pending_event(view: store.View) -> None:
    """What `report` does after a commit not yet pushed: the event replayed over the stored
    view, then the report over both."""
    state = Overlay(view)
    event = commit_event(random.Random(1), 10**9, time.time())
    Ledger(state, Context(rules=Rules())).apply([event])
    build_report(PendingView(state), ReportOptions())


def compare(db: store.Store, runs: int) -> None:
    """Floor, digests alone and report, taking turns."""

    def reading(action: Callable[[store.View], object]) -> Callable[[], None]:
        def run() -> None:
            with db.reading() as view:
                action(view)

        return run

    result = interleaved(
        runs,
        {
            "floor": reading(floor),
            "digests": reading(digests),
            "report": reading(lambda v: build_report(v, ReportOptions())),
            "pending": reading(report_with_one_pending_event),
        },
    )
    median = {name: statistics.median(times) for name, times in result.items()}
    best = {name: min(times) for name, times in result.items()}
    for name in result:
        print(f"  {name:<8} {median[name] * 1000:5.0f} ms (best {best[name] * 1000:.0f})")
    print(
        f"report with one pending event / report: {median['pending'] / median['report']:.2f} "
        f"(target ≤ 1.2)"
    )
    ratio = median["report"] / median["floor"]
    print(
        f"report / floor: {ratio:.2f} (best {best['report'] / best['floor']:.2f}); "
        f"targets: report ≤ 2 × floor {'met' if ratio <= 2 else 'NOT met'}, "
        f"report < 1 s {'met' if median['report'] < 1 else 'NOT met'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--commits", type=int, default=100_000)
    parser.add_argument("--grades", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="agent-git-tracker-bench-"))
    try:
        start = time.perf_counter()
        config = build(folder / "bench.lmdb", args.commits, args.grades)
        print(f"built in {time.perf_counter() - start:.1f} s; median of {args.runs} runs:")
        with store.open_store(config) as db:
            with db.reading() as view:
                print(f"records: {floor(view):,} in the floor, {digests(view):,} digests")
            compare(db, args.runs)
    finally:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
