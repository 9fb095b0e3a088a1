"""Reads of the isolation domain, jurisdiction applied: facilities by their site's unit, stays by the person's
residence or the place keeping them; the room slots the proposer works on; the room map; capacity figures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils.translation import gettext as _

from chihuy.accounts.access import require_perm, scope_q, view_path
from chihuy.accounts.roles import Perm
from chihuy.core import clock
from chihuy.core.errors import not_found
from chihuy.isolation import assign
from chihuy.isolation.enums import HOLDING_STATUSES, Cohort, FacilityKind, RoomState, StayStatus
from chihuy.isolation.models import Bed, Facility, HomeIsolation, Room, Stay, Zone
from chihuy.isolation.services.capacity import admission_rate, days_until_full
from chihuy.people.models import Person
from chihuy.people.selectors import person_qs


def stay_scope_q(actor: Any, *, within: str | None = None) -> Q:
    """Stays of people living in the area, or kept in a place of the area."""
    return scope_q(actor, field="unit_path", within=within) | scope_q(actor, field="place_path", within=within)


def facility_list(
    *, actor: Any, within: str | None = None, kind: str = "", tier: int | None = None, open_only: bool = False
) -> QuerySet[Facility]:
    require_perm(actor, Perm.ISOLATION_VIEW)
    qs = Facility.objects.filter(scope_q(actor, within=within))
    if kind:
        qs = qs.filter(kind=kind)
    if tier:
        qs = qs.filter(tier=tier)
    if open_only:
        qs = qs.filter(is_open=True)
    return qs.order_by("unit_path", "name")


def facility_get(*, actor: Any, facility_id: int) -> Facility:
    require_perm(actor, Perm.ISOLATION_VIEW)
    facility = Facility.objects.filter(scope_q(actor), pk=facility_id).select_related("site", "unit").first()
    if facility is None:
        raise not_found(_("khu cách ly / cơ sở điều trị"))
    return facility


def zone_get(*, actor: Any, zone_id: int) -> Zone:
    zone = Zone.objects.select_related("facility").filter(pk=zone_id).first()
    if zone is None:
        raise not_found(_("khu"))
    facility_get(actor=actor, facility_id=zone.facility_id)
    return zone


def stay_list(
    *,
    actor: Any,
    within: str | None = None,
    facility_id: int | None = None,
    home_id: int | None = None,
    status: str = "",
    holding: bool = False,
    kind: str = "",
) -> QuerySet[Stay]:
    require_perm(actor, Perm.ISOLATION_VIEW)
    qs = Stay.objects.filter(stay_scope_q(actor, within=within)).select_related(
        "person", "facility", "room", "bed", "home"
    )
    if facility_id:
        qs = qs.filter(facility_id=facility_id)
    if home_id:
        qs = qs.filter(home_id=home_id)
    if holding:
        qs = qs.filter(status__in=HOLDING_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-clock_start_on", "-id")


def stay_get(*, actor: Any, stay_id: int) -> Stay:
    require_perm(actor, Perm.ISOLATION_VIEW)
    stay = (
        Stay.objects.filter(stay_scope_q(actor), pk=stay_id)
        .select_related("person", "facility", "room", "room__zone", "bed", "home", "previous")
        .first()
    )
    if stay is None:
        raise not_found(_("lượt cách ly / điều trị"))
    return stay


def holding_stay(person: Person) -> Stay | None:
    """The person's reserved or active stay wherever it is (at most one: a partial unique index), with its
    facility; the caller passes a person it has read in its area."""
    return Stay.objects.filter(person=person, status__in=HOLDING_STATUSES).select_related("facility").first()


def people_holding(person_ids: Iterable[int]) -> set[int]:
    """Of these people, those holding a reserved or active stay (one query)."""
    return set(
        Stay.objects.filter(person_id__in=list(person_ids), status__in=HOLDING_STATUSES).values_list(
            "person_id", flat=True
        )
    )


def people_in_area(*, actor: Any, ids: Iterable[int]) -> list[Person]:
    """Active people of the reader's area named by id (ticked or posted back by a form), by name; ids outside
    the area are left out."""
    wanted = [int(i) for i in ids]
    return list(person_qs(actor).filter(pk__in=wanted).order_by("full_name", "pk"))


def home_list(*, actor: Any, within: str | None = None, status: str = "") -> QuerySet[HomeIsolation]:
    require_perm(actor, Perm.ISOLATION_VIEW)
    qs = HomeIsolation.objects.filter(scope_q(actor, within=within)).select_related("officer", "unit")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-started_on", "-id")


def home_get(*, actor: Any, home_id: int) -> HomeIsolation:
    require_perm(actor, Perm.ISOLATION_VIEW)
    home = HomeIsolation.objects.filter(scope_q(actor), pk=home_id).select_related("officer", "unit").first()
    if home is None:
        raise not_found(_("hộ cách ly tại nhà"))
    return home


def room_slots(
    *, facility_ids: Iterable[int], room_ids: Iterable[int] | None = None, zone_ids: Iterable[int] | None = None
) -> list[assign.RoomSlot]:
    """The rooms of facilities as the proposer sees them: free beds, capacity, and who is in them now (cohort,
    earliest cohort date, sexes, households). Three flat queries; unscoped — callers have checked the facility.
    Closed rooms and rooms being disinfected are left out (nobody may be placed there)."""
    rooms = Room.objects.filter(facility_id__in=list(facility_ids), is_closed=False, cleaning_since__isnull=True)
    if room_ids is not None:
        rooms = rooms.filter(pk__in=list(room_ids))
    if zone_ids is not None:
        rooms = rooms.filter(zone_id__in=list(zone_ids))
    room_rows = list(
        rooms.order_by("zone__position", "zone_id", "position", "code").values_list(
            "pk", "zone_id", "code", "gender", "is_family", "oxygen_point"
        )
    )
    wanted = [r[0] for r in room_rows]
    beds: dict[int, list[int]] = {}
    for bed_id, room_id in (
        Bed.objects.filter(room_id__in=wanted, is_active=True)
        .order_by("position", "code", "pk")
        .values_list("pk", "room_id")
    ):
        beds.setdefault(room_id, []).append(bed_id)
    held_beds: set[int] = set()
    cohort: dict[int, str] = {}
    cohort_on: dict[int, dt.date] = {}
    sexes: dict[int, set[str]] = {}
    households: dict[int, set[int]] = {}
    occupied: dict[int, int] = {}
    for room_id, bed_id, who, on, sex, household_id in Stay.objects.filter(
        room_id__in=wanted, status__in=HOLDING_STATUSES
    ).values_list("room_id", "bed_id", "cohort", "cohort_on", "person__sex", "person__household_id"):
        if bed_id is not None:
            held_beds.add(bed_id)
        occupied[room_id] = occupied.get(room_id, 0) + 1
        who = Cohort.F1 if who == Cohort.HOUSEHOLD else who
        # A room holding F0 is an F0 room whatever else is (wrongly) there: the strictest cohort wins.
        if cohort.get(room_id) != Cohort.F0:
            cohort[room_id] = who
        if room_id not in cohort_on or on < cohort_on[room_id]:
            cohort_on[room_id] = on
        sexes.setdefault(room_id, set()).add(sex)
        if household_id is not None:
            households.setdefault(room_id, set()).add(household_id)
    slots = []
    for position, (room_id, zone_id, code, gender, is_family, oxygen) in enumerate(room_rows):
        all_beds = beds.get(room_id, [])
        slots.append(
            assign.RoomSlot(
                room_id=room_id,
                zone_id=zone_id,
                code=code,
                gender=gender,
                is_family=is_family,
                oxygen_point=oxygen,
                free_beds=tuple(b for b in all_beds if b not in held_beds),
                capacity=len(all_beds),
                occupied=occupied.get(room_id, 0),
                occupant_cohort=cohort.get(room_id),
                occupant_cohort_on=cohort_on.get(room_id),
                occupant_sexes=frozenset(sexes.get(room_id, ())),
                occupant_households=frozenset(households.get(room_id, ())),
                position=position,
            )
        )
    return slots


@dataclass(slots=True)
class Tile:
    """A room on the map: its state (colour), occupants over beds, the cohort's day count, warnings."""

    room: Room
    state: str
    beds: int
    held: int
    cohort: str = ""
    day: int | None = None  # day of the quarantine clock of the room's cohort (earliest day 1)
    release_on: dt.date | None = None
    release_due: bool = False  # every occupant's release day has come (waiting for the negatives and the release)
    flagged: int = 0
    reserved: int = 0
    people: list[Stay] = field(default_factory=list)

    @property
    def state_label(self) -> str:
        return str(RoomState(self.state).label)


