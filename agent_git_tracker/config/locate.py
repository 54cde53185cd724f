"""Where the configuration file and the database are, using nothing but `os`.

The post-commit hook needs the database path (its spool sits beside it) on every commit, so this
module must stay cheap to import. `settings` builds the full, validated configuration on top of it.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

DB_PATH_ENV = "AGENT_TRACKER_DB_PATH"
MAX_SIZE_ENV = "AGENT_TRACKER_MAX_DB_SIZE"
CONFIG_ENV = "AGENT_TRACKER_CONFIG"
DB_PATH_KEYS = ("database_path", "databasePath")


def home() -> str:
    """The user's real home directory, never a literal `~`."""
    return os.path.expanduser("~")


def default_database_path() -> str:
    return os.path.join(home(), ".config", "opencode", "agent-tracker.lmdb")


def resolve_path(raw: str) -> str:
    """Expand a leading `~` and resolve a relative path against the home directory."""
    path = os.path.expanduser(raw)
    return os.path.normpath(os.path.join(home(), path))


def config_file(environ: Mapping[str, str]) -> tuple[str, bool]:
    """The configuration file to read, and whether the user named it explicitly."""
    named = environ.get(CONFIG_ENV)
    if named:
        return resolve_path(named), True
    base = environ.get("XDG_CONFIG_HOME") or os.path.join(home(), ".config")
    return os.path.join(base, "agent-git-tracker", "config.toml"), False


class Unsure(Exception):
    """The quick reader cannot be sure; the full TOML parser must decide."""


def quick_toml_string(path: str, names: tuple[str, ...]) -> str | None:
    """Read a top-level `name = "value"` from a small TOML file without importing a parser.

    Handles the common shape only; anything else raises `Unsure`.
    """
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as e:
        raise Unsure from e
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            return None
        name, eq, value = stripped.partition("=")
        if not eq or name.strip().strip("\"'") not in names:
            continue
        value = value.strip()
        quote = value[:1]
        if quote not in ("'", '"') or value.count(quote) != 2 or "\\" in value:
            raise Unsure
        body, _, rest = value[1:].partition(quote)
        if rest.strip() and not rest.strip().startswith("#"):
            raise Unsure
        return body
    return None


def hook_database_path(environ: Mapping[str, str]) -> str:
    """The database path as the full configuration would give it, cheaply; raises `Unsure`
    when only the full configuration (`settings.load`) can tell."""
    raw = environ.get(DB_PATH_ENV)
    if not raw:
        path, _ = config_file(environ)
        raw = quick_toml_string(path, DB_PATH_KEYS)
    return resolve_path(raw) if raw else default_database_path()


def spool_root(database_path: str) -> str:
    """The spool folder sits beside the database file."""
    return database_path + "-spool"
