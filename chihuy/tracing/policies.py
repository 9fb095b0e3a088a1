"""The check-in and exposure rules in force (policy rows of 0002_seed_tracing_policies), read in one place."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from chihuy.core.models import Policy
from chihuy.core.policies import policy_get

CHECKIN_KEY = "tracing.checkin"
EXPOSURE_KEY = "tracing.exposure"


@dataclass(frozen=True, slots=True)
class CheckInRule:
    default_dwell: int  # minutes counted for a visit without check-out
    max_dwell: int  # the longest visit accepted (a check-out later than this is refused)
    retention_days: int  # check-ins older than this are deleted
    max_batch: int  # events per bulk request
    future_tolerance: int  # minutes of clock skew accepted on a device


@dataclass(frozen=True, slots=True)
class ExposureRule:
    window: int  # minutes around the F0's visit (PC-Covid: ±1 h)
    min_overlap: int  # minutes of presence inside that window needed to be a candidate
    source: str


def checkin_rule(on: dt.date | None = None) -> CheckInRule:
    value = policy_get(CHECKIN_KEY, on=on)
    return CheckInRule(
        default_dwell=int(value["default_dwell_minutes"]),
        max_dwell=int(value["max_dwell_minutes"]),
        retention_days=int(value["retention_days"]),
        max_batch=int(value["max_batch"]),
        future_tolerance=int(value.get("future_tolerance_minutes", 5)),
    )


def exposure_rule(on: dt.date | None = None) -> ExposureRule:
    from chihuy.core.policies import policy_row

    row = policy_row(EXPOSURE_KEY, on=on)
    if row is None:
        value = policy_get(EXPOSURE_KEY, on=on)  # raises the "no policy in force" error
        return ExposureRule(int(value["window_minutes"]), int(value["min_overlap_minutes"]), "")
    return ExposureRule(
        window=int(row.value["window_minutes"]),
        min_overlap=int(row.value["min_overlap_minutes"]),
        source=row.source_document,
    )


def longest_dwell() -> int:
    """The longest visit any rule ever allowed: the engine's range bound must cover check-ins stored under older
    rules too, so it is the maximum over every row, not the row in force."""
    values = Policy.objects.filter(key=CHECKIN_KEY).values_list("value", flat=True)
    return max((int(v["max_dwell_minutes"]) for v in values), default=12 * 60)