def zone_map(*, actor: Any, zone: Zone, with_people: bool = True) -> list[Tile]:
    """Every room of a zone as a tile coloured by state: closed, cleaning, F0, F1 cohort (with its day count),
    empty. Two queries."""
    facility_get(actor=actor, facility_id=zone.facility_id)
    rooms = list(zone.rooms.order_by("position", "code"))
    bed_counts: dict[int, int] = {}
    for room_id in Bed.objects.filter(room__zone=zone, is_active=True).values_list("room_id", flat=True):
        bed_counts[room_id] = bed_counts.get(room_id, 0) + 1
    stays: dict[int, list[Stay]] = {}
    qs = Stay.objects.filter(room__zone=zone, status__in=HOLDING_STATUSES).order_by("bed__position", "bed__code")
    if with_people:
        qs = qs.select_related("person", "bed")
    for stay in qs:
        stays.setdefault(stay.room_id, []).append(stay)  # type: ignore[arg-type]
    today = clock.today()
    tiles = []
    for room in rooms:
        here = stays.get(room.pk, [])
        tile = Tile(room=room, state=RoomState.EMPTY, beds=bed_counts.get(room.pk, 0), held=len(here), people=here)
        tile.flagged = sum(1 for s in here if s.flagged)
        tile.reserved = sum(1 for s in here if s.status == StayStatus.RESERVED)
        if room.is_closed:
            tile.state = RoomState.CLOSED
        elif here and any(s.cohort == Cohort.F0 for s in here):
            tile.state, tile.cohort = RoomState.F0, Cohort.F0
        elif here:
            tile.state = RoomState.F1
            tile.cohort = here[0].cohort
            start = min(s.clock_start_on for s in here)
            tile.day = (today - start).days + 1
            tile.release_on = max((s.release_on for s in here if s.release_on), default=None)
            tile.release_due = tile.release_on is not None and today >= tile.release_on
        elif room.cleaning_since is not None:
            tile.state = RoomState.CLEANING
        tiles.append(tile)
    return tiles


