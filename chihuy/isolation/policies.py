"""The quarantine, treatment and home-care rules in force on a day (policy rows of 0002_seed_isolation_policies),
read in one place, and the clock a stay gets from them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from chihuy.core.errors import ApplicationError
from chihuy.core.policies import policy_get, policy_row

QUARANTINE_KEY = "isolation.quarantine"


@dataclass(frozen=True, slots=True)
class Clock:
    """A stay's clock: day 1 is `start_on`; release on `release_on` (the day after the last day) once the tests
    of `test_days` are negative; then `monitoring_days` of health monitoring."""

    start_on: dt.date
    days: int
    release_on: dt.date
    test_days: tuple[int, ...]
    monitoring_days: int
    kind: str  # "facility" | "home" | "none": where the rule sends the person
    source: str  # the document of the rule in force

    def test_dates(self) -> list[tuple[int, dt.date]]:
        return [(day, self.start_on + dt.timedelta(days=day - 1)) for day in self.test_days]


def quarantine_rule(on: dt.date | None = None) -> dict[str, Any]:
    return dict(policy_get(QUARANTINE_KEY, on=on))


def quarantine_clock(*, start_on: dt.date, fully_vaccinated: bool, arrival: bool = False) -> Clock:
    """The clock of a quarantine starting on `start_on` under the rule in force that day: the vaccinated variant
    where the rule has one (10696/BYT-MT, 762/BYT-DP) and the person is fully vaccinated or recovered. Arrivals
    get monitoring up to the policy's total days after entry (seed 004 §2). A rule that no longer quarantines
    (1909/BYT-DP) answers with an error naming it: the person goes to self-monitoring instead."""
    row = policy_row(QUARANTINE_KEY, on=start_on)
    if row is None:
        raise ApplicationError.field("clock_start_on", _("Chưa có quy định cách ly áp dụng cho ngày này."))
    rule, source = dict(row.value), row.source_document
    part = dict(rule.get("vaccinated") or rule) if fully_vaccinated else rule
    days = int(part.get("days", 0))
    if days <= 0:
        raise ApplicationError.field(
            "cohort",
            _("Theo quy định đang áp dụng (%(src)s), người này không phải cách ly: chỉ tự theo dõi sức khỏe.")
            % {"src": source or QUARANTINE_KEY},
        )
    monitoring = int(part.get("monitoring_days", 0))
    if arrival:
        total = int(policy_get("isolation.arrival_monitoring", on=start_on, default={"total_days": 28})["total_days"])
        monitoring = max(monitoring, total - days)
    return Clock(
        start_on=start_on,
        days=days,
        release_on=start_on + dt.timedelta(days=days),
        test_days=tuple(int(d) for d in part.get("test_days", [])),
        monitoring_days=monitoring,
        kind=str(part.get("kind", "facility")),
        source=source,
    )


def cohort_window_days(on: dt.date | None = None) -> int:
    return int(policy_get("isolation.cohort", on=on, default={"window_days": 2})["window_days"])


def home_care(on: dt.date | None = None) -> dict[str, Any]:
    """Danger signs and check-in rhythm of home isolation: SpO2 at or below `spo2_danger`, temperature at or above
    `temperature_danger`, breathing difficulty; a check is missed after `missed_after_hours` without one."""
    return dict(
        policy_get(
            "isolation.home_care",
            on=on,
            default={"spo2_danger": 96, "temperature_danger": 39.0, "missed_after_hours": 24},
        )
    )


def discharge_rule(on: dt.date | None = None) -> dict[str, Any]:
    """When a treated F0 may leave: at least `min_days` in treatment and a negative test (or Ct ≥ `ct_min`) after
    day `test_from_day`, or `days_without_test` days with no symptom in the last `symptom_free_days` days."""
    return dict(
        policy_get(
            "isolation.discharge",
            on=on,
            default={
                "min_days": 10,
                "test_from_day": 7,
                "ct_min": 30,
                "days_without_test": 14,
                "symptom_free_days": 3,
                "monitoring_days": 7,
            },
        )
    )


def capacity_alert_percents(on: dt.date | None = None) -> list[int]:
    return [int(p) for p in policy_get("isolation.capacity_alert", on=on, default={"percents": [80, 95]})["percents"]]


def vulnerable_rule(on: dt.date | None = None) -> dict[str, Any]:
    """Who is placed near an oxygen point: aged `min_age` or more, with a chronic condition, or pregnant."""
    return dict(policy_get("isolation.vulnerable", on=on, default={"min_age": 65, "chronic": True, "pregnant": True}))
