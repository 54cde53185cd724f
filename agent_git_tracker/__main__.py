"""Entry point. The hook and `track` paths run without importing click (see `capture`)."""

from __future__ import annotations

import os
import sys

_FAST = (
    ["hook", "post-commit"],
    ["hook", "post-merge"],
    ["hook", "post-applypatch"],
    ["track", "tool"],
    ["track", "command"],
)
# post-merge's one argument: whether the merge was a squash (pre-commit passes it in its
# environment instead).
_SQUASH_FLAGS = ("0", "1")


def _fast(args: list[str]) -> int | None:
    """Run the hooks that record HEAD (post-commit, post-merge, post-applypatch) or a `track`
    command on the lean path; None to use the CLI."""
    db_path, rest = None, list(args)
    while rest and rest[0].startswith("--db-path"):
        name, eq, value = rest.pop(0).partition("=")
        if name != "--db-path" or (not eq and not rest):
            return None
        db_path = value if eq else rest.pop(0)
    if rest[:2] not in _FAST:
        return None
    from agent_git_tracker.capture import hook as capture

    options: dict[str, str | bool] = {}
    flags = rest[2:]
    squash = os.environ.get("PRE_COMMIT_IS_SQUASH_MERGE") == "1"
    if rest[1] == "post-merge" and flags[:1] and flags[0] in _SQUASH_FLAGS:
        squash = flags.pop(0) == "1"
    strict = "--strict" in flags or os.environ.get(capture.STRICT_ENV) == "1"
    while flags:
        flag = flags.pop(0)
        if flag in ("--strict", "--failed"):
            options[flag[2:]] = True
        elif flag in ("--agent", "--tool", "--name") and flags:
            options["agent" if flag == "--agent" else "name"] = flags.pop(0)
        else:
            return None  # --help and anything unusual: the full CLI explains
    if rest[0] == "hook":
        hook = rest[1]
        return capture.run(
            lambda: capture.post_commit(db_path, hook, squash), strict, capture.COMMIT_LOST
        )
    lost = f"this {'tool use' if rest[1] == 'tool' else 'command'} was NOT recorded"
    return capture.run(lambda: capture.track(rest[1], options, db_path), strict, lost)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    fast = _fast(args)
    if fast is not None:
        return fast
    from agent_git_tracker.cli import run

    return run(args)


if __name__ == "__main__":
    sys.exit(main())
