"""Reads of the command app: centres and members, who is on duty, roster gaps, directives and tasks.

Jurisdiction: a centre, shift or directive is visible to users whose unit path is a prefix of its
unit path; a task is visible to its assignee's subtree and to the issuing centre's subtree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from chihuy.accounts.access import require_perm, scope_q
from chihuy.accounts.roles import Perm
from chihuy.command.models import CentreMember, CommandCentre, Position, Shift
from chihuy.core import clock
from chihuy.core.errors import not_found
from chihuy.places.models import Unit

# --- the contract used by tickets' escalation -----------------------------------------------------


def centre_for_unit(unit: Unit) -> CommandCentre | None:
    """The active centre of `unit`; a village answers its commune's centre."""
    return CommandCentre.objects.filter(unit_path=unit.commune_path, is_active=True).select_related("unit").first()


def on_duty_now(centre: CommandCentre, *, at: dt.datetime | None = None) -> list[Any]:
    """Users whose active shift at `centre` covers `at` (now by default), lead before duty before hotline."""
    moment = at or clock.now()
    shifts = (
        Shift.objects.filter(
            centre=centre, is_active=True, starts_at__lte=moment, ends_at__gt=moment, user__isnull=False
        )
        .select_related("user")
        .order_by("role", "starts_at", "id")
    )
    seen: set[int] = set()
    users: list[Any] = []
    for shift in shifts:
        if shift.user_id is not None and shift.user_id not in seen:
            seen.add(shift.user_id)
            users.append(shift.user)
    return users


def centre_commander(centre: CommandCentre) -> CentreMember | None:
    return (
        CentreMember.objects.filter(centre=centre, position=Position.COMMANDER, is_active=True)
        .select_related("user")
        .first()
    )


def centre_alert_recipients(centre: CommandCentre, *, at: dt.datetime | None = None) -> list[Any]:
    """Who receives what comes into a centre: the officers on duty now, then the commander (deduplicated)."""
    users = on_duty_now(centre, at=at)
    commander = centre_commander(centre)
    lead = commander.user if commander is not None else None
    if lead is not None and lead.is_active and all(u.pk != lead.pk for u in users):
        users.append(lead)
    return users


# --- centres ---------------------------------------------------------------------------------------


def centre_visible_qs(actor: Any, *, within: str | None = None) -> QuerySet[CommandCentre]:
    return CommandCentre.objects.filter(scope_q(actor, within=within))


def centre_get(*, actor: Any, centre_id: int) -> CommandCentre:
    require_perm(actor, Perm.CENTRE_VIEW)
    centre = centre_visible_qs(actor).select_related("unit").filter(pk=centre_id).first()
    if centre is None:
        raise not_found()
    return centre


def centre_list(*, actor: Any, within: str | None = None, include_inactive: bool = False) -> QuerySet[CommandCentre]:
    require_perm(actor, Perm.CENTRE_VIEW)
    qs = centre_visible_qs(actor, within=within).select_related("unit")
    if not include_inactive:
        qs = qs.filter(is_active=True)
    return qs.order_by("unit_path")


def member_list(*, actor: Any, centre: CommandCentre, include_inactive: bool = False) -> QuerySet[CentreMember]:
    require_perm(actor, Perm.CENTRE_VIEW)
    qs = CentreMember.objects.filter(centre=centre).select_related("user")
    if not include_inactive:
        qs = qs.filter(is_active=True)
    order = ["commander", "deputy", "standing", "member"]
    from django.db.models import Case, IntegerField, Value, When

    rank = Case(*[When(position=p, then=Value(i)) for i, p in enumerate(order)], output_field=IntegerField())
    return qs.annotate(rank=rank).order_by("-is_active", "rank", "full_name")


def member_get(*, actor: Any, member_id: int) -> CentreMember:
    require_perm(actor, Perm.CENTRE_VIEW)
    member = (
        CentreMember.objects.filter(scope_q(actor), pk=member_id).select_related("centre", "centre__unit", "user")
    ).first()
    if member is None:
        raise not_found()
    return member


