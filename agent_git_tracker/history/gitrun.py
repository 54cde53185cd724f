"""Running git for a pass: fixed argv, no shell, nothing of the repository's that could run.

Every call pins the options a user's or repository's configuration could change (prefixes,
quoting, colour, signatures, encoding) and turns off what could run a program or rewrite the
output (external diff drivers, textconv filters, the pager, replace refs). Variables that would
point git at another repository (a hook's `GIT_DIR`) or change its diff are left out.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType
from typing import IO

from agent_git_tracker.errors import TrackerError, UsageError
from agent_git_tracker.history.gitlog import FORMAT

_PINNED = (
    "--no-pager", "--no-replace-objects",
    "-c", "core.quotePath=false", "-c", "diff.noprefix=false", "-c", "diff.mnemonicPrefix=false",
    "-c", "log.showSignature=false", "-c", "i18n.logOutputEncoding=UTF-8", "-c", "color.ui=false",
)  # fmt: skip
_LOG = (
    "log", "--topo-order", "--reverse", "--root", "-p", "-U0", "--inter-hunk-context=0", "-M",
    "--diff-merges=first-parent", "--no-color", "--no-ext-diff", "--no-textconv",
    "--no-relative", "--src-prefix=a/", "--dst-prefix=b/", "--encoding=UTF-8", FORMAT,
)  # fmt: skip
_LEFT_OUT_ENV = frozenset(
    {
        "GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
        "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_NAMESPACE", "GIT_PREFIX", "GIT_SHALLOW_FILE",
        "GIT_GRAFT_FILE", "GIT_REPLACE_REF_BASE", "GIT_DIFF_OPTS", "GIT_EXTERNAL_DIFF",
        "GIT_PAGER", "PAGER",
    }
)  # fmt: skip
_HASH = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")
_CHUNK = 1 << 16  # bytes read from git's pipe at a time


def _env() -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name not in _LEFT_OUT_ENV}
    env["LC_ALL"] = "C"
    # A partial clone would fetch every missing blob from its remote, one by one, in a pass.
    env["GIT_NO_LAZY_FETCH"] = "1"
    return env


def _run(repo: Path, *args: str) -> bytes | None:
    """git's output, or None when it fails."""
    result = subprocess.run(
        ["git", *_PINNED, *args], cwd=repo, env=_env(), capture_output=True, check=False
    )
    return result.stdout if result.returncode == 0 else None


def commit_of(repo: Path, rev: str) -> str | None:
    """The full hash of the commit `rev` names, or None."""
    if rev.startswith("-"):
        return None
    out = _run(repo, "rev-parse", "--verify", "-q", "--end-of-options", f"{rev}^{{commit}}")
    return out.decode("ascii").strip() if out else None


def tip(repo: Path, branch: str | None) -> str:
    """The commit at the tip of `branch`: by default the remote's default branch, else HEAD."""
    name = branch or _default_branch(repo)
    found = commit_of(repo, name)
    if found is None:
        where = f"branch {branch!r}" if branch else "the default branch or HEAD"
        raise UsageError(f"found no commit at {where} in {repo}; pass an existing branch")
    return found


def _default_branch(repo: Path) -> str:
    remote = _run(repo, "symbolic-ref", "-q", "refs/remotes/origin/HEAD")
    if not remote:
        return "HEAD"
    remote_ref = remote.decode("utf-8", "replace").strip()
    local = "refs/heads/" + remote_ref.removeprefix("refs/remotes/origin/")
    return local if commit_of(repo, local) else remote_ref


def first_parents(repo: Path, tip: str, start: str | None) -> set[str]:
    """The commits of the first-parent line from `tip` back to (not including) `start`."""
    out = _run(repo, "rev-list", "--first-parent", tip, *([f"^{start}"] if start else []))
    if out is None:
        raise TrackerError(f"git could not list the history of {repo}; check `git log` there")
    return set(out.decode("ascii").split())


def first_parent_before(repo: Path, tip: str, time: float) -> str | None:
    """Walking back from `tip` along first parents, the first commit dated before `time`."""
    out = _run(repo, "rev-list", "--first-parent", "--timestamp", tip)
    for line in (out or b"").decode("ascii").splitlines():
        stamp, commit = line.split()
        if int(stamp) < time:
            return commit
    return None


