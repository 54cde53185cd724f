"""History in from elsewhere: the older plugin's lmdb-js files and export files.

`legacy` reads lmdb-js files without an LMDB library and maps their records; `sources` finds
and reads them; `merge` is the additive diff-merge every path shares; `migrate` the explicit
command (and the move-aside); `auto` the once-only merge when a command starts; `transfer`
export and import. May import: ledger, store, capture, config, errors.
"""
