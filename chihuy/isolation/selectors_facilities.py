"""Reads behind the facility and admission screens (issue 6, helper B): a bed, a room or a reserved stay in the
reader's area, a facility's beds with who holds them, a room's and a facility's occupants, the sites that can
become a facility, and the people named by a pasted list of ID numbers or phones. Jurisdiction applied: outside
the area is "not found". The room slots, the map and capacity are in `chihuy.isolation.selectors`."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from chihuy.accounts.access import require_perm, scope_q
from chihuy.accounts.roles import Perm
from chihuy.core.errors import ApplicationError, not_found
from chihuy.isolation.enums import HOLDING_STATUSES, StayEventKind, StayStatus
from chihuy.isolation.models import Bed, Facility, Room, Stay, StayEvent, Zone
from chihuy.people.models import Person
from chihuy.people.selectors import person_qs
from chihuy.people.validators import normalize_phone
from chihuy.places.enums import SiteKind
from chihuy.places.models import Site

MAX_PASTED = 500


def bed_get(*, actor: Any, bed_id: int) -> Bed:
    require_perm(actor, Perm.ISOLATION_VIEW)
    bed = (
        Bed.objects.filter(scope_q(actor, field="facility__unit_path"), pk=bed_id)
        .select_related("room", "room__zone", "facility")
        .first()
    )
    if bed is None:
        raise not_found(_("giường"))
    return bed


def room_get(*, actor: Any, room_id: int) -> Room:
    require_perm(actor, Perm.ISOLATION_VIEW)
    room = (
        Room.objects.filter(scope_q(actor, field="facility__unit_path"), pk=room_id)
        .select_related("zone", "facility")
        .first()
    )
    if room is None:
        raise not_found(_("phòng"))
    return room


def facility_zones(facility: Facility) -> QuerySet[Zone]:
    return facility.zones.annotate(room_count=Count("rooms", distinct=True), bed_count=Count("rooms__beds")).order_by(
        "position", "name"
    )


def facility_beds(
    facility: Facility, *, free_only: bool = False, zone_id: int | None = None, room_id: int | None = None
) -> QuerySet[Bed]:
    """A facility's active beds with `held` (a reserved/active stay holds it) and the room's state."""
    held = Stay.objects.filter(bed=OuterRef("pk"), status__in=HOLDING_STATUSES)
    qs = (
        Bed.objects.filter(facility=facility, is_active=True)
        .select_related("room", "room__zone")
        .annotate(held=Exists(held))
        .order_by("room__zone__position", "room__position", "room__code", "position", "code")
    )
    if zone_id:
        qs = qs.filter(room__zone_id=zone_id)
    if room_id:
        qs = qs.filter(room_id=room_id)
    if free_only:
        qs = qs.filter(held=False, room__is_closed=False, room__cleaning_since__isnull=True)
    return qs


def beds_by_id(*, facility: Facility, bed_ids: Iterable[int]) -> dict[int, Bed]:
    """Beds of the facility named by id (a proposal posted back); ids of other facilities' beds are left out."""
    return {b.pk: b for b in Bed.objects.filter(facility=facility, pk__in=list(bed_ids))}


def last_move(stay: Stay) -> StayEvent | None:
    """The stay's latest move (its event says whether the move broke a room rule)."""
    return StayEvent.objects.filter(stay=stay, kind=StayEventKind.MOVED).order_by("-at", "-id").first()


def room_stays(room: Room) -> list[Stay]:
    return list(
        Stay.objects.filter(room=room, status__in=HOLDING_STATUSES)
        .select_related("person", "bed")
        .order_by("bed__position", "bed__code")
    )


def facility_occupants(*, actor: Any, facility: Facility, status: str = "") -> QuerySet[Stay]:
    """The people holding a bed of the facility (reserved or active; or one of the two), room by room."""
    require_perm(actor, Perm.ISOLATION_VIEW)
    statuses = [status] if status in (StayStatus.RESERVED, StayStatus.ACTIVE) else list(HOLDING_STATUSES)
    return (
        Stay.objects.filter(facility=facility, status__in=statuses)
        .select_related("person", "person__unit", "room", "room__zone", "bed")
        .order_by("room__zone__position", "room__position", "room__code", "bed__position", "id")
    )


def reserved_stays(*, actor: Any, facility: Facility, stay_ids: Iterable[int]) -> list[Stay]:
    """Stays of the facility named by id (the arrival of a group): unknown ids are simply not returned."""
    require_perm(actor, Perm.ISOLATION_VIEW)
    return list(
        Stay.objects.filter(facility=facility, pk__in=list(stay_ids))
        .select_related("person", "facility")
        .order_by("pk")
    )


def stay_for_move(*, actor: Any, stay_id: int) -> Stay:
    from chihuy.isolation.selectors import stay_scope_q

    require_perm(actor, Perm.ISOLATION_VIEW)
    stay = (
        Stay.objects.filter(stay_scope_q(actor), pk=stay_id).select_related("person", "facility", "room", "bed").first()
    )
    if stay is None:
        raise not_found(_("lượt cách ly / điều trị"))
    return stay


def facility_sites(*, actor: Any) -> QuerySet[Site]:
    """Quarantine and health facility sites of the area not yet described as a facility."""
    require_perm(actor, Perm.FACILITY_MANAGE)
    return (
        Site.objects.filter(
            scope_q(actor),
            kind__in=[SiteKind.QUARANTINE_FACILITY, SiteKind.HEALTH_FACILITY],
            is_active=True,
        )
        .filter(~Q(pk__in=Facility.objects.values("site_id")))
        .select_related("unit")
        .order_by("unit_path", "name")
    )


def site_get(*, actor: Any, site_id: int) -> Site:
    require_perm(actor, Perm.FACILITY_MANAGE)
    site = Site.objects.filter(scope_q(actor), pk=site_id).first()
    if site is None:
        raise not_found(_("cơ sở"))
    return site


@dataclass
class PastedPeople:
    found: list[Person] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # lines that name nobody in the area
    ambiguous: list[str] = field(default_factory=list)  # lines naming more than one person (a family phone)


def people_by_numbers(*, actor: Any, lines: Iterable[str]) -> PastedPeople:
    """People named one per line by national ID (CCCD/CMND) or phone, in the reader's area, in line order; a
    number shared by several people (a family phone) is reported, not guessed."""
    require_perm(actor, Perm.PERSON_VIEW)
    out = PastedPeople()
    seen: set[int] = set()
    wanted = [line.strip() for line in lines if line.strip()][:MAX_PASTED]
    if not wanted:
        return out
    keys: dict[str, set[str]] = {}
    for line in wanted:
        compact = "".join(ch for ch in line if ch.isdigit() or ch == "+")
        variants = {compact, compact.lstrip("+")}
        with contextlib.suppress(ApplicationError):  # not a phone: an ID number only
            variants.add(normalize_phone(line))
        keys[line] = {v for v in variants if v}
    every = set().union(*keys.values())
    people = list(
        person_qs(actor).filter(Q(national_id__in=every) | Q(phone__in=every)).exclude(merged_into__isnull=False)
    )
    for line in wanted:
        match = [
            p for p in people if (p.national_id and p.national_id in keys[line]) or (p.phone and p.phone in keys[line])
        ]
        if not match:
            out.missing.append(line)
        elif len(match) > 1 and len({p.pk for p in match}) > 1:
            by_id = [p for p in match if p.national_id in keys[line]]
            if len(by_id) == 1:
                match = by_id
            else:
                out.ambiguous.append(line)
                continue
        if match and match[0].pk not in seen:
            seen.add(match[0].pk)
            out.found.append(match[0])
    return out
