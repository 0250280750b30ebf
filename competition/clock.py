"""The platform's one reading of the clock.

All stored date-times are naive China Standard Time (UTC+8, no daylight saving):
contests, registration windows and audit entries are read by people in China, and
one convention avoids mixing aware and naive values (SQLite keeps no zone).
Views and commands call :func:`now`; services and pure cores take ``now`` as an argument.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "CST")


def now() -> datetime:
    """Current China Standard Time as a naive ``datetime`` with whole seconds."""
    return datetime.now(UTC).astimezone(CHINA_STANDARD_TIME).replace(tzinfo=None, microsecond=0)
