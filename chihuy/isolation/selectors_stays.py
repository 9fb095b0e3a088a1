"""Reads of stays for the stays screens and API (issue 6, helper C): the list with its filters (facility, status,
kind, cohort, due for release), one stay with its clock, test days and events, and the health monitorings after
release or entry. Jurisdiction: a stay by the person's residence or the place keeping them, a monitoring by the
person's residence."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from chihuy.accounts.access import require_perm, scope_q
from chihuy.accounts.roles import Perm
from chihuy.core import clock
from chihuy.core.errors import not_found
from chihuy.isolation.enums import HOLDING_STATUSES, StayStatus
from chihuy.isolation.models import Monitoring, Stay, StayEvent, StayTest
from chihuy.isolation.selectors import stay_get, stay_list


def stays_filtered(
    *,
    actor: Any,
    within: str | None = None,
    facility_id: int | None = None,
    home_id: int | None = None,
    status: str = "",
    kind: str = "",
    cohort: str = "",
    due_on: dt.date | None = None,
    q: str = "",
) -> QuerySet[Stay]:
    """Stays of the reader's area, newest clock first. `status` "holding" keeps reserved and active stays;
    `due_on` keeps active quarantine stays whose release date has come by that day (who may go home today)."""
    qs = stay_list(
        actor=actor,
        within=within,
        facility_id=facility_id,
        home_id=home_id,
        status="" if status == "holding" else status,
        holding=status == "holding",
        kind=kind,
    )
    if cohort:
        qs = qs.filter(cohort=cohort)
    if due_on is not None:
        qs = qs.filter(status=StayStatus.ACTIVE, release_on__isnull=False, release_on__lte=due_on)
    if q.strip():
        from chihuy.core.text import fold

        qs = qs.filter(person__name_folded__contains=fold(q.strip()))
    return qs


@dataclass(slots=True)
class StayDetail:
    """One stay as its page shows it: day N of M of the clock, its test days, its events (moves, restarts)."""

    stay: Stay
    day: int | None  # today's day of the clock (None once ended or for treatment)
    days: int | None  # the clock's length (release day − day 1)
    tests: list[StayTest]
    events: list[StayEvent]
    monitorings: list[Monitoring]

    @property
    def holding(self) -> bool:
        return self.stay.status in HOLDING_STATUSES


def stay_detail(*, actor: Any, stay_id: int) -> StayDetail:
    stay = stay_get(actor=actor, stay_id=stay_id)
    today = clock.today()
    days = (stay.release_on - stay.clock_start_on).days if stay.release_on else None
    day = (today - stay.clock_start_on).days + 1 if stay.status in HOLDING_STATUSES and days is not None else None
    events = list(
        StayEvent.objects.filter(stay=stay).select_related("actor", "from_bed", "to_bed").order_by("at", "id")
    )
    return StayDetail(
        stay=stay,
        day=day,
        days=days,
        tests=list(StayTest.objects.filter(stay=stay).order_by("day")),
        events=events,
        monitorings=list(Monitoring.objects.filter(stay=stay).order_by("starts_on")),
    )


def monitoring_list(
    *, actor: Any, within: str | None = None, status: str = "", reason: str = "", q: str = ""
) -> QuerySet[Monitoring]:
    """Health monitorings of people living in the reader's area, latest start first."""
    require_perm(actor, Perm.ISOLATION_VIEW)
    qs = Monitoring.objects.filter(scope_q(actor, within=within)).select_related("person", "stay", "stay__facility")
    if status:
        qs = qs.filter(status=status)
    if reason:
        qs = qs.filter(reason=reason)
    if q.strip():
        from chihuy.core.text import fold

        qs = qs.filter(person__name_folded__contains=fold(q.strip()))
    return qs.order_by("-starts_on", "-id")


def monitoring_get(*, actor: Any, monitoring_id: int) -> Monitoring:
    require_perm(actor, Perm.ISOLATION_VIEW)
    found = Monitoring.objects.filter(scope_q(actor), pk=monitoring_id).select_related("person", "stay").first()
    if found is None:
        raise not_found(_("theo dõi sức khỏe"))
    return found
