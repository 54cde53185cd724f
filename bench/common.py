"""Shared by the benchmarks: a clean virtual environment with this package installed (not
editable: an editable install adds its own import-time cost), and timing helpers."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def installed_venv(where: Path) -> Path:
    """A new venv at `where` with this package installed from the source tree; its bin."""
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True)
    pip = [str(where / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    # A current pip writes launchers that import no more than they need (pip 23's imported `re`).
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, str(ROOT)], check=True)
    return where / "bin"


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def interleaved(runs: int, cases: dict[str, Callable[[], object]]) -> dict[str, list[float]]:
    """Time each case `runs` times, taking turns so that drift hits all cases alike."""
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(runs):
        for name, case in cases.items():
            start = time.perf_counter()
            case()
            times[name].append(time.perf_counter() - start)
    return times


def scratch() -> Path:
    return Path(tempfile.mkdtemp(prefix="agent-git-tracker-bench-"))


def env_with(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "AGENT_TRACKER"))}
    env.update(
        GIT_AUTHOR_NAME="Bench",
        GIT_AUTHOR_EMAIL="bench@example.com",
        GIT_COMMITTER_NAME="Bench",
        GIT_COMMITTER_EMAIL="bench@example.com",
        GIT_CONFIG_NOSYSTEM="1",
    )
    env.update(extra)
    return env
