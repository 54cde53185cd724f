"""The central LMDB database and its keys: the only package that imports `lmdb`.

`db` opens, reads and writes the database; `keys` builds and parses every key; `pages` reads
the file's pages without LMDB (the size check before LMDB maps it, and the salvage walk);
`damage` remembers a damaged file; `salvage` is the snapshot `export` reads. May import:
config, capture (its bounded lock), errors, text.
"""
