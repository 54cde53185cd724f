"""How fast the Claude Code reader gets through a large log, beside `cat` over the same bytes,
and what the agents' logs then cost a flush.

    python bench/agentlogs.py [--mb 1024] [--runs 3] [--commits 300]

It writes `--mb` MB of Claude Code transcripts, shaped like real ones (prompts, responses
streamed as one line per content block, tool results with file contents, `git commit` output,
summaries), in Claude Code's layout in a temporary folder, then times in one run, median of
`--runs`, after one warm-up read of each (so both read from the page cache):
- `claude_code.read(root, None)`: everything read, parsed where it can carry usage or a hash;
- `cat` of the same files to /dev/null;
- `claude_code.read(root, cursor)` when nothing is new, and when one line was appended.

Then the product around the reader, in a real repository of `--commits` agent commits made
during those sessions and a real database: the first pass (`costs.passes.record_usage`, as
`scan` runs it: every log read, kept and joined), and the pass a flush makes after one new
commit and a few new lines, with every old log already read (as the pre-push hook runs it).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import orjson

from agent_git_tracker.agentlogs import claude_code

from common import env_with, scratch

FILE_MB = 8
VOCABULARY = (
    "the parser returns a list of tokens for each line and the test checks that an empty input "
    "gives nothing while a malformed one raises a clear error with the line number def return "
    "self value import from class async await None True False if else for in while try except"
)
WORDS = VOCABULARY.split()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=1024, help="size of the logs to generate")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--commits", type=int, default=300, help="agent commits in the repository")
    options = parser.parse_args()
    print(subprocess.run(["df", "-h", "/tmp"], capture_output=True, text=True, check=True).stdout)
    work = scratch()
    try:
        root = work / ".claude" / "projects"
        repo = work / "project"
        started = time.perf_counter()
        files, lines = generate(root, options.mb, str(repo))
        size = sum(path.stat().st_size for path in files)
        print(
            f"generated {size / 1e6:,.0f} MB in {len(files)} files, {lines:,} lines "
            f"({time.perf_counter() - started:.1f} s)"
        )
        last = report(root, files, size, options.runs)
        flush_cost(work, repo, files, options.commits, options.runs, int(last) - START)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report(root: Path, files: list[Path], size: int, runs: int) -> float:
    """Print the reader's figures; the time of the last turn found."""
    result = claude_code.read(root, None)  # warm-up, and the figures to show
    cat(files)
    print(f"found {len(result.turns):,} turns, {len(result.mentions):,} commit mentions")
    read_wall, read_cpu = timed(runs, lambda: claude_code.read(root, None))
    cat_wall, cat_cpu = timed(runs, lambda: cat(files))
    idle_wall, idle_cpu = timed(max(runs, 5), lambda: claude_code.read(root, result.cursor))
    appended_wall = append_and_read(root, files[-1], result.cursor, runs)
    mb = size / 1e6
    print(f"median of {runs} runs, {mb:,.0f} MB:")
    print(f"  {'case':<42} {'wall':>9} {'CPU':>9} {'MB/s (wall)':>12}")
    for name, wall, cpu in (
        ("claude_code.read, everything", read_wall, read_cpu),
        ("cat > /dev/null, same files", cat_wall, cat_cpu),
    ):
        print(f"  {name:<42} {wall:8.2f}s {cpu:8.2f}s {mb / wall:12,.0f}")
    print(f"  reader / cat: {read_wall / cat_wall:.1f}x wall, {read_cpu / cat_cpu:.1f}x CPU")
    print(
        f"  re-read, nothing new ({len(files)} files): {idle_wall * 1000:.1f} ms wall, "
        f"{idle_cpu * 1000:.1f} ms CPU"
    )
    print(f"  re-read after one line appended: {appended_wall * 1000:.1f} ms wall")
    return max(turn.time for turn in result.turns)


def timed(runs: int, case: Callable[[], object]) -> tuple[float, float]:
    """Median wall and CPU seconds (this process and its children) of `runs` calls."""
    walls, cpus = [], []
    for _ in range(runs):
        cpu_before, wall_before = cpu_seconds(), time.perf_counter()
        case()
        walls.append(time.perf_counter() - wall_before)
        cpus.append(cpu_seconds() - cpu_before)
    return statistics.median(walls), statistics.median(cpus)


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def cat(files: list[Path]) -> None:
    subprocess.run(["cat", *map(str, files)], stdout=subprocess.DEVNULL, check=True)


