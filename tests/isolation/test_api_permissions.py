"""The isolation API's permission matrix: every endpoint × every role × the caller in the records' own commune (xã
Bản Giang), its district (huyện Tam Đường), a sibling commune (Bình Lư), another district (Phong Thổ). The expected
status follows ROLE_PERMS and the endpoint's rule — isolation.view first (403), then the record's place (404: a
facility or a household by its unit, a stay by the person's residence or its place), then the write's right (403);
a refused write leaves the database exactly as it was, an accepted one changes it.

The scene (built per test, only the parts an endpoint needs): Tam Đường's quarantine area on a Bản Giang site (zone
"Nhà A", rooms 101–103 of 4 beds) holding an active F1 of Bản Giang, a reserved bed for an F1 on the bus, and an F1
whose case was just reported; a Bản Giang household isolating at home (and one whose members have all left);
tier-1 and tier-2 treatment facilities on Bản Giang sites, an F0 under treatment at tier 1 and an F0 waiting.

Positions are not reduced: 40 routes × 40 callers are 1,600 cases (about 1.5 minutes on SQLite, 3 on PostgreSQL).
The release of a stay is refused to every allowed caller by the rule in force (day 14 has not come: 409), which the
matrix asserts exactly; every other write is sent a payload that succeeds. The door sign's public check-in has no
account: the token is the key, so every caller gets what anyone holding the sign would.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pytest

from chihuy.accounts.roles import ROLE_PERMS, Perm, Role
from chihuy.cases import services as case_services
from chihuy.cases.models import Case
from chihuy.core.audit import snapshot
from chihuy.core.models import Job
from chihuy.isolation.enums import Cohort, FacilityKind, StayKind, StayStatus
from chihuy.isolation.models import (
    Bed,
    CheckIn,
    Facility,
    HomeIsolation,
    Monitoring,
    Room,
    Stay,
    StayEvent,
    StayTest,
    TreatmentRecord,
    Zone,
)
from chihuy.isolation.services import facilities as facility_services
from chihuy.isolation.services import homes as home_services
from chihuy.isolation.services.stays import Admission, stay_end, stays_admit
from chihuy.labs.models import Campaign, CampaignTarget
from chihuy.notify.models import Message
from chihuy.places.enums import SiteKind
from chihuy.places.models import Site
from chihuy.response import treatment as treatment_response
from tests.conftest import BAN_GIANG, BINH_LU, PHONG_THO, TAM_DUONG, unit
from tests.isolation.fixtures import free_beds
from tests.labs.fixtures import at

POSITIONS = {"own": BAN_GIANG, "parent": TAM_DUONG, "sibling": BINH_LU, "other_district": PHONG_THO}
INSIDE = {"own": True, "parent": True, "sibling": False, "other_district": False}
CALLERS = [(role, pos) for role in Role.values for pos in POSITIONS]
EXPOSED = dt.date(2021, 11, 9)  # the F1's exposure: day 1 of the 5599 clock is today, 10/11/2021


class Scene:
    def __init__(self, admin: Any, make_user: Callable[..., Any], make_person: Callable[..., Any]):
        self.admin, self.make_user, self.make_person = admin, make_user, make_person

    @cached_property
    def manager(self) -> Any:
        return self.make_user(Role.FACILITY_MANAGER, TAM_DUONG)

    @cached_property
    def officer(self) -> Any:
        return self.make_user(Role.HEALTH_OFFICER, BAN_GIANG)

    def site(self, name: str, kind: str) -> Site:
        return Site.objects.create(kind=kind, name=name, unit=unit(BAN_GIANG), unit_path=BAN_GIANG)

    def person(self, name: str, sex: str = "M") -> Any:
        return self.make_person(full_name=name, sex=sex, birth_year=1985)

    # --- facilities ---------------------------------------------------------------------------------------------

    @cached_property
    def quarantine(self) -> Facility:
        site = self.site("Khu cách ly tập trung Tam Đường", SiteKind.QUARANTINE_FACILITY)
        facility = facility_services.facility_create(
            actor=self.manager, site=site, kind=FacilityKind.QUARANTINE, opened_on=dt.date(2021, 11, 1)
        )
        zone = facility_services.zone_create(actor=self.manager, facility=facility, name="Nhà A")
        facility_services.rooms_bulk_create(actor=self.manager, zone=zone, first=101, last=103, beds_per_room=4)
        facility.refresh_from_db()
        return facility

    @cached_property
    def zone(self) -> Zone:
        return Zone.objects.get(facility=self.quarantine)

    def room(self, code: str) -> Room:
        return Room.objects.get(facility=self.quarantine, code=code)

    def bed(self, facility: Facility, room_code: str) -> Bed:
        return free_beds(facility, room_code)[0]

    @cached_property
    def new_site(self) -> Site:
        return self.site("Trường bán trú Bản Giang", SiteKind.QUARANTINE_FACILITY)

    def _admit(self, people: list[Any], room_code: str, **kw: Any) -> list[Stay]:
        beds = free_beds(self.quarantine, room_code)
        admissions = [
            Admission(person=p, cohort=Cohort.F1, cohort_on=EXPOSED, bed=beds[i]) for i, p in enumerate(people)
        ]
        return stays_admit(
            actor=self.manager, kind=StayKind.FACILITY, admissions=admissions, facility=self.quarantine, **kw
        )

    @cached_property
    def active(self) -> Stay:
        """An F1 of Bản Giang in room 101, day 1 of 14."""
        return self._admit([self.person("Lò Văn An")], "101")[0]

    @cached_property
    def reserved(self) -> Stay:
        """A bed of room 102 held for an F1 on the bus."""
        return self._admit([self.person("Lò Văn Bình")], "102", reserve=True)[0]

    @cached_property
    def turned_positive(self) -> Stay:
        """The active F1's roommate, whose case was reported this morning."""
        self.active  # noqa: B018
        stay = self._admit([self.person("Lò Văn Cường")], "101")[0]
        case_services.case_report(
            actor=self.admin, person=stay.person, detection_way="hospital", detected_at=at(10, 8), sample_date=EXPOSED
        )
        return stay

    # --- home isolation -----------------------------------------------------------------------------------------

    def _home(self, name: str) -> HomeIsolation:
        return home_services.home_register(
            actor=self.officer,
            unit=unit(BAN_GIANG),
            address=f"Bản Giang, nhà {name}",
            members=[home_services.HomeMember(person=self.person(name, "F"), cohort=Cohort.F1, cohort_on=EXPOSED)],
            officer=self.officer,
            team="Tổ COVID bản Giang",
        )

    @cached_property
    def home(self) -> HomeIsolation:
        return self._home("Tao Thị Mai")

    @cached_property
    def home_stay(self) -> Stay:
        return Stay.objects.get(home=self.home)

    @cached_property
    def emptied_home(self) -> HomeIsolation:
        """A household whose only member's stay was entered by mistake and cancelled: it may end."""
        home = self._home("Vàng Thị Dung")
        stay_end(
            actor=self.officer,
            stay=Stay.objects.get(home=home),
            status=StayStatus.CANCELLED,
            reason="Nhập nhầm",
            perm=Perm.HOME_ISOLATION,
        )
        return home

    # --- treatment ----------------------------------------------------------------------------------------------

    def _treatment_facility(self, tier: int, name: str, prefix: str, beds: int) -> Facility:
        facility = facility_services.facility_create(
            actor=self.manager,
            site=self.site(name, SiteKind.HEALTH_FACILITY),
            kind=FacilityKind.TREATMENT,
            tier=tier,
            opened_on=dt.date(2021, 11, 1),
        )
        zone = facility_services.zone_create(actor=self.manager, facility=facility, name="Khu điều trị")
        facility_services.rooms_bulk_create(
            actor=self.manager, zone=zone, first=1, last=1, beds_per_room=beds, prefix=prefix, oxygen_point=tier > 1
        )
        facility.refresh_from_db()
        return facility

    @cached_property
    def tier1(self) -> Facility:
        return self._treatment_facility(1, "Cơ sở thu dung, điều trị COVID-19 tầng 1 Tam Đường", "T1-0", 4)

    @cached_property
    def tier2(self) -> Facility:
        return self._treatment_facility(2, "Trung tâm Y tế huyện Tam Đường (tầng 2)", "T2-0", 2)

    def f0(self, name: str) -> Any:
        person = self.person(name)
        case_services.case_report(
            actor=self.officer, person=person, detection_way="community", detected_at=at(10, 8), sample_date=EXPOSED
        )
        return person

    @cached_property
    def waiting(self) -> Any:
        """An F0 of Bản Giang with an active case, not yet under treatment."""
        return self.f0("Lò Văn Pằn")

    @cached_property
    def treated(self) -> Stay:
        """An F0 of Bản Giang under treatment at tier 1."""
        out = treatment_response.treatment_admit(
            actor=self.manager,
            person=self.f0("Lò Văn Dũng"),
            facility=self.tier1,
            bed=self.bed(self.tier1, "T1-01"),
            clinical_state="mild",
            spo2=97,
        )
        return out.stay

    @cached_property
    def everything(self) -> None:
        self.active, self.reserved, self.home, self.treated  # noqa: B018

    def caller(self, role: str, position: str) -> Any:
        return self.make_user(role, POSITIONS[position])


