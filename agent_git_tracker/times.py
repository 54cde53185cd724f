"""Times as the package stores them: ISO 8601 with a UTC offset, and UTC keys that sort as text."""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime
from typing import Any

EPOCH_DAY = date(1970, 1, 1).toordinal()
_TWO = [f"{n:02d}" for n in range(100)]
_THREE = [f"{n:03d}" for n in range(1000)]


def iso(epoch: float) -> str:
    """ISO 8601 with a UTC offset, to the millisecond."""
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds")


def iso_millis(millis: int) -> str:
    """`iso` of a whole number of milliseconds since 1970, without a datetime (it is read
    back with every record that stores one)."""
    seconds, fraction = divmod(millis, 1000)
    days, seconds = divmod(seconds, 86_400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    two = _TWO
    return f"{_day(days)}T{two[hours]}:{two[minutes]}:{two[seconds]}.{_THREE[fraction]}+00:00"


@functools.lru_cache(maxsize=4096)
def _day(days: int) -> str:
    return date.fromordinal(days + EPOCH_DAY).isoformat()


def utc_key(stamp: Any) -> str | None:
    """`YYYY-MM-DDTHH:MM:SS` in UTC, which sorts as text; None for a missing or bad time.
    A time without an offset is taken as UTC."""
    if not isinstance(stamp, str):
        return None
    if stamp.endswith(("+00:00", "Z")) and len(stamp) >= 20:
        return stamp[:19]
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.isoformat(timespec="seconds")[:19]


def utc_millis(stamp: Any) -> str | None:
    """`YYYY-MM-DDTHH:MM:SS.mmm` in UTC, which sorts as text (the order of events within one
    second); None for a missing or bad time. A time without an offset is taken as UTC."""
    if not isinstance(stamp, str):
        return None
    if stamp.endswith("+00:00") and len(stamp) == 29 and stamp[19] == ".":
        return stamp[:23]  # the ledger's own times: already in this form
    key = utc_key(stamp)
    if key is None:
        return None
    dot = stamp.find(".", 19)
    digits = "".join(c for c in stamp[dot + 1 : dot + 4] if c.isdigit()) if dot > 0 else ""
    return f"{key}.{digits.ljust(3, '0')}"


def origin(record: Any) -> list[str]:
    """Where a recorded commit's work began: [UTC time to the millisecond, hash]. Its earliest
    pre-image's, once rewritten; else when it was recorded (or committed, for a scan)."""
    found = record.get("origin") if isinstance(record, dict) else None
    if isinstance(found, list) and len(found) == 2:
        return [str(found[0]), str(found[1])]
    record = record if isinstance(record, dict) else {}
    when = utc_millis(record.get("recorded_at")) or utc_millis(record.get("timestamp"))
    return [when or "", str(record.get("commit_hash", ""))]