def shallow_boundary(repo: Path) -> set[str]:
    """In a shallow clone, the commits whose parents were not fetched (else nothing)."""
    out = _run(repo, "rev-parse", "--git-path", "shallow")
    try:
        text = (repo / os.fsdecode(out.strip())).read_text("ascii") if out else ""
    except (OSError, UnicodeDecodeError):
        return set()
    return {word for word in text.split() if _HASH.fullmatch(word)}


def ignore_revs(repo: Path, tip: str) -> set[str]:
    """The commits named in `.git-blame-ignore-revs` at `tip` and in `blame.ignoreRevsFile`."""
    texts = [_run(repo, "cat-file", "blob", f"{tip}:.git-blame-ignore-revs") or b""]
    names = _run(repo, "config", "--get-all", "--path", "blame.ignoreRevsFile") or b""
    for name in names.splitlines():
        try:
            texts.append((repo / os.fsdecode(name.strip())).read_bytes() if name.strip() else b"")
        except OSError:
            continue  # git blame would fail; a measure goes on without the file
    found = set()
    for text in texts:
        for line in text.decode("utf-8", "replace").splitlines():
            word = line.split("#", 1)[0].strip().lower()
            if _HASH.fullmatch(word):
                found.add(word)
    return found


def toplevel(path: Path) -> tuple[str, str] | None:
    """The work tree's top and the common git folder of the repository at `path`, or None.
    Each is asked alone: a path may hold a newline."""
    top = _run(path, "rev-parse", "--show-toplevel")
    common = _run(path, "rev-parse", "--path-format=absolute", "--git-common-dir")
    if top is None or common is None:
        return None
    return os.fsdecode(top[:-1]), os.fsdecode(common[:-1])


def patch_ids(cwd: Path, commits: list[str]) -> dict[str, str]:
    """Each commit's stable patch id (commits whose diff is empty have none)."""
    if not commits:
        return {}
    diffs = subprocess.run(
        ["git", *_PINNED, "diff-tree", "-p", "-r", "--stdin", "--no-ext-diff", "--no-textconv"],
        cwd=cwd,
        env=_env(),
        input="".join(f"{c}\n" for c in commits).encode(),
        capture_output=True,
        check=False,
    ).stdout
    ids = {}
    found = subprocess.run(
        ["git", "patch-id", "--stable"],
        cwd=cwd,
        env=_env(),
        input=diffs,
        capture_output=True,
        check=False,
    ).stdout.decode("ascii", "replace")
    for line in found.splitlines():
        patch, _, commit = line.partition(" ")
        ids[commit] = patch
    return ids


class Log:
    """A running `git log -p` of the commits after `start` up to `tip`, parents first."""

    def __init__(self, repo: Path, tip: str, start: str | None) -> None:
        self._start(repo, [*_LOG, tip, *([f"^{start}"] if start else [])])

    @classmethod
    def of(cls, repo: Path, args: list[str], stdin: bytes | None = None) -> Log:
        """Any streamed `git log` (args after the pinned options), `stdin` given to git."""
        log = cls.__new__(cls)
        log._start(repo, args, stdin)
        return log

    def _start(self, repo: Path, args: list[str], stdin: bytes | None = None) -> None:
        # Never a pipe for git's errors: a full pipe nobody reads would stall git. Its input
        # comes from a file for the same reason.
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115 (closed in __exit__)
        given = tempfile.TemporaryFile()  # noqa: SIM115 (git has it open; closed right after)
        given.write(stdin or b"")
        given.seek(0)
        self._process = subprocess.Popen(
            ["git", *_PINNED, *args],
            cwd=repo,
            env=_env(),
            stdin=given,
            stdout=subprocess.PIPE,
            stderr=self._errors,
            bufsize=_CHUNK,
        )
        given.close()
        assert self._process.stdout is not None
        self.stdout: IO[bytes] = self._process.stdout

    def __enter__(self) -> Log:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        self.stdout.close()
        self._errors.close()

    def check(self) -> None:
        """Wait for git to end; raise if it failed (its output may then be incomplete)."""
        if self._process.wait() != 0:
            self._errors.seek(0)
            said = _printable(self._errors.read(400).decode("utf-8", "replace"))
            raise TrackerError(f"git log failed: {said.strip()}; check the repository with git")


def _printable(text: str) -> str:
    """Text from git, with anything that could drive a terminal escaped."""
    return "".join(c if c.isprintable() or c == "\n" else repr(c)[1:-1] for c in text)