MODELS = (Facility, Zone, Room, Bed, Stay, StayEvent, StayTest, HomeIsolation, CheckIn, TreatmentRecord, Monitoring)


def state() -> list[Any]:
    return [
        [tuple(snapshot(x).items()) for x in model.objects.order_by("pk")]
        for model in (*MODELS, Case, Campaign, CampaignTarget, Message, Job)
    ]


# --- rules -----------------------------------------------------------------------------------------

Rule = Callable[[set[str], str], int]


def always(status: int) -> Rule:
    return lambda perms, pos: status


def listing(perms: set[str], pos: str) -> int:
    """A list answers 200 to every reader with isolation.view, showing only what they may see."""
    return 200 if Perm.ISOLATION_VIEW in perms else 403


def view(perms: set[str], pos: str) -> int:
    """isolation.view first (403), then the record's place (404)."""
    return 403 if Perm.ISOLATION_VIEW not in perms else 200 if INSIDE[pos] else 404


def view_then(perm: str, ok: int) -> Rule:
    """The record read first (isolation.view 403, place 404), then the write's right (403)."""
    return lambda perms, pos: (
        403 if Perm.ISOLATION_VIEW not in perms else 404 if not INSIDE[pos] else ok if perm in perms else 403
    )


def create(perm: str, ok: int) -> Rule:
    """A record made in a place the body names (a site, the household's members): the right (403), then the
    place (404)."""
    return lambda perms, pos: 403 if perm not in perms else ok if INSIDE[pos] else 404


