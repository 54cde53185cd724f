"""The git hooks beyond post-commit, and the hooks' installation.

`rewrite` (post-rewrite), `push` (pre-push), `session` (agent sessions), `install` and
`doctor`. May import: history, costs, ledger, store, capture, config, `gitmeta`, models,
errors.
"""
