"""What runs on every commit and every agent tool call: record raw facts, append one event.

This is the hook's whole import path, so it uses `os`, `time`, `fcntl`, `zlib` and the C JSON
string encoder only: no `subprocess`, `json`, `re`, click or GitPython. Interpretation (who made
the commit, points, profiles) happens at flush, where its cost is paid once per push.
"""

from __future__ import annotations

import os
import sys
import time
from _json import encode_basestring_ascii as _quote

from agent_git_tracker.attribution.agents import AGENT_IDS, near_known_warning
from agent_git_tracker.capture import notice, spool
from agent_git_tracker.config import locate

# Typing names only: `typing` costs the hook several milliseconds at run time.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any


# Agent markers whose NAMES are recorded; their values are never stored (but SESSION_IDS).
MARKERS = (
    "AI_AGENT",
    "CLAUDECODE",
    "GEMINI_CLI",
    "OPENCODE",
    "CURSOR_AGENT",
    "AMP_CURRENT_THREAD_ID",
)
MARKER_PREFIXES = ("CODEX_",)
# Agents' session ids, kept by value (they are ids, not secrets): they join the commit to the
# session in the agent's own log.
SESSION_IDS = ("CODEX_THREAD_ID", "CODEX_SESSION_ID", "AMP_CURRENT_THREAD_ID")
MAX_SESSION_ID = 200
DECLARED = {
    "agent": "AGENT_TRACKER_AGENT",
    "model": "AGENT_TRACKER_MODEL",
    "setup": "AGENT_TRACKER_SETUP",
}
STRICT_ENV = "AGENT_TRACKER_STRICT"
# Caps that keep the hook fast on huge commits and huge messages.
NUMSTAT_SECONDS = 0.5
MAX_MESSAGE = 64 * 1024
_FIELDS = (
    "hash",
    "parents",
    "author_name",
    "author_email",
    "authored_at",
    "committer_name",
    "committer_email",
    "committed_at",
)
_FORMAT = "%x00".join(("%H", "%P", "%an", "%ae", "%aI", "%cn", "%ce", "%cI", "%B")) + "%x00"
# A partial clone lacks objects; git would fetch them in the hook. GIT_NO_LAZY_FETCH stops that
# from git 2.44 on; an empty protocol allowlist makes any fetch fail at once before that.
_NO_FETCH = {"GIT_NO_LAZY_FETCH": "1", "GIT_ALLOW_PROTOCOL": "none"}


class HookError(Exception):
    """A failure inside a hook: one warning line, and exit 0 unless strict."""


def dumps(value: Any) -> str:
    """JSON for the few plain types an event holds (the `json` module costs a `re` import)."""
    if isinstance(value, str):
        return str(_quote(value))
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{_quote(str(k))}:{dumps(v)}" for k, v in value.items()) + "}"
    return "[" + ",".join(dumps(v) for v in value) + "]"


