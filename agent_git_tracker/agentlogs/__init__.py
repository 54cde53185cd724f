"""Agent logs: what the coding agents' own local logs say about model, tokens and cost.

Owns: one reader per agent's log format (`claude_code`, `codex`, `opencode`, `gemini`, each
the same small interface, like pre-commit's `languages/`), the shared records (`base`), the
incremental reading of JSON Lines (`jsonl`), the price table (`prices`, data in
`prices.json`), the repository a working folder lies in (`folders`) and the join of sessions
to commits (`join`, pure). `costs` keeps what they read in the database.

May import: the standard library, `orjson`, `agent_git_tracker.errors`, and
`canonical_model` from `agent_git_tracker.attribution.modelnames`. Never click, lmdb or
GitPython, and never in the post-commit hook: logs are read read-only, at `scan` and at the
pre-push flush (within a deadline).

Keeps only ids, model ids, times, token counts, working folders and the commit hashes printed
by git: no prompt, code or tool output.

Interface
---------
Each reader module `r` in `READERS`:

- `r.AGENT`: the agent id (`claude-code`, `codex`, `opencode`, `gemini-cli`);
- `r.roots(environ, home) -> list[Path]`: where its logs are on this machine (existing folders;
  none is normal);
- `r.read(root, cursor, deadline=None) -> Result`: what was written under `root` since
  `cursor` (None: from the start); past `deadline` (a `time.monotonic()` instant) it stops,
  newest files first, and the cursor says how far it got. `Result.turns` (`base.Turn`),
  `Result.mentions` (`base.Mention`), `Result.cursor` (JSON data to store and pass next time:
  an unchanged log costs a `stat` per file), `Result.skipped` (lines skipped, by reason).

Store cursors per (agent, root). Turns can come again (a log rewritten, archived or copied,
a cursor lost): keep them by `(turn.agent, turn.key)`, keeping `base.best` of two copies, or
simply keep them all; `join.sessions` drops copies the same way. Then:

- `join.sessions(turns, mentions) -> list[join.Session]`;
- `join.join(sessions, commits: list[join.Commit], prices.load(overrides), others=())
  -> join.Joined` (`others`: the work-tree roots of more repositories, whose sessions are
  never joined to these commits):
  per joined commit its agent, session, how it was joined, model (as written and canonical),
  `join.Tokens` and cost in USD (None when a model has no price); per session the tokens not
  tied to a commit; the sessions that joined none.
"""

from __future__ import annotations

from agent_git_tracker.agentlogs import claude_code, codex, gemini, opencode
from agent_git_tracker.agentlogs.base import Reader

READERS: tuple[Reader, ...] = (claude_code, codex, opencode, gemini)
