"""The central store: real LMDB files in the test's folder."""

from __future__ import annotations

import json
import random
import shutil
import stat
from pathlib import Path

import pytest

from agent_git_tracker.config.settings import Config, load
from agent_git_tracker.errors import TrackerError
from agent_git_tracker.store import keys
from agent_git_tracker.store.db import SCHEMA_KEY, SCHEMA_VERSION, open_store

from conftest import FIXTURES, tracker

LEGACY = FIXTURES / "legacy-lmdbjs" / "head" / "project-x" / "~" / ".config" / "opencode"


def config_at(path: Path, size: str = "1MiB") -> Config:
    return load(db_path=str(path), max_db_size=size)


def test_new_database_is_private_with_private_parents(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "t.lmdb"
    with open_store(config_at(path)) as store, store.reading() as view:
        assert view.get(SCHEMA_KEY) == {"version": SCHEMA_VERSION}
    assert path.is_file()
    assert Path(f"{path}-lock").is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for folder in (tmp_path / "a", tmp_path / "a" / "b"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_point_reads_prefix_scans_and_counts(tmp_path: Path) -> None:
    with open_store(config_at(tmp_path / "t.lmdb")) as store:
        store.put_many(
            {
                keys.agent("a"): {"id": "a"},
                keys.agent("b:c"): {"id": "b:c"},
                keys.commit("/p", "f" * 40): {"x": 1},
                "agentx": {"no": 1},
            }
        )
        with store.reading() as view:
            assert view.get(keys.agent("b:c")) == {"id": "b:c"}
            assert view.get(keys.agent("missing")) is None
            assert [v["id"] for _, v in view.scan("agent:")] == ["a", "b:c"]
            assert view.count("agent:") == 2 and view.count("commit:") == 1


def test_a_failing_batch_leaves_nothing_behind(tmp_path: Path) -> None:
    with open_store(config_at(tmp_path / "t.lmdb")) as store:
        with pytest.raises(TypeError), store.writing() as txn:
            txn.put(keys.agent("a"), {"id": "a"})
            txn.put(keys.agent("b"), {"bad": object()})
        with store.reading() as view:
            assert view.get(keys.agent("a")) is None


def test_map_full_is_a_clear_message_and_nothing_is_half_written(tmp_path: Path) -> None:
    with open_store(config_at(tmp_path / "t.lmdb", "1MiB")) as store:
        store.put_many({keys.agent("kept"): {"id": "kept"}})
        # Text that does not deflate much: stored values are deflated when that pays.
        text = random.Random(3).randbytes(1000).hex()
        big = {keys.activity("a", f"{i:06d}", "x"): {"text": text[i:]} for i in range(2000)}
        with pytest.raises(TrackerError) as error:
            store.put_many(big)
        message = str(error.value)
        assert "full" in message and "max_database_size" in message and "1048576" in message
        with store.reading() as view:
            assert view.count("activity:") == 0
            assert view.get(keys.agent("kept")) == {"id": "kept"}


def test_newer_schema_is_refused_with_upgrade_advice(tmp_path: Path) -> None:
    config = config_at(tmp_path / "t.lmdb")
    with open_store(config) as store:
        store.put_many({SCHEMA_KEY: {"version": 99}})
    with pytest.raises(TrackerError, match="upgrade"):
        open_store(config)


def test_lmdb_js_file_at_the_path_is_never_modified(tmp_path: Path) -> None:
    path = tmp_path / "agent-tracker.lmdb"
    shutil.copy(LEGACY / "agent-tracker.lmdb", path)
    before = path.read_bytes()
    result = tracker("--db-path", str(path), "db", "info", check=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "lmdb-js" in result.stderr and str(path) in result.stderr
    assert "migrate" in result.stderr and "--db-path" in result.stderr
    assert path.read_bytes() == before
    assert not Path(f"{path}-lock").exists()


@pytest.mark.parametrize("content", [b"hello, not a database" * 300, b"\0" * 8192])
def test_a_file_that_is_not_lmdb_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "t.lmdb"
    path.write_bytes(content)
    with pytest.raises(TrackerError, match="not an LMDB database"):
        open_store(config_at(path))
    assert path.read_bytes() == content


def test_older_plugin_installed_warns_before_creating_the_shared_default(hermetic: Path) -> None:
    (hermetic / ".config" / "opencode" / "plugins" / "agent-tracker").mkdir(parents=True)
    first = tracker("db", "info")
    assert "older agent-tracker OpenCode plugin" in first.stderr
    assert tracker("db", "info").stderr == ""  # once: the database exists now
    assert (hermetic / ".config" / "opencode" / "plugins" / "agent-tracker").is_dir()


def test_db_info_json(tmp_path: Path) -> None:
    info = json.loads(tracker("--db-path", str(tmp_path / "t.lmdb"), "db", "info", "--json").stdout)
    assert info["schema_version"] == SCHEMA_VERSION
    assert info["map_size"] == 536870912
    assert info["counts"]["meta"] == 1 and info["counts"]["agent"] == 0
    assert info["file_size"] > 0
