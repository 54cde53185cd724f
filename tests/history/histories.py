"""Synthetic histories for the outcome tests: real git, pinned dates, known truths."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from agent_git_tracker.history.outcomes import Outcome, measure

from conftest import git

T0 = 1_700_000_000  # day 0 of every history
DAY = 86_400

Content = str | bytes | None  # None: delete the file


def lines(prefix: str, count: int) -> str:
    """`count` distinct lines."""
    return "".join(f"{prefix} {n}\n" for n in range(count))


class History:
    """A repository whose commits are dated in days after T0."""

    def __init__(self, path: Path, *, init: bool = True) -> None:
        self.path = path
        if init:
            git(path.parent, "init", "-q", "-b", "main", str(path))

    def dates(self, day: float) -> dict[str, str]:
        stamp = f"@{int(T0 + day * DAY)} +0000"
        return {"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}

    def write(self, files: Mapping[str | bytes, Content]) -> None:
        for name, content in files.items():
            path = os.path.join(os.fsencode(self.path), os.fsencode(name))
            if content is None:
                os.unlink(path)
                continue
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as handle:
                handle.write(content.encode() if isinstance(content, str) else content)

    def commit(self, day: float, message: str, files: Mapping[str | bytes, Content]) -> str:
        """Write, stage everything, commit on the branch checked out; the new hash."""
        self.write(files)
        git(self.path, "add", "-A")
        git(self.path, "commit", "-q", "--allow-empty", "-m", message, env=self.dates(day))
        return self.head()

    def git(self, *args: str, day: float = 0) -> str:
        return git(self.path, *args, env=self.dates(day))

    def head(self) -> str:
        return git(self.path, "rev-parse", "HEAD").strip()

    def measure(self, now: float, **options: Any) -> dict[str, Outcome]:
        """Every commit's outcome as of day `now`, by hash."""
        return {o.commit: o for o in measure(self.path, now=T0 + now * DAY, **options)}
