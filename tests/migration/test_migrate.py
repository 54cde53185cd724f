"""Migration from the older plugin's lmdb-js files, export and import: real fixture copies, real
LMDB, the real command line, and real processes killed with SIGKILL."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from agent_git_tracker.config.settings import Config, load
from agent_git_tracker.errors import TrackerError, UsageError
from agent_git_tracker.ledger.counters import rederive
from agent_git_tracker.ledger.overlay import Overlay
from agent_git_tracker.migration.auto import auto_migrate
from agent_git_tracker.migration.legacy import LegacyRecord
from agent_git_tracker.migration.legacy.mapping import to_entries
from agent_git_tracker.migration.merge import MIGRATION_PREFIX, Fingerprint, merge
from agent_git_tracker.migration.migrate import migrate
from agent_git_tracker.migration.sources import LEGACY_RELATIVE, legacy_candidates
from agent_git_tracker.migration.transfer import export_file, import_
from agent_git_tracker.models import Rules
from agent_git_tracker.store import keys
from agent_git_tracker.store.db import identify, open_store

from conftest import FIXTURES, commit, git, tracker

LEGACY = FIXTURES / "legacy-lmdbjs"
LAYOUTS = ("head", "flat")


def expected(layout: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads((LEGACY / layout / "expected.json").read_text())
    return result


def fixture_file(layout: str) -> Path:
    return LEGACY / layout / str(expected(layout)["path"])


def place(layout: str, base: Path) -> Path:
    """A copy of a fixture where the older plugin left it: `<base>/~/.config/opencode/…`."""
    target = base / LEGACY_RELATIVE
    target.parent.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copyfile(fixture_file(layout), target))


def place_at(layout: str, path: Path) -> Path:
    """A copy of a fixture with its lmdb-js lock file, as the plugin left them at `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(fixture_file(layout), path)
    shutil.copyfile(f"{fixture_file(layout)}-lock", f"{path}-lock")
    return path


def expected_entries(layout: str) -> dict[str, Any]:
    """Our keys and values for every record lmdb-js itself read back (expected.json), with what
    the ledger derives from them (the agents' last activity)."""
    records = expected(layout)["records"]
    return derived(to_entries(LegacyRecord(r["db"], r["key"], r["value"]) for r in records))


def derived(entries: dict[str, Any]) -> dict[str, Any]:
    """The entries as a merge writes them into an empty database: with their derived records."""
    state = Overlay(_Nothing())
    for key, value in entries.items():
        state.put(key, value)
    rederive(state, list(entries), Rules())
    return {k: v for k, v in state.dirty.items() if v is not None and not k.startswith("digest:")}


class _Nothing:
    def get(self, key: str) -> None:
        return None

    def scan(self, prefix: str) -> Iterator[tuple[str, Any]]:
        return iter(())


def everything(db_path: Path) -> dict[str, Any]:
    with open_store(load(db_path=str(db_path))) as store, store.reading() as view:
        return dict(view.scan(""))


def data(db_path: Path) -> dict[str, Any]:
    """The records, without the database's own bookkeeping and derived digests."""
    return {
        key: value
        for key, value in everything(db_path).items()
        if key not in (keys.meta("schema"), keys.meta("counts"))
        and not key.startswith((MIGRATION_PREFIX, "digest:"))
    }


def markers(db_path: Path) -> dict[str, Any]:
    return {k: v for k, v in everything(db_path).items() if k.startswith(MIGRATION_PREFIX)}


def config_for(db_path: Path) -> Config:
    return load(db_path=str(db_path))


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


# --- every record comes through -------------------------------------------------------------


@pytest.mark.parametrize("layout", LAYOUTS)
def test_migrate_brings_every_record_of_the_fixture(layout: str, repo: Path, db_path: Path) -> None:
    source = place(layout, repo)
    original = source.read_bytes()
    out = tracker("migrate", cwd=repo).stdout
    want = expected_entries(layout)
    assert data(db_path) == want
    assert f"wrote {len(want)}, 0 already present" in out
    assert source.read_bytes() == original, "the source is only read"
    assert not Path(f"{source}-lock").exists(), "reading leaves no lock file beside the source"


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_mapping_keeps_every_legacy_field(layout: str, tmp_path: Path, db_path: Path) -> None:
    place(layout, tmp_path)
    migrate(config_for(db_path), None, False, False, tmp_path)
    stored = list(data(db_path).values())
    for record in expected(layout)["records"]:
        value = record["value"]
        assert any({name: v.get(name) for name in value} == value for v in stored), record["key"]


def test_a_migration_is_recorded_with_its_counts(tmp_path: Path, db_path: Path) -> None:
    source = place("head", tmp_path)
    migrate(config_for(db_path), None, False, False, tmp_path)
    fingerprint = Fingerprint.of(source)
    [(key, marker)] = markers(db_path).items()
    assert key == fingerprint.key
    assert marker["source"] == str(source)
    assert (marker["size"], marker["mtime_ns"]) == (fingerprint.size, fingerprint.mtime_ns)
    assert marker["records"] == marker["written"] == marker["written_total"] == 128


# --- idempotent and additive -----------------------------------------------------------------


def test_a_second_run_writes_nothing(tmp_path: Path, db_path: Path) -> None:
    place("head", tmp_path)
    config = config_for(db_path)
    first = migrate(config, None, False, False, tmp_path)
    before = everything(db_path)
    second = migrate(config, None, False, False, tmp_path)
    assert (first.written, second.written) == (128, 0)
    assert second.sources[0].result.total_present == 128
    assert everything(db_path) == before, "not even the migration record changed"
    assert auto_migrate(config, tmp_path) is None


def test_existing_central_keys_are_never_overwritten(tmp_path: Path, db_path: Path) -> None:
    mine = {"id": "build", "name": "build", "skill_points": 7, "mine": True}
    commit_key = next(k for k in expected_entries("head") if k.startswith("commit:"))
    ours = {keys.agent("build"): mine, commit_key: {"agent_id": "human", "mine": True}}
    with open_store(config_for(db_path)) as store:
        store.put_many(ours)
    place("head", tmp_path)
    summary = migrate(config_for(db_path), None, False, False, tmp_path)
    stored = data(db_path)
    assert stored[commit_key] == ours[commit_key]
    assert stored[keys.agent("build")]["mine"]  # its counters are replayed from its records
    result = summary.sources[0].result
    assert (result.total_written, result.total_present, result.differing) == (126, 2, 1)
    assert stored.keys() == expected_entries("head").keys()


def test_merge_writes_absent_keys_only_and_counts_per_prefix(db_path: Path) -> None:
    with open_store(config_for(db_path)) as store:
        store.put_many({keys.agent("a"): {"id": "a", "v": 1}})
        result = merge(store, {keys.agent("a"): {"id": "a", "v": 2}, keys.agent("b"): {"id": "b"}})
        again = merge(store, {keys.agent("b"): {"id": "b"}})
    assert (dict(result.written), dict(result.present), result.differing) == (
        {"agent": 1},
        {"agent": 1},
        0,  # agent records are derived: the database's own counters are replayed
    )
    assert (again.total_written, again.total_present, again.differing) == (0, 1, 0)
    stored = data(db_path)
    assert stored.keys() == {keys.agent("a"), keys.agent("b")}
    assert stored[keys.agent("a")]["v"] == 1 and stored[keys.agent("b")]["total_commits"] == 0


def test_dry_run_writes_nothing_and_creates_no_database(repo: Path, db_path: Path) -> None:
    place("flat", repo)
    out = tracker("migrate", "--dry-run", cwd=repo).stdout
    assert "would write 35, 0 already present" in out
    assert "dry run: nothing was written" in out
    assert not db_path.exists()


def test_nothing_to_migrate_says_where_it_looked(repo: Path, db_path: Path) -> None:
    out = tracker("migrate", cwd=repo).stdout
    assert "nothing to migrate" in out and str(repo / LEGACY_RELATIVE) in out
    assert "--from" in out


# --- automatic detection -----------------------------------------------------------------------


def test_candidates_are_found_in_cwd_and_top_level_once(tmp_path: Path) -> None:
    top, sub = tmp_path / "top", tmp_path / "top" / "sub"
    sub.mkdir(parents=True)
    assert legacy_candidates(sub, top) == []
    at_top = place("head", top)
    assert legacy_candidates(top, top) == [at_top]
    assert legacy_candidates(sub, top) == [at_top]
    in_sub = place("flat", sub)
    assert legacy_candidates(sub, top) == [in_sub, at_top]
    (tmp_path / "alias").symlink_to(top)
    assert legacy_candidates(tmp_path / "alias", top) == [tmp_path / "alias" / LEGACY_RELATIVE]


def test_auto_migration_runs_once_and_logs_the_count(repo: Path, db_path: Path) -> None:
    source = place("head", repo)
    sub = repo / "src" / "deep"
    sub.mkdir(parents=True)
    config = config_for(db_path)
    message = auto_migrate(config, sub)  # the top level is found from a subfolder
    assert message is not None
    assert "migrated 128 record(s)" in message and str(source) in message
    assert data(db_path) == expected_entries("head")
    assert auto_migrate(config, sub) is None
    assert auto_migrate(config, repo, repo) is None
    assert source.exists(), "the source is never deleted"


def test_a_source_that_grows_is_merged_again_for_its_new_records(
    tmp_path: Path, db_path: Path
) -> None:
    config = config_for(db_path)
    source = place("flat", tmp_path)
    assert auto_migrate(config, tmp_path) is not None
    shutil.copyfile(fixture_file("head"), source)  # the older plugin kept writing to it
    message = auto_migrate(config, tmp_path)
    assert message is not None and "migrated 125 record(s)" in message
    [marker] = markers(db_path).values()
    assert (marker["written"], marker["written_total"]) == (125, 35 + 125)


def test_the_command_line_migrates_automatically_when_a_command_starts(
    repo: Path, db_path: Path
) -> None:
    place("head", repo)
    first = tracker("status", cwd=repo)
    assert "migrated 128 record(s)" in first.stderr
    second = tracker("status", cwd=repo)
    assert "migrated" not in second.stderr
    assert "build" in second.stdout


# --- damaged and foreign sources ------------------------------------------------------------


def truncate(path: Path) -> None:
    with path.open("r+b") as f:
        f.truncate(os.path.getsize(path) // 2)


def test_a_truncated_source_fails_clearly_and_writes_nothing(repo: Path, db_path: Path) -> None:
    source = place("head", repo)
    truncate(source)
    result = tracker("migrate", cwd=repo, check=False)
    assert result.returncode == 1
    assert result.stderr.startswith("agent-git-tracker: error:")
    assert str(source) in result.stderr and "truncated" in result.stderr
    assert "Traceback" not in result.stderr
    assert not db_path.exists()


def test_a_failing_auto_migration_warns_once_until_the_file_changes(
    tmp_path: Path, db_path: Path
) -> None:
    config = config_for(db_path)
    source = place("head", tmp_path)
    truncate(source)
    warning = auto_migrate(config, tmp_path)
    assert warning is not None and warning.startswith("warning: could not migrate")
    assert f"migrate --from {source}" in warning
    assert auto_migrate(config, tmp_path) is None, "not retried while the file is the same"
    assert list(config.spool_root.glob("legacy-failed-*")), "the failure is remembered"
    shutil.copyfile(fixture_file("head"), source)  # repaired: it changed, so it is tried again
    message = auto_migrate(config, tmp_path)
    assert message is not None and "migrated 128" in message
    assert not list(config.spool_root.glob("legacy-failed-*"))


@pytest.mark.parametrize("seed", range(4))
def test_auto_migration_never_raises_on_random_damage(
    seed: int, tmp_path: Path, db_path: Path
) -> None:
    source = place("head", tmp_path)
    damaged = bytearray(source.read_bytes())
    rng = random.Random(seed)
    for _ in range(300):
        damaged[rng.randrange(8192, len(damaged))] = rng.randrange(256)
    source.write_bytes(bytes(damaged))
    message = auto_migrate(config_for(db_path), tmp_path)
    assert message is not None and message.startswith("warning:")


def test_a_failing_migration_never_stops_git_or_a_command(repo: Path, db_path: Path) -> None:
    truncate(place("head", repo))
    commit(repo, "first")
    git(repo, "push", "-q", "origin", "main")
    first = tracker("status", cwd=repo)
    second = tracker("status", cwd=repo)
    assert first.stderr.count("could not migrate") + second.stderr.count("could not migrate") <= 1
    assert "could not migrate" not in second.stderr


def test_a_source_that_is_not_lmdb_is_refused_by_name(repo: Path, db_path: Path) -> None:
    text = repo / "notes.txt"
    text.write_text("not a database\n" * 400)
    result = tracker("migrate", "--from", str(text), cwd=repo, check=False)
    assert result.returncode == 2
    assert f"{text} is not a database of the older agent-tracker plugin" in result.stderr
    imported = tracker("import", str(text), cwd=repo, check=False)
    assert imported.returncode == 2 and "neither an export" in imported.stderr
    at_candidate = repo / LEGACY_RELATIVE
    at_candidate.parent.mkdir(parents=True)
    shutil.copyfile(text, at_candidate)
    assert legacy_candidates(repo, repo) == []
    assert auto_migrate(config_for(db_path), repo) is None
    assert not db_path.exists()


def test_a_database_of_this_tool_is_pointed_to_export(tmp_path: Path, db_path: Path) -> None:
    other = tmp_path / "other" / "agent-tracker.lmdb"
    with open_store(config_for(other)):
        pass
    with pytest.raises(UsageError, match="export -o FILE"):
        migrate(config_for(db_path), other, False, False, tmp_path)
    with pytest.raises(UsageError, match="export -o FILE"):
        import_(config_for(db_path), other, False)


# --- a legacy file at the database path: --move-aside ---------------------------------------


def backups(db_path: Path) -> list[Path]:
    """The backup data files beside the database path (their lock files left out)."""
    found = db_path.parent.glob(f"{db_path.name}.lmdb-js-backup-*")
    return sorted(p for p in found if not p.name.endswith("-lock"))


def test_a_legacy_file_at_the_database_path_is_moved_only_when_asked(
    repo: Path, db_path: Path
) -> None:
    place_at("head", db_path)
    original = db_path.read_bytes()
    refused = tracker("migrate", cwd=repo, check=False)
    assert refused.returncode == 2 and "--move-aside" in refused.stderr
    assert db_path.read_bytes() == original
    dry = tracker("migrate", "--move-aside", "--dry-run", cwd=repo).stdout
    assert "would move" in dry and db_path.read_bytes() == original and not backups(db_path)

    out = tracker("migrate", "--move-aside", cwd=repo).stdout
    [backup] = backups(db_path)
    assert f"{db_path} → {backup}" in out
    assert backup.read_bytes() == original
    assert Path(f"{backup}-lock").exists()
    assert identify(db_path) is None, "the path now holds this tool's database"
    assert data(db_path) == expected_entries("head")
    assert [m["source"] for m in markers(db_path).values()] == [str(backup)]
    assert mode(db_path) == mode(backup) == 0o600
    tracker("status", cwd=repo)
    again = tracker("migrate", "--move-aside", cwd=repo).stdout
    assert "nothing was moved" in again and backups(db_path) == [backup]


def test_move_aside_also_takes_in_the_project_files(tmp_path: Path, db_path: Path) -> None:
    place_at("flat", db_path)
    place("head", tmp_path)
    summary = migrate(config_for(db_path), None, False, True, tmp_path)
    assert [s.records for s in summary.sources] == [35, 128]
    assert data(db_path).keys() == expected_entries("flat").keys() | expected_entries("head").keys()
    assert summary.backup is not None and summary.backup.exists()


def test_move_aside_resumes_after_a_kill_between_its_steps(tmp_path: Path, db_path: Path) -> None:
    """A kill after the backup was linked and the lock moved, while the new database was being
    built: the path still holds the old file; the rerun reuses the backup and cleans up."""
    place_at("head", db_path)
    original = db_path.read_bytes()
    backup = db_path.parent / f"{db_path.name}.lmdb-js-backup-20260101T000000Z"
    os.link(db_path, backup)
    os.replace(f"{db_path}-lock", f"{backup}-lock")
    half_built = db_path.parent / f"{db_path.name}.migrating-0001"
    half_built.write_bytes(b"\0" * 8192)
    Path(f"{half_built}-lock").write_bytes(b"\0" * 64)

    summary = migrate(config_for(db_path), None, False, True, tmp_path)
    assert summary.backup == backup
    assert sorted(p.name for p in db_path.parent.iterdir()) == [
        db_path.name,
        backup.name,
        f"{backup.name}-lock",
    ]
    assert backup.read_bytes() == original
    assert data(db_path) == expected_entries("head")


MOVE_ASIDE = """
import sys
from pathlib import Path
from agent_git_tracker.config.settings import load
from agent_git_tracker.migration.migrate import migrate
migrate(load(db_path=sys.argv[1]), None, False, True, Path(sys.argv[2]))
"""


def test_move_aside_killed_at_any_point_keeps_the_old_file(tmp_path: Path) -> None:
    """Killed anywhere, the path holds the old file or the complete new database, and the old
    bytes always have a name; the next run finishes the job."""

    def start(db: Path) -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, "-c", MOVE_ASIDE, str(db), str(tmp_path)])

    place_at("head", tmp_path / "reference" / "agent-tracker.lmdb")
    began = time.perf_counter()
    assert start(tmp_path / "reference" / "agent-tracker.lmdb").wait() == 0
    seconds = time.perf_counter() - began
    for n in range(10):
        db = tmp_path / f"run{n}" / "agent-tracker.lmdb"
        original = place_at("head", db).read_bytes()
        process = start(db)
        time.sleep(seconds * 1.2 * n / 9)
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        process.wait()
        kept = [p for p in [db, *backups(db)] if p.is_file() and p.read_bytes() == original]
        assert kept, f"run {n}: the old file lost its last name"
        assert db.read_bytes() == original or data(db) == expected_entries("head")
        migrate(config_for(db), None, False, db.read_bytes() == original, tmp_path)
        assert data(db) == expected_entries("head")
        [backup] = backups(db)
        assert backup.read_bytes() == original


def test_a_symlinked_database_path_is_never_replaced(tmp_path: Path, db_path: Path) -> None:
    real = place_at("head", tmp_path / "elsewhere" / "agent-tracker.lmdb")
    original = real.read_bytes()
    db_path.parent.mkdir(parents=True)
    db_path.symlink_to(real)
    result = tracker("migrate", "--move-aside", cwd=tmp_path, check=False)
    assert result.returncode == 2
    assert "symlink" in result.stderr and str(real) in result.stderr
    assert db_path.is_symlink() and real.read_bytes() == original
    assert sorted(p.name for p in real.parent.iterdir()) == [real.name, f"{real.name}-lock"]
    assert sorted(p.name for p in db_path.parent.iterdir()) == [db_path.name]


# --- export and import ------------------------------------------------------------------------


def test_export_then_import_combines_two_machines(tmp_path: Path) -> None:
    machine_a, machine_b = tmp_path / "a" / "t.lmdb", tmp_path / "b" / "t.lmdb"
    place("head", tmp_path / "pa")
    place("flat", tmp_path / "pb")
    migrate(config_for(machine_a), None, False, False, tmp_path / "pa")
    migrate(config_for(machine_b), None, False, False, tmp_path / "pb")
    b_before = data(machine_b)
    exported = tmp_path / "history.jsonl"
    out = tracker("--db-path", str(machine_a), "export", "-o", str(exported)).stdout
    assert "128 record(s) exported" in out
    assert mode(exported) == 0o600

    lines = [json.loads(line) for line in exported.read_text().splitlines()]
    header, records = lines[0], lines[1:]
    assert header["format"] == "agent-git-tracker-export" and header["version"] == 2
    assert header["records"] == len(records) == 128
    assert {r["key"]: r["value"] for r in records} == data(machine_a)

    out = tracker("--db-path", str(machine_b), "import", str(exported)).stdout
    combined = data(machine_b)
    assert combined.keys() == b_before.keys() | data(machine_a).keys()
    own = {key: value for key, value in b_before.items() if not key.startswith("agent:")}
    assert {key: combined[key] for key in own} == own, "B's own records were kept"
    assert "wrote 125, 3 already present" in out  # the agents, whose counters are replayed
    again = tracker("--db-path", str(machine_b), "import", str(exported)).stdout
    assert "wrote 0, 128 already present" in again


def test_export_to_standard_output_leaves_out_local_bookkeeping(
    tmp_path: Path, db_path: Path
) -> None:
    place("flat", tmp_path)
    migrate(config_for(db_path), None, False, False, tmp_path)
    with open_store(config_for(db_path)) as store:
        store.put_many({keys.meta("batch:x"): {"path": "/gone"}})
    lines = tracker("export").stdout.splitlines()
    exported_keys = [json.loads(line)["key"] for line in lines[1:]]
    assert exported_keys == sorted(expected_entries("flat"))
    assert json.loads(lines[0])["records"] == 35


def test_import_creates_a_private_database(tmp_path: Path) -> None:
    source = place("flat", tmp_path)
    target = tmp_path / "new" / "deeper" / "t.lmdb"
    tracker("--db-path", str(target), "import", str(source))
    assert data(target) == expected_entries("flat")
    assert mode(target) == mode(Path(f"{target}-lock")) == 0o600
    assert mode(target.parent) == mode(target.parent.parent) == 0o700
    assert auto_migrate(config_for(target), tmp_path) is None, "import recorded the migration"


def export_of(tmp_path: Path, db_path: Path) -> Path:
    place("flat", tmp_path)
    migrate(config_for(db_path), None, False, False, tmp_path)
    out = tmp_path / "x.jsonl"
    export_file(config_for(db_path), out)
    return out


def bad_line(lines: list[str]) -> None:
    lines[4] = '{"key": "agent:x", "value": '


def duplicate(lines: list[str]) -> None:
    lines[6] = lines[5]


def unknown_kind(lines: list[str]) -> None:
    lines[4] = json.dumps({"key": "secret:x", "value": {}})


def not_a_number(lines: list[str]) -> None:
    lines[4] = '{"key": "agent:x", "value": {"skill_points": NaN}}'


def lone_surrogate(lines: list[str]) -> None:
    lines[4] = '{"key": "agent:x", "value": {"name": "\\ud800"}}'


def cut_short(lines: list[str]) -> None:
    del lines[-3:]


def newer(lines: list[str]) -> None:
    lines[0] = json.dumps({**json.loads(lines[0]), "version": 99})


@pytest.mark.parametrize(
    ("damage", "message", "code"),
    [
        (bad_line, "line 5: is not valid JSON", 2),
        (duplicate, "line 7: repeats the key of line 6", 2),
        (unknown_kind, "line 5: has the key 'secret:x'", 2),
        (not_a_number, "line 5: is not valid JSON (NaN is not a JSON number)", 2),
        (lone_surrogate, "line 5: holds text that is not valid Unicode", 2),
        (cut_short, "holds 32 records but its header says 35", 2),
        (newer, "upgrade with `pip install --upgrade agent-git-tracker`", 1),
    ],
)
def test_a_bad_export_imports_nothing(
    damage: Callable[[list[str]], None], message: str, code: int, tmp_path: Path, db_path: Path
) -> None:
    exported = export_of(tmp_path, db_path)
    lines = exported.read_text().splitlines()
    damage(lines)
    exported.write_text("\n".join(lines) + "\n")
    target = tmp_path / "target" / "t.lmdb"
    with open_store(config_for(target)) as store:
        store.put_many({keys.agent("mine"): {"id": "mine"}})
    before = everything(target)
    result = tracker("--db-path", str(target), "import", str(exported), check=False)
    assert result.returncode == code, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert everything(target) == before


def test_import_dry_run_writes_nothing(tmp_path: Path, db_path: Path) -> None:
    exported = export_of(tmp_path, db_path)
    target = tmp_path / "target" / "t.lmdb"
    out = tracker("--db-path", str(target), "import", "--dry-run", str(exported)).stdout
    assert "would write 35" in out and not target.exists()


def test_export_without_a_database_says_so(db_path: Path) -> None:
    result = tracker("export", check=False)
    assert result.returncode == 2 and "nothing to export" in result.stderr
    assert not db_path.exists()


# --- SIGKILL during a migration -------------------------------------------------------------

COPIES = 300
MERGE = """
import sys
from pathlib import Path
from agent_git_tracker.config.settings import load
from agent_git_tracker.migration.legacy import read_records, to_entries
from agent_git_tracker.migration.merge import Fingerprint, merge
from agent_git_tracker.store.db import open_store

db, source, copies = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
base = to_entries(read_records(source))
entries = {f"{key}.{i}": value for i in range(copies) for key, value in base.items()}
with open_store(load(db_path=db)) as store:
    merge(store, entries, Fingerprint.of(source))
"""


def big_entries(source: Path) -> dict[str, Any]:
    """The synthetic source the subprocess merges: the fixture's records, COPIES times."""
    from agent_git_tracker.migration.legacy import read_records

    base = to_entries(read_records(source))
    return {f"{key}.{i}": value for i in range(COPIES) for key, value in base.items()}


def merge_process(db: Path, source: Path) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-c", MERGE, str(db), str(source), str(COPIES)]
    return subprocess.Popen(argv, stderr=subprocess.PIPE)


def killed_stage(db: Path, delay: float, source: Path) -> str:
    process = merge_process(db, source)
    time.sleep(delay)
    killed = process.poll() is None
    if killed:
        os.kill(process.pid, signal.SIGKILL)
    process.wait()
    if not killed:
        return "done"
    if not db.exists():
        return "before the database"
    return "committed" if markers(db) else "in the transaction"


def test_a_migration_killed_at_several_points_writes_every_record_once(tmp_path: Path) -> None:
    source = place("head", tmp_path)
    want = derived(big_entries(source))
    reference = tmp_path / "reference" / "t.lmdb"
    start = time.perf_counter()
    process = merge_process(reference, source)
    assert process.wait() == 0, process.stderr.read() if process.stderr else ""
    seconds = time.perf_counter() - start
    stages = []
    for n in range(10):
        db = tmp_path / f"run{n}" / "t.lmdb"
        stage = killed_stage(db, seconds * 1.2 * n / 9, source)
        stages.append(stage)
        on_disk = data(db) if db.exists() else {}
        # All or nothing: the records and the record of the migration appear together.
        assert on_disk in ({}, want), f"{stage}: {len(on_disk)} of {len(want)} records"
        assert bool(on_disk) == bool(db.exists() and markers(db)), stage
        with open_store(config_for(db)) as store:
            again = merge(store, big_entries(source), Fingerprint.of(source))
        assert again.total_written == (0 if on_disk else len(big_entries(source))), stage
        assert data(db) == want
        [marker] = markers(db).values()
        assert marker["written_total"] == len(big_entries(source)), f"{stage}: counted twice"
    assert "in the transaction" in stages, stages


def test_a_concurrent_run_counts_nothing_twice(tmp_path: Path, db_path: Path) -> None:
    source = place("flat", tmp_path)
    entries = to_entries(
        LegacyRecord(None, r["key"], r["value"]) for r in expected("flat")["records"]
    )
    fingerprint = Fingerprint.of(source)
    with open_store(config_for(db_path)) as store:
        merge(store, entries, fingerprint)
        second = merge(store, entries, fingerprint)  # a process that read the same state
    assert second.total_written == 0
    [marker] = markers(db_path).values()
    assert (marker["written"], marker["written_total"]) == (35, 35)


def test_errors_are_tracker_errors(tmp_path: Path, db_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        migrate(config_for(db_path), tmp_path / "missing", False, False, tmp_path)
    with pytest.raises(UsageError, match="is a folder"):
        import_(config_for(db_path), tmp_path, False)
    source = place("head", tmp_path)
    truncate(source)
    with pytest.raises(TrackerError, match="truncated"):
        import_(config_for(db_path), source, False)
