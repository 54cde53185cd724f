"""Applying events: from the spool to the database.

`flush` writes a repository's spool in one transaction, exactly once; `ledger` turns events
into records over an `overlay`; `events` says which events can be applied; `points` are the
points rules; `digest` the report's small record per commit; `state` the agents as the user
sees them (pending events included); `actions` the user's writes (grade, bug, resume,
activity); `reassign` the user's correction of who made a commit, which `assignment`
applies; `lookup` what is recorded of a commit (`show`) and the commits recorded (`log`);
`exports` the read-only state files; `overview` the database and spool at a glance.
May import: store, capture, attribution, config, `gitmeta`, models, errors.
"""
