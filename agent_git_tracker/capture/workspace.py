"""The repository a command runs in, and its spool folder."""

from __future__ import annotations

import json
import os
from typing import Any

from agent_git_tracker.capture import hook as capture
from agent_git_tracker.capture import spool
from agent_git_tracker.config.settings import Config
from agent_git_tracker.errors import TrackerError, UsageError


def here() -> dict[str, str]:
    """The repository of the current directory, or a clear error."""
    try:
        return capture.repository()
    except capture.HookError as e:
        raise UsageError(
            f"this command needs a git repository: run it inside one ({os.getcwd()} is not)"
        ) from e


def spool_dir(config: Config, repo: dict[str, str]) -> str:
    return spool.repo_dir(str(config.spool_root), repo["common_dir"])


def record(config: Config, repo: dict[str, str], event_type: str, **fields: Any) -> dict[str, Any]:
    """Append one event for the next flush: the single write path of every command."""
    event = capture.event(event_type, repo, **fields)
    try:
        spool.append(spool_dir(config, repo), json.dumps(event, ensure_ascii=False))
    except OSError as e:
        raise TrackerError(f"cannot write to the spool {spool_dir(config, repo)}: {e}") from e
    return event
