"""Model, tokens and cost per commit, from the agents' own logs, kept in the database.

`passes` is the use case (`scan` and the pre-push hook run it): `reading` reads what is new
in every agent's logs (`agentlogs`) from the cursors stored and keeps it (`stored`: sessions
and their indexes, all `meta:logs:…`); `joining` joins a repository's commits to those
sessions (`agentlogs.join`) and stores each commit's usage (`commits`); `summary` is what
`agent-git-tracker usage` shows. May import: agentlogs, ledger, store, capture, config,
attribution, models, errors, times.

Stored: only ids, model ids, times, token counts and repository paths (a log's working folder
is named by its repository), and how far each log file was read; never prompts, code, tool
output or other paths. Logs are never read in the post-commit hook. The commit record's
`usage` and the digest's index 10 are described in `commits` and `ledger.digest`;
`ledger.digest.usage_totals` adds them up for a report row.
"""
