"""Fixtures of the isolation domain, registered for every test module (tests/conftest.py `pytest_plugins`): a
district facility manager, a quarantine area of Tam Đường with a zone of rooms (plain, family, oxygen), tier 1 and
tier 2 treatment facilities, and a maker of F1 admissions through the real services. Modules that use them pin the
clock themselves (tests/isolation/conftest.py pins 10/11/2021 09:00, under Công văn 5599/BYT-MT)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from chihuy.accounts.roles import Role
from chihuy.isolation.enums import Cohort, FacilityKind, RoomGender, StayKind
from chihuy.isolation.models import Bed, Facility, Stay, Zone
from chihuy.isolation.services import facilities as facility_services
from chihuy.isolation.services.stays import Admission, stays_admit
from chihuy.places.enums import SiteKind
from chihuy.places.models import Site, Unit
from tests.conftest import BAN_GIANG, TAM_DUONG


@pytest.fixture
def manager(make_user: Callable[..., Any]) -> Any:
    """The facility manager of Tam Đường district (runs its quarantine area and treatment facilities)."""
    return make_user(Role.FACILITY_MANAGER, TAM_DUONG, phone="0912000011")


@pytest.fixture
def commune_officer(make_user: Callable[..., Any]) -> Any:
    """Bản Giang commune's health officer (home isolation, daily checks)."""
    return make_user(Role.HEALTH_OFFICER, BAN_GIANG, phone="0912000012")


def _site(name: str, kind: str) -> Site:
    unit = Unit.objects.get(path=BAN_GIANG)
    return Site.objects.create(kind=kind, name=name, unit=unit, unit_path=unit.path)


@pytest.fixture
def quarantine(manager: Any) -> Facility:
    """ "Khu cách ly tập trung Tam Đường", zone "Nhà A": rooms 101–104 (4 beds), 105 a family room (4 beds),
    106 with an oxygen point (2 beds)."""
    site = _site("Khu cách ly tập trung Tam Đường", SiteKind.QUARANTINE_FACILITY)
    facility = facility_services.facility_create(
        actor=manager,
        site=site,
        kind=FacilityKind.QUARANTINE,
        opened_on=dt.date(2021, 11, 1),
        staff=[{"name": "Lò Văn Quản", "role": "Trưởng khu", "phone": "0912000099"}],
    )
    zone = facility_services.zone_create(actor=manager, facility=facility, name="Nhà A")
    facility_services.rooms_bulk_create(actor=manager, zone=zone, first=101, last=104, beds_per_room=4, floor=1)
    facility_services.rooms_bulk_create(actor=manager, zone=zone, first=105, last=105, beds_per_room=4, is_family=True)
    facility_services.rooms_bulk_create(
        actor=manager, zone=zone, first=106, last=106, beds_per_room=2, oxygen_point=True, gender=RoomGender.ANY
    )
    facility.refresh_from_db()
    return facility


@pytest.fixture
def treatment_facilities(manager: Any) -> dict[int, Facility]:
    """Tier 1 (rooms T1-01…T1-04, 4 beds) and tier 2 (rooms T2-01…T2-03, 2 beds, oxygen points)."""
    made: dict[int, Facility] = {}
    for tier, name, prefix, last, beds, oxygen in (
        (1, "Cơ sở thu dung, điều trị COVID-19 tầng 1 Tam Đường", "T1-0", 4, 4, False),
        (2, "Trung tâm Y tế huyện Tam Đường (tầng 2)", "T2-0", 3, 2, True),
    ):
        site = _site(name, SiteKind.HEALTH_FACILITY)
        facility = facility_services.facility_create(
            actor=manager, site=site, kind=FacilityKind.TREATMENT, tier=tier, opened_on=dt.date(2021, 11, 1)
        )
        zone = facility_services.zone_create(actor=manager, facility=facility, name="Khu điều trị")
        facility_services.rooms_bulk_create(
            actor=manager, zone=zone, first=1, last=last, beds_per_room=beds, prefix=prefix, oxygen_point=oxygen
        )
        facility.refresh_from_db()
        made[tier] = facility
    return made


def free_beds(facility: Facility, room_code: str) -> list[Bed]:
    taken = Stay.objects.filter(bed__room__code=room_code, status__in=["reserved", "active"]).values("bed_id")
    return list(Bed.objects.filter(facility=facility, room__code=room_code).exclude(pk__in=taken).order_by("position"))


@pytest.fixture
def admit_f1(manager: Any) -> Callable[..., list[Stay]]:
    """Admit people as F1 exposed on `cohort_on` into the named room's free beds (in bed order)."""

    def run(facility: Facility, room_code: str, people: list[Any], cohort_on: dt.date, **kw: Any) -> list[Stay]:
        beds = free_beds(facility, room_code)
        admissions = [
            Admission(person=p, cohort=kw.get("cohort", Cohort.F1), cohort_on=cohort_on, bed=beds[i])
            for i, p in enumerate(people)
        ]
        return stays_admit(
            actor=kw.get("actor", manager), kind=StayKind.FACILITY, admissions=admissions, facility=facility
        )

    return run


def zone_of(facility: Facility) -> Zone:
    return Zone.objects.filter(facility=facility).order_by("position").first()  # type: ignore[return-value]