def dispatch(perms: set[str], pos: str) -> int:
    """campaign.manage; outside the area there is simply nothing due."""
    return 200 if Perm.CAMPAIGN_MANAGE in perms else 403


def only_inside(perms: set[str], pos: str) -> bool:
    return INSIDE[pos]


# --- endpoints -------------------------------------------------------------------------------------


@dataclass
class Endpoint:
    name: str
    method: str
    route: str  # as in the OpenAPI document
    path: Callable[[Scene], str]
    rule: Rule
    body: Callable[[Scene], Any] | None = None
    check: Callable[[Scene, Any, set[str], str], None] | None = None
    given: tuple[str, ...] = ()
    writes: Callable[[set[str], str], bool] | bool = True  # whether an accepted call changes the database


def sees_facilities(scene: Scene, response: Any, perms: set[str], pos: str) -> None:
    expected = [scene.quarantine.pk] if INSIDE[pos] else []
    assert [f["id"] for f in response.json()["items"]] == expected


def sees_stays(scene: Scene, response: Any, perms: set[str], pos: str) -> None:
    expected = {scene.active.pk, scene.reserved.pk, scene.home_stay.pk, scene.treated.pk} if INSIDE[pos] else set()
    assert {s["id"] for s in response.json()["items"]} == expected


def sees_homes(scene: Scene, response: Any, perms: set[str], pos: str) -> None:
    assert [h["id"] for h in response.json()["items"]] == ([scene.home.pk] if INSIDE[pos] else [])


def sees_treated(scene: Scene, response: Any, perms: set[str], pos: str) -> None:
    assert [s["id"] for s in response.json()["items"]] == ([scene.treated.pk] if INSIDE[pos] else [])


