"""The hook path: what runs on every commit and every agent tool call.

`hook` records raw facts and appends one event; `notice` says after a commit what was
recorded and tells a merge that made a commit from a fast-forward; `spool` is the on-disk queue
beside the database; `keep` is where an event goes when the spool cannot take it (never dropped);
`workspace` is the repository a command runs in and its single write path. Standard library
only, and cheap to import: the post-commit hook pays for every import on every commit. May
import: `config.locate` (and `config.settings` only when the quick lookup cannot tell),
`attribution` (only when some agent is halted), errors, text.
"""
