"""A new user's paper cuts, each found by trying the tool as a new user would."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import commit, tracker

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
BIN = str(Path(sys.executable).parent)


def test_the_readme_set_up_works_where_pip_install_is_refused() -> None:
    setup = README[README.index("## Set-up") : README.index("## Quickstart")]
    assert "pipx install" in setup and "python3 -m venv" in setup and "PEP 668" in setup
    development = README[README.index("## Development") :]
    assert '-m "not slow"' in development and "minutes" in development


def test_the_pre_commit_snippet_pins_a_commit_that_exists_with_its_hooks() -> None:
    block = re.search(r'```yaml title="\.pre-commit-config\.yaml"\n(.*?)```', README, re.S)
    assert block, "README has no .pre-commit-config.yaml snippet"
    text = block.group(1)
    assert "default_install_hook_types:" in text and "autoupdate --freeze" in README
    rev = re.search(r"rev: (\S+)", text)
    assert rev and re.fullmatch(r"[0-9a-f]{40}", rev.group(1))
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    show = subprocess.run(
        ["git", "show", f"{rev.group(1)}:.pre-commit-hooks.yaml"], cwd=ROOT,
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert show.returncode == 0, f"rev {rev.group(1)} does not exist here: {show.stderr}"
    for hook_id in re.findall(r"- id: (\S+)", text):
        assert f"- id: {hook_id}\n" in show.stdout


def test_report_names_an_unknown_agent_and_says_when_filters_left_nothing(
    repo: Path, db_path: Path
) -> None:
    commit(repo, "codex work", env={"CODEX_SANDBOX": "1"})
    typo = tracker("report", "--agent", "codx", check=False)
    assert typo.returncode == 2 and "no agent 'codx'" in typo.stderr and "codex" in typo.stderr
    assert tracker("report", "--agent", "codex").returncode == 0
    late = tracker("report", "--since", "2999-01-01")
    assert "left nothing" in late.stdout and "--since 2999-01-01" in late.stdout


def test_track_and_flush_outside_a_repository_say_what_to_do(tmp_path: Path) -> None:
    track = tracker("track", "tool", "--agent", "codex", cwd=tmp_path, check=False)
    assert track.returncode == 0 and "commit" not in track.stderr
    assert "not inside a git repository" in track.stderr and "tool use" in track.stderr
    flush = tracker("flush", cwd=tmp_path, check=False)
    assert flush.returncode == 2 and "flush --all" in flush.stderr


def test_status_and_agents_have_a_header_and_mark_only_what_pending_events_change(
    repo: Path, db_path: Path
) -> None:
    commit(repo, "agent", env={"CLAUDECODE": "1"})
    pending = tracker("status").stdout.splitlines()
    assert pending[0].split()[:4] == ["agent", "SP", "XP", "CS"]
    assert "*" in pending[1] and pending[-1].startswith("* changed by 1 pending event")
    tracker("flush", cwd=repo)
    commit(repo, "a person's")  # pending, but it changes no agent's value
    for command in ("status", "agents"):
        lines = tracker(command).stdout.splitlines()
        assert lines[0].startswith("agent") and "*" not in "".join(lines)


def test_help_and_the_html_page_say_what_sp_xp_and_cs_are(repo: Path, db_path: Path) -> None:
    for command in ([], ["status"]):
        text = tracker(*command, "--help").stdout
        for name in ("skill points", "experience", "communication score"):
            assert name in text.replace("\n", " ")
    commit(repo, "agent work", env={"CLAUDECODE": "1"})
    tracker("flush", cwd=repo)
    page = repo.parent / "report.html"
    tracker("report", "--html", str(page), cwd=repo)
    notes = page.read_text().split('<ul class="notes">', 1)[1]
    assert "SP/XP/CS = the agent&#x27;s skill points, experience points and communication" in notes


def test_config_show_is_readable_and_says_where_the_file_would_go(hermetic: Path) -> None:
    text = tracker("config", "show").stdout
    assert "{'" not in text and "  commit_experience              5" in text
    assert "grade_points                   bad -1, neutral +1, good +2, excellence +5" in text
    place = hermetic / ".config" / "agent-git-tracker" / "config.toml"
    assert f"config_file          {place}  (not created yet" in text


def test_export_warns_when_events_are_still_pending(repo: Path, db_path: Path) -> None:
    commit(repo, "one")
    tracker("flush", cwd=repo)
    commit(repo, "two")
    result = tracker("export", "-o", str(db_path.parent / "out.jsonl"))
    assert "1 event(s) still wait in the spool" in result.stderr and "flush --all" in result.stderr
    tracker("flush", "--all")
    assert tracker("export", "-o", str(db_path.parent / "out.jsonl")).stderr == ""


def test_shell_completion_works_as_documented() -> None:
    assert "_AGENT_GIT_TRACKER_COMPLETE=bash_source agent-git-tracker" in README
    env = {"_AGENT_GIT_TRACKER_COMPLETE": "bash_source"}
    source = subprocess.run(
        [str(Path(BIN, "agent-git-tracker"))], env={**os.environ, **env},
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert source.returncode == 0 and "_agent_git_tracker_completion" in source.stdout
    words = {"_AGENT_GIT_TRACKER_COMPLETE": "bash_complete",
             "COMP_WORDS": "agent-git-tracker sh", "COMP_CWORD": "1"}  # fmt: skip
    done = subprocess.run(
        [str(Path(BIN, "agent-git-tracker"))], env={**os.environ, **words},
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert "plain,show" in done.stdout.splitlines()


@pytest.mark.slow
def test_demo_ends_with_the_next_step_and_writes_its_html_page(tmp_path: Path) -> None:
    page = tmp_path / "demo.html"
    result = tracker("demo", "--html", str(page))
    assert "install --global" in result.stdout.splitlines()[-1]
    assert "<html" in page.read_text() and "<script src=" not in page.read_text()
