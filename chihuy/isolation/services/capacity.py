"""Capacity figures of facilities, recounted in the same transaction as every change of a bed's state, with the
time they last changed; an alert to the centres above a facility when its occupancy crosses a policy threshold."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Count, Q

from chihuy.accounts.roles import Perm
from chihuy.core import clock
from chihuy.isolation import policies
from chihuy.isolation.enums import FacilityKind, StayStatus
from chihuy.isolation.models import Bed, Facility, Stay
from chihuy.isolation.services._common import ancestor_paths, unit_recipients
from chihuy.notify.services import message_enqueue

FORECAST_DAYS = 7


def facility_refresh(facility_ids: Iterable[int]) -> list[Facility]:
    """Recount beds total / occupied / reserved / cleaning of each facility; `figures_at` moves only when a
    figure changed. Call it inside the writing transaction, after the write."""
    ids = sorted(set(facility_ids))
    if not ids:
        return []
    beds = dict(
        Bed.objects.filter(facility_id__in=ids, is_active=True, room__is_closed=False)
        .values_list("facility_id")
        .annotate(n=Count("id"))
        .values_list("facility_id", "n")
    )
    cleaning = dict(
        Bed.objects.filter(
            facility_id__in=ids, is_active=True, room__is_closed=False, room__cleaning_since__isnull=False
        )
        .values_list("facility_id")
        .annotate(n=Count("id"))
        .values_list("facility_id", "n")
    )
    held: dict[tuple[int, str], int] = {}
    rows = (
        Stay.objects.filter(facility_id__in=ids, status__in=[StayStatus.RESERVED, StayStatus.ACTIVE])
        .values_list("facility_id", "status")
        .annotate(n=Count("id"))
    )
    for facility_id, status, n in rows:
        held[(facility_id, status)] = n
    now = clock.now()
    changed: list[Facility] = []
    facilities = list(Facility.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    for facility in facilities:
        figures = (
            beds.get(facility.pk, 0),
            held.get((facility.pk, StayStatus.ACTIVE), 0),
            held.get((facility.pk, StayStatus.RESERVED), 0),
            cleaning.get(facility.pk, 0),
        )
        current = (facility.beds_total, facility.beds_occupied, facility.beds_reserved, facility.beds_cleaning)
        if figures != current or facility.figures_at is None:
            (facility.beds_total, facility.beds_occupied, facility.beds_reserved, facility.beds_cleaning) = figures
            facility.figures_at = now
            changed.append(facility)
    if changed:
        Facility.objects.bulk_update(
            changed, ["beds_total", "beds_occupied", "beds_reserved", "beds_cleaning", "figures_at", "updated_at"]
        )
    for facility in facilities:
        _alert_threshold(facility)
    return facilities


def occupancy_percent(facility: Facility) -> int:
    if facility.beds_total <= 0:
        return 0
    return round(100 * (facility.beds_occupied + facility.beds_reserved) / facility.beds_total)


def admission_rate(facility_ids: Iterable[int], *, days: int = FORECAST_DAYS) -> dict[int, float]:
    """Net beds taken per day over the last `days`: admissions minus stays ended, per facility."""
    since = clock.now() - dt.timedelta(days=days)
    ids = list(facility_ids)
    admitted = dict(
        Stay.objects.filter(facility_id__in=ids, admitted_at__gte=since)
        .values_list("facility_id")
        .annotate(n=Count("id"))
        .values_list("facility_id", "n")
    )
    ended = dict(
        Stay.objects.filter(facility_id__in=ids, ended_at__gte=since, admitted_at__isnull=False)
        .values_list("facility_id")
        .annotate(n=Count("id"))
        .values_list("facility_id", "n")
    )
    return {i: (admitted.get(i, 0) - ended.get(i, 0)) / days for i in ids}


def days_until_full(free: int, rate_per_day: float) -> float | None:
    """At the current net admission rate, in how many days the free beds run out (None: not filling up)."""
    if rate_per_day <= 0:
        return None
    return round(free / rate_per_day, 1)


def _alert_threshold(facility: Facility) -> None:
    """Tell the centres of the facility's unit and every unit above it, once per upward crossing of a threshold;
    falling below a threshold re-arms it."""
    percent = occupancy_percent(facility)
    thresholds = sorted(policies.capacity_alert_percents())
    reached = max((t for t in thresholds if percent >= t), default=0)
    if reached == facility.alert_percent:
        return
    if reached < facility.alert_percent:
        Facility.objects.filter(pk=facility.pk).update(alert_percent=reached)
        facility.alert_percent = reached
        return
    rate = admission_rate([facility.pk]).get(facility.pk, 0.0)
    days = days_until_full(facility.beds_free, rate)
    recipients = unit_recipients(ancestor_paths(facility.unit_path), perms=[Perm.ISOLATION_VIEW, Perm.CENTRE_VIEW])
    users = [u for group in recipients.values() for u in group]
    if users:
        message_enqueue(
            template="isolation.capacity",
            context={
                "facility": facility.name,
                "kind": FacilityKind(facility.kind).label,
                "used": facility.beds_occupied + facility.beds_reserved,
                "total": facility.beds_total,
                "percent": percent,
                "threshold": reached,
                "free": facility.beds_free,
                "days": f"{days:g}" if days is not None else "",
            },
            users=users,
            urgent=reached == thresholds[-1],
            source=f"isolation.facility:{facility.pk}",
        )
    Facility.objects.filter(pk=facility.pk).update(alert_percent=reached)
    facility.alert_percent = reached


def holding_q() -> Q:
    return Q(status__in=[StayStatus.RESERVED, StayStatus.ACTIVE])
