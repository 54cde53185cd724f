"""`[agents.<id>] identities = [...]`: the user's own agents, checked like every other key, and
their commits attributed to them through the real hooks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent_git_tracker.config.settings import load
from agent_git_tracker.errors import TrackerError
from agent_git_tracker.store import keys
from agent_git_tracker.store.db import open_store

from conftest import git, tracker


def write_config(home: Path, text: str) -> Path:
    path = home / ".config" / "agent-git-tracker" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_agents_table(hermetic: Path) -> None:
    write_config(
        hermetic,
        "[agents.sentry-junior]\n"
        'identities = ["sentry-junior[bot]", " junior@sentry.io "]\n'
        "[agents.helper]\n"
        'identities = ["@helpers.example.com"]\n',
    )
    config = load(environ={"HOME": str(hermetic)})
    assert config.agents == {
        "sentry-junior": ("sentry-junior[bot]", "junior@sentry.io"),
        "helper": ("@helpers.example.com",),
    }
    assert "config.toml" in config.sources["agents"]
    write_config(hermetic, "enforce_halt = true\n")
    assert load(environ={"HOME": str(hermetic)}).agents == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('agents = "junior"\n', "'agents' in"),
        ('[agents]\njunior = "junior[bot]"\n', "agents.junior in"),
        ("[agents.junior]\nidentities = []\n", "agents.junior.identities in"),
        ('[agents.junior]\nidentities = "junior[bot]"\n', "agents.junior.identities in"),
        ("[agents.junior]\nidentities = [1]\n", "agents.junior.identities in"),
        ('[agents.junior]\nidentities = ["a\\u0007b"]\n', "agents.junior.identities in"),
        ('[agents.junior]\nidentities = ["<x>"]\n', "agents.junior.identities in"),
        ('[agents.junior]\nemail = ["j@x.io"]\n', "unknown key 'email' in [agents.junior]"),
        ('[agents.human]\nidentities = ["x"]\n', "agents.human in"),
        ('[agents."a b"]\nidentities = ["x"]\n', "agents.a b in"),
    ],
)
def test_bad_agents_tables_name_the_file_and_key(hermetic: Path, text: str, expected: str) -> None:
    path = write_config(hermetic, text)
    with pytest.raises(TrackerError) as error:
        load(environ={"HOME": str(hermetic)})
    assert expected in str(error.value) and str(path) in str(error.value)


def test_config_show_lists_the_agents(hermetic: Path) -> None:
    write_config(hermetic, '[agents.junior]\nidentities = ["sentry-junior[bot]"]\n')
    shown = json.loads(tracker("config", "show", "--json").stdout)
    assert shown["agents"][0] == {"junior": ["sentry-junior[bot]"]}


def test_an_in_house_agent_s_commits_are_its_own(hermetic: Path, repo: Path) -> None:
    write_config(hermetic, '[agents.felix]\nidentities = ["fix-it-felix[bot]"]\n')
    felix = "fix-it-felix[bot] <260785270+fix-it-felix[bot]@users.noreply.github.com>"
    git(repo, "commit", "-q", "--allow-empty", "-m", "fix: retry (#3)", "--author", felix)
    by_felix = git(repo, "rev-parse", "HEAD").strip()
    tracker("flush", cwd=repo)
    with open_store(load()) as store, store.reading() as view:
        record = view.get(keys.commit(str(repo), by_felix))
        agent = view.get(keys.agent("felix"))
    assert (record["agent_id"], record["kind"]) == ("felix", "agent")
    assert record["evidence"] == [f"author {felix}"]
    assert agent["total_commits"] == 1
