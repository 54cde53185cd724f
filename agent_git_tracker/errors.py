"""The one error type of the package; the command line turns it into one line on stderr."""

from __future__ import annotations


class TrackerError(Exception):
    """An expected failure whose message tells the user what to do next."""

    exit_code = 1


class UsageError(TrackerError):
    """Bad input from the user: nothing was written."""

    exit_code = 2