@dataclass
class OnDutyRow:
    centre: CommandCentre
    shifts: list[Shift]
    commander: CentreMember | None


def on_duty_board(*, actor: Any, within: str | None = None, at: dt.datetime | None = None) -> list[OnDutyRow]:
    """Every visible centre with the shifts covering `at` and its commander: three queries in all."""
    require_perm(actor, Perm.CENTRE_VIEW)
    moment = at or clock.now()
    centres = list(centre_list(actor=actor, within=within))
    ids = [c.pk for c in centres]
    by_centre: dict[int, list[Shift]] = {pk: [] for pk in ids}
    for shift in (
        Shift.objects.filter(centre_id__in=ids, is_active=True, starts_at__lte=moment, ends_at__gt=moment)
        .select_related("member", "user")
        .order_by("role", "starts_at", "id")
    ):
        by_centre[shift.centre_id].append(shift)
    commanders = {
        m.centre_id: m
        for m in CentreMember.objects.filter(centre_id__in=ids, position=Position.COMMANDER, is_active=True)
    }
    return [OnDutyRow(centre=c, shifts=by_centre[c.pk], commander=commanders.get(c.pk)) for c in centres]


def on_duty_shifts(centre: CommandCentre, *, at: dt.datetime | None = None) -> list[Shift]:
    moment = at or clock.now()
    return list(
        Shift.objects.filter(centre=centre, is_active=True, starts_at__lte=moment, ends_at__gt=moment)
        .select_related("member", "user")
        .order_by("role", "starts_at", "id")
    )


# --- roster ----------------------------------------------------------------------------------------


def shift_list(*, actor: Any, centre: CommandCentre, start: dt.datetime, end: dt.datetime) -> QuerySet[Shift]:
    """Active shifts of `centre` overlapping [start, end)."""
    require_perm(actor, Perm.CENTRE_VIEW)
    return (
        Shift.objects.filter(centre=centre, is_active=True, starts_at__lt=end, ends_at__gt=start)
        .select_related("member", "user")
        .order_by("starts_at", "role", "id")
    )


def shift_get(*, actor: Any, shift_id: int) -> Shift:
    require_perm(actor, Perm.CENTRE_VIEW)
    shift = Shift.objects.filter(scope_q(actor), pk=shift_id).select_related("centre", "member", "user").first()
    if shift is None:
        raise not_found()
    return shift


def roster_gaps(
    centre: CommandCentre, *, hours: int = 72, start: dt.datetime | None = None
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The intervals in [start, start + hours) when nobody is on shift at `centre`, merged and in order."""
    begin = start or clock.now()
    end = begin + dt.timedelta(hours=hours)
    intervals = list(
        Shift.objects.filter(centre=centre, is_active=True, starts_at__lt=end, ends_at__gt=begin)
        .order_by("starts_at")
        .values_list("starts_at", "ends_at")
    )
    gaps: list[tuple[dt.datetime, dt.datetime]] = []
    cursor = begin
    for s, e in intervals:
        if s > cursor:
            gaps.append((cursor, min(s, end)))
        if e > cursor:
            cursor = e
        if cursor >= end:
            break
    if cursor < end:
        gaps.append((cursor, end))
    return gaps


def task_visible_q(actor: Any) -> Q:
    """A task is seen by its assignee's subtree and by the issuing centre's subtree."""
    return scope_q(actor) | scope_q(actor, field="directive__unit_path")


__all__ = [
    "OnDutyRow",
    "centre_alert_recipients",
    "centre_commander",
    "centre_for_unit",
    "centre_get",
    "centre_list",
    "member_get",
    "member_list",
    "on_duty_board",
    "on_duty_now",
    "on_duty_shifts",
    "roster_gaps",
    "shift_get",
    "shift_list",
    "task_visible_q",
]
