"""The exposure API: a person's exposures in a window, the candidate queue, confirm/dismiss (the F0's unit only),
the batch job (progress on /api/jobs/{id}), a person's audited check-ins; 404 outside the area."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine

from chihuy.accounts.roles import Role
from chihuy.cases.enums import DetectionWay
from chihuy.cases.models import Case, Contact
from chihuy.core.models import AuditEvent
from chihuy.places.models import Unit
from chihuy.response import exposure
from chihuy.tracing.enums import CandidateStatus
from chihuy.tracing.models import ExposureCandidate
from tests.conftest import BAN_GIANG, BINH_LU, MUONG_SO

pytestmark = pytest.mark.django_db

VN = dt.timezone(dt.timedelta(hours=7))
NOW = dt.datetime(2021, 11, 10, 9, 0, tzinfo=VN)
F0_PHONE = "0912000100"


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def f0(make_person: Callable[..., Any]) -> Any:
    return make_person(full_name="Lò Văn Pằn", phone=F0_PHONE)


@pytest.fixture
def case(
    venue_officer: Any,
    f0: Any,
    market: Any,
    make_checkin: Callable[..., Any],
    make_person: Callable[..., Any],
) -> Case:
    """The F0 at the market 08:00–09:00 on 06/11 with a passer-by (25 minutes together) and a Bình Lư resident
    (45 minutes)."""
    resident = make_person(full_name="Sùng A Lử", unit_path=BINH_LU, phone="0987000003")
    make_checkin(market, F0_PHONE, dt.datetime(2021, 11, 6, 8, 0), 60, name="Lò Văn Pằn")
    make_checkin(market, "0987000001", dt.datetime(2021, 11, 6, 8, 35), 60, name="Tòng Văn Khách")
    make_checkin(market, "0987000003", dt.datetime(2021, 11, 6, 8, 15), 45, name="Sùng A Lử", person=resident)
    return exposure.case_report(
        actor=venue_officer,
        person=f0,
        detection_way=DetectionWay.COMMUNITY,
        detected_at=dt.datetime(2021, 11, 8, 15, 0, tzinfo=VN),
        sample_date=dt.date(2021, 11, 8),
    )


def test_query_a_person_and_window(venue_officer: Any, case: Case, f0: Any, api_client: Any) -> None:
    client = api_client(venue_officer)
    body = {"person_id": f0.pk, "date_from": "2021-11-06", "date_to": "2021-11-07"}
    response = client.post("/api/tracing/exposures/query", body)
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["person_id"], data["case_number"], data["recorded"], data["new_candidates"]) == (
        f0.pk,
        case.number,
        True,
        0,
    )
    assert [(h["name"], h["phone"], h["overlap_minutes"], h["near_f0"], h["venue_name"]) for h in data["hits"]] == [
        ("Sùng A Lử", "0987000003", 45, 1, "Chợ Bản Giang"),
        ("Tòng Văn Khách", "0987000001", 25, 1, "Chợ Bản Giang"),
    ]
    assert data["hits"][0]["exposed_from"] == "2021-11-06T01:15:00Z"
    bad = client.post("/api/tracing/exposures/query", {**body, "date_to": "2021-12-31"})
    assert bad.status_code == 422 and bad.json()["details"][0]["field"] == "date_to"


def test_query_masks_phones_outside_the_area(
    case: Case, make_user: Callable[..., Any], make_person: Callable[..., Any], api_client: Any
) -> None:
    """A Bình Lư tracer looks up their resident: the F0's phone and name (a Bản Giang venue, not matched to a Bình Lư
    person) are masked."""
    tracer = make_user(Role.TRACER, BINH_LU)
    resident = ExposureCandidate.objects.get(visitor__phone="0987000003").person
    response = api_client(tracer).post(
        "/api/tracing/exposures/query", {"person_id": resident.pk, "date_from": "2021-11-06", "date_to": "2021-11-06"}
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["recorded"] is False and data["new_candidates"] == 0
    phones = sorted(h["phone"] for h in data["hits"])
    assert phones == ["0912***100", "0987***001"]
    # Nor their names: only initials (who the F0 was is the F0's unit's to know).
    assert sorted((h["phone"], h["name"]) for h in data["hits"]) == [
        ("0912***100", "L. V. P."),
        ("0987***001", "T. V. K."),
    ]


def test_candidates_list_get_and_who_sees_what(
    venue_officer: Any, case: Case, f0: Any, make_user: Callable[..., Any], api_client: Any
) -> None:
    own = api_client(venue_officer).get("/api/tracing/candidates").json()
    assert [(c["name"], c["overlap_minutes"], c["can_decide"], c["source_person_id"]) for c in own["items"]] == [
        ("Sùng A Lử", 45, True, f0.pk),
        ("Tòng Văn Khách", 25, True, f0.pk),
    ]
    assert own["next_cursor"] is None
    other = api_client(make_user(Role.TRACER, BINH_LU))
    items = other.get("/api/tracing/candidates").json()["items"]
    assert [(c["name"], c["can_decide"], c["source_person_id"], c["case_number"]) for c in items] == [
        ("Sùng A Lử", False, None, case.number)
    ]
    one = other.get(f"/api/tracing/candidates/{items[0]['id']}")
    assert one.status_code == 200 and one.json()["phone"] == "0987000003"
    passer = ExposureCandidate.objects.get(visitor__phone="0987000001")
    assert other.get(f"/api/tracing/candidates/{passer.pk}").status_code == 404
    far = api_client(make_user(Role.TRACER, MUONG_SO))
    assert far.get("/api/tracing/candidates").json()["items"] == []
    assert far.get(f"/api/tracing/candidates/{passer.pk}").status_code == 404
    assert api_client(venue_officer).get("/api/tracing/candidates?status=dismissed").json()["items"] == []


def test_confirm_and_dismiss(venue_officer: Any, case: Case, make_user: Callable[..., Any], api_client: Any) -> None:
    client = api_client(venue_officer)
    passer = ExposureCandidate.objects.get(visitor__phone="0987000001")
    resident = ExposureCandidate.objects.get(visitor__phone="0987000003")

    refused = api_client(make_user(Role.TRACER, BINH_LU)).post(
        f"/api/tracing/candidates/{resident.pk}/confirm", {"distance_m": 1, "masked": False}
    )
    assert refused.status_code == 403 and Contact.objects.count() == 0

    no_unit = client.post(f"/api/tracing/candidates/{passer.pk}/confirm", {"distance_m": 1})
    assert no_unit.status_code == 422 and no_unit.json()["details"][0]["field"] == "unit_id"

    unit = Unit.objects.get(path=BAN_GIANG)
    done = client.post(
        f"/api/tracing/candidates/{passer.pk}/confirm", {"unit_id": unit.pk, "distance_m": 1, "masked": False}
    )
    assert done.status_code == 200, done.content
    data = done.json()
    assert (data["qualifies"], data["level"], data["candidate"]["status"]) == (True, 1, "confirmed")
    assert data["qualify_reason"].startswith("Không đeo khẩu trang, trong vòng 2 m — ")
    contact = Contact.objects.get()
    assert (data["contact_id"], data["person_id"]) == (contact.pk, contact.contact_person_id)

    again = client.post(f"/api/tracing/candidates/{passer.pk}/dismiss", {"reason": "x"})
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition"

    matched = client.post(f"/api/tracing/candidates/{resident.pk}/confirm", {"masked": True})
    assert matched.status_code == 200
    assert matched.json()["qualifies"] is False
    assert matched.json()["qualify_reason"] == "Chưa ghi khoảng cách tiếp xúc; chưa xác định được F1 (ngưỡng 2 m)."
    assert matched.json()["person_id"] == resident.person_id  # the person matched by the scan


def test_dismiss_needs_a_reason(venue_officer: Any, case: Case, api_client: Any) -> None:
    client = api_client(venue_officer)
    passer = ExposureCandidate.objects.get(visitor__phone="0987000001")
    assert client.post(f"/api/tracing/candidates/{passer.pk}/dismiss", {"reason": ""}).status_code == 422
    done = client.post(f"/api/tracing/candidates/{passer.pk}/dismiss", {"reason": "Quét nhầm"})
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["reason"]) == ("dismissed", "Quét nhầm")
    assert ExposureCandidate.objects.get(pk=passer.pk).status == CandidateStatus.DISMISSED


def test_batch_job_and_its_progress(
    venue_officer: Any,
    case: Case,
    market: Any,
    make_checkin: Callable[..., Any],
    api_client: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    make_checkin(market, "0987000004", dt.datetime(2021, 11, 6, 8, 50), 20, name="Lô muộn")
    client = api_client(venue_officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/tracing/exposures/batch", {})
    assert response.status_code == 202, response.content
    job_id = response.json()["job_id"]
    assert response.json()["progress_url"] == f"/api/jobs/{job_id}"
    job = client.get(f"/api/jobs/{job_id}").json()
    assert (job["status"], job["kind"], job["done"], job["total"]) == ("succeeded", "tracing.exposures_batch", 1, 1)
    assert (job["result"]["sources"], job["result"]["new_candidates"]) == (1, 1)
    assert ExposureCandidate.objects.count() == 3


def test_batch_outside_the_area_is_not_found(
    case: Case, make_user: Callable[..., Any], api_client: Any, other_commune: Any
) -> None:
    client = api_client(make_user(Role.TRACER, BINH_LU))
    response = client.post("/api/tracing/exposures/batch", {"within_unit_id": other_commune.pk})
    assert response.status_code == 404


def test_person_checkins_are_audited_and_scoped(
    venue_officer: Any, case: Case, f0: Any, make_user: Callable[..., Any], api_client: Any
) -> None:
    client = api_client(venue_officer)
    before = AuditEvent.objects.filter(action="checkin.read").count()
    rows = client.get(f"/api/tracing/people/{f0.pk}/checkins")
    assert rows.status_code == 200
    assert [(r["venue_name"], r["checked_in_at"]) for r in rows.json()] == [("Chợ Bản Giang", "2021-11-06T01:00:00Z")]
    assert AuditEvent.objects.filter(action="checkin.read").count() == before + 1
    empty = client.get(f"/api/tracing/people/{f0.pk}/checkins?date_from=2021-11-07&date_to=2021-11-08")
    assert empty.json() == []
    far = api_client(make_user(Role.TRACER, MUONG_SO))
    assert far.get(f"/api/tracing/people/{f0.pk}/checkins").status_code == 404
    assert (
        far.post(
            "/api/tracing/exposures/query", {"person_id": f0.pk, "date_from": "2021-11-06", "date_to": "2021-11-06"}
        ).status_code
        == 404
    )
    assert AuditEvent.objects.filter(action="checkin.read").count() == before + 2