def append_and_read(root: Path, path: Path, cursor: dict[str, object], runs: int) -> float:
    walls = []
    for run in range(runs):
        with path.open("ab") as stream:
            stream.write(response_line(random.Random(run), "s-tail", f"msg_tail_{run}", run))
        started = time.perf_counter()
        cursor = claude_code.read(root, cursor).cursor
        walls.append(time.perf_counter() - started)
    return statistics.median(walls)


def flush_cost(
    work: Path, repo: Path, files: list[Path], commits: int, runs: int, end: int
) -> None:
    """The first pass over the logs, then a flush's pass after one new commit; the commits
    are spread over the sessions' time, `end` seconds from START."""
    from agent_git_tracker.config.settings import load
    from agent_git_tracker.costs.passes import record_usage
    from agent_git_tracker.history.scan import scan_repository
    from agent_git_tracker.store.db import open_store

    os.environ["HOME"] = str(work)  # where the readers look: the logs just written
    env = env_with()
    subprocess.run(["git", "init", "-q", str(repo)], check=True, env=env)
    for n in range(commits):
        at = START + end * n // commits
        made = {**env, "GIT_AUTHOR_DATE": f"@{at} +0000", "GIT_COMMITTER_DATE": f"@{at} +0000"}
        message = f"change {n}\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>"
        git = ["git", "-C", str(repo), "commit", "-q", "--allow-empty", "-m", message]
        subprocess.run(git, check=True, env=made)
    config = load(db_path=str(work / "db" / "tracker.lmdb"), environ={"HOME": str(work)})
    with open_store(config) as store:
        scan_repository(store, repo)
        started = time.perf_counter()
        first = record_usage(store, str(repo))
        full = time.perf_counter() - started
        print(
            f"first pass (scan): {full:.2f} s: {first.turns:,} turns in {first.sessions} "
            f"sessions kept, {first.joined} of {first.searched} commits joined"
        )
        idle = statistics.median(_timed_pass(store, str(repo)) for _ in range(max(runs, 5)))
        walls = []
        for run in range(max(runs, 5)):
            at = START + end + 1000 * (run + 1)
            tail = files[-1].stem
            with files[-1].open("ab") as stream:
                stream.write(
                    response_line(random.Random(run), tail, f"m_new_{run}", at - START, str(repo))
                )
            made = {**env, "GIT_AUTHOR_DATE": f"@{at} +0000", "GIT_COMMITTER_DATE": f"@{at} +0000"}
            message = f"new {run}\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>"
            git = ["git", "-C", str(repo), "commit", "-q", "--allow-empty", "-m", message]
            subprocess.run(git, check=True, env=made)
            with files[-1].open("ab") as stream:
                stream.write(
                    response_line(
                        random.Random(run), tail, f"m_after_{run}", at + 5 - START, str(repo)
                    )
                )
            scan_repository(store, repo)  # records the commit, as the flush's spool would
            walls.append(_timed_pass(store, str(repo), budget=0.5))
        size = config.database_path.stat().st_size
    print(f"  pass with nothing new: {idle * 1000:.1f} ms wall")
    print(
        f"  flush's pass after one new commit and two new lines: "
        f"{statistics.median(walls) * 1000:.1f} ms wall (median of {len(walls)})"
    )
    print(f"  database file: {size / 1e6:,.1f} MB")


def _timed_pass(store: object, project: str, budget: float | None = None) -> float:
    from agent_git_tracker.costs.passes import record_usage
    from agent_git_tracker.store.db import Store

    assert isinstance(store, Store)
    started = time.perf_counter()
    record_usage(store, project, budget)
    return time.perf_counter() - started


START = 1_793_000_000


def generate(root: Path, mb: int, cwd: str = "/home/ada/project") -> tuple[list[Path], int]:
    """Transcripts of about FILE_MB MB each, `mb` MB in all; their paths and line count."""
    rng = random.Random(20261130)
    texts = [" ".join(rng.choices(WORDS, k=rng.randint(20, 3000))) for _ in range(300)]
    files, lines, written = [], 0, 0
    while written < mb * 1_000_000:
        project = root / f"-home-ada-project-{len(files) % 12}"
        project.mkdir(parents=True, exist_ok=True)
        path = project / f"{rng.getrandbits(128):032x}.jsonl"
        count, size = write_session(path, rng, texts, min(FILE_MB, mb) * 1_000_000, cwd)
        files.append(path)
        lines += count
        written += size
    return files, lines


