"""`agent-git-tracker demo`: a newcomer's first look, in a throwaway folder and database.

It builds a repository, installs the real hooks, commits as three agent setups (a session, the
environment, a commit trailer) and a human, grades some commits, reports a bug, pushes to a
local bare remote (the flush) and returns the report. The user's own configuration, database
and git settings are never read or written.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from agent_git_tracker.errors import TrackerError

DAY = 86400
START = 1_780_000_000  # a fixed start, so that the demo reads the same every time


@dataclass(frozen=True)
class Setup:
    """One way of naming who made the demo's commits."""

    agent: str
    commits: int
    session: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    trailer: str | None = None


SETUPS = [
    Setup(
        "claude-code",
        12,
        session=("--agent", "claude-code", "--model", "claude-opus-4-5", "--setup", "plan-first"),
        env={"CLAUDECODE": "1"},  # Claude Code marks its own shell: its session claims those
    ),
    Setup(
        "codex",
        10,
        env={
            "AGENT_TRACKER_AGENT": "codex",
            "AGENT_TRACKER_MODEL": "gpt-5-codex",
            "AGENT_TRACKER_SETUP": "defaults",
        },
    ),
    Setup("aider", 4, trailer="Co-authored-by: aider (gpt-4o) <noreply@aider.chat>"),
    Setup("human", 2),
]
GRADES = {
    "claude-code": [
        ("excellence", "good"),
        ("good", "good"),
        ("good", "excellence"),
        ("neutral", "good"),
        ("good", "good"),
        ("excellence", "excellence"),
    ],
    "codex": [
        ("good", "neutral"),
        ("neutral", "bad"),
        ("good", "good"),
        ("neutral", "neutral"),
        ("bad", "neutral"),
    ],
    "aider": [("good", "good"), ("good", "neutral")],
}


@contextmanager
def sandbox() -> Iterator[tuple[Path, dict[str, str]]]:
    """A temporary folder and an environment that points everything into it."""
    root = Path(tempfile.mkdtemp(prefix="agent-git-tracker-demo-"))
    gitconfig = root / "gitconfig"
    gitconfig.write_text(
        "[user]\n\tname = Demo User\n\temail = demo@example.com\n"
        "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n"
    )
    (root / "config.toml").write_text("")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(
            (
                "AGENT_TRACKER_",
                "GIT_",
                "CLAUDECODE",
                "CODEX_",
                "OPENCODE",
                "GEMINI_CLI",
                "CURSOR_AGENT",
                "AMP_",
                "AI_AGENT",
            )
        )
    }
    env |= {
        "AGENT_TRACKER_DB_PATH": str(root / "db" / "agent-tracker.lmdb"),
        "AGENT_TRACKER_CONFIG": str(root / "config.toml"),
        "GIT_CONFIG_GLOBAL": str(gitconfig),
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    try:
        yield root, env
    finally:
        shutil.rmtree(root, ignore_errors=True)


def run(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    result = subprocess.run(
        args,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise TrackerError(
            f"demo step `{' '.join(args[:4])}` failed: {(result.stderr or result.stdout).strip()}"
        )
    return result.stdout


def demo(report: Callable[[dict[str, str]], str], say: Callable[[str], None]) -> str:
    """Run the whole story; `report(env)` renders the report from the demo's database."""
    tracker = [sys.executable, "-P", "-m", "agent_git_tracker"]  # -P: never the repo first
    with sandbox() as (root, env):
        work, remote = root / "project", root / "remote.git"
        run(["git", "init", "-q", "--bare", str(remote)], root, env)
        run(["git", "init", "-q", str(work)], root, env)
        run(["git", "remote", "add", "origin", str(remote)], work, env)
        run([*tracker, "install"], work, env)
        say(f"built a repository in {work} with the real hooks installed")
        n = 0
        for setup in SETUPS:
            if setup.session:
                run([*tracker, "session", "start", *setup.session], work, env)
            for i in range(setup.commits):
                n += 1
                _commit(work, env | setup.env, n, setup.agent, setup.trailer)
                if i < len(GRADES.get(setup.agent, [])):
                    agent_grade, user_grade = GRADES[setup.agent][i]
                    run(
                        [
                            *tracker,
                            "grade",
                            "--agent-grade",
                            agent_grade,
                            "--user-grade",
                            user_grade,
                        ],
                        work,
                        env,
                    )
            if setup.session:
                run([*tracker, "session", "end"], work, env)
            say(f"committed {setup.commits} change(s) as {setup.agent}")
        run([*tracker, "bug", "--agent", "codex", "--note", "broke the date parser"], work, env)
        say(f"graded {sum(map(len, GRADES.values()))} commits and reported a bug for codex")
        run(["git", "push", "-q", "origin", "HEAD:main"], work, env)
        say("pushed to a local bare remote: the pre-push hook flushed the spool\n")
        return report(env)


def _commit(work: Path, env: dict[str, str], n: int, agent: str, trailer: str | None) -> None:
    path = work / "src" / f"module_{n}.py"
    path.parent.mkdir(exist_ok=True)
    path.write_text("".join(f"value_{i} = {i}\n" for i in range(n * 3)))
    stamp = f"@{START + n * DAY // 2} +0000"
    message = f"Add module {n} ({agent})" + (f"\n\n{trailer}\n" if trailer else "")
    env = env | {"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
    run(["git", "add", "."], work, env)
    run(["git", "commit", "-q", "-m", message], work, env)
