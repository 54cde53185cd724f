"""Record which AI agent setup made each commit, and learn which setup to use next."""

# Kept free of imports: the post-commit hook imports this package on every commit.
__version__ = "0.1.0"