@dataclass(slots=True)
class CapacityRow:
    """Beds of one facility or one group (tier, district, province) with the time the figures last changed."""

    key: str
    label: str
    facilities: int = 0
    total: int = 0
    occupied: int = 0
    reserved: int = 0
    cleaning: int = 0
    figures_at: dt.datetime | None = None
    rate_per_day: float = 0.0
    facility_id: int | None = None
    kind: str = ""
    tier: int | None = None

    @property
    def free(self) -> int:
        return max(0, self.total - self.occupied - self.reserved - self.cleaning)

    @property
    def percent(self) -> int:
        return round(100 * (self.occupied + self.reserved) / self.total) if self.total else 0

    @property
    def days_until_full(self) -> float | None:
        return days_until_full(self.free, self.rate_per_day)

    def add(self, facility: Facility, rate: float) -> None:
        self.facilities += 1
        self.total += facility.beds_total
        self.occupied += facility.beds_occupied
        self.reserved += facility.beds_reserved
        self.cleaning += facility.beds_cleaning
        self.rate_per_day += rate
        if facility.figures_at and (self.figures_at is None or facility.figures_at > self.figures_at):
            self.figures_at = facility.figures_at


@dataclass(slots=True)
class CapacityOverview:
    facilities: list[CapacityRow]
    by_tier: list[CapacityRow]
    by_district: list[CapacityRow]
    total: CapacityRow


