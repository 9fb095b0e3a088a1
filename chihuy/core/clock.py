"""The one source of "now" and "today", in Asia/Ho_Chi_Minh, so that tests can pin time (time-machine)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    return timezone.now()


def today() -> dt.date:
    return timezone.localdate(timezone.now())


def local(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value)


def localdate(value: dt.datetime) -> dt.date:
    """The calendar day of an instant in Vietnam."""
    return timezone.localdate(value)
