"""Which commits a rebase replayed, and what each became: for the post-rewrite hook when git's
own old → new list is not passed on (the pre-commit framework runs it without stdin).

Only the commits the rebase itself wrote are considered: from its `rebase (start)` entry in
HEAD's reflog (whose commit is the base it replayed onto) to its `rebase (finish)`. The old
commits are ORIG_HEAD's since that base. A replayed commit keeps its patch, so old and new pair
by `git patch-id`; commits folded by a fixup or squash step pair, by the subjects the reflog
names, with the commit their fold ended in. Upstream commits (the base and below) are never
paired, whatever their author or time.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from agent_git_tracker.history.gitrun import patch_ids

# `rebase (pick): subject`, `rebase -i (fixup): …`, `pull --rebase origin main (start): …`
_STEP = re.compile(r"[^()]*\brebase\b[^()]* \(([a-z]+)\): ?(.*)")
_FOLDS = ("fixup", "squash")
REFLOG_DEPTH = 2000  # entries read back to find the rebase's start


def _git(cwd: Path, *args: str, stdin: bytes | None = None) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True, check=False)
    return result.stdout.decode("utf-8", "replace") if result.returncode == 0 else ""


def rewritten(kind: str, cwd: Path) -> list[tuple[str, str]]:
    """Old → new pairs of the amend or rebase that just ended."""
    if kind == "amend":
        out = _git(cwd, "rev-parse", "HEAD@{1}", "HEAD").split()
        return [(out[0], out[1])] if len(out) == 2 and out[0] != out[1] else []
    return rebase_pairs(cwd)


def rebase_pairs(cwd: Path) -> list[tuple[str, str]]:
    """Old → new pairs of the rebase that just ended (empty when none can be told)."""
    steps, onto = _last_rebase(cwd)
    if onto is None:
        return []
    # Old: what left the branch. New: what the rebase wrote, never what it was based on.
    old = _commits(cwd, "ORIG_HEAD", "^HEAD")
    new = _commits(cwd, "HEAD", "^ORIG_HEAD", f"^{onto}")
    ids = patch_ids(cwd, [*old, *new])
    pairs, unpaired = _by_patch(old, new, ids)
    return pairs + _folds(cwd, steps, unpaired, set(new))


def _last_rebase(cwd: Path) -> tuple[list[tuple[str, str, str]], str | None]:
    """The steps (action, subject, commit) of the newest rebase in HEAD's reflog, oldest
    first, and the commit it started on; (…, None) when the reflog shows no whole rebase."""
    steps: list[tuple[str, str, str]] = []
    log = _git(cwd, "reflog", "-n", str(REFLOG_DEPTH), "--format=%H%x00%gs", "HEAD", "--")
    for line in log.splitlines():
        commit, _, subject = line.partition("\0")
        step = _STEP.fullmatch(subject)
        if step is None:
            if steps:
                break  # something else happened between this rebase's steps
            continue
        if step.group(1) == "start":
            return steps[::-1], commit
        steps.append((step.group(1), step.group(2), commit))
    return [], None


def _commits(cwd: Path, tip: str, *bases: str) -> list[str]:
    return _git(cwd, "rev-list", "--reverse", "--no-merges", tip, *bases, "--").split()


def _by_patch(
    old: list[str], new: list[str], ids: dict[str, str]
) -> tuple[list[tuple[str, str]], list[str]]:
    waiting: dict[str, list[str]] = {}
    for commit in new:
        if commit in ids:
            waiting.setdefault(ids[commit], []).append(commit)
    pairs, unpaired = [], []
    for commit in old:
        same = waiting.get(ids.get(commit, ""))
        if same:
            pairs.append((commit, same.pop(0)))
        else:
            unpaired.append(commit)
    return pairs, unpaired


def _folds(
    cwd: Path, steps: list[tuple[str, str, str]], unpaired: list[str], new: set[str]
) -> list[tuple[str, str]]:
    """Each fold (a commit and the fixups or squashes folded into it) ended in one commit. The
    reflog names the fold by the subject of the commit folded into; the folded commits are
    those named `fixup! <subject>` (or `squash!`, `amend!`), else the next ones after it."""
    subjects = _subjects(cwd, unpaired)
    free = list(unpaired)
    pairs = []
    for subject, folds, end in _runs(steps):
        if end not in new:
            continue
        target = next((c for c in free if subjects.get(c) == subject), None)
        marked = [c for c in free if subjects.get(c) in _marks(subject)][:folds]
        after = free[free.index(target) + 1 :] if target in free else free
        folded = (marked + [c for c in after if c not in marked and c != target])[:folds]
        for commit in [c for c in (target, *folded) if c is not None]:
            free.remove(commit)
            pairs.append((commit, end))
    return pairs


def _marks(subject: str) -> set[str]:
    return {f"{mark}! {subject}" for mark in ("fixup", "squash", "amend")}


def _runs(steps: Iterable[tuple[str, str, str]]) -> list[tuple[str, int, str]]:
    """The folds of a rebase: (subject folded into, how many commits folded, the commit the
    fold ended in). A fold whose first commit was kept as it was has no pick step of its own."""
    runs: list[list[Any]] = []
    for action, subject, commit in steps:
        if action in _FOLDS:
            if not runs or runs[-1][3]:
                runs.append([subject, 0, commit, False])
            runs[-1][1] += 1
            runs[-1][2] = commit
        elif action not in ("finish", "continue"):
            if runs:
                runs[-1][3] = True
            runs.append([subject, 0, commit, False])
    return [(subject, folds, end) for subject, folds, end, _ in runs if folds]


def _subjects(cwd: Path, commits: list[str]) -> dict[str, str]:
    if not commits:
        return {}
    out = _git(cwd, "show", "-s", "--no-walk", "--format=%H%x00%s", *commits, "--")
    return dict(line.split("\0", 1) for line in out.splitlines() if "\0" in line)