def write_session(
    path: Path, rng: random.Random, texts: list[str], size: int, cwd: str = "/home/ada/project"
) -> tuple[int, int]:
    session = path.stem
    chunks: list[bytes] = []
    written = exchange = 0
    while written < size:
        exchange += 1
        for record in exchange_lines(rng, texts, session, exchange, cwd):
            data = record if isinstance(record, bytes) else orjson.dumps(record) + b"\n"
            chunks.append(data)
            written += len(data)
    path.write_bytes(b"".join(chunks))
    return len(chunks), written


def base(session: str, kind: str, moment: int, cwd: str = "/home/ada/project") -> dict[str, object]:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(START + moment))
    return {
        "parentUuid": f"{moment - 1:08x}-parent",
        "isSidechain": False,
        "userType": "external",
        "cwd": cwd,
        "sessionId": session,
        "version": "2.0.76",
        "gitBranch": "main",
        "type": kind,
        "uuid": f"{moment:08x}-uuid",
        "timestamp": f"{stamp}.{moment % 1000:03d}Z",
    }


def response_line(
    rng: random.Random, session: str, message_id: str, moment: int, cwd: str = "/home/ada/project"
) -> bytes:
    message = {
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "model": "claude-opus-4-5-20251101",
        "content": [{"type": "text", "text": " ".join(rng.choices(WORDS, k=60))}],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": usage(rng),
    }
    record = {**base(session, "assistant", moment, cwd), "message": message, "requestId": "req_x"}
    return orjson.dumps(record) + b"\n"


def usage(rng: random.Random) -> dict[str, object]:
    written = rng.randint(0, 4000)
    return {
        "input_tokens": rng.randint(1, 20),
        "cache_creation_input_tokens": written,
        "cache_read_input_tokens": rng.randint(10_000, 150_000),
        "cache_creation": {"ephemeral_5m_input_tokens": written, "ephemeral_1h_input_tokens": 0},
        "output_tokens": rng.randint(1, 2000),
        "service_tier": "standard",
    }


def exchange_lines(
    rng: random.Random, texts: list[str], session: str, exchange: int, cwd: str
) -> list[dict[str, object] | bytes]:
    """A prompt, a response streamed as a thinking, a text and a tool-use line, a tool result."""
    moment = exchange * 40
    message_id, request_id = (
        f"msg_{session[:12]}{exchange:06d}",
        f"req_{session[:12]}{exchange:06d}",
    )
    spent = usage(rng)
    prompt = {"role": "user", "content": rng.choice(texts)[:400]}
    blocks = [
        {"type": "thinking", "thinking": rng.choice(texts)[:2000], "signature": "E" * 300},
        {"type": "text", "text": rng.choice(texts)[:1500]},
        {"type": "tool_use", "id": f"toolu_{exchange}", "name": "Edit", "input": {
            "file_path": "/home/ada/project/src/parser.py",
            "old_string": rng.choice(texts)[:800],
            "new_string": rng.choice(texts)[:1200],
        }},
    ]  # fmt: skip
    output = rng.choice(texts)
    if exchange % 25 == 0:
        output = f"[main {rng.getrandbits(28):07x}] Fix the parser\n 2 files changed\n" + output
    result = [{"tool_use_id": f"toolu_{exchange}", "type": "tool_result", "content": output}]
    lines: list[dict[str, object] | bytes] = [
        {**base(session, "user", moment, cwd), "message": prompt},
    ]
    for offset, block in enumerate(blocks, start=1):
        message = {
            "id": message_id,
            "type": "message",
            "role": "assistant",
            "model": "claude-opus-4-5-20251101",
            "content": [block],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": spent,
        }
        lines.append(
            {
                **base(session, "assistant", moment + offset, cwd),
                "message": message,
                "requestId": request_id,
            }
        )
    lines.append(
        {
            **base(session, "user", moment + 10, cwd),
            "message": {"role": "user", "content": result},
            "toolUseResult": {"stdout": output, "stderr": "", "interrupted": False},
        }
    )
    if exchange % 50 == 0:
        lines.append({"type": "summary", "summary": "Parser fixes", "leafUuid": f"{moment:08x}"})
    return lines


if __name__ == "__main__":
    main()