def sees_capacity(scene: Scene, response: Any, perms: set[str], pos: str) -> None:
    body = response.json()
    inside = {scene.quarantine.pk, scene.tier1.pk, scene.tier2.pk} if INSIDE[pos] else set()
    assert {r["facility_id"] for r in body["facilities"]} == inside
    # 12 quarantine beds + 4 at tier 1 + 2 at tier 2; the active F1 and the F0 hold one each, one is reserved.
    total = body["total"]
    assert (total["total"], total["occupied"], total["reserved"]) == ((18, 2, 1) if INSIDE[pos] else (0, 0, 0))


def sees_no_monitoring(scene: Scene, response: Any, perms: set[str], pos: str) -> None:
    assert response.json() == {"items": [], "next_cursor": None}  # nobody released yet


def sees_occupants(scene: Scene, response: Any, perms: set[str], pos: str) -> None:
    assert sorted(o["stay_id"] for o in response.json()) == sorted([scene.active.pk, scene.reserved.pk])


def sees_map(scene: Scene, response: Any, perms: set[str], pos: str) -> None:
    tiles = {t["code"]: (t["held"], t["reserved"]) for t in response.json()["tiles"]}
    assert tiles == {"101": (1, 0), "102": (1, 1), "103": (0, 0)}  # a reserved bed is held


def sees_beds(scene: Scene, response: Any, perms: set[str], pos: str) -> None:
    assert len(response.json()) == 12 and sum(b["held"] for b in response.json()) == 1


def sees_public_home(scene: Scene, response: Any, perms: set[str], pos: str) -> None:
    body = response.json()
    assert (body["code"], body["members"]) == (scene.home.code, [{"id": scene.home_stay.pk, "name": "Tao Thị Mai"}])


def sees_dispatch(scene: Scene, response: Any, perms: set[str], pos: str) -> None:
    # Day 1 of the active F1's clock is today: one test sent to a sampling campaign of the quarantine area.
    assert response.json()["tests"] == (1 if INSIDE[pos] else 0)


def sees_pdf(scene: Scene, response: Any, perms: set[str], pos: str) -> None:
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")


def sees_stay(scene: Scene, response: Any, perms: set[str], pos: str) -> None:
    body = response.json()
    assert (body["stay"]["id"], body["day"], body["days"]) == (scene.active.pk, 1, 14)


def sees_treatment(scene: Scene, response: Any, perms: set[str], pos: str) -> None:
    assert (response.json()["id"], response.json()["tier"]) == (scene.treated.pk, 1)


def iso(rest: str) -> str:
    return "/api/isolation" + rest


