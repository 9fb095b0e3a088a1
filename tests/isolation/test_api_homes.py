"""The home isolation part of the isolation API: registering a household (the whole household with the F1, the 5599
clock), the list with danger first, a household with its members, a member added, the end refused while someone
still isolates, officers' check-ins (refused for a finished stay), the door sign PDF, the public check-in without
an account (a token reaches only its own household) — 404 outside the area, 403 without the right."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from chihuy.accounts.roles import Role
from chihuy.isolation.enums import StayStatus
from chihuy.isolation.models import CheckIn, HomeIsolation, Stay
from chihuy.isolation.services.stays import stay_end
from chihuy.notify.models import Message
from chihuy.people.services import household_create
from chihuy.places.models import Unit
from tests.conftest import BAN_GIANG, MUONG_SO

pytestmark = pytest.mark.django_db

BASE = "/api/isolation"


@pytest.fixture
def family(make_person: Any, admin_user: Any) -> dict[str, Any]:
    unit = Unit.objects.get(path=BAN_GIANG)
    father = make_person(full_name="Lò Văn Pằn", sex="M", birth_year=1980)
    mother = make_person(full_name="Tao Thị Mai", sex="F", birth_year=1983)
    household = household_create(actor=admin_user, unit=unit, address="Bản Giang, nhà số 12", members=[father, mother])
    return {"unit": unit, "household": household, "father": father, "mother": mother}


def payload(officer: Any, family: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return {
        "unit_id": family["unit"].pk,
        "address": "Bản Giang, nhà số 12",
        "household_id": family["household"].pk,
        "officer_id": officer.pk,
        "team": "Tổ COVID bản Giang",
        "team_phone": "0912000777",
        "members": [{"person_id": family["father"].pk, "cohort": "f1", "cohort_on": "2021-11-09"}],
        **kw,
    }


@pytest.fixture
def home(api_client: Any, commune_officer: Any, family: dict[str, Any]) -> dict[str, Any]:
    response = api_client(commune_officer).post(f"{BASE}/homes", payload(commune_officer, family))
    assert response.status_code == 201, response.content
    return response.json()


def test_register_puts_the_whole_household_on_the_5599_clock(home: dict[str, Any], family: dict[str, Any]):
    assert home["code"] == "CLN-2021-0001" and home["status"] == "active"
    members = {m["person_name"]: m for m in home["members"]}
    assert set(members) == {"Lò Văn Pằn", "Tao Thị Mai"}
    assert (members["Lò Văn Pằn"]["cohort"], members["Tao Thị Mai"]["cohort"]) == ("f1", "household")
    for m in members.values():
        assert (m["release_on"], m["test_days"], m["day"]) == ("2021-11-24", [1, 7, 14], 1)
        assert "5599" in m["rule_source"] and m["last_check"] is None
    assert "token" not in home


def test_register_errors_name_their_field_and_write_nothing(
    api_client: Any, commune_officer: Any, family: dict[str, Any], make_user: Any
):
    client = api_client(commune_officer)
    far = make_user(Role.HEALTH_OFFICER, MUONG_SO)
    bad_officer = client.post(f"{BASE}/homes", payload(commune_officer, family, officer_id=far.pk))
    assert bad_officer.status_code == 422
    assert bad_officer.json()["details"][0]["field"] == "officer_id"
    future = payload(commune_officer, family, household_id=None)
    future["members"][0]["cohort_on"] = "2021-12-01"
    response = client.post(f"{BASE}/homes", future)
    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "members[0].cohort_on"
    unknown = client.post(
        f"{BASE}/homes", payload(commune_officer, family, members=[{"person_id": 999999, "cohort_on": "2021-11-09"}])
    )
    assert unknown.status_code == 404 and unknown.json()["details"][0]["field"] == "members[0].person_id"
    assert HomeIsolation.objects.count() == 0 and Stay.objects.count() == 0


def test_officer_checkins_and_the_finished_stay(
    api_client: Any, commune_officer: Any, home: dict[str, Any], family: dict[str, Any]
):
    client = api_client(commune_officer)
    stays = {m["person_name"]: m["stay_id"] for m in home["members"]}
    ok = client.post(
        f"{BASE}/stays/{stays['Tao Thị Mai']}/checkins", {"source": "visit", "temperature": 36.9, "spo2": 98}
    )
    assert ok.status_code == 201
    assert (ok.json()["danger"], ok.json()["source"], ok.json()["temperature"]) == (False, "visit", "36.9")
    listed = client.get(f"{BASE}/stays/{stays['Tao Thị Mai']}/checkins").json()
    assert [c["id"] for c in listed["items"]] == [ok.json()["id"]]
    out_of_range = client.post(f"{BASE}/stays/{stays['Tao Thị Mai']}/checkins", {"spo2": 40})
    assert out_of_range.status_code == 422  # schema or service: SpO2 50–100
    assert out_of_range.json()["details"][0]["field"] == "spo2"
    stay = Stay.objects.get(pk=stays["Tao Thị Mai"])
    stay_end(actor=commune_officer, stay=stay, status=StayStatus.TRANSFERRED, reason="Chuyển đi", perm="home.isolation")
    refused = client.post(f"{BASE}/stays/{stay.pk}/checkins", {"source": "call", "spo2": 98})
    assert refused.status_code == 409
    assert refused.json()["details"][0]["field"] == "stay"
    assert CheckIn.objects.filter(stay=stay).count() == 1


def test_public_checkin_without_an_account(
    api_client: Any, commune_officer: Any, home: dict[str, Any], family: dict[str, Any], make_person: Any
):
    token = HomeIsolation.objects.get(pk=home["id"]).token
    anonymous = Client()
    listed = anonymous.get(f"{BASE}/public/checkins/{token}")
    assert listed.status_code == 200
    assert sorted(m["name"] for m in listed.json()["members"]) == ["Lò Văn Pằn", "Tao Thị Mai"]
    assert listed.json()["phone"] == "0912000012"
    father = next(m["stay_id"] for m in home["members"] if m["person_name"] == "Lò Văn Pằn")
    response = anonymous.post(
        f"{BASE}/public/checkins/{token}",
        {"member_id": father, "spo2": 94, "symptoms": ["cough"]},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["danger"] is True and response.json()["call"] == "0912000012"
    assert Message.objects.filter(template="isolation.home_danger", urgent=True).count() == 1
    detail = api_client(commune_officer).get(f"{BASE}/homes/{home['id']}").json()
    member = next(m for m in detail["members"] if m["stay_id"] == father)
    assert member["transfer_proposed_at"] is not None and member["last_check"]["spo2"] == 94
    first = api_client(commune_officer).get(f"{BASE}/homes").json()["items"][0]
    assert (first["id"], first["attention"], first["members_danger"]) == (home["id"], 2, 1)
    # Another household's member through this token, or an unknown token: not found.
    other = api_client(commune_officer).post(
        f"{BASE}/homes",
        payload(
            commune_officer,
            family,
            household_id=None,
            members=[{"person_id": make_person(full_name="Vàng A Sủ").pk, "cohort_on": "2021-11-09"}],
        ),
    )
    stranger = other.json()["members"][0]["stay_id"]
    wrong = anonymous.post(
        f"{BASE}/public/checkins/{token}", {"member_id": stranger, "spo2": 98}, content_type="application/json"
    )
    assert wrong.status_code == 404 and wrong.json()["details"][0]["field"] == "member"
    assert anonymous.get(f"{BASE}/public/checkins/khong-dung").status_code == 404
    assert CheckIn.objects.filter(stay_id=stranger).count() == 0


def test_member_added_end_refused_then_done_and_doorsign(
    api_client: Any, commune_officer: Any, home: dict[str, Any], make_person: Any
):
    client = api_client(commune_officer)
    grandma = make_person(full_name="Lò Thị Ún", birth_year=1950)
    added = client.post(
        f"{BASE}/homes/{home['id']}/members",
        {"person_id": grandma.pk, "cohort": "household", "cohort_on": "2021-11-09"},
    )
    assert added.status_code == 201 and len(added.json()["members"]) == 3
    again = client.post(
        f"{BASE}/homes/{home['id']}/members",
        {"person_id": grandma.pk, "cohort": "household", "cohort_on": "2021-11-09"},
    )
    assert again.status_code == 409 and again.json()["details"][0]["field"] == "person_id"
    refused = client.post(f"{BASE}/homes/{home['id']}/end", {"reason": ""})
    assert refused.status_code == 409 and refused.json()["details"][0]["field"] == "home"
    pdf = client.get(f"{BASE}/homes/{home['id']}/doorsign.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    for stay in Stay.objects.filter(home_id=home["id"]):
        stay_end(
            actor=commune_officer, stay=stay, status=StayStatus.CANCELLED, reason="Nhập nhầm", perm="home.isolation"
        )
    ended = client.post(f"{BASE}/homes/{home['id']}/end", {"reason": "Hết thời gian cách ly"})
    assert ended.status_code == 200 and ended.json()["status"] == "ended"


def test_jurisdiction_and_rights(api_client: Any, make_user: Any, home: dict[str, Any], family: dict[str, Any]):
    far = api_client(make_user(Role.HEALTH_OFFICER, MUONG_SO))
    assert far.get(f"{BASE}/homes/{home['id']}").status_code == 404
    assert far.get(f"{BASE}/homes").json()["items"] == []
    stay_id = home["members"][0]["stay_id"]
    assert far.post(f"{BASE}/stays/{stay_id}/checkins", {"spo2": 98}).status_code == 404
    assert far.get(f"{BASE}/homes/{home['id']}/doorsign.pdf").status_code == 404
    tracer_user = make_user(Role.TRACER, BAN_GIANG)
    tracer = api_client(tracer_user)
    assert tracer.get(f"{BASE}/homes/{home['id']}").status_code == 200
    assert tracer.post(f"{BASE}/stays/{stay_id}/checkins", {"spo2": 98}).status_code == 403
    assert tracer.post(f"{BASE}/homes", payload(tracer_user, family)).status_code == 403
    assert tracer.post(f"{BASE}/homes/{home['id']}/end", {}).status_code == 403
    assert Client().get(f"{BASE}/homes").status_code == 401


def test_registering_an_f1_at_home_closes_their_tracing_step(
    api_client: Any, commune_officer: Any, family: dict[str, Any], make_person: Any
):
    from chihuy.cases import services as case_services
    from chihuy.cases.enums import DetectionWay, TraceStatus
    from chihuy.cases.models import Classification
    from tests.labs.fixtures import at

    f0 = make_person(full_name="Lò Văn Dũng", sex="M")
    case_services.case_report(
        actor=commune_officer,
        person=f0,
        detection_way=DetectionWay.COMMUNITY,
        detected_at=at(9),
        sample_date=dt.date(2021, 11, 9),
    )
    case_services.contact_add(
        actor=commune_officer,
        source_person=f0,
        contact_person=family["father"],
        setting="household",
        exposure_at=at(8),
        physical_contact=True,
    )
    response = api_client(commune_officer).post(f"{BASE}/homes", payload(commune_officer, family))
    assert response.status_code == 201
    item = Classification.objects.get(person=family["father"])
    assert item.trace_status == TraceStatus.HOME_ISOLATION and item.isolated_at is not None


def test_the_list_pages_by_attention_then_date(
    api_client: Any, commune_officer: Any, home: dict[str, Any], family: dict[str, Any], make_person: Any
):
    client = api_client(commune_officer)
    made = [home["id"]]
    for name in ("Vàng A Sủ", "Lù Thị Dua"):
        body = payload(
            commune_officer,
            family,
            household_id=None,
            members=[{"person_id": make_person(full_name=name).pk, "cohort_on": "2021-11-09"}],
        )
        made.append(client.post(f"{BASE}/homes", body).json()["id"])
    danger_stay = Stay.objects.get(home_id=made[1])
    client.post(f"{BASE}/stays/{danger_stay.pk}/checkins", {"source": "call", "spo2": 92})
    seen: list[int] = []
    cursor = None
    while True:
        query = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        page = client.get(f"{BASE}/homes", query).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [made[1], made[2], made[0]]
    assert [i["id"] for i in client.get(f"{BASE}/homes", {"attention": "danger"}).json()["items"]] == [made[1]]
    assert [i["id"] for i in client.get(f"{BASE}/homes", {"q": "Lù Thị Dua"}).json()["items"]] == [made[2]]
