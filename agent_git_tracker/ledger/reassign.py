"""`reassign`: the user corrects who made a commit, through the spool like every write (a
`reassign` event, which `assignment` applies at flush)."""

from __future__ import annotations

from typing import Any

from agent_git_tracker.capture.workspace import here, record, spool_dir
from agent_git_tracker.config.settings import Config
from agent_git_tracker.errors import UsageError
from agent_git_tracker.ledger.assignment import HUMAN
from agent_git_tracker.ledger.state import current
from agent_git_tracker.models import check_name
from agent_git_tracker.store import keys


def reassign(
    config: Config,
    revisions: list[str],
    agent: str | None,
    model: str | None,
    setup: str | None,
    human: bool,
) -> dict[str, Any]:
    """Spool the correction of recorded commits to `agent` (with its model and setup) or to a
    person; returns what each commit was and becomes."""
    if human == bool(agent):
        raise UsageError(
            "say who made the commits: --agent NAME (with --model, --setup) or --human"
        )
    if human and (model or setup):
        raise UsageError("--model and --setup describe an agent: leave them out with --human")
    if not revisions:
        raise UsageError("name the commits to reassign, e.g. `agent-git-tracker reassign HEAD`")
    from agent_git_tracker.gitmeta import resolve_commit

    who = HUMAN if human else check_name(agent)
    model = check_name(model, "model") if model else None
    setup = check_name(setup, "setup label") if setup else None
    repo = here()
    hashes = list(dict.fromkeys(resolve_commit(rev).hash for rev in revisions))
    before = {}
    with current(config, [spool_dir(config, repo)]) as (_, state, _):
        for commit_hash in hashes:
            found = state.get(keys.commit(repo["project"], commit_hash))
            if found is None:
                raise UsageError(
                    f"commit {commit_hash[:12]} is not recorded yet: run `agent-git-tracker scan` "
                    "to record this repository's history, then reassign it"
                )
            before[commit_hash] = found.get("agent_id")
    record(config, repo, "reassign", commits=hashes, agent=who, model=model, setup=setup)
    return {
        "commits": [{"commit": h, "was": before[h], "now": who} for h in hashes],
        "agent": who,
        "model": model,
        "setup": setup,
    }
