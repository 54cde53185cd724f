"""Facts read from git repositories with GitPython: the only module that imports `git`.

Used by commands and at flush time, never by the post-commit hook (GitPython costs more to
import than the whole hook may take).
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import git

from agent_git_tracker.errors import TrackerError, UsageError
from agent_git_tracker.text import without_credentials

LANGUAGES = {
    ".py": "Python", ".pyi": "Python", ".js": "JavaScript", ".mjs": "JavaScript",
    ".cjs": "JavaScript", ".jsx": "JavaScript", ".ts": "TypeScript", ".tsx": "TypeScript",
    ".rs": "Rust", ".go": "Go", ".java": "Java", ".kt": "Kotlin", ".kts": "Kotlin",
    ".scala": "Scala", ".c": "C", ".h": "C", ".cc": "C++", ".cpp": "C++", ".cxx": "C++",
    ".hpp": "C++", ".cs": "C#", ".fs": "F#", ".rb": "Ruby", ".php": "PHP", ".swift": "Swift",
    ".m": "Objective-C", ".mm": "Objective-C", ".dart": "Dart", ".lua": "Lua", ".r": "R",
    ".jl": "Julia", ".ex": "Elixir", ".exs": "Elixir", ".erl": "Erlang", ".hs": "Haskell",
    ".ml": "OCaml", ".clj": "Clojure", ".zig": "Zig", ".nim": "Nim", ".sh": "Shell",
    ".bash": "Shell", ".zsh": "Shell", ".ps1": "PowerShell", ".sql": "SQL", ".vue": "Vue",
    ".svelte": "Svelte", ".html": "HTML", ".css": "CSS", ".scss": "CSS", ".tf": "HCL",
    ".sol": "Solidity", ".pl": "Perl", ".pm": "Perl",
}  # fmt: skip


@dataclass(frozen=True)
class CommitInfo:
    project_path: str
    hash: str
    subject: str
    author: str


def _repo(path: str | Path) -> git.Repo:
    try:
        return git.Repo(path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError) as e:
        raise UsageError(
            f"{path} is not inside a git repository; run this in a repository or pass its path"
        ) from e


def project_path(repo: git.Repo) -> str:
    """The main worktree's top level: worktrees of one repository are one project."""
    common = Path(repo.common_dir).resolve()
    if common.name == ".git":
        return str(common.parent)
    return str(Path(repo.working_tree_dir or common).resolve())


def locate(path: str | Path = ".") -> dict[str, str]:
    """Project, worktree, git dir and common dir of the repository at `path`."""
    repo = _repo(path)
    with repo:
        return {
            "project": project_path(repo),
            "worktree": str(repo.working_tree_dir or ""),
            "git_dir": str(Path(repo.git_dir).resolve()),
            "common_dir": str(Path(repo.common_dir).resolve()),
        }


def resolve_commit(rev: str, path: str | Path = ".") -> CommitInfo:
    """A revision (`HEAD`, a short hash, a branch) as a full commit hash."""
    repo = _repo(path)
    with repo:
        # Through git itself, not GitPython's object parser: SHA-256 repositories work too.
        try:
            found = repo.git.rev_parse("--verify", "-q", "--end-of-options", f"{rev}^{{commit}}")
            facts = repo.git.log("-1", "--format=%s%x00%an <%ae>", found, "--")
        except git.GitCommandError as e:
            raise UsageError(f"unknown commit {rev!r} in {repo.working_tree_dir}") from e
        subject, _, author = facts.partition("\0")
        return CommitInfo(project_path(repo), found.strip(), subject, author)


def profile(project: str) -> dict[str, Any]:
    """Main language (by tracked files), tracked file count and remote URL of a project."""
    return facts(project)[1]


def facts(project: str, profiled: bool = True) -> tuple[str | None, dict[str, Any]]:
    """The repository's default agent and (when `profiled`) its profile, the repository
    opened once: a vanished or broken one has no default and keeps its earlier profile."""
    agent: str | None = None
    try:
        with git.Repo(project) as repo:
            value = repo.config_reader().get_value("agent-tracker", "agent", default="")
            agent = str(value).strip() or None
            if not profiled:
                return agent, {}
            files = _git(repo, "ls-files", "-z").split("\0")
            remotes = {r.name: next(iter(r.urls), None) for r in repo.remotes}
            roots = _roots(repo)
    except Exception:
        return agent, {}
    counts = Counter(LANGUAGES.get(os.path.splitext(f)[1].lower()) for f in files if f)
    counts.pop(None, None)
    languages = dict(counts.most_common(8))
    remote = remotes.get("origin") or next(iter(remotes.values()), None)
    return agent, {
        "main_language": next(iter(languages), None),
        "languages": languages,
        "tracked_files": sum(1 for f in files if f),
        "remote_url": None if remote is None else without_credentials(remote),
        "roots": roots,
    }


def _roots(repo: git.Repo) -> list[str]:
    """The root commits of HEAD's history: what stays the same when a repository moves."""
    try:
        return sorted(_git(repo, "rev-list", "--max-parents=0", "HEAD", "--").split())
    except OSError:
        return []  # no commit yet


def _git(repo: git.Repo, *args: str) -> str:
    """A git command's output, run without GitPython's process set-up (a flush of many
    repositories runs two of them per repository); raises OSError when it fails."""
    import subprocess

    where = repo.working_tree_dir or repo.git_dir
    done = subprocess.run(["git", *args], cwd=where, capture_output=True, check=False)
    if done.returncode != 0:
        raise OSError(done.stderr.decode("utf-8", "replace").strip())
    return done.stdout.decode("utf-8", "surrogateescape")


def pushed_commits(project: str, updates: list[tuple[str, str]]) -> list[str]:
    """Commits a push would send: for each (local sha, remote sha), those not on the remote."""
    hashes: list[str] = []
    try:
        with git.Repo(project) as repo:
            for local, remote in updates:
                if is_zero(local):
                    continue  # a deleted ref sends nothing
                span = local if is_zero(remote) else f"{remote}..{local}"
                args = [span, "--not", "--remotes"] if is_zero(remote) else [span]
                hashes += repo.git.rev_list(*args).split()
    except git.GitCommandError as e:
        raise TrackerError(f"cannot list the commits being pushed: {e.stderr.strip()}") from e
    return hashes


def is_zero(object_id: str) -> bool:
    """git's null id: 40 zeros, or 64 in a SHA-256 repository."""
    return bool(object_id) and set(object_id) == {"0"}
