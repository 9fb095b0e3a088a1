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
