"""`doctor` as a new user meets it: no false alarm for the README's own ways, each problem with
what to do, and a non-zero exit when it lists one."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from conftest import commit, git, tracker

ROOT = Path(__file__).resolve().parents[2]
BIN = str(Path(sys.executable).parent)


def doctor(cwd: Path, env: dict[str, str] | None = None) -> tuple[int, dict[str, object]]:
    path = {"PATH": BIN + os.pathsep + os.environ["PATH"]}
    result = tracker("doctor", "--json", cwd=cwd, env={**path, **(env or {})}, check=False)
    return result.returncode, json.loads(result.stdout)


def problems(report: dict[str, object]) -> list[str]:
    found = report["problems"]
    assert isinstance(found, list)
    return found


def with_remote(tmp_path: Path, name: str = "work") -> Path:
    work = tmp_path / name
    git(tmp_path, "init", "-q", "--bare", str(tmp_path / f"{name}.git"))
    git(tmp_path, "init", "-q", str(work))
    git(work, "remote", "add", "origin", str(tmp_path / f"{name}.git"))
    return work


def test_no_false_alarm_for_the_readme_s_core_hooks_path_way(tmp_path: Path, db_path: Path) -> None:
    work = with_remote(tmp_path)
    git(work, "config", "core.hooksPath", str(ROOT / "githooks"))
    code, report = doctor(work)
    assert (code, problems(report)) == (0, [])
    assert set(report["hooks"].values()) == {"agent-git-tracker script"}  # type: ignore[attr-defined]
    (work / ".pre-commit-config.yaml").write_text("repos: []\n")  # now pre-commit is wanted
    code, report = doctor(work)
    assert code == 1 and any("pre-commit refuses" in p for p in problems(report))


def test_hooks_bound_to_a_python_that_no_longer_exists(tmp_path: Path, db_path: Path) -> None:
    work = with_remote(tmp_path)
    tracker("install", cwd=work)
    hook = work / ".git" / "hooks" / "post-commit"
    hook.write_text(hook.read_text().replace(f"python={sys.executable}", "python=/gone/bin/python"))
    code, report = doctor(work)
    assert code == 1
    assert any("/gone/bin/python, which no longer exists" in p for p in problems(report))


def test_a_repository_without_a_remote_has_events_no_push_will_flush(
    tmp_path: Path, db_path: Path
) -> None:
    work = tmp_path / "local-only"
    git(tmp_path, "init", "-q", str(work))
    tracker("install", cwd=work)
    commit(work, "one")
    code, report = doctor(tmp_path)  # from anywhere
    assert code == 1
    said = [p for p in problems(report) if "no remote" in p]
    assert said and str(work) in said[0] and "agent-git-tracker flush" in said[0]
    tracker("flush", cwd=work)
    assert doctor(tmp_path)[0] == 0


def test_the_command_missing_from_path_and_agents_not_wired(
    tmp_path: Path, db_path: Path, hermetic: Path
) -> None:
    work = with_remote(tmp_path)
    tracker("install", cwd=work)
    bare = {"PATH": os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if p != BIN)}
    result = tracker("doctor", "--json", cwd=work, env=bare, check=False)
    if not any(Path(p, "agent-git-tracker").exists() for p in bare["PATH"].split(os.pathsep)):
        assert result.returncode == 1
        assert any("not on PATH" in p for p in json.loads(result.stdout)["problems"])
    (hermetic / ".claude").mkdir()  # Claude Code is installed, and wired nowhere
    code, report = doctor(work)
    assert code == 1 and report["agents"]["claude-code"] == "not wired"  # type: ignore[index]
    assert any("wire claude-code" in p for p in problems(report))
    tracker("wire", "claude-code", cwd=work)
    code, report = doctor(work)
    assert code == 0 and str(report["agents"]["claude-code"]).startswith("wired in")  # type: ignore[index]
    text = tracker("doctor", cwd=work, env={"PATH": BIN + os.pathsep + os.environ["PATH"]}).stdout
    assert "no problems found" in text and "agent       claude-code  wired in" in text
