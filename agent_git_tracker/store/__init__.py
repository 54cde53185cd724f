"""The central LMDB database and its keys: the only package that imports `lmdb`.

`db` opens the database; `views` reads and writes inside a transaction; `keys` builds and
parses every key; `compact`, `layouts`, `pairs` and `words` are how records are stored
(schemas 3 and 4: readers see every record as it was written); `upgrade` the named upgrades
of older databases; `pages` reads the file's pages without LMDB (the size check before LMDB
maps it, and the salvage walk); `damage` remembers a damaged file; `salvage` is the snapshot
`export` reads.
May import: config, capture (its bounded lock), models, errors, text, times.
"""
