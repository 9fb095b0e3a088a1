"""The reporting day (policy "reports.day_boundary", 16:00 → 16:00 by default): an event after the boundary hour
counts towards the next day's bulletin. Every figure of `reports` — briefing, facts, daily reports, levels — is
bucketed by this one function."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone

from chihuy.core import clock
from chihuy.core.policies import policy_get


def boundary_hour(day: dt.date) -> int:
    return int(policy_get("reports.day_boundary", on=day, default={"hour": 16})["hour"])


def reporting_day(moment: dt.datetime) -> dt.date:
    """The reporting day a moment belongs to: after the boundary hour it counts towards the next day."""
    local = clock.local(moment)
    return local.date() + dt.timedelta(days=1) if local.hour >= boundary_hour(local.date()) else local.date()


def day_window(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of the reporting day `day`: from the boundary hour of the day before to that of `day`."""
    hour = boundary_hour(day)
    return _at(day - dt.timedelta(days=1), hour), _at(day, hour)


def days_window(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of the reporting days first … last (a week, a month)."""
    return day_window(first)[0], day_window(last)[1]


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def reporting_day_fn() -> Callable[[dt.datetime], dt.date]:
    """`reporting_day` for bulk work: the boundary hour is read once per calendar date, not once per row."""
    hours: dict[dt.date, int] = {}

    def day_of(moment: dt.datetime) -> dt.date:
        local = clock.local(moment)
        date = local.date()
        hour = hours.get(date)
        if hour is None:
            hour = hours[date] = boundary_hour(date)
        return date + dt.timedelta(days=1) if local.hour >= hour else date

    return day_of
