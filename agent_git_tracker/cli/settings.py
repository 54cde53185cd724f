"""`config show` and `db info`: where things are and what the database holds."""

from __future__ import annotations

from typing import Any

from agent_git_tracker.cli.base import emit, json_option, main, pass_config, pass_config_only, warn
from agent_git_tracker.config.settings import Config


@main.group()
def config() -> None:
    """Show the effective configuration."""


@config.command("show")
@json_option
@pass_config_only
def config_show(cfg: Config, as_json: bool) -> None:
    """Each effective value and where it came from."""
    from agent_git_tracker.config.settings import config_rows

    emit(config_rows(cfg), as_json, _config_text)


def _config_text(rows: dict[str, Any]) -> str:
    lines = []
    for name, (value, source) in rows.items():
        if isinstance(value, dict):
            lines.append(f"{name:<20} ({source})")
            lines += [f"  {key:<30} {_plain(item)}" for key, item in value.items()]
            if not value:
                lines.append("  (none)")
        else:
            lines.append(f"{name:<20} {_plain(value)}  ({source})")
    return "\n".join(lines)


def _plain(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(
            f"{k} {v:+d}" if isinstance(v, int) else f"{k} {v}" for k, v in value.items()
        )
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value).lower() if isinstance(value, bool) else str(value)


@main.group()
def db() -> None:
    """Inspect the central database."""


@db.command("info")
@json_option
@pass_config
def db_info(cfg: Config, as_json: bool) -> None:
    """Path, file size, map size, schema version and record counts."""
    from agent_git_tracker.ledger.overview import database_info

    emit(database_info(cfg, warn), as_json, format_info)


def _room(room: dict[str, int] | None) -> list[str]:
    if not room:
        return []
    mib = 1024 * 1024
    return [
        f"room            about {room['more_commits']:,} more commits "
        f"({room['free'] / mib:,.0f} MiB free under max_database_size, "
        f"{room['per_commit'] / 1024:.1f} KiB a commit with its grades)"
    ]


def format_info(info: dict[str, Any]) -> str:
    mib = 1024 * 1024
    lines = [
        f"database        {info['path']}",
        f"file size       {info['file_size']:,} bytes ({info['file_size'] / mib:.1f} MiB)",
        f"map size        {info['map_size']:,} bytes ({info['map_size'] / mib:.0f} MiB limit)",
        f"schema version  {info['schema_version']}",
        *_room(info.get("room")),
        "records",
        *(f"  {prefix:<14}{count:>10,}" for prefix, count in info["counts"].items()),
        f"spool           {info['spool']['path']} "
        f"({info['spool']['pending_events']} event(s) waiting)",
    ]
    return "\n".join(lines)
