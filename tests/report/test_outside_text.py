"""Outside text never acts: what agents, commits, imports and remotes bring is shown escaped,
written as text to spreadsheets and pages, stripped of credentials, and never chooses where a
file is written."""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

from agent_git_tracker.config.settings import load
from agent_git_tracker.store import keys
from agent_git_tracker.store.db import open_store

from conftest import commit, git, tracker

# What a terminal acts on: ESC (CSI, OSC), BEL, and the C1 control CSI (U+009B).
RAW = ("\x1b", "\x07", "\x9b")
TITLE = "evil\x1b]0;pwned\x07"
CLEAR = "m\x1b[2J"


def raw_in(text: str) -> list[str]:
    return [c for c in RAW if c in text]


def test_terminal_escapes_reach_no_terminal(repo: Path, db_path: Path) -> None:
    env = {"AGENT_TRACKER_AGENT": TITLE, "AGENT_TRACKER_MODEL": CLEAR}
    commit(repo, "Subject \x1b[31mred\x1b[0m", env=env)
    trailer = "Fix\n\nCo-Authored-By: Claude \x1b[2J <noreply@anthropic.com>\n"
    commit(repo, trailer)
    tracker("track", "tool", "--agent", "c1\x9bagent", cwd=repo)
    tracker("status", cwd=repo)
    git(repo, "push", "-q", "origin", "HEAD:main")
    for args in (["status"], ["agents"], ["report"], ["report", "--csv"], ["status", TITLE]):
        result = tracker(*args, cwd=repo)
        assert raw_in(result.stdout + result.stderr) == [], args
        assert "\\x1b" in result.stdout or "\\x9b" in result.stdout, args
    report = tracker("report", "--json", cwd=repo).stdout
    assert raw_in(report) == []
    assert TITLE in {row["agent"] for row in json.loads(report)["rows"]}  # JSON stays exact
    listed = tracker("agents", "--json", cwd=repo).stdout
    assert raw_in(listed) == [] and "\\u009b" in listed
    assert {a["agent"] for a in json.loads(listed)} >= {TITLE, "c1\x9bagent"}
    refused = tracker("grade", "--agent", TITLE, "--agent-grade", "good", cwd=repo, check=False)
    assert refused.returncode == 2 and raw_in(refused.stderr) == []


def test_the_grade_prompt_shows_a_subject_escaped(repo: Path, db_path: Path) -> None:
    commit(repo, "Subject \x1b]0;pwned\x07 here", env={"CLAUDECODE": "1"})
    main, child = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "agent_git_tracker", "grade"],
        cwd=repo,
        stdin=child,
        stdout=child,
        stderr=child,
        close_fds=True,
    )
    os.close(child)
    seen = b""
    while b"grade:" not in seen:
        ready, _, _ = select.select([main], [], [], 30)
        assert ready, seen
        seen += os.read(main, 4096)
    process.kill()
    process.wait()
    os.close(main)
    assert b"\x1b]0;" not in seen and b"\x07" not in seen
    assert b"Subject \\x1b]0;pwned\\x07 here" in seen


def test_csv_cells_are_text_to_a_spreadsheet(repo: Path, db_path: Path) -> None:
    for agent, setup in (("=HYPERLINK(1)", "+cmd"), ("@SUM(A1)", "-x")):
        env = {"AGENT_TRACKER_AGENT": agent, "AGENT_TRACKER_SETUP": setup}
        commit(repo, agent, env=env)
    git(repo, "push", "-q", "origin", "HEAD:main")
    rows = list(csv.DictReader(io.StringIO(tracker("report", "--csv", cwd=repo).stdout)))
    agents = {r["agent"] for r in rows}
    assert {"'=HYPERLINK(1)", "'@SUM(A1)"} <= agents
    assert {r["setup"] for r in rows} >= {"'+cmd", "'-x"}
    # Numbers stay numbers (a score or its interval may be negative); no text cell is a formula.
    text = [cell for r in rows for cell in r.values() if not _number(cell)]
    assert all(not cell.startswith(("=", "+", "-", "@")) for cell in text)


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def test_the_html_page_is_filled_in_one_pass(repo: Path, db_path: Path, tmp_path: Path) -> None:
    commit(repo, "x", env={"AGENT_TRACKER_AGENT": "a", "AGENT_TRACKER_SETUP": "/*DATA*/null"})
    git(repo, "push", "-q", "origin", "HEAD:main")
    page = tmp_path / "report.html"
    subprocess.run(
        [sys.executable, "-m", "agent_git_tracker", "report", "--html", str(page)],
        cwd=repo,
        capture_output=True,
        umask=0o022,
        check=True,
    )
    text = page.read_text()
    assert "/*DATA*/null</td>" in text  # the label stays a label
    assert text.count('"schema_version":1') == 1
    assert page.stat().st_mode & 0o777 == 0o600  # as private as the database


def test_credentials_in_remote_urls_are_never_stored_or_exported(
    repo: Path, db_path: Path, tmp_path: Path
) -> None:
    remote = git(repo, "remote", "get-url", "origin").strip()
    git(repo, "remote", "set-url", "origin", "https://ada:s3cr3t-TOKEN@example.com/x.git")
    git(repo, "remote", "set-url", "--push", "origin", remote)
    commit(repo, "x")
    git(repo, "push", "-q", "origin", "HEAD:main")
    assert b"s3cr3t-TOKEN" not in db_path.read_bytes()
    with open_store(load()) as store, store.reading() as view:
        profile = view.get(keys.project(str(repo)))
        assert profile is not None and profile["remote_url"] == "https://example.com/x.git"
        store.put_many(
            {keys.project("/older"): {"remote_url": "https://ghp_0123TOKEN@github.com/a/b.git"}}
        )
    exported = tracker("export").stdout
    assert "TOKEN" not in exported and "https://github.com/a/b.git" in exported


def test_state_files_go_only_into_the_repository(repo: Path, db_path: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (repo / ".agent").symlink_to(outside)  # a repository can ship this
    (repo / ".journal").mkdir()
    (repo / "README.md").write_text("# mine\n")
    records = [
        {
            "key": f"activity:claude-code:{stamp}",
            "value": {
                "timestamp": stamp,
                "task": "t",
                "project_path": str(repo),
                "agent_id": "claude-code",
            },
        }
        for stamp in ("../README", str(tmp_path / "abs"), "2026-03-01T10:00:00.000+00:00")
    ]
    header = {"format": "agent-git-tracker-export", "version": 1, "records": len(records)}
    source = tmp_path / "import.jsonl"
    source.write_text("\n".join(json.dumps(line) for line in [header, *records]) + "\n")
    tracker("import", str(source))
    commit(repo, "x", env={"CLAUDECODE": "1"})
    pushed = subprocess.run(
        ["git", "push", "-q", "origin", "HEAD:main"],
        cwd=repo,
        capture_output=True,
        text=True,
        umask=0o077,
        check=False,
    )
    assert pushed.returncode == 0, pushed.stderr
    assert (repo / "README.md").read_text() == "# mine\n"
    assert list(outside.iterdir()) == [] and not (tmp_path / "abs.md").exists()
    journal = repo / ".journal" / "2026-03-01.md"
    assert journal.exists() and journal.stat().st_mode & 0o777 == 0o600  # the umask decides
    assert sorted(p.name for p in (repo / ".journal").iterdir()) == ["2026-03-01.md"]
