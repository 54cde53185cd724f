"""The optional extra `[team]`: DuckDB and pyarrow, imported only when a team command needs
them, with a clear message when they are not installed."""

from __future__ import annotations

import importlib
from typing import Any

from agent_git_tracker.errors import UsageError

INSTALL = "pip install 'agent-git-tracker[team]'"


def needed(module: str) -> Any:
    """`module` imported, or a message saying how to install the team extra."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        top = module.partition(".")[0]
        raise UsageError(
            f"this needs {top}, part of the optional team extra, which is not installed "
            f"({e}): install it with `{INSTALL}`"
        ) from e
