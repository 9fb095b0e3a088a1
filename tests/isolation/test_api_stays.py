"""The stays part of the isolation API: the list and its filters, one stay with its clock, test days, events and why
it may not be released yet, the release by the rule (refused before the date and without the negatives, the missing
day named), the positive action (an active case needed), the monitorings — 404 outside the area, 403 without the
right, nothing changed on a refused request."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from chihuy.accounts.roles import Role
from chihuy.isolation.enums import StayStatus
from chihuy.isolation.models import Facility, Monitoring, Stay
from chihuy.labs import services as lab_services
from chihuy.labs.enums import Result
from chihuy.labs.models import Sample
from chihuy.response import labs as response_labs
from tests.conftest import PHONG_THO, TAM_DUONG

pytestmark = pytest.mark.django_db

BASE = "/api/isolation"
D = dt.date
ICT = dt.timezone(dt.timedelta(hours=7))


def moment(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=ICT)


@pytest.fixture
def stays(quarantine: Facility, admit_f1: Any, make_person: Any) -> list[Stay]:
    people = [
        make_person(full_name="Lò Văn An", sex="M", phone="0913000001"),
        make_person(full_name="Lò Văn Bình", sex="M", phone="0913000002"),
    ]
    return admit_f1(quarantine, "101", people, D(2021, 11, 9))


def test_list_filters_and_the_area(stays: list[Stay], manager: Any, api_client: Any, make_user: Any):
    api = api_client(manager)
    r = api.get(f"{BASE}/stays")
    assert r.status_code == 200
    items = r.json()["items"]
    assert sorted(i["person_name"] for i in items) == ["Lò Văn An", "Lò Văn Bình"]
    assert (
        items[0]["room_code"] == "101"
        and items[0]["release_on"] == "2021-11-24"
        and items[0]["test_days"] == [1, 7, 14]
    )
    assert "5599" in items[0]["rule_source"]
    assert len(api.get(f"{BASE}/stays", {"status": "holding", "cohort": "f1"}).json()["items"]) == 2
    assert api.get(f"{BASE}/stays", {"cohort": "arrival"}).json()["items"] == []
    assert api.get(f"{BASE}/stays", {"due_for_release": True}).json()["items"] == []
    r = api.get(f"{BASE}/stays", {"limit": 1})
    assert len(r.json()["items"]) == 1 and r.json()["next_cursor"]
    r2 = api.get(f"{BASE}/stays", {"limit": 1, "cursor": r.json()["next_cursor"]})
    assert r2.json()["items"][0]["id"] != r.json()["items"][0]["id"] and r2.json()["next_cursor"] is None

    elsewhere = api_client(make_user(Role.HEALTH_OFFICER, PHONG_THO))
    assert elsewhere.get(f"{BASE}/stays").json()["items"] == []
    assert elsewhere.get(f"{BASE}/stays/{stays[0].pk}").status_code == 404
    assert elsewhere.post(f"{BASE}/stays/{stays[0].pk}/release", {}).status_code == 404
    assert elsewhere.post(f"{BASE}/stays/{stays[0].pk}/positive", {}).status_code == 404
    assert api_client(make_user(Role.LAB_TECHNICIAN, TAM_DUONG)).get(f"{BASE}/stays").status_code == 403


def test_detail_explains_why_not_yet_and_release_is_refused(
    stays: list[Stay], manager: Any, api_client: Any, pinned_clock: Any
):
    api = api_client(manager)
    r = api.get(f"{BASE}/stays/{stays[0].pk}")
    assert r.status_code == 200
    body = r.json()
    assert (body["day"], body["days"]) == (1, 14)
    assert [(t["day"], t["due_on"], t["status"]) for t in body["tests"]] == [
        (1, "2021-11-10", "pending"),
        (7, "2021-11-16", "pending"),
        (14, "2021-11-23", "pending"),
    ]
    assert [e["kind"] for e in body["events"]] == ["admitted"]
    assert body["release"]["ready"] is False and body["release"]["missing_days"] == [1, 7, 14]
    assert "sớm nhất ngày 24/11/2021" in body["release"]["reasons"][0]

    r = api.post(f"{BASE}/stays/{stays[0].pk}/release", {})
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"
    assert "24/11/2021" in r.json()["message"]

    pinned_clock.move_to(moment(D(2021, 11, 24)))
    r = api.post(f"{BASE}/stays/{stays[0].pk}/release", {})
    assert r.status_code == 409
    assert r.json()["details"] == [
        {
            "field": "tests",
            "message": "Chưa có kết quả âm tính cho xét nghiệm ngày thứ 1 (lấy mẫu từ 10/11/2021), xét nghiệm ngày "
            "thứ 7 (lấy mẫu từ 16/11/2021), xét nghiệm ngày thứ 14 (lấy mẫu từ 23/11/2021).",
        }
    ]
    assert Stay.objects.get(pk=stays[0].pk).status == StayStatus.ACTIVE
    assert not Monitoring.objects.exists()


def test_release_with_the_lab_negatives_then_the_monitoring_list(
    stays: list[Stay],
    manager: Any,
    api_client: Any,
    make_user: Any,
    officer: Any,
    technician: Any,
    ship_and_receive: Any,
    pinned_clock: Any,
):
    person_id = stays[0].person_id
    for n, day in enumerate((D(2021, 11, 10), D(2021, 11, 16), D(2021, 11, 23))):
        pinned_clock.move_to(moment(day, 8))
        lab_services.sample_take(actor=officer, code=f"API-{n}", person_ids=[person_id])
        ship_and_receive([f"API-{n}"])
        response_labs.result_record(
            actor=technician, sample=Sample.objects.get(code=f"API-{n}"), result=Result.NEGATIVE
        )
    pinned_clock.move_to(moment(D(2021, 11, 24)))
    api = api_client(manager)
    assert len(api.get(f"{BASE}/stays", {"due_for_release": True}).json()["items"]) == 2
    assert api.get(f"{BASE}/stays/{stays[0].pk}").json()["release"] == {
        "ready": True,
        "reasons": [],
        "missing_days": [],
    }

    analyst = api_client(make_user(Role.ANALYST, TAM_DUONG))
    assert analyst.post(f"{BASE}/stays/{stays[0].pk}/release", {}).status_code == 403
    assert Stay.objects.get(pk=stays[0].pk).status == StayStatus.ACTIVE

    r = api.post(f"{BASE}/stays/{stays[0].pk}/release", {})
    assert r.status_code == 200, r.json()
    assert r.json()["stay"]["status"] == "released"
    assert (r.json()["monitoring"]["starts_on"], r.json()["monitoring"]["ends_on"]) == ("2021-11-24", "2021-12-07")
    r = api.get(f"{BASE}/monitorings")
    assert [(m["person_name"], m["reason"], m["status"]) for m in r.json()["items"]] == [
        ("Lò Văn An", "after_quarantine", "active")
    ]
    assert api.get(f"{BASE}/monitorings", {"status": "done"}).json()["items"] == []
    assert api.get(f"{BASE}/stays", {"status": "released"}).json()["items"][0]["id"] == stays[0].pk


def test_positive_action_needs_an_active_case(stays: list[Stay], manager: Any, api_client: Any, make_user: Any):
    api = api_client(manager)
    r = api.post(f"{BASE}/stays/{stays[0].pk}/positive", {})
    assert r.status_code == 409 and r.json()["details"][0]["field"] == "person"
    analyst = api_client(make_user(Role.ANALYST, TAM_DUONG))
    assert analyst.post(f"{BASE}/stays/{stays[0].pk}/positive", {}).status_code == 403
    assert set(Stay.objects.values_list("status", flat=True)) == {StayStatus.ACTIVE}


def test_positive_action_with_an_active_case_restarts_the_roommate(
    stays: list[Stay], manager: Any, api_client: Any, admin_user: Any, pinned_clock: Any
):
    from chihuy.cases.services import case_report

    pinned_clock.move_to(moment(D(2021, 11, 12)))
    case = case_report(
        actor=admin_user,
        person=stays[1].person,
        detection_way="hospital",
        detected_at=moment(D(2021, 11, 12), 8),
        sample_date=D(2021, 11, 12),
    )
    r = api_client(manager).post(f"{BASE}/stays/{stays[1].pk}/positive", {})
    assert r.status_code == 200, r.json()
    assert (r.json()["ended"], r.json()["restarted"]) == ([stays[1].pk], [stays[0].pk])
    assert r.json()["messages"] > 0
    ended = Stay.objects.get(pk=stays[1].pk)
    assert (ended.status, ended.end_reason) == (
        StayStatus.POSITIVE,
        f"Dương tính, ca {case.number}: chuyển điều trị F0.",
    )
    mate = Stay.objects.get(pk=stays[0].pk)
    assert (mate.clock_start_on, mate.release_on) == (D(2021, 11, 12), D(2021, 11, 26))
    r = api_client(manager).post(f"{BASE}/stays/{stays[1].pk}/positive", {})
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"
