"""The command line: the only package that imports click.

`base` holds the root group, the error handling and the shared options; each other module is
one group of commands. A command parses its options, calls one library function with explicit
arguments and prints the result: the library never sees click.
"""

from __future__ import annotations

# Importing the command modules registers their commands on the root group.
from agent_git_tracker.cli import (
    agents,
    history,
    hooks,
    install,
    migration,
    records,
    report,
    settings,
    usage,
)
from agent_git_tracker.cli.base import main, run

__all__ = [
    "agents",
    "history",
    "hooks",
    "install",
    "main",
    "migration",
    "records",
    "report",
    "run",
    "settings",
    "usage",
]
