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


# The top-level keys the full configuration knows, and the tables; anything else makes the
# quick reader unsure, so that the full loader's error reaches the hook (never a guess).
KNOWN_KEYS = frozenset(
    (
        *DB_PATH_KEYS,
        "max_database_size",
        "maxDatabaseSize",
        "export_state_files",
        "enforce_halt",
        "quiet",
    )
)
KNOWN_TABLES = ("rules",)


def quick_toml_string(path: str, names: tuple[str, ...]) -> str | None:
    """Read a top-level `name = "value"` from a small TOML file without importing a parser.

    Reads the simple shapes only (one `key = value` per line before the first table, plain
    strings, numbers and booleans, the known tables); anything else raises `Unsure`.
    """
    found = quick_toml(path)
    named = [found[n] for n in names if n in found]
    if not named:
        return None
    value = named[-1]
    if not isinstance(value, str):
        raise Unsure  # a number or a boolean where a path belongs: the full loader says why
    return value


_READ: dict[str, dict[str, str | bool | None]] = {}


def quick_toml(path: str) -> dict[str, str | bool | None]:
    """The top-level values of a small TOML file (see `quick_toml_string`): a string's text,
    a boolean, or None for a number. Read once per process."""
    if path not in _READ:
        _READ[path] = _quick_read(path)
    return _READ[path]


def _quick_read(path: str) -> dict[str, str | bool | None]:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return {}
    except OSError as e:
        raise Unsure from e
    try:
        if os.fstat(fd).st_mode & 0o170000 != 0o100000:  # not a regular file: a FIFO, a folder
            raise Unsure
        text = os.read(fd, 1 << 20).decode("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise Unsure from e
    finally:
        os.close(fd)
    found: dict[str, str | bool | None] = {}
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("["):
            _table(stripped)
            break
        name, eq, value = stripped.partition("=")
        name = name.strip()
        if not eq or name not in KNOWN_KEYS:
            raise Unsure  # a typo such as `databse_path`, a quoted or dotted key, a new shape
        found[name] = _simple_value(value.strip())
    return found


def _table(header: str) -> None:
    name = header.strip("[] \t").partition(".")[0]
    if header.startswith("[[") or name not in KNOWN_TABLES:
        raise Unsure


def _simple_value(value: str) -> str | bool | None:
    """The text of a plain one-line string, a boolean, None for a number; else `Unsure`."""
    quote = value[:1]
    if quote in ("'", '"'):
        if value.count(quote) != 2 or "\\" in value or value.startswith(quote * 3):
            raise Unsure
        body, _, rest = value[1:].partition(quote)
        if rest.strip() and not rest.strip().startswith("#"):
            raise Unsure
        return body
    word = value.partition("#")[0].strip()
    if word in ("true", "false"):
        return word == "true"
    if word.replace("_", "").isdigit():
        return None
    raise Unsure


def hook_database_path(environ: Mapping[str, str]) -> str:
    """The database path as the full configuration would give it, cheaply; raises `Unsure`
    when only the full configuration (`settings.load`) can tell."""
    path, explicit = config_file(environ)
    if explicit and not os.path.exists(path):
        raise Unsure  # the command line refuses a configuration file it was told to read
    # Read even when the environment names the database: a file the command line refuses
    # must not let the hook carry on as if all were well.
    in_file = quick_toml_string(path, DB_PATH_KEYS)
    raw = environ.get(DB_PATH_ENV) or in_file
    return resolve_path(raw) if raw else default_database_path()


QUIET_ENV = "AGENT_TRACKER_QUIET"


def hook_quiet(environ: Mapping[str, str]) -> bool:
    """Whether the user asked for no line after each commit (`quiet = true`, or
    AGENT_TRACKER_QUIET=1), cheaply; raises `Unsure` when only the full configuration can
    tell."""
    if environ.get(QUIET_ENV):
        return environ[QUIET_ENV] not in ("0", "false", "")
    return quick_toml(config_file(environ)[0]).get("quiet") is True


def fallback_root(environ: Mapping[str, str]) -> str:
    """Where events go when the spool cannot take them (see `capture.keep`)."""
    state = environ.get("XDG_STATE_HOME", "")
    base = state if os.path.isabs(state) else os.path.join(home(), ".local", "state")
    return os.path.join(base, "agent-git-tracker", "fallback")


def spool_root(database_path: str) -> str:
    """The spool folder sits beside the database file."""
    return database_path + "-spool"
