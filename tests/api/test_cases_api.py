"""The cases API through real HTTP with bearer tokens: an F0 report, its contacts one by one and as a line list,
the levels they take, tracing, itineraries and notices (the public ones without auth and without personal data),
clusters and their graph, the 5S clock; 404 outside the caller's area, 403 without the permission."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from chihuy.accounts.roles import Role
from chihuy.api.cases.schemas import GraphOut
from chihuy.cases.graph import cluster_graph
from chihuy.cases.models import Case, Classification, Cluster, Contact, ExposureNotice
from chihuy.people.models import Person
from tests.conftest import BAN_GIANG, PHONG_THO, TAM_DUONG

NOW = dt.datetime(2021, 11, 10, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))


@pytest.fixture(autouse=True)
def pinned_clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def iso(day: int, hour: int = 9) -> str:
    return f"2021-11-{day:02d}T{hour:02d}:00:00+07:00"


@pytest.fixture
def officer(make_user: Any) -> Any:
    return make_user(Role.HEALTH_OFFICER, BAN_GIANG)


@pytest.fixture
def client(officer: Any, api_client: Any) -> Any:
    return api_client(officer)


@pytest.fixture
def f0(make_person: Any) -> Any:
    return make_person(full_name="Lò Văn Pằn", birth_year=1980)


def report(client: Any, person: Any, **extra: Any) -> Any:
    body = {
        "person_id": person.pk,
        "detection_way": "community",
        "detected_at": iso(8),
        "sample_date": "2021-11-07",
        **extra,
    }
    response = client.post("/api/cases/", body)
    assert response.status_code == 201, response.content
    return response.json()


def add_contact(client: Any, source: Any, contact: Any, **extra: Any) -> Any:
    body = {
        "source_person_id": source.pk,
        "contact_person_id": contact.pk,
        "exposure_at": iso(7),
        "setting": "workplace",
        "distance_m": 1,
        "masked": False,
        **extra,
    }
    response = client.post("/api/cases/contacts", body)
    assert response.status_code == 201, response.content
    return response.json()


def test_report_contacts_and_levels_through_the_api(client: Any, f0: Any, commune: Any) -> None:
    case = report(client, f0)
    assert (case["number"], case["person_name"], case["infectious_from"], case["status"]) == (
        "CH000001",
        "Lò Văn Pằn",
        "2021-11-05",
        "active",
    )

    # A household member, new to the registry: F1 automatically before 29/12/2021 (3638/QĐ-BYT).
    contact = client.post(
        "/api/cases/contacts",
        {
            "source_person_id": f0.pk,
            "contact_person": {"full_name": "Lò Thị Hai", "birth_year": 1985, "unit_id": commune.pk},
            "exposure_at": iso(7),
            "setting": "household",
            "relation": "vợ",
        },
    )
    assert contact.status_code == 201, contact.content
    f1 = contact.json()
    assert (f1["contact_name"], f1["qualifies"], f1["contact_level"]) == ("Lò Thị Hai", True, 1)
    assert f1["qualify_reason"].startswith("Sống cùng hộ gia đình: F1 theo quy định lúc đó")

    # The F1's own contacts as a line list: they become F2.
    lines = client.post(
        "/api/cases/contacts/lines",
        {
            "source_person_id": f1["contact_person_id"],
            "rows": [
                {
                    "ho_ten": "Lò Văn Ba",
                    "nam_sinh": 2001,
                    "boi_canh": "hộ gia đình",
                    "thoi_diem_tiep_xuc": "08/11/2021 19:00",
                },
                {
                    "ho_ten": "Lò Văn Bốn",
                    "nam_sinh": 2003,
                    "boi_canh": "cùng nhà",
                    "thoi_diem_tiep_xuc": "08/11/2021 19:00",
                },
            ],
        },
    )
    assert lines.status_code == 200, lines.content
    assert lines.json() == {"created": 2, "qualified": 2, "new_people": 2, "matched_people": 0, "errors": []}

    ba = Person.objects.get(full_name="Lò Văn Ba")
    level = client.get(f"/api/cases/levels/{ba.pk}")
    assert level.status_code == 200
    body = level.json()
    assert (body["level"], body["root_case_number"], body["trace_status"]) == (2, "CH000001", "pending")
    assert [(s["label"], s["level"], s["visible"]) for s in body["path"]] == [
        ("Lò Văn Pằn", 0, True),
        ("Lò Thị Hai", 1, True),
        ("Lò Văn Ba", 2, True),
    ]
    assert [(h["from_level"], h["to_level"], h["cause"]) for h in body["history"]] == [(None, 2, "contact_added")]

    listed = client.get(f"/api/cases/contacts?case_id={case['id']}")
    assert [c["contact_name"] for c in listed.json()] == ["Lò Thị Hai"]
    of_f1 = client.get(f"/api/cases/contacts?person_id={f1['contact_person_id']}").json()
    assert [c["contact_name"] for c in of_f1] == ["Lò Văn Bốn", "Lò Văn Ba"]  # same exposure: newest entry first


def test_a_person_never_classified_has_no_level(client: Any, f0: Any) -> None:
    body = client.get(f"/api/cases/levels/{f0.pk}").json()
    assert (body["level"], body["classification_id"], body["path"], body["history"]) == (None, None, [], [])


def test_ruling_out_the_f0_takes_its_f1_off_the_list(client: Any, f0: Any, make_person: Any) -> None:
    case = report(client, f0)
    contact = make_person(full_name="Lò Thị Hai")
    add_contact(client, f0, contact)

    response = client.post(
        f"/api/cases/{case['id']}/transition",
        {"to": "ruled_out", "rule_out_reason": "negative_confirmatory", "reason": "PCR lần 2 âm tính"},
    )

    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["status_reason"]) == (
        "ruled_out",
        "Xét nghiệm khẳng định âm tính: PCR lần 2 âm tính",
    )
    assert Classification.objects.get(person=contact).level is None
    again = client.post(f"/api/cases/{case['id']}/transition", {"to": "recovered"})
    assert (again.status_code, again.json()["code"]) == (409, "invalid_transition")


def test_a_line_list_with_errors_names_row_and_column_and_writes_nothing(client: Any, f0: Any) -> None:
    report(client, f0)
    people, contacts = Person.objects.count(), Contact.objects.count()

    response = client.post(
        "/api/cases/contacts/lines",
        {
            "source_person_id": f0.pk,
            "rows": [
                {"ho_ten": "Lò Văn Ba", "nam_sinh": "2001", "thoi_diem_tiep_xuc": "07/11/2021 10:00"},
                {"ho_ten": "Lò Văn Bốn", "nam_sinh": "hai nghìn", "thoi_diem_tiep_xuc": "07/11/2021 10:00"},
                {"ho_ten": "Lò Văn Năm", "boi_canh": "trên trời", "thoi_diem_tiep_xuc": "07/11/2021"},
            ],
        },
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["new_people"]) == (0, 0)
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(3, "nam_sinh"), (4, "boi_canh")]
    assert body["errors"][0]["message"] == "Năm sinh không hợp lệ: “hai nghìn”."
    assert (Person.objects.count(), Contact.objects.count()) == (people, contacts)


def test_a_line_list_with_an_unknown_column_is_refused(client: Any, f0: Any) -> None:
    response = client.post("/api/cases/contacts/lines", {"source_person_id": f0.pk, "rows": [{"ten_la": "x"}]})

    assert response.status_code == 422
    assert response.json()["details"] == [{"field": "rows", "message": "Cột không có: ten_la."}]


def test_an_uploaded_csv_line_list_is_imported_or_refused_whole(client: Any, f0: Any) -> None:
    report(client, f0)
    bad = "ho_ten,nam_sinh,khoang_cach_m,deo_khau_trang,thoi_diem_tiep_xuc\nLò Văn Ba,2001,1,không,07/11/2021 10:00\n"
    bad += "Lò Văn Bốn,2002,xa,không,07/11/2021 10:00\n"

    refused = client.post(
        "/api/cases/contacts/import",
        {"source_person_id": f0.pk, "file": SimpleUploadedFile("f1.csv", bad.encode())},
    )

    assert refused.status_code == 200, refused.content
    assert [(e["row"], e["column"]) for e in refused.json()["errors"]] == [(3, "khoang_cach_m")]
    assert not Contact.objects.exists()

    good = bad.replace(",xa,", ",1,")
    accepted = client.post(
        "/api/cases/contacts/import",
        {"source_person_id": f0.pk, "file": SimpleUploadedFile("f1.csv", good.encode())},
    )
    assert (accepted.json()["created"], accepted.json()["qualified"], accepted.json()["errors"]) == (2, 2, [])


def test_a_contact_can_be_deactivated_with_a_reason(client: Any, f0: Any, make_person: Any) -> None:
    report(client, f0)
    contact_person = make_person(full_name="Lò Thị Hai")
    contact = add_contact(client, f0, contact_person)

    response = client.post(f"/api/cases/contacts/{contact['id']}/deactivate", {"reason": "nhập nhầm người"})

    assert response.status_code == 200
    assert (response.json()["is_active"], response.json()["deactivated_reason"]) == (False, "nhập nhầm người")
    assert Classification.objects.get(person=contact_person).level is None


def test_another_districts_case_is_not_found(client: Any, f0: Any, make_user: Any, api_client: Any) -> None:
    case = report(client, f0)
    outsider = api_client(make_user(Role.HEALTH_OFFICER, PHONG_THO))

    for response in (
        outsider.get(f"/api/cases/{case['id']}"),
        outsider.patch(f"/api/cases/{case['id']}", {"treatment_place": "Bệnh viện Phong Thổ"}),
        outsider.get(f"/api/cases/{case['id']}/timeline"),
        outsider.get(f"/api/cases/levels/{f0.pk}"),
    ):
        assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert Case.objects.get(pk=case["id"]).treatment_place == ""
    assert outsider.get("/api/cases/").json() == {"items": [], "next_cursor": None}


def test_roles_without_the_permission_are_refused(f0: Any, make_user: Any, api_client: Any) -> None:
    vaccinator = api_client(make_user(Role.VACCINATOR, BAN_GIANG))
    analyst = api_client(make_user(Role.ANALYST, BAN_GIANG))
    body = {"person_id": f0.pk, "detection_way": "community", "detected_at": iso(8), "sample_date": "2021-11-07"}

    assert (vaccinator.get("/api/cases/").status_code, vaccinator.get("/api/cases/").json()["code"]) == (
        403,
        "permission_denied",
    )
    refused = analyst.post("/api/cases/", body)
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    assert analyst.get("/api/cases/").status_code == 200
    assert not Case.objects.exists()


def test_a_refused_report_with_a_new_person_leaves_no_person(client: Any, commune: Any) -> None:
    response = client.post(
        "/api/cases/",
        {
            "person": {"full_name": "Vàng A Mới", "birth_year": 1999, "unit_id": commune.pk},
            "detection_way": "community",
            "detected_at": iso(8),
            "sample_date": "2021-11-09",  # after the positive result
        },
    )

    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "sample_date"
    assert not Person.objects.filter(full_name="Vàng A Mới").exists()


def test_the_case_list_takes_a_fixed_number_of_queries(client: Any, make_person: Any) -> None:
    for i in range(2):
        report(client, make_person(full_name=f"Người Một {i}", phone=f"091200000{i}"))
    with CaptureQueriesContext(connection) as small:
        assert len(client.get("/api/cases/").json()["items"]) == 2
    for i in range(3):
        report(client, make_person(full_name=f"Người Hai {i}", phone=f"091300000{i}"))

    with CaptureQueriesContext(connection) as large:
        page = client.get("/api/cases/?limit=4").json()

    assert len(page["items"]) == 4 and page["next_cursor"]
    assert len(large) == len(small)
    rest = client.get(f"/api/cases/?limit=4&cursor={page['next_cursor']}").json()
    assert (len(rest["items"]), rest["next_cursor"]) == (1, None)


def test_tracing_queue_and_an_attempt(client: Any, f0: Any, make_person: Any) -> None:
    case = report(client, f0)
    add_contact(client, f0, make_person(full_name="Lò Thị Hai"))

    queue = client.get("/api/cases/tracing").json()
    assert [(i["full_name"], i["level"], i["root_case_number"]) for i in queue["items"]] == [
        ("Lò Thị Hai", 1, "CH000001")
    ]
    attempt = client.post(f"/api/cases/tracing/{queue['items'][0]['id']}/attempts", {"outcome": "quarantined"})

    assert (attempt.status_code, attempt.json()["outcome"]) == (201, "quarantined")
    assert client.get("/api/cases/tracing").json()["items"] == []
    timeline = {s["step"]: s for s in client.get(f"/api/cases/{case['id']}/timeline").json()}
    assert list(timeline) == ["report", "tracing", "isolation", "treatment"]
    assert timeline["tracing"]["done_at"] is not None and timeline["isolation"]["done_at"] is not None
    assert (timeline["treatment"]["done_at"], timeline["treatment"]["late"]) == (None, False)


def test_public_notices_need_no_auth_and_show_no_person_or_case_number(
    client: Any, f0: Any, make_user: Any, api_client: Any
) -> None:
    case = report(client, f0)
    stop = client.post(
        f"/api/cases/{case['id']}/itinerary",
        {"place": "Chợ phiên Bản Giang", "start_at": iso(6, 7), "end_at": iso(6, 9), "address": "Bản Giang"},
    )
    assert stop.status_code == 201, stop.content
    draft = client.post(
        "/api/cases/notices", {"case_id": case["id"], "title": "Chợ phiên ngày 6/11", "stop_ids": [stop.json()["id"]]}
    )
    assert draft.status_code == 201, draft.content
    assert Client().get("/api/cases/public/notices").json() == []  # a draft is not public

    refused = client.post(f"/api/cases/notices/{draft.json()['id']}/transition", {"to": "approved"})
    assert refused.status_code == 403
    commander = api_client(make_user(Role.COMMANDER, TAM_DUONG))
    approved = commander.post(f"/api/cases/notices/{draft.json()['id']}/transition", {"to": "approved"})
    assert (approved.status_code, approved.json()["status"]) == (200, "approved")

    public = Client().get("/api/cases/public/notices")

    assert public.status_code == 200
    assert public.json() == [
        {
            "title": "Chợ phiên ngày 6/11",
            "unit_name": ExposureNotice.objects.get().unit.name,
            "advice": "",
            "items": [
                {
                    "place": "Chợ phiên Bản Giang",
                    "address": "Bản Giang",
                    "start_at": "2021-11-06T07:00:00+07:00",
                    "end_at": "2021-11-06T09:00:00+07:00",
                }
            ],
            "approved_at": "2021-11-10T02:00:00Z",
        }
    ]
    text = public.content.decode()
    assert "Lò Văn Pằn" not in text and "CH000001" not in text


def test_a_cluster_its_summary_and_its_graph(
    officer: Any, client: Any, f0: Any, make_person: Any, commune: Any
) -> None:
    first = report(client, f0)
    second_person = make_person(full_name="Lò Văn Sáu")
    second = report(client, second_person, detected_at=iso(9), sample_date="2021-11-09", source_case_ids=[first["id"]])
    f1 = make_person(full_name="Lò Thị Hai")
    add_contact(client, f0, f1)

    created = client.post(
        "/api/cases/clusters", {"name": "Ổ dịch Bản Giang", "unit_id": commune.pk, "case_ids": [first["id"]]}
    )
    assert created.status_code == 201, created.content
    cluster_id = created.json()["id"]
    suggested = client.get(f"/api/cases/clusters/{cluster_id}").json()["suggestions"]
    assert [(s["case_ids"], s["cluster_id"]) for s in suggested] == [([second["id"]], cluster_id)]
    added = client.post(f"/api/cases/clusters/{cluster_id}/cases", {"case_ids": [second["id"]]})
    assert (added.status_code, added.json()["last_case_on"]) == (200, "2021-11-09")

    detail = client.get(f"/api/cases/clusters/{cluster_id}").json()
    assert [c["number"] for c in detail["cases"]] == ["CH000001", "CH000002"]
    assert detail["generations"] == {str(first["id"]): 1, str(second["id"]): 2}
    assert detail["epi_curve"] == [{"day": "2021-11-08", "cases": 1}, {"day": "2021-11-09", "cases": 1}]
    assert (detail["unknown_source_case_ids"], detail["contacts_by_level"]) == ([first["id"]], {"1": 1})

    graph = client.get(f"/api/cases/clusters/{cluster_id}/graph").json()
    assert (graph["truncated"], graph["message"]) == (False, "")
    assert {n["id"]: n["label"] for n in graph["nodes"]} == {
        f"p{f0.pk}": "CH000001",
        f"p{second_person.pk}": "CH000002",
        f"p{f1.pk}": "Lò Thị Hai",
    }
    assert sorted(e["kind"] for e in graph["edges"]) == ["contact", "transmission"]
    narrowed = client.get(f"/api/cases/clusters/{cluster_id}/graph?date_from=2021-11-09").json()
    assert [n["id"] for n in narrowed["nodes"]] == [f"p{second_person.pk}"]

    around = client.get(f"/api/cases/graph/person/{f1.pk}?hops=1").json()
    assert {n["id"] for n in around["nodes"]} == {f"p{f0.pk}", f"p{f1.pk}"}

    # The graph is written directly as JSON (fast at 20,000 nodes): the same document the schema would render.
    payload = cluster_graph(actor=officer, cluster=Cluster.objects.get(pk=cluster_id))
    schema = json.loads(json.dumps(GraphOut.model_validate(payload).model_dump(), cls=DjangoJSONEncoder))
    assert graph == schema


def test_overdue_steps_and_medians(client: Any, f0: Any) -> None:
    case = report(client, f0, detected_at=iso(8, 7))
    with time_machine.travel(NOW + dt.timedelta(days=2), tick=False):
        overdue = client.get("/api/cases/fives/overdue").json()
        medians = client.get("/api/cases/fives/medians").json()

    assert [(o["case"]["number"], o["step"], o["hours_late"]) for o in overdue] == [
        (case["number"], "tracing", 24.0),
        (case["number"], "isolation", 24.0),
        (case["number"], "treatment", 24.0),
    ]
    # Reported at 09:00 on 10/11, detected at 07:00 on 8/11: 50 hours to report.
    assert medians["last_7_days"]["report"] == {"median_hours": 50.0, "done": 1, "cases": 1}
    assert medians["last_28_days"]["tracing"] == {"median_hours": None, "done": 0, "cases": 1}


def test_the_openapi_document_builds_and_the_public_route_has_no_security(db: Any) -> None:
    doc = Client().get("/api/openapi.json").json()

    assert doc["paths"]["/api/cases/public/notices"]["get"].get("security") in (None, [])
    assert "security" in doc["paths"]["/api/cases/"]["get"]