ENDPOINTS = [
    # --- facilities, zones, rooms, beds ---
    Endpoint(
        "facilities.list",
        "get",
        iso("/facilities"),
        lambda s: iso("/facilities"),
        listing,
        check=sees_facilities,
        given=("quarantine",),
    ),
    Endpoint(
        "facilities.create",
        "post",
        iso("/facilities"),
        lambda s: iso("/facilities"),
        create(Perm.FACILITY_MANAGE, 201),
        body=lambda s: {"site_id": s.new_site.pk, "kind": "quarantine", "opened_on": "2021-11-10"},
    ),
    Endpoint(
        "facilities.get",
        "get",
        iso("/facilities/{facility_id}"),
        lambda s: iso(f"/facilities/{s.quarantine.pk}"),
        view,
    ),
    Endpoint(
        "facilities.update",
        "patch",
        iso("/facilities/{facility_id}"),
        lambda s: iso(f"/facilities/{s.quarantine.pk}"),
        view_then(Perm.FACILITY_MANAGE, 200),
        body=lambda s: {"staff": [{"name": "Lò Văn Quản", "role": "Trưởng khu", "phone": "0912000099"}]},
    ),
    Endpoint(
        "facilities.zones",
        "post",
        iso("/facilities/{facility_id}/zones"),
        lambda s: iso(f"/facilities/{s.quarantine.pk}/zones"),
        view_then(Perm.FACILITY_MANAGE, 201),
        body=lambda s: {"name": "Nhà B"},
    ),
    Endpoint(
        "zones.rooms",
        "post",
        iso("/zones/{zone_id}/rooms"),
        lambda s: iso(f"/zones/{s.zone.pk}/rooms"),
        view_then(Perm.FACILITY_MANAGE, 201),
        body=lambda s: {"first": 201, "last": 202, "beds_per_room": 2, "floor": 2},
    ),
    Endpoint(
        "rooms.update",
        "patch",
        iso("/rooms/{room_id}"),
        lambda s: iso(f"/rooms/{s.room('103').pk}"),
        view_then(Perm.FACILITY_MANAGE, 200),
        body=lambda s: {"en_suite": True},
    ),
    Endpoint(
        "zones.map",
        "get",
        iso("/zones/{zone_id}/map"),
        lambda s: iso(f"/zones/{s.zone.pk}/map"),
        view,
        check=sees_map,
        given=("active", "reserved"),
    ),
    Endpoint(
        "facilities.beds",
        "get",
        iso("/facilities/{facility_id}/beds"),
        lambda s: iso(f"/facilities/{s.quarantine.pk}/beds"),
        view,
        check=sees_beds,
        given=("active",),
    ),
    Endpoint(
        "facilities.occupants",
        "get",
        iso("/facilities/{facility_id}/occupants"),
        lambda s: iso(f"/facilities/{s.quarantine.pk}/occupants"),
        view,
        check=sees_occupants,
        given=("active", "reserved"),
    ),
    # --- proposals, admissions, moves, arrivals ---
    Endpoint(
        "facilities.proposal",
        "post",
        iso("/facilities/{facility_id}/proposal"),
        lambda s: iso(f"/facilities/{s.quarantine.pk}/proposal"),
        view_then(Perm.STAY_WORK, 200),
        body=lambda s: {"people": [{"person_id": s.person("Lò Văn Giang").pk, "cohort_on": "2021-11-09"}]},
        writes=False,
    ),
    Endpoint(
        "facilities.admit",
        "post",
        iso("/facilities/{facility_id}/admissions"),
        lambda s: iso(f"/facilities/{s.quarantine.pk}/admissions"),
        view_then(Perm.STAY_WORK, 201),
        body=lambda s: {
            "person_id": s.person("Lò Văn Giang").pk,
            "cohort_on": "2021-11-09",
            "bed_id": s.bed(s.quarantine, "103").pk,
        },
    ),
    Endpoint(
        "facilities.admit_group",
        "post",
        iso("/facilities/{facility_id}/admissions/group"),
        lambda s: iso(f"/facilities/{s.quarantine.pk}/admissions/group"),
        view_then(Perm.STAY_WORK, 201),
        body=lambda s: {
            "rows": [
                {"person_id": p.pk, "cohort_on": "2021-11-09", "bed_id": b.pk}
                for p, b in zip(
                    [s.person("Lò Văn Giang"), s.person("Lò Văn Hải")], free_beds(s.quarantine, "103"), strict=False
                )
            ]
        },
    ),
    Endpoint(
        "stays.move",
        "post",
        iso("/stays/{stay_id}/move"),
        lambda s: iso(f"/stays/{s.active.pk}/move"),
        view_then(Perm.STAY_WORK, 200),
        body=lambda s: {"bed_id": s.bed(s.quarantine, "101").pk},
    ),
    Endpoint(
        "facilities.arrivals",
        "post",
        iso("/facilities/{facility_id}/arrivals"),
        lambda s: iso(f"/facilities/{s.quarantine.pk}/arrivals"),
        view_then(Perm.STAY_WORK, 200),
        body=lambda s: {"stay_ids": [s.reserved.pk]},
    ),
    # --- stays ---
    Endpoint(
        "stays.list", "get", iso("/stays"), lambda s: iso("/stays"), listing, check=sees_stays, given=("everything",)
    ),
    Endpoint(
        "stays.get", "get", iso("/stays/{stay_id}"), lambda s: iso(f"/stays/{s.active.pk}"), view, check=sees_stay
    ),
    Endpoint(
        "stays.release",
        "post",
        iso("/stays/{stay_id}/release"),
        lambda s: iso(f"/stays/{s.active.pk}/release"),
        view_then(Perm.STAY_WORK, 409),  # allowed, and refused by the rule in force: day 14 has not come
        body=lambda s: {},
    ),
    Endpoint(
        "stays.positive",
        "post",
        iso("/stays/{stay_id}/positive"),
        lambda s: iso(f"/stays/{s.turned_positive.pk}/positive"),
        view_then(Perm.STAY_WORK, 200),
        body=lambda s: {},
    ),
    Endpoint(
        "stays.tests_dispatch",
        "post",
        iso("/stays/tests-dispatch"),
        lambda s: iso("/stays/tests-dispatch"),
        dispatch,
        body=lambda s: {},
        check=sees_dispatch,
        given=("active",),
        writes=lambda perms, pos: INSIDE[pos],
    ),
    Endpoint(
        "monitorings.list",
        "get",
        iso("/monitorings"),
        lambda s: iso("/monitorings"),
        listing,
        check=sees_no_monitoring,
        given=("active",),
    ),
    # --- home isolation ---
    Endpoint("homes.list", "get", iso("/homes"), lambda s: iso("/homes"), listing, check=sees_homes, given=("home",)),
    Endpoint(
        "homes.create",
        "post",
        iso("/homes"),
        lambda s: iso("/homes"),
        create(Perm.HOME_ISOLATION, 201),
        body=lambda s: {
            "unit_id": unit(BAN_GIANG).pk,
            "address": "Bản Giang, nhà số 7",
            "officer_id": s.officer.pk,
            "members": [{"person_id": s.person("Lò Văn Khánh").pk, "cohort": "f1", "cohort_on": "2021-11-09"}],
        },
    ),
    Endpoint("homes.get", "get", iso("/homes/{home_id}"), lambda s: iso(f"/homes/{s.home.pk}"), view),
    Endpoint(
        "homes.members",
        "post",
        iso("/homes/{home_id}/members"),
        lambda s: iso(f"/homes/{s.home.pk}/members"),
        view_then(Perm.HOME_ISOLATION, 201),
        body=lambda s: {"person_id": s.person("Tao Văn Lâm").pk, "cohort": "household", "cohort_on": "2021-11-09"},
    ),
    Endpoint(
        "homes.end",
        "post",
        iso("/homes/{home_id}/end"),
        lambda s: iso(f"/homes/{s.emptied_home.pk}/end"),
        view_then(Perm.HOME_ISOLATION, 200),
        body=lambda s: {"reason": "Không còn ai cách ly"},
    ),
    Endpoint(
        "homes.doorsign",
        "get",
        iso("/homes/{home_id}/doorsign.pdf"),
        lambda s: iso(f"/homes/{s.home.pk}/doorsign.pdf"),
        view,
        check=sees_pdf,
    ),
    Endpoint(
        "checkins.list",
        "get",
        iso("/stays/{stay_id}/checkins"),
        lambda s: iso(f"/stays/{s.home_stay.pk}/checkins"),
        view,
    ),
    Endpoint(
        "checkins.create",
        "post",
        iso("/stays/{stay_id}/checkins"),
        lambda s: iso(f"/stays/{s.home_stay.pk}/checkins"),
        view_then(Perm.HOME_ISOLATION, 201),
        body=lambda s: {"source": "call", "temperature": "36.8", "spo2": 98},
    ),
    # The door sign's page: no account; the token is the key, whoever holds it.
    Endpoint(
        "public.checkin_get",
        "get",
        iso("/public/checkins/{token}"),
        lambda s: iso(f"/public/checkins/{s.home.token}"),
        always(200),
        check=sees_public_home,
    ),
    Endpoint(
        "public.checkin_post",
        "post",
        iso("/public/checkins/{token}"),
        lambda s: iso(f"/public/checkins/{s.home.token}"),
        always(201),
        body=lambda s: {"member_id": s.home_stay.pk, "temperature": "36.6", "spo2": 98},
    ),
    # --- capacity and treatment ---
    Endpoint(
        "capacity",
        "get",
        iso("/capacity"),
        lambda s: iso("/capacity"),
        listing,
        check=sees_capacity,
        given=("everything", "tier2"),
    ),
    Endpoint(
        "treatment.list",
        "get",
        iso("/treatment/stays"),
        lambda s: iso("/treatment/stays"),
        listing,
        check=sees_treated,
        given=("treated",),
    ),
    Endpoint(
        "treatment.admit",
        "post",
        iso("/treatment/admissions"),
        lambda s: iso("/treatment/admissions"),
        view_then(Perm.TREATMENT_RECORD, 201),
        body=lambda s: {
            "person_id": s.waiting.pk,
            "facility_id": s.tier1.pk,
            "bed_id": s.bed(s.tier1, "T1-01").pk,
            "clinical_state": "mild",
            "spo2": 96,
        },
    ),
    Endpoint(
        "treatment.get",
        "get",
        iso("/treatment/stays/{stay_id}"),
        lambda s: iso(f"/treatment/stays/{s.treated.pk}"),
        view,
        check=sees_treatment,
    ),
    Endpoint(
        "treatment.records",
        "get",
        iso("/treatment/stays/{stay_id}/records"),
        lambda s: iso(f"/treatment/stays/{s.treated.pk}/records"),
        view,
    ),
    Endpoint(
        "treatment.record",
        "post",
        iso("/treatment/stays/{stay_id}/records"),
        lambda s: iso(f"/treatment/stays/{s.treated.pk}/records"),
        view_then(Perm.TREATMENT_RECORD, 201),
        body=lambda s: {"clinical_state": "moderate", "oxygen_mode": "mask", "spo2": 93},
    ),
    Endpoint(
        "treatment.transfer",
        "post",
        iso("/treatment/stays/{stay_id}/transfer"),
        lambda s: iso(f"/treatment/stays/{s.treated.pk}/transfer"),
        view_then(Perm.TREATMENT_RECORD, 201),
        body=lambda s: {
            "facility_id": s.tier2.pk,
            "bed_id": s.bed(s.tier2, "T2-01").pk,
            "reason": "SpO2 93 %",
            "tier": 2,
        },
    ),
    Endpoint(
        "treatment.criteria",
        "get",
        iso("/treatment/stays/{stay_id}/discharge-criteria"),
        lambda s: iso(f"/treatment/stays/{s.treated.pk}/discharge-criteria"),
        view,
    ),
    Endpoint(
        "treatment.discharge",
        "post",
        iso("/treatment/stays/{stay_id}/discharge"),
        lambda s: iso(f"/treatment/stays/{s.treated.pk}/discharge"),
        view_then(Perm.TREATMENT_RECORD, 200),
        body=lambda s: {"outcome": "transferred_out", "reason": "Chuyển Bệnh viện Bạch Mai"},
    ),
]
ENDPOINT_NAMES = [e.name for e in ENDPOINTS]
ERROR_CODES = {403: "permission_denied", 404: "not_found", 409: "invalid_transition"}


