"""Where things are and the effective configuration.

`locate` finds the configuration file and the database with nothing but `os` (the hook path
reads it); `settings` reads and checks the whole TOML file. May import: models, errors.
"""