def git(args: list[str], seconds: float | None = None, fetch: bool = True) -> tuple[bytes, bool]:
    """Run git and return its output. With `seconds`, give up (and kill git) after that long
    and report the output as cut short. Without `fetch`, git never fetches missing objects."""
    read_end, write_end = os.pipe()
    try:
        pid = os.posix_spawnp(
            "git",
            ["git", *args],
            os.environ if fetch else {**os.environ, **_NO_FETCH},
            file_actions=[
                (os.POSIX_SPAWN_DUP2, write_end, 1),
                (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
            ],
        )
    except OSError as e:
        os.close(read_end)
        raise HookError(f"cannot run git: {e.strerror}") from e
    finally:
        os.close(write_end)
    chunks, cut = [], False
    deadline = None if seconds is None else time.monotonic() + seconds
    with os.fdopen(read_end, "rb") as pipe:
        while not (cut := deadline is not None and not _ready(pipe, deadline)):
            chunk = pipe.read1(1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    if cut:
        os.kill(pid, 9)
    status = os.waitpid(pid, 0)[1]
    if status and not cut:
        raise HookError(f"`git {' '.join(args[:2])}` failed (status {status >> 8})")
    return b"".join(chunks), cut


def _ready(pipe: Any, deadline: float) -> bool:
    import select

    return bool(select.select([pipe], [], [], max(0.0, deadline - time.monotonic()))[0])


def repository() -> dict[str, str]:
    """Top level, git dir and common dir of the repository in the current directory."""
    if (
        os.path.isfile(".git/HEAD")
        and not os.path.islink(".git")
        and not (os.environ.keys() & {"GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR"})
    ):
        # Git runs hooks at the top of the work tree: a plain `.git` folder there needs no
        # `git rev-parse` (a process less on every commit).
        top = os.getcwd()
        git_dir = os.path.join(top, ".git")
        return {"project": top, "worktree": top, "git_dir": git_dir, "common_dir": git_dir}
    flags = ["--show-toplevel", "--absolute-git-dir", "--git-common-dir"]
    try:
        out, _ = git(["rev-parse", *flags])
    except HookError as e:
        raise HookError(f"{os.getcwd()} is not inside a git repository") from e
    parts = out.decode("utf-8", "surrogateescape").split("\n")
    if len(parts) != len(flags) + 1 or parts[-1]:
        # rev-parse has no -z: a path holding a newline shows as more lines. Ask one by one.
        parts = [_path_of(flag) for flag in flags]
    top, git_dir, common = parts[:3]
    # `--git-common-dir` is relative to the current folder (a subfolder, for a command).
    common = os.path.normpath(os.path.join(os.getcwd(), common))
    project = os.path.dirname(common) if os.path.basename(common) == ".git" else top or common
    return {"project": project, "worktree": top, "git_dir": git_dir, "common_dir": common}


def _path_of(flag: str) -> str:
    out, _ = git(["rev-parse", flag])
    return out.decode("utf-8", "surrogateescape").removesuffix("\n")


def branch(git_dir: str) -> str | None:
    try:
        with open(os.path.join(git_dir, "HEAD"), encoding="utf-8") as f:
            head = f.read().strip()
    except OSError:
        return None
    return head.removeprefix("ref: refs/heads/") if head.startswith("ref: ") else None


def head_commit() -> dict[str, Any]:
    """The facts of HEAD as git states them. Counting lines reads every changed file, so a
    huge commit gets only its file count (from the tree diff) after NUMSTAT_SECONDS."""
    common = ["log", "-1", "-z", "--no-renames", "--no-show-signature", f"--format={_FORMAT}"]
    try:
        out, cut = git([*common, "--numstat", "HEAD", "--"], NUMSTAT_SECONDS, fetch=False)
    except HookError:  # a partial clone lacks the blobs to count lines: record without counts
        out, cut = b"", True
    files_known = True
    if cut:
        try:
            out, _ = git([*common, "--raw", "HEAD", "--"], fetch=False)
        except HookError:  # nor the trees (tree:0): record the commit alone
            out, _ = git([*common, "HEAD", "--"], fetch=False)
            files_known = False
    text = out.decode("utf-8", "surrogateescape")
    values = text.split("\0", len(_FIELDS))
    facts: dict[str, Any] = dict(zip(_FIELDS, values, strict=False))
    message, _, stats = values[-1].partition("\0")
    facts["parents"] = facts.get("parents", "").split()
    facts["message"] = cap_message(message)
    facts.update(_file_count(stats, files_known) if cut else _numstat(stats.lstrip("\0\n")))
    return facts


def cap_message(message: str) -> str:
    if len(message) <= MAX_MESSAGE:
        return message
    half = MAX_MESSAGE // 2  # the head has the subject, the tail the trailers
    return (
        f"{message[:half]}\n[… {len(message) - MAX_MESSAGE} characters left out …]\n"
        f"{message[-half:]}"
    )


def _numstat(stats: str) -> dict[str, Any]:
    files = insertions = deletions = 0
    for record in stats.split("\0"):
        added, _, rest = record.strip("\n").partition("\t")
        removed, _, path = rest.partition("\t")
        if not path:
            continue
        files += 1
        insertions += int(added) if added.isdigit() else 0  # "-" for binary files
        deletions += int(removed) if removed.isdigit() else 0
    return {
        "files_changed": files,
        "insertions": insertions,
        "deletions": deletions,
        "stats_capped": False,
    }


def _file_count(raw: str, known: bool) -> dict[str, Any]:
    files = sum(1 for part in raw.split("\0") if part.lstrip("\n").startswith(":"))
    return {
        "files_changed": files if known else None,
        "insertions": None,
        "deletions": None,
        "stats_capped": True,
    }


def markers(environ: Mapping[str, str]) -> list[str]:
    """Names of the agent markers set in the environment. Values are not kept, except that of
    AI_AGENT when it names one of the known agent ids (the value is then the agent's name)."""
    names = sorted(n for n in environ if n in MARKERS or n.startswith(MARKER_PREFIXES))
    value = environ.get("AI_AGENT", "").strip().lower()
    return [f"AI_AGENT={value}" if n == "AI_AGENT" and value in AGENT_IDS else n for n in names]


def session_ids(environ: Mapping[str, str]) -> dict[str, str]:
    """The agents' session ids set in the environment (SESSION_IDS), by variable name."""
    found = {}
    for name in SESSION_IDS:
        value = environ.get(name, "").strip()
        if value and len(value) <= MAX_SESSION_ID:
            found[name] = value
    return found


def declared(environ: Mapping[str, str]) -> dict[str, str]:
    """What the user declared with AGENT_TRACKER_AGENT / _MODEL / _SETUP."""
    return {k: environ[v].strip() for k, v in DECLARED.items() if environ.get(v, "").strip()}


def spool_dir(repo: Mapping[str, str], db_path: str | None) -> str:
    root = locate.spool_root(db_path or database_path())
    return spool.repo_dir(root, repo["common_dir"])


def spool_place(repo: Mapping[str, str], db_path: str | None) -> tuple[str | None, str, str]:
    """The spool folder (None when the configuration cannot say which database is meant),
    the folder's name (which the fallback folder shares), and why it is None."""
    name = os.path.basename(spool.repo_dir("", repo["common_dir"]))
    try:
        return spool_dir(repo, db_path), name, ""
    except Exception as e:
        from agent_git_tracker.errors import TrackerError  # only a refused configuration

        if not isinstance(e, TrackerError):
            raise
        return None, name, str(e)  # never guess another database than the command line's


def database_path() -> str:
    """The database path the command line would use, read cheaply when the file allows."""
    try:
        return locate.hook_database_path(os.environ)
    except locate.Unsure:
        from agent_git_tracker.config.settings import load

        return str(load(environ=dict(os.environ)).database_path)


def event(event_type: str, repo: Mapping[str, str], **fields: Any) -> dict[str, Any]:
    return {
        "id": spool.new_id(),
        "type": event_type,
        "time": time.time(),
        "project": repo["project"],
        "worktree": repo["worktree"],
        **fields,
    }


def post_commit(db_path: str | None, hook: str = "post-commit", squash: bool = False) -> str | None:
    """Append the commit event of HEAD; returns a warning to print, if any. `post-applypatch`
    (`git am`) records HEAD like `post-commit`; `post-merge` records it only when the merge
    made a commit (never a fast-forward's or a squash's: those made none of the user's own)."""
    repo = repository()
    if hook == "post-merge" and (squash or not notice.merge_made(repo["git_dir"], None)):
        return None
    directory, name, why = spool_place(repo, db_path)
    problems: list[str] = []
    session = None
    if directory:
        session = spool.read_session(directory, None, problems, repo["common_dir"])
    commit = head_commit()
    if hook == "post-merge" and not notice.merge_made(repo["git_dir"], commit.get("hash")):
        return None
    commit["branch"] = branch(repo["git_dir"])
    declared_now, markers_now = declared(os.environ), markers(os.environ)
    line = dumps(
        event(
            "commit",
            repo,
            commit=commit,
            session=session,
            declared=declared_now,
            markers=markers_now,
            session_ids=session_ids(os.environ),
        )
    )
    problems.append(store(directory, name, line, why))
    if directory:
        try:  # noqa: SIM105 - the event is kept; contextlib would cost the hook an import
            problems.append(halted_warning(directory, session, commit) or "")
        except Exception:  # noqa: S110 - a courtesy warning must not hide that it was kept
            pass
    warning = "; ".join(p for p in problems if p) or None
    said = None if warning else notice.line(session, declared_now, markers_now, commit)
    if said and not notice.quiet():  # a failure is the one line a hook prints
        _say("", said)
    return warning


def halted_warning(
    directory: str, session: dict[str, str] | None, commit: dict[str, Any]
) -> str | None:
    """A warning when the commit's agent is halted; detection runs only if some agent is."""
    halted = spool.halted_agents(os.path.dirname(directory))
    if not halted:
        return None
    from agent_git_tracker.attribution.attribute import attribute

    agent = attribute(commit, session, declared(os.environ), markers(os.environ), None).agent
    if agent not in halted:
        return None
    return (
        f"agent {agent} is HALTED (skill points at 0) and made this commit; reinstate it "
        f"with `agent-git-tracker resume {agent} --plan '...'`"
    )


def track(kind: str, options: dict[str, Any], db_path: str | None) -> str | None:
    """Append one tool-use or command event for the agent of the active session; returns a
    warning: an agent named close to a known id, or where an event the spool could not take
    was kept."""
    repo = repository()
    directory, name, why = spool_place(repo, db_path)
    problems: list[str] = []
    session = None
    if directory:
        session = spool.read_session(directory, None, problems, repo["common_dir"])
    session = session or {}
    agent = options.get("agent") or declared(os.environ).get("agent") or session.get("agent")
    if not agent:
        raise HookError(
            "no agent: pass --agent, set AGENT_TRACKER_AGENT, or start a session "
            "with `agent-git-tracker session start --agent NAME`"
        )
    if session and directory:
        try:  # noqa: SIM105 - an agent at work keeps its session alive (no contextlib import)
            os.utime(os.path.join(directory, spool.SESSION), follow_symlinks=False)
        except OSError:
            pass
    line = dumps(
        event(
            kind,
            repo,
            agent=agent,
            name=options.get("name"),
            failed=bool(options.get("failed")),
            model=session.get("model") if session.get("agent") == agent else None,
            setup=session.get("setup") if session.get("agent") == agent else None,
        )
    )
    problems.append(store(directory, name, line, why))
    problems.append(near_known_warning(options.get("agent"), "--agent") or "")
    return "; ".join(p for p in problems if p) or None


def store(directory: str | None, name: str, line: str, why: str) -> str:
    """Append the event to the spool; when it cannot go there, `keep` finds it a place (that
    module is imported only then: the usual path stays lean). Returns a warning, or ""."""
    if directory is not None and not why:
        try:
            spool.append(directory, line, spool.HOOK_WAIT)
            return ""
        except OSError as e:
            from agent_git_tracker.capture.keep import reason

            why = f"cannot append to the spool: {reason(e)}"
    from agent_git_tracker.capture.keep import keep

    return keep(directory, name, line, spool.HOOK_WAIT, locate.fallback_root(os.environ), why)


def run(action: Any, strict: bool, lost: str) -> int:
    """Run a hook action: any failure is one warning line and exit 0, unless strict. `lost`
    says what a failure means for the event (what was kept, what was not); a `NotKept`
    failure says it itself. Outside text in a message is shown escaped."""
    try:
        warning = action()
    except Exception as e:  # a hook must never break git or the agent
        from agent_git_tracker.capture.keep import NotKept

        said = isinstance(e, NotKept)
        if strict:
            _say("error", str(e) if said else f"{e} ({lost})")
            return 1
        _say("warning", str(e) if said else f"{e} ({lost})")
        return 0
    if warning:
        _say("warning", warning)
    return 0


def _say(level: str, message: str) -> None:
    if not message.isprintable():  # a control character, a bidi override: escaped
        from agent_git_tracker.text import printable  # only then: the hook stays lean

        message = printable(message)
    label = f"{level}: " if level else ""
    print(f"agent-git-tracker: {label}{message}", file=sys.stderr)


COMMIT_LOST = "this commit was NOT recorded; the commit itself went through"
PUSH_LOST = "the push goes on"
