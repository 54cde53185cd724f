"""Configuration: database path resolution, size limits, sources and their precedence."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from agent_git_tracker.config.settings import DEFAULT_SIZE, load, parse_size
from agent_git_tracker.errors import TrackerError, UsageError

from conftest import tracker

MIB = 1024 * 1024
GIB = 1024 * MIB


def test_default_path_is_built_from_the_real_home(hermetic: Path) -> None:
    config = load(environ={"HOME": str(hermetic)})
    assert config.database_path == hermetic / ".config" / "opencode" / "agent-tracker.lmdb"
    assert "~" not in str(config.database_path)
    assert config.max_database_size == DEFAULT_SIZE == 536870912
    assert config.sources["database_path"] == "the default"


def test_custom_absolute_path(tmp_path: Path) -> None:
    assert load(db_path=str(tmp_path / "x.lmdb")).database_path == tmp_path / "x.lmdb"


def test_relative_path_resolves_against_home(hermetic: Path) -> None:
    assert load(db_path="data/t.lmdb").database_path == hermetic / "data" / "t.lmdb"


def test_tilde_is_expanded(hermetic: Path) -> None:
    assert load(db_path="~/t.lmdb").database_path == hermetic / "t.lmdb"


def test_no_tilde_folder_is_ever_created_in_the_working_directory(tmp_path: Path) -> None:
    tracker("--db-path", "~/sub/t.lmdb", "db", "info")
    tracker("db", "info")
    assert not (tmp_path / "~").exists()
    assert (tmp_path / "home" / "sub" / "t.lmdb").is_file()


@pytest.mark.parametrize(
    ("raw", "size"),
    [
        (MIB, MIB),
        (2 * GIB, 2 * GIB),
        ("512MiB", 512 * MIB),
        ("1GB", 10**9),
        ("1 GiB", GIB),
        ("1048576", MIB),
        ("2gib", 2 * GIB),
        ("1.5MiB", int(1.5 * MIB)),
    ],
)
def test_sizes_inside_the_range(raw: object, size: int) -> None:
    assert parse_size(raw, "test") == size


@pytest.mark.parametrize("raw", [MIB - 1, 2 * GIB + 1, "0", "3GiB", "1023KiB"])
def test_sizes_outside_the_range_name_value_source_and_range(raw: object) -> None:
    with pytest.raises(UsageError) as error:
        parse_size(raw, "the option --max-db-size")
    message = str(error.value)
    assert repr(raw) in message and "--max-db-size" in message
    assert "1 MiB (1048576)" in message and "2 GiB (2147483648)" in message


@pytest.mark.parametrize("raw", ["lots", "12 parsecs", True, 1.5, ""])
def test_sizes_that_are_not_sizes(raw: object) -> None:
    with pytest.raises(UsageError, match="max_database_size"):
        parse_size(raw, "test")


def test_size_is_refused_before_anything_is_opened(tmp_path: Path) -> None:
    result = tracker(
        "--db-path",
        str(tmp_path / "d" / "t.lmdb"),
        "--max-db-size",
        "1000",
        "db",
        "info",
        check=False,
    )
    assert result.returncode != 0
    assert "outside the allowed range" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "d").exists()


def write_config(home: Path, text: str) -> Path:
    path = home / ".config" / "agent-git-tracker" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    return path


def test_precedence_cli_over_env_over_file_over_default(hermetic: Path) -> None:
    write_config(hermetic, 'database_path = "/file.lmdb"\nmax_database_size = "64MiB"\n')
    env = {"HOME": str(hermetic)}
    assert load(environ=env).database_path == Path("/file.lmdb")
    assert load(environ=env).max_database_size == 64 * MIB
    env |= {"AGENT_TRACKER_DB_PATH": "/env.lmdb", "AGENT_TRACKER_MAX_DB_SIZE": "32MiB"}
    config = load(environ=env)
    assert (config.database_path, config.max_database_size) == (Path("/env.lmdb"), 32 * MIB)
    assert config.sources["database_path"] == "the environment variable AGENT_TRACKER_DB_PATH"
    config = load(db_path="/cli.lmdb", max_db_size="16MiB", environ=env)
    assert (config.database_path, config.max_database_size) == (Path("/cli.lmdb"), 16 * MIB)
    assert config.sources["max_database_size"] == "the option --max-db-size"


def test_camel_case_aliases_of_the_older_plugin(hermetic: Path) -> None:
    write_config(hermetic, 'databasePath = "/alias.lmdb"\nmaxDatabaseSize = 2097152\n')
    config = load(environ={"HOME": str(hermetic)})
    assert config.database_path == Path("/alias.lmdb")
    assert config.max_database_size == 2 * MIB
    assert "key max_database_size" in config.sources["max_database_size"]


def test_config_file_named_by_env_and_xdg(tmp_path: Path, hermetic: Path) -> None:
    named = tmp_path / "named.toml"
    named.write_text('database_path = "/named.lmdb"\n')
    xdg = tmp_path / "xdg" / "agent-git-tracker" / "config.toml"
    xdg.parent.mkdir(parents=True)
    xdg.write_text('database_path = "/xdg.lmdb"\n')
    env = {"HOME": str(hermetic), "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    assert load(environ=env).database_path == Path("/xdg.lmdb")
    env["AGENT_TRACKER_CONFIG"] = str(named)
    assert load(environ=env).database_path == Path("/named.lmdb")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('colour = "blue"\n', "unknown key 'colour'"),
        ("database_path = 5\n", "'database_path' in"),
        ("max_database_size = true\n", "'max_database_size' in"),
        ("database_path = \n", "not valid TOML"),
        ("[rules]\nwow = 1\n", "unknown rule 'wow'"),
        ('[rules]\ncommit_experience = "five"\n', "rule 'commit_experience'"),
        ("[rules]\ngrade_points = { superb = 9 }\n", "grade_points.superb"),
    ],
)
def test_bad_config_files_name_the_file_and_key(hermetic: Path, text: str, expected: str) -> None:
    path = write_config(hermetic, text)
    with pytest.raises(TrackerError) as error:
        load(environ={"HOME": str(hermetic)})
    assert expected in str(error.value) and str(path) in str(error.value)


def test_unreadable_and_missing_named_files(tmp_path: Path, hermetic: Path) -> None:
    with pytest.raises(TrackerError, match="cannot read the configuration file"):
        load(environ={"HOME": str(hermetic), "AGENT_TRACKER_CONFIG": str(tmp_path / "no.toml")})
    locked = write_config(hermetic, 'database_path = "/x"\n')
    locked.chmod(0)
    if os.access(locked, os.R_OK):
        pytest.skip("running as a user who can read mode-0 files")
    with pytest.raises(TrackerError, match="cannot read"):
        load(environ={"HOME": str(hermetic)})


def test_config_show_lists_values_and_sources(hermetic: Path) -> None:
    write_config(hermetic, 'max_database_size = "8MiB"\nenforce_halt = true\n')
    shown = json.loads(tracker("config", "show", "--json").stdout)
    assert shown["max_database_size"][0] == 8 * MIB
    assert "config.toml (key max_database_size)" in shown["max_database_size"][1]
    assert shown["enforce_halt"][0] is True
    text = tracker("config", "show").stdout
    assert "database_path" in text and "the default" in text


def test_broken_config_gives_one_line_and_help_still_works(hermetic: Path) -> None:
    write_config(hermetic, "nonsense = \n")
    result = tracker("config", "show", check=False)
    assert result.returncode == 1
    assert (
        result.stderr.startswith("agent-git-tracker: error:") and "Traceback" not in result.stderr
    )
    assert "Usage" in tracker("db", "info", "--help").stdout


def test_a_typo_in_the_configuration_never_sends_events_to_another_database(
    tmp_path: Path, hermetic: Path
) -> None:
    import sys

    from agent_git_tracker.store.db import open_store

    from conftest import HOOK, commit, git, run_git

    work = tmp_path / "work"
    git(tmp_path, "init", "-q", "--bare", str(tmp_path / "remote.git"))
    git(tmp_path, "init", "-q", str(work))
    git(work, "remote", "add", "origin", str(tmp_path / "remote.git"))
    for name in ("post-commit", "post-rewrite", "pre-push"):
        hook = work / ".git" / "hooks" / name
        hook.write_text(HOOK.format(python=sys.executable, name=name))
        hook.chmod(0o755)
    wanted = tmp_path / "mine.lmdb"
    config = hermetic / ".config" / "agent-git-tracker" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'databse_path = "{wanted}"\n')
    refused = tracker("status", cwd=work, check=False)
    assert refused.returncode == 1 and "unknown key 'databse_path'" in refused.stderr
    (work / "a.txt").write_text("a\n")
    git(work, "add", "a.txt")
    made = run_git(work, "commit", "-q", "-m", "a", env={"CLAUDECODE": "1"})
    lines = [line for line in made.stderr.splitlines() if "agent-git-tracker" in line]
    assert made.returncode == 0 and len(lines) == 1, made.stderr
    assert "unknown key 'databse_path'" in lines[0] and "the event was kept in" in lines[0]
    amended = run_git(work, "commit", "-q", "--amend", "-m", "a, amended")
    assert amended.returncode == 0 and amended.stderr.count("the event was kept in") == 2
    default = hermetic / ".config" / "opencode"
    assert not default.exists()  # never the default database, nor its spool
    config.write_text(f'database_path = "{wanted}"\n')
    commit(work, "b")
    git(work, "push", "-q", "origin", "HEAD:main")
    assert not default.exists()
    with open_store(load()) as store, store.reading() as view:
        subjects = sorted(str(v["subject"]) for _, v in view.scan("commit:"))
    assert subjects == ["a, amended", "b"]  # the rewrite waited too, and was applied
    assert load().database_path == wanted
