"""The central LMDB database and its keys: the only package that imports `lmdb`.

`db` opens, reads and writes the database; `keys` builds and parses every key. May import:
config, errors.
"""
