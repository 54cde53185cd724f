"""The repository a command runs in, and its spool folder."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from agent_git_tracker.capture import hook as capture
from agent_git_tracker.capture import spool
from agent_git_tracker.capture.keep import NotKept, keep
from agent_git_tracker.config import locate
from agent_git_tracker.config.settings import Config
from agent_git_tracker.errors import TrackerError, UsageError
from agent_git_tracker.text import printable


def here(hint: str = "") -> dict[str, str]:
    """The repository of the current directory, or a clear error (`hint`: what else to do)."""
    try:
        return capture.repository()
    except capture.HookError as e:
        raise UsageError(
            f"this command needs a git repository: run it inside one ({os.getcwd()} is not)"
            + (f"; {hint}" if hint else "")
        ) from e


def spool_dir(config: Config, repo: dict[str, str]) -> str:
    return spool.repo_dir(str(config.spool_root), repo["common_dir"])


def record(config: Config, repo: dict[str, str], event_type: str, **fields: Any) -> dict[str, Any]:
    """Append one event for the next flush: the single write path of every command. An
    event the spool cannot take is kept elsewhere (`keep`), with one warning line."""
    return _keep(spool_dir(config, repo), repo, capture.event(event_type, repo, **fields), "")


def record_unconfigured(
    repo: dict[str, str], why: str, event_type: str, **fields: Any
) -> dict[str, Any]:
    """Keep one event when the configuration is refused (`why`): never in a guessed database's
    spool, but in the fallback folder, which the next valid flush of the repository takes in."""
    return _keep(None, repo, capture.event(event_type, repo, **fields), why)


def _keep(
    directory: str | None, repo: dict[str, str], event: dict[str, Any], why: str
) -> dict[str, Any]:
    name = os.path.basename(spool.repo_dir("", repo["common_dir"]))
    line = json.dumps(event)  # ASCII: a path that is not UTF-8 keeps its bytes as escapes
    fallback = locate.fallback_root(os.environ)
    try:
        warning = keep(directory, name, line, spool.COMMAND_WAIT, fallback, why)
    except NotKept as e:
        raise TrackerError(str(e)) from e
    if warning:  # the event is safe: a warning, never an error (a retry would count it twice)
        print(f"agent-git-tracker: warning: {printable(warning)}", file=sys.stderr)
    return event
