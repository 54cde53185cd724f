"""How much the post-commit hook (and `track`) adds to a commit, measured side by side.

    python bench/hook.py [--runs 40]

Cases, timed in turns in one run:
- `git commit` with no hook at all;
- `git commit` whose post-commit hook only starts the same interpreter (`python -c pass`);
- `git commit` with our hook as `agent-git-tracker install` writes it (the direct way);
- the same in a repository with an agent session (the hook reads the session and checks that
  it names this repository, not one deleted and made again at the same path);
- `agent-git-tracker track tool` against `python -c pass` (an agent's tool hook).
Target: our commit / bare-interpreter commit, median ratio ≤ 1.5.
Then, in this process, the hook's session read without and with that check (CPU time).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import time
from pathlib import Path

from common import env_with, installed_venv, interleaved, median_ms, scratch


def make_repo(path: Path, hook: str | None, env: dict[str, str], bin_dir: Path) -> Path:
    subprocess.run(["git", "init", "-q", str(path)], check=True, env=env)
    if hook == "ours":
        subprocess.run(
            [str(bin_dir / "agent-git-tracker"), "install"],
            cwd=path,
            env=env,
            check=True,
            capture_output=True,
        )
    elif hook:
        hook_file = path / ".git" / "hooks" / "post-commit"
        hook_file.write_text(f"#!/bin/sh\nexec {hook}\n")
        hook_file.chmod(0o755)
    return path


def committer(repo: Path, env: dict[str, str]) -> object:
    counter = iter(range(10**9))

    def run() -> None:
        (repo / "f.txt").write_text(f"{next(counter)}\n")
        subprocess.run(["git", "add", "f.txt"], cwd=repo, env=env, check=True)
        subprocess.run(
            ["git", "commit", "-q", "-m", "change"],
            cwd=repo,
            env=env,
            check=True,
            stderr=subprocess.DEVNULL,  # the line after each commit
        )

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    runs = parser.parse_args().runs
    work = scratch()
    try:
        bin_dir = installed_venv(work / "venv")
        python = bin_dir / "python"
        env = env_with(
            HOME=str(work / "home"), AGENT_TRACKER_DB_PATH=str(work / "db.lmdb"), CLAUDECODE="1"
        )
        (work / "home").mkdir()
        repos = {
            "no hook": make_repo(work / "none", None, env, bin_dir),
            "python -c pass": make_repo(work / "bare", f"{python} -c pass", env, bin_dir),
            "agent-git-tracker": make_repo(work / "ours", "ours", env, bin_dir),
            "agent-git-tracker, session": make_repo(work / "session", "ours", env, bin_dir),
        }
        start = [str(bin_dir / "agent-git-tracker"), "session", "start", "--agent", "bench"]
        subprocess.run(start, cwd=repos["agent-git-tracker, session"], env=env, check=True)
        cases = {name: committer(repo, env) for name, repo in repos.items()}
        track = [str(bin_dir / "agent-git-tracker"), "track", "tool", "--agent", "bench"]
        cases["track tool"] = lambda: subprocess.run(
            track, cwd=repos["agent-git-tracker"], env=env, check=True
        )
        cases["python -c pass (alone)"] = lambda: subprocess.run(
            [str(python), "-c", "pass"], check=True
        )
        for case in cases.values():  # warm the caches once
            case()  # type: ignore[operator]
        times = interleaved(runs, cases)  # type: ignore[arg-type]
        medians = {name: median_ms(t) for name, t in times.items()}
        print(f"median of {runs} runs each, interleaved, on this machine:")
        for name, ms in medians.items():
            print(f"  {name:<24} {ms:7.1f} ms")
        ratio = medians["agent-git-tracker"] / medians["python -c pass"]
        track_ratio = medians["track tool"] / medians["python -c pass (alone)"]
        print(
            f"commit with our hook / commit with `python -c pass` hook: {ratio:.2f} "
            f"(target ≤ 1.5: {'met' if ratio <= 1.5 else 'NOT met'})"
        )
        print(
            f"track tool / python -c pass: {track_ratio:.2f} "
            f"(target ≤ 1.5: {'met' if track_ratio <= 1.5 else 'NOT met'})"
        )
        with_session = medians["agent-git-tracker, session"] / medians["python -c pass"]
        print(f"the same, in a repository with an agent session: {with_session:.2f}")
        session_read(work / "db.lmdb-spool", repos["agent-git-tracker, session"] / ".git")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def session_read(spool_root: Path, common_dir: Path, calls: int = 2000) -> None:
    """The hook's session read, without and with the check of the repository's id, in turns:
    CPU time per call, median of 15 rounds."""
    from agent_git_tracker.capture import spool

    directory = spool.repo_dir(str(spool_root), str(common_dir))
    assert spool.read_session(directory, common_dir=str(common_dir)), "no session to read"
    cases = {
        "without the check": lambda: spool.read_session(directory),
        "with the check": lambda: spool.read_session(directory, common_dir=str(common_dir)),
    }
    rounds: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(15):
        for name, case in cases.items():
            begin = time.process_time()
            for _ in range(calls):
                case()
            rounds[name].append((time.process_time() - begin) / calls * 1e6)
    print(f"session read in the hook, CPU time per call (median of 15 × {calls}):")
    for name, samples in rounds.items():
        print(f"  {name:<24} {statistics.median(samples):7.1f} µs")


if __name__ == "__main__":
    main()