def test_the_matrix_covers_every_isolation_route(db: Any) -> None:
    from django.test import Client

    paths = Client().get("/api/openapi.json").json()["paths"]
    operations = {(m, p) for p, item in paths.items() if p.startswith("/api/isolation/") for m in item}
    assert operations == {(e.method, e.route) for e in ENDPOINTS}
    assert len(ENDPOINTS) == len(operations) == len(set(ENDPOINT_NAMES)) == 40


@pytest.mark.parametrize(("role", "position"), CALLERS, ids=[f"{r}-{p}" for r, p in CALLERS])
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_permission_matrix(
    endpoint: Endpoint,
    role: str,
    position: str,
    admin_user: Any,
    make_user: Any,
    make_person: Any,
    api_client: Any,
) -> None:
    scene = Scene(admin_user, make_user, make_person)
    for record in endpoint.given:
        getattr(scene, record)
    path = endpoint.path(scene)
    body = endpoint.body(scene) if endpoint.body else None
    client = api_client(scene.caller(role, position))
    perms = ROLE_PERMS[role]
    expected = endpoint.rule(perms, position)
    before = state()

    response = getattr(client, endpoint.method)(path, body) if body is not None else client.get(path)

    assert response.status_code == expected, response.content
    if expected >= 400:
        assert response.json()["code"] == ERROR_CODES[expected]
        assert state() == before
        return
    if endpoint.check is not None:
        endpoint.check(scene, response, perms, position)
    writes = endpoint.writes(perms, position) if callable(endpoint.writes) else endpoint.writes
    if endpoint.method != "get" and writes:
        assert state() != before
    else:
        assert state() == before
