"""`agent-git-tracker demo`: a newcomer's first look, in a throwaway folder and database.

It builds a repository, installs the real hooks, commits as three agent setups (a session, the
environment, a commit trailer) and a human, grades some commits, reports a bug; then, as the
weeks go by, a person fixes, renames and reverts some of the agents' work. It pushes to a
local bare remote (the flush), measures what became of every commit (`scan`, the real
measuring: the commits are dated months ago, so their 30 days are over) and returns the
report, whose recommendation rests on those outcomes as much as on the grades. The user's own
configuration, database and git settings are never read or written.
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


@dataclass(frozen=True)
class Later:
    """A person's commit after the agents' work: a fix, a rename or a revert of commit
    `target` (numbered from 1 in the order made)."""

    kind: str
    target: int


# Codex's commits are 13 … 22: three get fixed, one renamed in part, one reverted.
LATER = [
    Later("fix", 14),
    Later("rename", 15),
    Later("fix", 17),
    Later("revert", 19),
    Later("fix", 21),
]


@contextmanager
def sandbox() -> Iterator[tuple[Path, dict[str, str]]]:
    """A temporary folder and an environment that points everything into it."""
    root = Path(tempfile.mkdtemp(prefix="agent-git-tracker-demo-"))
    gitconfig = root / "gitconfig"
    gitconfig.write_text(
        "[user]\n\tname = Demo User\n\temail = demo@example.com\n"
        "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n"
    )
    (root / "config.toml").write_text("agent_logs = false\n")  # the user's logs are theirs
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
        made: list[str] = []
        for setup in SETUPS:
            if setup.session:
                run([*tracker, "session", "start", *setup.session], work, env)
            for i in range(setup.commits):
                made.append(_commit(work, env | setup.env, len(made) + 1, setup.agent, setup))
                if i < len(GRADES.get(setup.agent, [])):
                    agent_grade, user_grade = GRADES[setup.agent][i]
                    grade = ["grade", "--agent-grade", agent_grade, "--user-grade", user_grade]
                    run([*tracker, *grade], work, env)
            if setup.session:
                run([*tracker, "session", "end"], work, env)
            say(f"committed {setup.commits} change(s) as {setup.agent}")
        run([*tracker, "bug", "--agent", "codex", "--note", "broke the date parser"], work, env)
        say(f"graded {sum(map(len, GRADES.values()))} commits and reported a bug for codex")
        for later in LATER:
            made.append(_later(work, env, len(made) + 1, later, made[later.target - 1]))
        say(
            "then, over the following days, fixed three of codex's commits, renamed half of "
            "one and reverted another"
        )
        run(["git", "push", "-q", "origin", "HEAD:main"], work, env)
        say("pushed to a local bare remote: the pre-push hook flushed the spool")
        run([*tracker, "scan"], work, env)
        say("measured what became of every commit (`scan`): they are months old now\n")
        return report(env)


def _stamp(n: int) -> dict[str, str]:
    stamp = f"@{START + n * DAY // 2} +0000"
    return {"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}


def _module(work: Path, n: int) -> Path:
    return work / "src" / f"module_{n}.py"


def _commit(work: Path, env: dict[str, str], n: int, agent: str, setup: Setup) -> str:
    """Commit number `n`: a new module of 3 × n lines; returns its hash."""
    path = _module(work, n)
    path.parent.mkdir(exist_ok=True)
    path.write_text("".join(f"value_{i} = {i}\n" for i in range(n * 3)))
    trailer = setup.trailer
    message = f"Add module {n} ({agent})" + (f"\n\n{trailer}\n" if trailer else "")
    return _save(work, env | _stamp(n), message)


def _later(work: Path, env: dict[str, str], n: int, later: Later, target: str) -> str:
    """A person's commit `n` on the work of commit `later.target` (hash `target`)."""
    if later.kind == "revert":
        run(["git", "revert", "--no-edit", target], work, env | _stamp(n))
        return run(["git", "rev-parse", "HEAD"], work, env).strip()
    path = _module(work, later.target)
    lines = path.read_text().splitlines(keepends=True)
    if later.kind == "fix":
        lines[0] = "value_0 = 1  # counts from one\n"
        message = f"fix: module {later.target} counts from one"
    else:
        half = len(lines) // 2
        lines[:half] = [line.replace("value_", "item_") for line in lines[:half]]
        message = f"Rename half the values of module {later.target}"
    path.write_text("".join(lines))
    return _save(work, env | _stamp(n), message)


def _save(work: Path, env: dict[str, str], message: str) -> str:
    run(["git", "add", "."], work, env)
    run(["git", "commit", "-q", "-m", message], work, env)
    return run(["git", "rev-parse", "HEAD"], work, env).strip()
