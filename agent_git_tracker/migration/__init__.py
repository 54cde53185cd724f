"""History in from elsewhere: the older plugin's lmdb-js files and export files.

Every path is an additive diff-merge (`merge`): a key the central database already holds is
never overwritten, so a second run writes nothing; sources are only ever read; what derives from
the records (timelines, the agents' counters) is made again after each merge.

`legacy` reads lmdb-js files without an LMDB library and maps their records; `sources` finds
and reads them; `migrate` the explicit command (and the move-aside); `auto` the once-only merge
when a command starts in a repository (only a file the user put there: not tracked by git, owned
by the user, reached through no symlink, at most 64 MiB); `transfer` export and import. May
import: ledger, store, capture, config, errors.
"""
