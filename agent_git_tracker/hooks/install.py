"""Install, uninstall and check the git hooks of a repository.

Only the repository's own hooks folder (`<git common dir>/hooks`) is ever written or cleaned. A
`core.hooksPath` outside the repository's git folder is shared (by every repository of a
global setting, or by the team when it is committed): it is reported with the `git config`
command that removes it, never changed. Nothing is written through a symlink.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from agent_git_tracker.capture import spool
from agent_git_tracker.capture.workspace import here
from agent_git_tracker.errors import TrackerError

# The hooks that record: every way a commit is made (post-commit; post-merge for a merge that
# made a commit; post-applypatch for `git am`), rewrites, and the flush at push.
HOOKS = ("post-commit", "post-merge", "post-applypatch", "post-rewrite", "pre-push")


MARKER = "agent-git-tracker git hook"


SCRIPT = Path(__file__).parent.parent / "githooks" / "post-commit"


OLD_PLUGIN = Path(".config", "opencode", "plugins", "agent-tracker")


# `git config --show-scope` → the option that names that scope to `git config --unset`.
_SCOPES = {"local": "", "global": " --global", "system": " --system", "worktree": " --worktree"}


def git_output(*args: str) -> str:
    """Git's output without its last newline (paths are bytes: kept with surrogateescape)."""
    result = subprocess.run(["git", *args], capture_output=True, check=False)
    return os.fsdecode(result.stdout).removesuffix("\n") if result.returncode == 0 else ""


@dataclass(frozen=True)
class Place:
    """Where this repository's hooks are: its own folder, and where git runs them from."""

    own: Path
    active: Path
    setting: str = ""  # `git config --show-scope --show-origin` of core.hooksPath, if set

    @property
    def shared(self) -> bool:
        """Whether git runs hooks from outside the repository's git folder."""
        return self.active != self.own and not _inside(self.active, self.own.parent)

    @property
    def ours(self) -> bool:
        """Whether that shared folder runs this tool's hooks (the package's `githooks/`)."""
        return is_ours(self.active / "post-commit")

    def unset(self) -> str:
        scope = self.setting.split("\t", 1)[0]
        if scope in _SCOPES:
            return f"`git config{_SCOPES[scope]} --unset core.hooksPath`"
        return "removing core.hooksPath where it is set (`git config --show-origin core.hooksPath`)"

    def describe(self) -> str:
        scope, _, rest = self.setting.partition("\t")
        origin = rest.partition("\t")[0].removeprefix("file:")
        return f"core.hooksPath is {self.active} (a {scope} setting, in {origin})"


def place() -> Place:
    """The repository's own hooks folder and the one git runs hooks from."""
    common = git_output("rev-parse", "--git-common-dir") or ".git"
    own = Path(os.path.abspath(common)) / "hooks"
    configured = git_output("config", "--get", "core.hooksPath")
    if not configured:
        return Place(own, own)
    top = git_output("rev-parse", "--show-toplevel") or os.getcwd()
    active = Path(os.path.abspath(os.path.join(top, os.path.expanduser(configured))))
    setting = git_output("config", "--show-scope", "--show-origin", "--get", "core.hooksPath")
    return Place(own, active, setting)


def _inside(path: Path, folder: Path) -> bool:
    real, base = os.path.realpath(path), os.path.realpath(folder)
    return os.path.commonpath([real, base]) == base


def hooks_dir() -> tuple[Path, bool]:
    """Where git looks for this repository's hooks, and whether core.hooksPath says so."""
    where = place()
    return where.active, where.active != where.own


def script_text(chain: str = "") -> str:
    """The hook script, bound to this installation's interpreter (GUI git clients and agents
    often run hooks with a PATH that lacks the user's virtual environment); with `chain`, it
    runs that folder's hooks instead of the repository's own."""
    text = SCRIPT.read_text().replace("python=\n", f"python={shlex.quote(sys.executable)}\n", 1)
    return text.replace("chain=\n", f"chain={shlex.quote(chain)}\n", 1) if chain else text


def is_ours(path: Path) -> bool:
    try:
        fd = spool.open_regular(str(path.resolve()))
        with os.fdopen(fd, "rb") as f:
            return MARKER.encode() in f.read(1 << 16)
    except OSError:
        return False


@dataclass
class Change:
    done: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def install() -> Change:
    """Write the three hooks into the repository's own hooks folder; a shared core.hooksPath
    is reported, never written to."""
    here()
    where = place()
    if where.shared and where.ours:
        return Change([f"{where.describe()}: agent-git-tracker's githooks/ already run here"])
    if where.shared:
        raise TrackerError(
            f"{where.describe()}: git runs hooks from that folder, which other repositories "
            "may share, so this tool will not write there. Add agent-git-tracker's githooks/ "
            f"to it yourself ({SCRIPT.parent}), or run {where.unset()} and then "
            "`agent-git-tracker install` again"
        )
    folder = _own_folder(where.active)
    change = Change()
    for name in HOOKS:
        path = folder / name
        if os.path.lexists(path) and not is_ours(path):
            change.refused.append(
                f"{path} exists and is not ours; left as it is. Chain to it "
                f"with `git config core.hooksPath {SCRIPT.parent}` instead"
            )
            continue
        existed = os.path.lexists(path)
        spool.write_file(str(path), script_text(), 0o755)  # replaces a symlink, never follows
        change.done.append(f"{'updated' if existed else 'installed'} {name} in {folder}")
    if change.refused and not change.done:
        raise TrackerError("; ".join(change.refused))
    return change


def _own_folder(folder: Path) -> Path:
    if folder.is_symlink():
        raise TrackerError(
            f"{folder} is a symlink (to {os.path.realpath(folder)}), maybe shared with other "
            "repositories; this tool writes only into the repository's own hooks folder"
        )
    folder.mkdir(mode=0o755, exist_ok=True)
    return folder


def uninstall() -> Change:
    """Remove the hooks this tool installed in the repository's own hooks folder; other
    hooks, and a shared core.hooksPath, are left alone (the latter is reported)."""
    here()
    where = place()
    change = Change()
    if not where.own.is_symlink():
        for name in HOOKS:
            path = where.own / name
            if is_ours(path):
                os.unlink(path)  # a symlink goes, never what it points to
                change.done.append(f"removed {path}")
            elif os.path.lexists(path):
                change.refused.append(f"{path} is not ours; left as it is")
    if where.shared:
        runs = "runs agent-git-tracker's githooks/" if where.ours else "is another folder"
        change.refused.append(
            f"{where.describe()} and {runs}; it may be shared with other repositories, so it "
            f"was left as it is. To stop using it in this repository, run {where.unset()}"
        )
    return change
