"""Read-side use cases: configuration, database info, flush summaries, agent status."""

from __future__ import annotations

from typing import Any

from agent_git_tracker.capture import spool
from agent_git_tracker.capture.workspace import here, spool_dir
from agent_git_tracker.config.settings import Config
from agent_git_tracker.ledger.flush import Flushed, flush_all, flush_repo
from agent_git_tracker.store.db import open_store


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
        "rules": (vars(config.rules), config.sources["rules"]),
        "config_file": (
            str(config.config_file) if config.config_file else None,
            "AGENT_TRACKER_CONFIG, XDG_CONFIG_HOME or ~/.config",
        ),
        "spool": (str(config.spool_root), "beside the database"),
    }


def database_info(config: Config, warn: Any = None) -> dict[str, Any]:
    with open_store(config, warn=warn) as store:
        info = store.info()
    info["spool"] = backlog(config)
    return info


def backlog(config: Config) -> dict[str, Any]:
    """How many events wait in the spool, per repository folder."""
    waiting = {}
    for directory in spool.repo_dirs(str(config.spool_root)):
        count = sum(_lines(p) for p in spool.pending_files(directory))
        if count:
            waiting[directory] = count
    return {
        "path": str(config.spool_root),
        "pending_events": sum(waiting.values()),
        "repositories": waiting,
    }


def _lines(path: str) -> int:
    try:
        with open(path, "rb") as f:
            return sum(1 for line in f if line.strip())
    except FileNotFoundError:
        return 0


def format_info(info: dict[str, Any]) -> str:
    mib = 1024 * 1024
    lines = [
        f"database        {info['path']}",
        f"file size       {info['file_size']:,} bytes ({info['file_size'] / mib:.1f} MiB)",
        f"map size        {info['map_size']:,} bytes ({info['map_size'] / mib:.0f} MiB limit)",
        f"schema version  {info['schema_version']}",
        "records",
        *(f"  {prefix:<14}{count:>10,}" for prefix, count in info["counts"].items()),
        f"spool           {info['spool']['path']} "
        f"({info['spool']['pending_events']} event(s) waiting)",
    ]
    return "\n".join(lines)


def run_flush(config: Config, everything: bool) -> dict[str, Any]:
    with open_store(config) as store:
        results = flush_all(store) if everything else [flush_repo(store, spool_dir(config, here()))]
    return {
        "repositories": [_flushed(r) for r in results],
        "events": sum(r.events for r in results),
    }


def _flushed(result: Flushed) -> dict[str, Any]:
    outcome = result.outcome
    return {
        "spool": result.directory,
        "events": result.events,
        "puts": result.puts,
        "commits": outcome.commits,
        "rewritten": outcome.rewritten,
        "grades": len(outcome.grades),
        "halted": outcome.halted,
        "notes": outcome.notes,
        "rejected_lines": result.rejected_lines,
        "rejected_file": result.rejected,
    }


def flush_summary(data: dict[str, Any]) -> str:
    lines = [
        f"flushed {data['events']} event(s) in {len(data['repositories'])} repository spool(s)"
    ]
    for repo in data["repositories"]:
        if repo["events"] or repo["rejected_lines"]:
            lines.append(
                f"  {repo['spool']}: {repo['events']} event(s), {repo['commits']} new "
                f"commit(s), {repo['grades']} grade(s), {repo['puts']} value(s) written"
            )
        if repo["rejected_lines"]:
            lines.append(
                f"  {repo['rejected_lines']} unreadable line(s) set aside in "
                f"{repo['rejected_file']}"
            )
        lines += [f"  note: {n}" for n in repo["notes"]]
    return "\n".join(lines)
