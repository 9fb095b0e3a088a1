"""Check-in times are whole minutes since 1970-01-01 UTC (see models.py): conversions in one place."""

from __future__ import annotations

import datetime as dt

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def to_minute(value: dt.datetime) -> int:
    """Floor to the minute. A naive datetime is read as the project's local time (Asia/Ho_Chi_Minh)."""
    if value.tzinfo is None:
        from django.utils import timezone

        value = timezone.make_aware(value)
    return int(value.timestamp()) // 60


def from_minute(minute: int) -> dt.datetime:
    return EPOCH + dt.timedelta(minutes=minute)


def day_start_minute(day: dt.date) -> int:
    """The first minute of a local calendar day."""
    return to_minute(dt.datetime.combine(day, dt.time()))


# Check-ins are indexed by their UTC day first (`t_in // DAY`, see models.CheckIn): the rows of a day of data sit
# together in the index, so that a day arriving (late) touches that day's few pages instead of pages spread over the
# whole retention window. A query on a time range names the days it covers.
DAY = 24 * 60


def day_of(minute: int) -> int:
    """The index's day bucket of a minute (UTC days since the epoch)."""
    return minute // DAY


def days_between(first: int, last: int) -> list[int]:
    """The day buckets that minutes first … last (inclusive) fall in."""
    return list(range(first // DAY, last // DAY + 1))
