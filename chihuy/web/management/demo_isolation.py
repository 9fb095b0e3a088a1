"""The isolation demo of issue 6: Tam Đường's concentrated quarantine area (zones "Nhà A" and "Nhà B", plain,
family and oxygen rooms) run by the district facility manager (huyen_cachly), a tier-1 treatment facility and the
district health centre as tier 2 (rooms with oxygen points), and the F1 of the Bản Giang outbreak admitted to the
quarantine area through the real bed proposer on 08/11/2021 (under Công văn 5599/BYT-MT, the rule in force then:
the rule in force today no longer quarantines F1), so their tracing step "isolated" is closed too. Sites attach to
communes of Tam Đường, like the labs demo's. Running it twice adds nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from chihuy.accounts.models import User
from chihuy.cases.enums import TraceStatus
from chihuy.cases.models import Classification
from chihuy.isolation.enums import Cohort, FacilityKind, RoomGender
from chihuy.isolation.models import Facility, Stay
from chihuy.isolation.services import admissions
from chihuy.isolation.services import facilities as services
from chihuy.isolation.services.stays import Admission
from chihuy.places.enums import SiteKind
from chihuy.places.models import Site, Unit
from chihuy.places.services import site_create
from chihuy.response.isolation import stays_admitted

SITE_COMMUNE_PATH = "12/106/03412/"  # Xã Bình Lư, Tam Đường
OUTBREAK_COMMUNE_PATH = "12/106/03418/"  # Xã Bản Giang
QUARANTINE_NAME = "Khu cách ly tập trung Tam Đường (Trường PTDTNT huyện)"
TIER1_NAME = "Cơ sở thu dung, điều trị COVID-19 tầng 1 Tam Đường"
TIER2_NAME = "Trung tâm Y tế huyện Tam Đường (khu điều trị COVID-19)"
MAX_F1 = 16


def _admitted_at() -> dt.datetime:
    return timezone.make_aware(dt.datetime(2021, 11, 8, 10, 0))


def _site(actor: Any, unit: Unit, kind: str, name: str, address: str) -> Site:
    return Site.objects.filter(unit=unit, kind=kind, name=name).first() or site_create(
        actor=actor, unit=unit, kind=kind, name=name, address=address
    )


@transaction.atomic
def seed_isolation() -> dict[str, Any]:
    if Facility.objects.filter(is_demo=True).exists():
        return {"facilities_created": 0, "stays_created": 0}
    admin = User.objects.get(username="tinh_quantri")
    manager = User.objects.get(username="huyen_cachly")
    commune = Unit.objects.get(path=SITE_COMMUNE_PATH)
    opened = dt.date(2021, 11, 1)

    quarantine = services.facility_create(
        actor=manager,
        site=_site(admin, commune, SiteKind.QUARANTINE_FACILITY, QUARANTINE_NAME, "Xã Bình Lư, huyện Tam Đường"),
        kind=FacilityKind.QUARANTINE,
        opened_on=opened,
        staff=[
            {"name": "Lò Văn Quản", "role": "Trưởng khu cách ly", "phone": "0912000099"},
            {"name": "Tao Thị Y", "role": "Y sĩ trực", "phone": "0912000098"},
        ],
        is_demo=True,
    )
    nha_a = services.zone_create(actor=manager, facility=quarantine, name="Nhà A", note="Dãy nội trú nam")
    services.rooms_bulk_create(actor=manager, zone=nha_a, first=101, last=110, beds_per_room=4, floor=1)
    services.rooms_bulk_create(actor=manager, zone=nha_a, first=111, last=112, beds_per_room=4, is_family=True)
    services.rooms_bulk_create(actor=manager, zone=nha_a, first=113, last=114, beds_per_room=2, oxygen_point=True)
    nha_b = services.zone_create(actor=manager, facility=quarantine, name="Nhà B", note="Dãy nội trú nữ")
    services.rooms_bulk_create(actor=manager, zone=nha_b, first=201, last=208, beds_per_room=4, floor=2, en_suite=True)

    tier1 = services.facility_create(
        actor=manager,
        site=_site(admin, commune, SiteKind.HEALTH_FACILITY, TIER1_NAME, "Xã Bình Lư, huyện Tam Đường"),
        kind=FacilityKind.TREATMENT,
        tier=1,
        opened_on=opened,
        staff=[{"name": "Hà Văn Sơn", "role": "Bác sĩ phụ trách", "phone": "0912000097"}],
        is_demo=True,
    )
    zone = services.zone_create(actor=manager, facility=tier1, name="Khu điều trị")
    services.rooms_bulk_create(actor=manager, zone=zone, first=1, last=10, beds_per_room=4, prefix="T1-")
    tier2 = services.facility_create(
        actor=manager,
        site=_site(admin, commune, SiteKind.HEALTH_FACILITY, TIER2_NAME, "Huyện Tam Đường"),
        kind=FacilityKind.TREATMENT,
        tier=2,
        opened_on=opened,
        staff=[{"name": "Đèo Thị Hạnh", "role": "Trưởng khoa Truyền nhiễm", "phone": "0912000096"}],
        is_demo=True,
    )
    zone = services.zone_create(actor=manager, facility=tier2, name="Khoa Truyền nhiễm")
    services.rooms_bulk_create(
        actor=manager, zone=zone, first=1, last=6, beds_per_room=2, prefix="T2-", oxygen_point=True
    )
    services.rooms_bulk_create(
        actor=manager,
        zone=zone,
        first=7,
        last=8,
        beds_per_room=1,
        prefix="T2-",
        oxygen_point=True,
        gender=RoomGender.ANY,
    )

    # The outbreak's F1 still F1 (not turned positive), exposed before the admission day, not isolating at home,
    # not yet in a stay.
    admitted_at = _admitted_at()
    rows = list(
        Classification.objects.filter(unit_path__startswith=OUTBREAK_COMMUNE_PATH, level=1, exposure_at__lt=admitted_at)
        .exclude(trace_status=TraceStatus.HOME_ISOLATION)
        .exclude(person_id__in=Stay.objects.filter(status__in=["reserved", "active"]).values("person_id"))
        .select_related("person")
        .order_by("exposure_at", "pk")[:MAX_F1]
    )
    stays: list[Stay] = []
    if rows:
        proposal = admissions.group_propose(
            actor=manager,
            facility=quarantine,
            people=[
                admissions.PersonSpec(
                    person=row.person,
                    cohort=Cohort.F1,
                    cohort_on=timezone.localdate(row.exposure_at) if row.exposure_at else admitted_at.date(),
                )
                for row in rows
            ],
        )
        placed = [
            Admission(person=r.person, cohort=r.cohort, cohort_on=r.cohort_on, bed=r.bed) for r in proposal.placed
        ]
        if placed:
            stays = admissions.group_admit(actor=manager, facility=quarantine, admissions=placed, at=admitted_at)
            stays_admitted(actor=manager, stays=stays)
    return {"facilities_created": 3, "stays_created": len(stays)}