def capacity_overview(
    *, actor: Any, within: str | None = None, kind: str = "", with_forecast: bool = True
) -> CapacityOverview:
    """Beds total / occupied / reserved / free per facility, per kind and tier, per district and for the whole
    area, from the figures kept on each facility (no scan of beds or stays); the forecast reads the last week's
    admissions and departures (two grouped counts)."""
    require_perm(actor, Perm.ISOLATION_VIEW)
    facilities = list(
        Facility.objects.filter(scope_q(actor, within=within), is_open=True)
        .filter(Q(kind=kind) if kind else Q())
        .only(
            "pk",
            "name",
            "kind",
            "tier",
            "unit_path",
            "beds_total",
            "beds_occupied",
            "beds_reserved",
            "beds_cleaning",
            "figures_at",
        )
        .order_by("unit_path", "name")
    )
    rates = admission_rate([f.pk for f in facilities]) if with_forecast and facilities else {}
    base = view_path(actor, within)
    depth = base.count("/")
    district_names = _unit_names({_child_path(f.unit_path, depth) for f in facilities})
    rows: list[CapacityRow] = []
    tiers: dict[str, CapacityRow] = {}
    districts: dict[str, CapacityRow] = {}
    total = CapacityRow(key="all", label=_("Toàn địa bàn"))
    for facility in facilities:
        rate = rates.get(facility.pk, 0.0)
        row = CapacityRow(
            key=f"f{facility.pk}", label=facility.name, facility_id=facility.pk, kind=facility.kind, tier=facility.tier
        )
        row.add(facility, rate)
        rows.append(row)
        tier_key = facility.kind if facility.kind == FacilityKind.QUARANTINE else f"tier{facility.tier}"
        tier_label = (
            str(FacilityKind.QUARANTINE.label)
            if facility.kind == FacilityKind.QUARANTINE
            else _("Điều trị tầng %(t)s") % {"t": facility.tier}
        )
        tiers.setdefault(tier_key, CapacityRow(key=tier_key, label=tier_label, kind=facility.kind, tier=facility.tier))
        tiers[tier_key].add(facility, rate)
        child = _child_path(facility.unit_path, depth)
        districts.setdefault(child, CapacityRow(key=child, label=district_names.get(child, child)))
        districts[child].add(facility, rate)
        total.add(facility, rate)
    order = {FacilityKind.QUARANTINE.value: 0, "tier1": 1, "tier2": 2, "tier3": 3}
    return CapacityOverview(
        facilities=rows,
        by_tier=sorted(tiers.values(), key=lambda r: order.get(r.key, 9)),
        by_district=sorted(districts.values(), key=lambda r: r.key),
        total=total,
    )


def _child_path(path: str, depth: int) -> str:
    """The unit one level below the viewer's that holds `path` (a district for a province viewer)."""
    parts = path.strip("/").split("/")
    return "/".join(parts[: depth + 1]) + "/" if len(parts) > depth else path


def _unit_names(paths: set[str]) -> dict[str, str]:
    from chihuy.places.models import Unit

    return dict(Unit.objects.filter(path__in=paths).values_list("path", "name"))


def capacity_recount(*, facility_ids: Iterable[int]) -> dict[int, tuple[int, int, int, int]]:
    """The figures recounted from beds and stays (what `Facility` keeps): for tests and the benchmark's peer."""
    ids = list(facility_ids)
    out: dict[int, tuple[int, int, int, int]] = {i: (0, 0, 0, 0) for i in ids}
    for facility_id in ids:
        beds = Bed.objects.filter(facility_id=facility_id, is_active=True, room__is_closed=False)
        out[facility_id] = (
            beds.count(),
            Stay.objects.filter(facility_id=facility_id, status=StayStatus.ACTIVE).count(),
            Stay.objects.filter(facility_id=facility_id, status=StayStatus.RESERVED).count(),
            beds.filter(room__cleaning_since__isnull=False).count(),
        )
    return out


def beds_free_total(*, actor: Any, within: str | None = None) -> int:
    require_perm(actor, Perm.ISOLATION_VIEW)
    agg = Facility.objects.filter(scope_q(actor, within=within), is_open=True).aggregate(
        t=Sum("beds_total"), o=Sum("beds_occupied"), r=Sum("beds_reserved"), c=Sum("beds_cleaning")
    )
    return max(0, (agg["t"] or 0) - (agg["o"] or 0) - (agg["r"] or 0) - (agg["c"] or 0))
