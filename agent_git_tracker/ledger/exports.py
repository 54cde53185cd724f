"""Read-only exports for tools that read the older plugin's hand-kept files (R8.4).

At flush, from the database, into the repository: `.agent/status.json`,
`.journal/communication.json` and `.journal/YYYY-MM-DD.md`. The tool never reads them back and
never commits them. They are written when `export_state_files` is on; by default, only when the
repository already has `.agent/` or `.journal/`.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path
from typing import Any

from agent_git_tracker.capture import spool
from agent_git_tracker.config.settings import Config
from agent_git_tracker.ledger import counters
from agent_git_tracker.ledger.points import Step
from agent_git_tracker.models import GRADE_LABELS
from agent_git_tracker.store import keys
from agent_git_tracker.store.db import View


def enabled(config: Config, project: Path) -> bool:
    if config.export_state_files is not None:
        return config.export_state_files
    return (project / ".agent").is_dir() or (project / ".journal").is_dir()


def write(view: View, config: Config, project: Path, session_agent: str | None) -> list[Path]:
    """Write the three kinds of files for one project; returns the files written."""
    if not enabled(config, project) or not project.is_dir():
        return []
    written = []
    agent = session_agent or _latest_agent(view, str(project))
    record = view.get(keys.agent(agent)) if agent else None
    if record:
        written.append(_write_json(project / ".agent" / "status.json", status(record)))
    retros = [
        (k, v) for k, v in view.scan("retrospective:") if v.get("project_path") == str(project)
    ]
    if retros:
        steps: dict[str, dict[str, Step]] = {}
        for key, retro in retros:
            agent_id = retro.get("agent_id", "")
            if agent_id not in steps:
                steps[agent_id] = counters.steps(view, agent_id, config.rules)
            scores = steps[agent_id].get(key)
            if scores is not None:
                retro["score_before"], retro["score_after"] = scores.before, scores.after
        entries = sorted((communication(r) for _, r in retros), key=lambda e: e["timestamp"])
        written.append(_write_json(project / ".journal" / "communication.json", entries))
    days: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for _, value in view.scan("activity:"):
        if value.get("project_path") == str(project):
            days[value["timestamp"][:10]].append(value)
    for day, entries in days.items():
        path = project / ".journal" / f"{day}.md"
        written.append(_write_text(path, journal(day, entries)))
    return written


def status(agent: dict[str, Any]) -> dict[str, Any]:
    """The older plugin's `.agent/status.json` shape."""
    return {
        "agent_name": agent.get("name") or agent["id"],
        "skill_points": agent["skill_points"],
        "experience_points": agent["experience_points"],
        "total_commits": agent["total_commits"],
        "total_bugs": agent["total_bugs"],
        "halted": bool(agent.get("halted")),
        "communication_score": agent["communication_score"],
    }


def communication(retro: dict[str, Any]) -> dict[str, Any]:
    """One `.journal/communication.json` entry, grades as labels."""
    return {
        "commit": retro["commit"],
        "timestamp": retro["timestamp"],
        "agent": retro.get("agent_id"),
        "task": retro.get("task", ""),
        "agent_grade": GRADE_LABELS.get(retro["agent_grade"], retro["agent_grade"]),
        "user_grade": GRADE_LABELS.get(retro["user_grade"], retro["user_grade"]),
        "score_before": retro.get("score_before"),
        "score_after": retro.get("score_after"),
        "agent_note": retro.get("agent_note", ""),
        "user_note": retro.get("user_note", ""),
    }


def journal(day: str, entries: list[dict[str, Any]]) -> str:
    """A day's activity journal: `## HH:MM` sections with four bullets each."""
    lines = [f"# Journal {day}", ""]
    for entry in sorted(entries, key=lambda e: e["timestamp"]):
        lines += [
            f"## {entry['timestamp'][11:16]}",
            "",
            f"- **Task**: {entry.get('task', '')}",
            f"- **Actions taken**: {entry.get('actions', '')}",
            f"- **Outcome**: {entry.get('outcome', '')}",
            f"- **Decisions made**: {entry.get('decisions', '')}",
            "",
        ]
    return "\n".join(lines)


def _latest_agent(view: View, project: str) -> str | None:
    """The agent of the project's latest agent commit, by the commits' digests (small, and
    their times are in UTC, so that they compare as text)."""
    latest: list[Any] | None = None
    for _, fact in view.scan(keys.digest_prefix(project)):
        if fact[0] == "agent" and fact[4] and (latest is None or fact[4] > latest[4]):
            latest = fact
    return latest[1] if latest else None


def _write_json(path: Path, data: Any) -> Path:
    return _write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _write_text(path: Path, text: str) -> Path:
    path.parent.mkdir(exist_ok=True)
    spool.write_file(str(path), text)
    os.chmod(path, 0o644)  # a shared project file, not a private one
    return path
