"""The effective configuration and where each value came from.

Strongest first: the global command-line options, the environment, the TOML file, the defaults.
"""

from __future__ import annotations

import dataclasses
import os
import re
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent_git_tracker.config import locate
from agent_git_tracker.errors import TrackerError, UsageError
from agent_git_tracker.models import GRADE_VALUES, Rules

MIB = 1024 * 1024
MIN_SIZE = MIB
MAX_SIZE = 2 * 1024 * MIB
DEFAULT_SIZE = 512 * MIB

_ALIASES = {"databasePath": "database_path", "maxDatabaseSize": "max_database_size"}
_FILE_KEYS: dict[str, type | tuple[type, ...]] = {
    "database_path": str,
    "max_database_size": (int, str),
    "export_state_files": bool,
    "enforce_halt": bool,
    "quiet": bool,
    "rules": dict,
    "agents": dict,
    "agent_logs": bool,
    "prices": dict,
}
_AGENT_KEYS = ("identities",)
# USD per million tokens of each kind, as `[prices."<model>"]` tables give them.
PRICE_KINDS = ("input", "output", "cache_read", "cache_write")
_UNITS = {
    "": 1, "b": 1,
    "k": 1000, "kb": 1000, "kib": 1024,
    "m": 1000**2, "mb": 1000**2, "mib": 1024**2,
    "g": 1000**3, "gb": 1000**3, "gib": 1024**3,
}  # fmt: skip
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Config:
    database_path: Path
    max_database_size: int
    export_state_files: bool | None = None
    enforce_halt: bool = False
    # No line after each commit saying what was recorded.
    quiet: bool = False
    rules: Rules = field(default_factory=Rules)
    # The user's own agents: agent id → the identities (names, logins, emails) it commits as.
    agents: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Read the agents' own logs for model, tokens and cost (at scan and at push).
    agent_logs: bool = True
    # Price overrides: model id → {kind: USD per million tokens}.
    prices: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    sources: Mapping[str, str] = field(default_factory=dict)
    config_file: Path | None = None
    # Where the configuration file is read from, whether or not it exists.
    file_place: Path | None = None

    @property
    def spool_root(self) -> Path:
        return Path(locate.spool_root(str(self.database_path)))


def parse_size(raw: object, source: str) -> int:
    """A byte count from `536870912`, `512MiB`, `1GB` …, checked against the allowed range."""
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise UsageError(
            f"max_database_size from {source} must be a number of bytes or a size "
            f"such as '512MiB', not {raw!r}"
        )
    size: int | None = raw if isinstance(raw, int) else None
    if isinstance(raw, str):
        match = _SIZE.fullmatch(raw)
        unit = match.group(2).lower() if match else None
        if match and unit in _UNITS:
            size = int(float(match.group(1)) * _UNITS[unit])
    if size is None:
        raise UsageError(
            f"max_database_size {raw!r} from {source} is not a size: use a byte "
            "count or a number with B, KB, KiB, MB, MiB, GB or GiB"
        )
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise UsageError(
            f"max_database_size {raw!r} ({size} bytes) from {source} is outside "
            f"the allowed range 1 MiB ({MIN_SIZE}) … 2 GiB ({MAX_SIZE}) bytes"
        )
    return size


