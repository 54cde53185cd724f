"""A repository's existing history: `scan` and the outcome measures of commits.

May import: ledger, store, capture, attribution, config, `gitmeta`, models, errors.
"""
