"""Which repository an agent worked in: a log's working folder named by its repository.

Only the repository is kept of a working folder (no path beyond it is stored), named as the
hooks name it (`project_path`): the top level of its main work tree. A linked work tree
(`git worktree add`) names its main one, so a session in a work tree joins the repository's
commits; a submodule or a repository nested in another's work tree names itself. Read from the
`.git` entries on disk, without running git: the nearest folder above (or at) the working
folder holding a `.git` folder is a main work tree; a `.git` file (`gitdir: …`) points to the
git folder of a linked work tree, whose `commondir` leads to the main one's `.git`.
"""

from __future__ import annotations

import os


def repository_of(folder: str) -> str | None:
    """The project path of the repository holding `folder`, or None outside any repository
    (or for a folder that is not absolute)."""
    if not os.path.isabs(folder):
        return None
    path = os.path.realpath(folder)
    while True:
        dot_git = os.path.join(path, ".git")
        if os.path.isdir(dot_git):
            return path
        if os.path.isfile(dot_git):
            return _linked(path, dot_git)
        parent = os.path.dirname(path)
        if parent == path:
            return None
        path = parent


def _linked(top: str, dot_git: str) -> str:
    """The main work tree of a work tree whose `.git` is a file; `top` itself for a submodule
    (its git folder is not a `.git` folder) or a file that cannot be read."""
    try:
        with open(dot_git, encoding="utf-8") as stream:
            line = stream.read(4096).strip()
    except (OSError, UnicodeDecodeError):
        return top
    if not line.startswith("gitdir:"):
        return top
    git_dir = os.path.normpath(os.path.join(top, line.removeprefix("gitdir:").strip()))
    common = git_dir
    try:
        with open(os.path.join(git_dir, "commondir"), encoding="utf-8") as stream:
            common = os.path.normpath(os.path.join(git_dir, stream.read(4096).strip()))
    except (OSError, UnicodeDecodeError):
        pass
    if os.path.basename(common) == ".git":
        return os.path.realpath(os.path.dirname(common))
    return top
