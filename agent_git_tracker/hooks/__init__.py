"""The git hooks beyond post-commit, and the hooks' installation.

`rewrite` (post-rewrite), `push` (pre-push), `session` (agent sessions), `install` (one
repository) and `globalhooks` (every repository, `install --global`), `wire` and
`agentconfigs` (the agents' own hook configuration), `doctor` and its `checks`. May import:
history (the pushed commits no hook recorded, outcomes), costs, ledger, store, capture, config,
`gitmeta`, models, errors.
"""
