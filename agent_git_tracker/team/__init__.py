"""A team's combined report over its members' exports, computed by DuckDB.

The only package that imports DuckDB or pyarrow (an optional extra). May import: report and
everything below it.
"""