def read_file(path: Path) -> dict[str, Any]:
    """The checked contents of a configuration file; unknown keys and wrong types are refused."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)  # a FIFO never waits
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise TrackerError(f"the configuration file {path} is not a regular file")
            data = tomllib.load(f)
    except OSError as e:
        raise TrackerError(f"cannot read the configuration file {path}: {e.strerror}") from e
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise TrackerError(f"the configuration file {path} is not valid TOML: {e}") from e
    checked: dict[str, Any] = {}
    for key, value in data.items():
        name = _ALIASES.get(key, key)
        if name not in _FILE_KEYS:
            known = ", ".join(_FILE_KEYS)
            raise TrackerError(f"unknown key {key!r} in {path}; the known keys are {known}")
        if not isinstance(value, _FILE_KEYS[name]) or (
            isinstance(value, bool) and _FILE_KEYS[name] is not bool
        ):
            raise TrackerError(f"{key!r} in {path} has the wrong type ({type(value).__name__})")
        checked[name] = value
    return checked


def parse_rules(table: Mapping[str, Any], where: str) -> Rules:
    """`Rules` from a `[rules]` table: integer constants and a `grade_points` table."""
    known = {f.name for f in dataclasses.fields(Rules)}
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in known:
            raise TrackerError(
                f"unknown rule {key!r} in {where}; the known rules are " + ", ".join(sorted(known))
            )
        if key == "grade_points":
            values[key] = _grade_points(value, where)
        elif isinstance(value, int) and not isinstance(value, bool):
            values[key] = value
        else:
            raise TrackerError(f"rule {key!r} in {where} must be an integer, not {value!r}")
    if values.get("level_up_factor", 1) < 1:
        raise TrackerError(f"rule 'level_up_factor' in {where} must be at least 1")
    return Rules(**values)


def parse_agents(table: Mapping[str, Any], where: str) -> dict[str, tuple[str, ...]]:
    """The `[agents.<id>]` tables: each agent's `identities`, the names, GitHub logins or
    emails (`@domain` for a whole domain) its commits carry as author, committer or co-author."""
    agents = {}
    for agent, values in table.items():
        key = f"agents.{agent}"
        if agent != agent.strip() or not _AGENT_ID.fullmatch(agent) or agent in ("human", "bot"):
            raise TrackerError(
                f"{key} in {where}: an agent id is 1 to 64 letters, digits, '-', '_' or '.' "
                "and neither 'human' nor 'bot', e.g. [agents.sentry-junior]"
            )
        if not isinstance(values, dict):
            raise TrackerError(
                f'{key} in {where} must be a table such as [{key}] identities = ["{agent}[bot]"]'
            )
        unknown = sorted(set(values) - set(_AGENT_KEYS))
        if unknown:
            raise TrackerError(
                f"unknown key {unknown[0]!r} in [{key}] of {where}; the known key is identities"
            )
        agents[agent] = _identities(values.get("identities"), f"{key}.identities in {where}")
    return agents


_AGENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_IDENTITY = re.compile(r"[^\x00-\x1f\x7f<>]{1,200}")


def _identities(value: object, where: str) -> tuple[str, ...]:
    entries = value if isinstance(value, list) else None
    if not entries or not all(
        isinstance(e, str) and _IDENTITY.fullmatch(e.strip()) for e in entries
    ):
        raise TrackerError(
            f"{where} must be a non-empty list of names, GitHub logins or emails, such as "
            '["sentry-junior[bot]", "junior@example.com"]'
        )
    return tuple(e.strip() for e in entries)


def parse_prices(table: Mapping[str, Any], where: str) -> dict[str, dict[str, float]]:
    """The `[prices."<model>"]` tables: USD per million tokens of each kind (input, output,
    cache_read, cache_write), each a number of at least 0."""
    prices = {}
    for model, values in table.items():
        key = f'prices."{model}"'
        if not isinstance(values, dict):
            raise TrackerError(
                f"{key} in {where} must be a table such as [{key}] input = 5.0, output = 25.0"
            )
        unknown = sorted(set(values) - set(PRICE_KINDS))
        if unknown:
            raise TrackerError(
                f"unknown key {unknown[0]!r} in [{key}] of {where}; the known keys are "
                + ", ".join(PRICE_KINDS)
            )
        for kind, value in values.items():
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise TrackerError(
                    f"{key}.{kind} in {where} must be a number of USD per million tokens "
                    f"(0 or more), not {value!r}"
                )
        prices[model] = {kind: float(value) for kind, value in values.items()}
    return prices


def _grade_points(value: object, where: str) -> dict[str, int]:
    points = dict(Rules().grade_points)
    if not isinstance(value, dict):
        raise TrackerError(
            f"rule 'grade_points' in {where} must be a table such as "
            "{ bad = -1, neutral = 1, good = 2, excellence = 5 }"
        )
    for label, number in value.items():
        if label not in GRADE_VALUES or not isinstance(number, int) or isinstance(number, bool):
            raise TrackerError(
                f"grade_points.{label} in {where} must name a grade "
                f"({', '.join(GRADE_VALUES)}) and give an integer"
            )
        points[label] = number
    return points


def load(
    db_path: str | None = None,
    max_db_size: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Config:
    """Resolve the effective configuration; nothing is opened or created."""
    env = dict(os.environ if environ is None else environ)
    file_path, explicit = locate.config_file(env)
    path = Path(file_path)
    data: dict[str, Any] = {}
    if explicit or path.exists():
        data = read_file(path)
    where = f"the configuration file {path}"

    def pick(cli: str | None, cli_name: str, env_name: str, key: str) -> tuple[Any, str]:
        if cli is not None:
            return cli, f"the option {cli_name}"
        if env.get(env_name):
            return env[env_name], f"the environment variable {env_name}"
        if key in data:
            return data[key], f"{where} (key {key})"
        return None, "the default"

    raw_path, path_source = pick(db_path, "--db-path", locate.DB_PATH_ENV, "database_path")
    raw_size, size_source = pick(
        max_db_size, "--max-db-size", locate.MAX_SIZE_ENV, "max_database_size"
    )
    return Config(
        database_path=Path(
            locate.resolve_path(raw_path) if raw_path else locate.default_database_path()
        ),
        max_database_size=DEFAULT_SIZE if raw_size is None else parse_size(raw_size, size_source),
        export_state_files=data.get("export_state_files"),
        enforce_halt=data.get("enforce_halt", False),
        quiet=data.get("quiet", False),
        rules=parse_rules(data.get("rules", {}), where),
        agents=parse_agents(data.get("agents", {}), where),
        agent_logs=data.get("agent_logs", True),
        prices=parse_prices(data.get("prices", {}), where),
        sources={
            "database_path": path_source,
            "max_database_size": size_source,
            "export_state_files": f"{where}" if "export_state_files" in data else "the default",
            "enforce_halt": f"{where}" if "enforce_halt" in data else "the default",
            "quiet": f"{where}" if "quiet" in data else "the default",
            "rules": f"{where}" if data.get("rules") else "the default",
            "agents": f"{where}" if data.get("agents") else "the default",
            "agent_logs": f"{where}" if "agent_logs" in data else "the default",
            "prices": f"{where}" if data.get("prices") else "the default",
        },
        config_file=path if data or explicit or path.exists() else None,
        file_place=path,
    )


def config_rows(config: Config) -> dict[str, tuple[Any, str]]:
    """Each effective setting with its source."""
    return {
        "database_path": (str(config.database_path), config.sources["database_path"]),
        "max_database_size": (config.max_database_size, config.sources["max_database_size"]),
        "export_state_files": (
            "auto" if config.export_state_files is None else config.export_state_files,
            config.sources["export_state_files"],
        ),
        "enforce_halt": (config.enforce_halt, config.sources["enforce_halt"]),
        "quiet": (config.quiet, config.sources.get("quiet", "the default")),
        "rules": (vars(config.rules), config.sources["rules"]),
        "agents": (
            {agent: list(found) for agent, found in config.agents.items()},
            config.sources.get("agents", "the default"),
        ),
        "agent_logs": (config.agent_logs, config.sources.get("agent_logs", "the default")),
        "prices": (
            {model: dict(kinds) for model, kinds in config.prices.items()},
            config.sources.get("prices", "the default"),
        ),
        "config_file": (
            str(config.config_file or config.file_place or "") or None,
            "read from there"
            if config.config_file
            else "not created yet: the file would go there; AGENT_TRACKER_CONFIG or "
            "XDG_CONFIG_HOME name another place",
        ),
        "spool": (str(config.spool_root), "beside the database"),
    }
