"""Quiet hours: when a non-urgent delivery to a user may go out. Local time (Asia/Ho_Chi_Minh); a window
such as 22:00–06:00 crosses midnight."""

from __future__ import annotations

import datetime as dt
from typing import Any

from chihuy.core import clock


def quiet_until(preference: Any, at: dt.datetime) -> dt.datetime | None:
    """The end of the quiet window `at` falls in, or None when `at` is outside quiet hours."""
    if preference is None or preference.quiet_start is None or preference.quiet_end is None:
        return None
    start, end = preference.quiet_start, preference.quiet_end
    local = clock.local(at)
    t = local.time().replace(tzinfo=None)
    day = local.date()
    tz = local.tzinfo
    if start < end:
        if start <= t < end:
            return dt.datetime.combine(day, end, tzinfo=tz)
        return None
    # Crosses midnight: quiet from `start` until `end` the next morning.
    if t >= start:
        return dt.datetime.combine(day + dt.timedelta(days=1), end, tzinfo=tz)
    if t < end:
        return dt.datetime.combine(day, end, tzinfo=tz)
    return None
