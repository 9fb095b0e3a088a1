"""The facilities part of the isolation API: facilities, zones, rooms, beds, the room map, proposals, admissions
(single and group with explicit beds), moves and arrivals — jurisdiction 404s, permission 403s, errors naming the
field of the body."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from chihuy.accounts.roles import Role
from chihuy.isolation.models import Bed, Facility, Room, Stay
from chihuy.places.enums import SiteKind
from chihuy.places.models import Site, Unit
from tests.conftest import BAN_GIANG, MUONG_SO, PHONG_THO, TAM_DUONG
from tests.isolation.bus import EXPOSED_ON, make_bus
from tests.isolation.fixtures import free_beds

pytestmark = pytest.mark.django_db

BASE = "/api/isolation"


@pytest.fixture
def api(api_client: Any, manager: Any) -> Any:
    return api_client(manager)


def test_facility_list_create_get_update(api: Any, quarantine: Facility, make_user: Any, api_client: Any):
    site = Site.objects.create(
        kind=SiteKind.HEALTH_FACILITY,
        name="Trạm Y tế xã Bản Giang",
        unit=Unit.objects.get(path=BAN_GIANG),
        unit_path=BAN_GIANG,
    )
    r = api.get(f"{BASE}/facilities")
    assert r.status_code == 200
    assert [f["name"] for f in r.json()["items"]] == ["Khu cách ly tập trung Tam Đường"]
    assert r.json()["items"][0]["beds_total"] == 22 and r.json()["items"][0]["figures_at"]

    r = api.post(f"{BASE}/facilities", {"site_id": site.pk, "kind": "treatment"})
    assert r.status_code == 422 and r.json()["details"][0]["field"] == "tier"
    r = api.post(
        f"{BASE}/facilities",
        {"site_id": site.pk, "kind": "treatment", "tier": 1, "staff": [{"name": "Lò Thị Y", "phone": "0912 000 555"}]},
    )
    assert r.status_code == 201, r.json()
    body = r.json()
    assert (body["tier"], body["staff"][0]["phone"], body["zones"]) == (1, "0912000555", [])
    r = api.post(f"{BASE}/facilities", {"site_id": site.pk, "kind": "treatment", "tier": 1})
    assert r.status_code == 409 and r.json()["details"][0]["field"] == "site"

    r = api.get(f"{BASE}/facilities", {"kind": "treatment"})
    assert [f["id"] for f in r.json()["items"]] == [body["id"]]
    r = api.get(f"{BASE}/facilities/{quarantine.pk}")
    assert [z["name"] for z in r.json()["zones"]] == ["Nhà A"] and r.json()["zones"][0]["room_count"] == 6
    r = api.patch(f"{BASE}/facilities/{body['id']}", {"tier": 2, "is_open": False})
    assert r.status_code == 200 and (r.json()["tier"], r.json()["is_open"]) == (2, False)

    other = api_client(make_user(Role.FACILITY_MANAGER, PHONG_THO))
    assert other.get(f"{BASE}/facilities/{quarantine.pk}").status_code == 404
    assert other.patch(f"{BASE}/facilities/{quarantine.pk}", {"tier": 2}).status_code == 404
    assert (
        other.post(f"{BASE}/facilities", {"site_id": site.pk, "kind": "quarantine"}).json()["details"][0]["field"]
        == "site_id"
    )
    tracer = api_client(make_user(Role.TRACER, TAM_DUONG))
    assert tracer.get(f"{BASE}/facilities/{quarantine.pk}").status_code == 200  # isolation.view
    assert tracer.post(f"{BASE}/facilities/{quarantine.pk}/zones", {"name": "Nhà C"}).status_code == 403


def test_zones_rooms_beds_and_the_map(api: Any, quarantine: Facility, admit_f1: Any, make_person: Any):
    r = api.post(f"{BASE}/facilities/{quarantine.pk}/zones", {"name": "Nhà B"})
    assert r.status_code == 201
    zone_id = r.json()["id"]
    r = api.post(f"{BASE}/zones/{zone_id}/rooms", {"first": 201, "last": 205, "beds_per_room": 4, "gender": "female"})
    assert r.status_code == 201 and [room["code"] for room in r.json()] == ["201", "202", "203", "204", "205"]
    r = api.post(f"{BASE}/zones/{zone_id}/rooms", {"first": 205, "last": 206, "beds_per_room": 4})
    assert r.status_code == 409 and r.json()["details"][0] == {"field": "first", "message": "Phòng đã có: 205."}
    r = api.post(f"{BASE}/zones/{zone_id}/rooms", {"first": 210, "last": 209, "beds_per_room": 4})
    assert r.status_code == 422 and r.json()["details"][0]["field"] == "last"

    room = Room.objects.get(facility=quarantine, code="205")
    r = api.patch(f"{BASE}/rooms/{room.pk}", {"oxygen_point": True, "is_closed": True})
    assert r.status_code == 200 and (r.json()["oxygen_point"], r.json()["is_closed"]) == (True, True)

    admit_f1(quarantine, "101", [make_person(full_name="Lò Văn An", sex="M")], dt.date(2021, 11, 9))
    r = api.get(f"{BASE}/facilities/{quarantine.pk}/beds", {"free_only": True})
    assert len(r.json()) == 22 + 16 - 1  # 205 closed, one bed held
    r = api.get(f"{BASE}/facilities/{quarantine.pk}/beds", {"room_id": room.pk})
    assert [b["room_closed"] for b in r.json()] == [True] * 4

    zone_a = quarantine.zones.get(name="Nhà A")
    r = api.get(f"{BASE}/zones/{zone_a.pk}/map")
    assert r.status_code == 200
    tiles = {t["code"]: t for t in r.json()["tiles"]}
    assert (tiles["101"]["state"], tiles["101"]["day"], tiles["101"]["held"], tiles["101"]["beds"]) == ("f1", 1, 1, 4)
    assert tiles["101"]["occupants"][0]["full_name"] == "Lò Văn An"
    assert tiles["106"]["oxygen_point"] is True and tiles["102"]["state"] == "empty"
    assert set(r.json()["legend"]) == {"empty", "f1", "f0", "cleaning", "closed"}


def test_proposal_then_group_admission_with_explicit_beds(
    api: Any, quarantine: Facility, admin_user: Any, make_person: Any
):
    bus = make_bus(admin_user, BAN_GIANG)
    people = bus.family + bus.brothers + [bus.elder]
    r = api.post(
        f"{BASE}/facilities/{quarantine.pk}/proposal",
        {"people": [{"person_id": p.pk, "cohort_on": str(EXPOSED_ON)} for p in people]},
    )
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["unplaced"] == [] and body["window_days"] == 2
    rooms = {row["person_id"]: row["room_code"] for row in body["placed"]}
    assert {rooms[p.pk] for p in bus.family} == {"105"} and rooms[bus.elder.pk] == "106"
    assert Stay.objects.count() == 0

    rows = [
        {"person_id": row["person_id"], "cohort_on": str(EXPOSED_ON), "bed_id": row["bed_id"]} for row in body["placed"]
    ]
    rows[1]["bed_id"] = rows[0]["bed_id"]
    r = api.post(f"{BASE}/facilities/{quarantine.pk}/admissions/group", {"rows": rows})
    assert r.status_code == 409 and r.json()["details"][0]["field"] == "rows[1].bed_id"
    rows[1]["bed_id"] = body["placed"][1]["bed_id"]
    r = api.post(f"{BASE}/facilities/{quarantine.pk}/admissions/group", {"rows": rows, "reserve": True})
    assert r.status_code == 201 and {s["status"] for s in r.json()} == {"reserved"}
    stay_ids = [s["id"] for s in r.json()]

    r = api.post(f"{BASE}/facilities/{quarantine.pk}/arrivals", {"stay_ids": [*stay_ids, 999999]})
    assert r.status_code == 404 and r.json()["details"][0]["field"] == f"stay_ids[{len(stay_ids)}]"
    r = api.post(f"{BASE}/facilities/{quarantine.pk}/arrivals", {"stay_ids": stay_ids})
    assert r.status_code == 200 and {s["status"] for s in r.json()} == {"active"}
    assert r.json()[0]["release_on"] == "2021-11-24"
    r = api.post(f"{BASE}/facilities/{quarantine.pk}/arrivals", {"stay_ids": stay_ids[:1]})
    assert r.status_code == 409 and r.json()["details"][0]["field"] == "stay_ids[0]"


def test_single_admission_and_its_errors(
    api: Any, quarantine: Facility, make_person: Any, make_user: Any, api_client: Any
):
    person = make_person(full_name="Lò Văn An", sex="M")
    url = f"{BASE}/facilities/{quarantine.pk}/admissions"
    r = api.post(url, {"person_id": person.pk, "cohort_on": "2021-11-09"})
    assert r.status_code == 201, r.json()
    assert (r.json()["status"], r.json()["test_days"], r.json()["release_on"]) == ("active", [1, 7, 14], "2021-11-24")
    bed_id = r.json()["bed_id"]
    r = api.post(url, {"person_id": person.pk})
    assert r.status_code == 409 and r.json()["details"][0]["field"] == "person"
    other = make_person(full_name="Lò Văn Bình", sex="M")
    r = api.post(url, {"person_id": other.pk, "bed_id": bed_id})
    assert r.status_code == 409 and r.json()["details"][0]["field"] == "admissions[0].bed"
    r = api.post(url, {"person_id": other.pk, "cohort_on": "2021-12-01"})
    assert r.status_code == 422 and r.json()["details"][0]["field"] == "people[0].cohort_on"
    r = api.post(url, {"person_id": 99999999})
    assert r.status_code == 404 and r.json()["details"][0]["field"] == "person_id"
    r = api.post(url, {"person_id": other.pk, "cohort": "f2"})
    assert r.status_code == 422
    far = make_person(full_name="Lò Văn Xa", sex="M", unit_path=MUONG_SO)
    assert api.post(url, {"person_id": far.pk}).json()["details"][0]["field"] == "person_id"
    analyst = api_client(make_user(Role.ANALYST, TAM_DUONG))
    assert analyst.post(url, {"person_id": other.pk}).status_code == 403
    assert api_client(make_user(Role.FACILITY_MANAGER, PHONG_THO)).post(url, {"person_id": other.pk}).status_code == 404


def test_move_needs_a_reason_when_it_breaks_a_rule(api: Any, quarantine: Facility, admit_f1: Any, make_person: Any):
    admit_f1(quarantine, "101", [make_person(full_name="Lò Văn Cũ", sex="M")], dt.date(2021, 10, 30))
    (stay,) = admit_f1(quarantine, "102", [make_person(full_name="Lò Văn Mới", sex="M")], EXPOSED_ON)
    bed = free_beds(quarantine, "101")[0]
    r = api.post(f"{BASE}/stays/{stay.pk}/move", {"bed_id": bed.pk})
    assert r.status_code == 409 and r.json()["details"][0]["field"] == "reason"
    r = api.post(f"{BASE}/stays/{stay.pk}/move", {"bed_id": bed.pk, "reason": "Hỏng điều hòa"})
    assert r.status_code == 200 and (r.json()["bed_id"], r.json()["flagged"]) == (bed.pk, True)
    r = api.post(f"{BASE}/stays/{stay.pk}/move", {"bed_id": 99999999})
    assert r.status_code == 404 and r.json()["details"][0]["field"] == "bed_id"
    assert api.post(f"{BASE}/stays/99999999/move", {"bed_id": bed.pk}).status_code == 404
    assert Bed.objects.filter(pk=bed.pk).exists()
