"""Read-only exports for tools that read the older plugin's hand-kept files (R8.4).

At flush, from the database, into the repository: `.agent/status.json`,
`.journal/communication.json` and `.journal/YYYY-MM-DD.md`. The tool never reads them back and
never commits them. They are written when `export_state_files` is on; by default, only when the
repository already has `.agent/` or `.journal/`.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import stat
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

# A day's journal is named by its date, and only a well-formed date names a file.
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
# A project file others may read, unless the user's umask says otherwise.
_SHARED = 0o644


def enabled(config: Config, project: Path) -> bool:
    if config.export_state_files is not None:
        return config.export_state_files
    return _real_folder(project / ".agent") or _real_folder(project / ".journal")


def _real_folder(path: Path) -> bool:
    """A folder, not a symlink to one: a repository can ship `.agent` pointing anywhere."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def write(
    view: View, config: Config, project: Path, session_agent: str | None, notes: list[str]
) -> list[Path]:
    """Write the three kinds of files for one project; returns the files written, and notes
    each file refused. Files go only into real `.agent/` and `.journal/` folders of the
    project, under fixed names or a checked date: never through a symlink, never to a name
    built from unchecked data."""
    if not enabled(config, project) or not _real_folder(project):
        return []
    files: list[tuple[str, str, str]] = []
    agent = session_agent or _latest_agent(view, str(project))
    record = view.get(keys.agent(agent)) if agent else None
    if record:
        files.append((".agent", "status.json", _json(status(record))))
    retros = [
        (k, v) for k, v in view.scan("retrospective:") if v.get("project_path") == str(project)
    ]
    if retros:
        _with_scores(view, config, retros)
        entries = sorted((communication(r) for _, r in retros), key=lambda e: str(e["timestamp"]))
        files.append((".journal", "communication.json", _json(entries)))
    days: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for _, value in view.scan("activity:"):
        day = str(value.get("timestamp", ""))[:10]
        if value.get("project_path") == str(project) and _DAY.fullmatch(day):
            days[day].append(value)
    files += [(".journal", f"{day}.md", journal(day, entries)) for day, entries in days.items()]
    written = []
    for folder, name, text in files:
        try:
            written.append(_write_text(project, folder, name, text))
        except OSError as e:
            notes.append(f"state file {folder}/{name} not written: {e.strerror or e}")
    return written


def _with_scores(view: View, config: Config, retros: list[tuple[str, dict[str, Any]]]) -> None:
    """CS before and after each grade, replayed (it depends on the order of grades)."""
    steps: dict[str, dict[str, Step]] = {}
    for key, retro in retros:
        agent_id = retro.get("agent_id", "")
        if agent_id not in steps:
            steps[agent_id] = counters.steps(view, agent_id, config.rules)
        scores = steps[agent_id].get(key)
        if scores is not None:
            retro["score_before"], retro["score_after"] = scores.before, scores.after


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


def _json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _write_text(project: Path, folder: str, name: str, text: str) -> Path:
    """Write `project/folder/name` only inside a real folder of the project (made if
    missing); a symlinked folder is refused, and a symlink at the name is replaced."""
    where = project / folder
    with contextlib.suppress(FileExistsError):
        os.mkdir(where, 0o777)  # the umask decides, as for any folder of the project
    if not _real_folder(where):
        raise OSError(errno.ELOOP, f"{where} is not a folder of the project (a symlink?)")
    spool.write_file(str(where / name), text, _SHARED & ~_umask())
    return where / name


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
