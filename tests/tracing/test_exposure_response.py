"""F0 confirmation → venue exposures → F1 candidates → a tracer's decision: candidates recorded when a case is
reported (screen and API), a rerun adds only new people, a dismissal stays, a confirmation makes a venue contact
qualified by the rule in force, the F0's unit decides, the batch job reports its counts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine

from chihuy.accounts.roles import Role
from chihuy.cases.enums import DetectionWay, Setting
from chihuy.cases.models import Case, Classification, Contact
from chihuy.core.models import Job
from chihuy.places.models import Unit
from chihuy.response import exposure
from chihuy.tracing.enums import CandidateStatus, RunKind
from chihuy.tracing.models import ExposureCandidate, ExposureRun, Visitor
from chihuy.tracing.services.candidates import candidate_dismiss
from tests.conftest import BAN_GIANG, BINH_LU, MUONG_SO, session_client

pytestmark = pytest.mark.django_db

VN = dt.timezone(dt.timedelta(hours=7))
NOW = dt.datetime(2021, 11, 10, 9, 0, tzinfo=VN)
F0_PHONE = "0912000100"
CITIZEN = "0987000001"


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def f0(make_person: Callable[..., Any]) -> Any:
    return make_person(full_name="Lò Văn Pằn", birth_year=1980, phone=F0_PHONE)


@pytest.fixture
def visits(market: Any, make_checkin: Callable[..., Any]) -> None:
    """The F0 at the market 08:00–09:00 on 06/11; a citizen 08:30–09:30 (30 minutes together); someone else
    the day before (outside the window of ±1 h)."""
    make_checkin(market, F0_PHONE, dt.datetime(2021, 11, 6, 8, 0), 60, name="Lò Văn Pằn")
    make_checkin(market, CITIZEN, dt.datetime(2021, 11, 6, 8, 30), 60, name="Tòng Văn Khách")
    make_checkin(market, "0987000009", dt.datetime(2021, 11, 5, 8, 0), 60, name="Hôm trước")


def _report(actor: Any, person: Any) -> Case:
    return exposure.case_report(
        actor=actor,
        person=person,
        detection_way=DetectionWay.COMMUNITY,
        detected_at=dt.datetime(2021, 11, 8, 15, 0, tzinfo=VN),
        sample_date=dt.date(2021, 11, 8),
    )


def test_case_reported_on_the_screen_records_the_candidate(venue_officer: Any, f0: Any, visits: None) -> None:
    data = {
        "person": str(f0.pk),
        "full_name": "",
        "birth_year": "",
        "sex": "U",
        "phone": "",
        "national_id": "",
        "unit": "",
        "address_text": "",
        "detection_way": DetectionWay.COMMUNITY,
        "detected_at": "2021-11-08T15:00",
        "sample_date": "2021-11-08",
        "test_type": "rt_pcr",
        "clinical_state": "mild",
    }
    response = session_client(venue_officer).post("/cases/report/", data)
    assert response.status_code == 302, response.context and response.context["form"].errors
    case = Case.objects.get()
    candidate = ExposureCandidate.objects.select_related("visitor").get()
    assert (candidate.visitor.phone, candidate.overlap_minutes, candidate.status) == (CITIZEN, 30, "pending")
    assert (candidate.source_person_id, candidate.case_number, candidate.source_unit_path) == (
        f0.pk,
        case.number,
        BAN_GIANG,
    )
    assert candidate.unit_path == BAN_GIANG  # the venue's until a person is matched
    run = ExposureRun.objects.get()
    assert (run.kind, run.sources, run.new_candidates) == (RunKind.CASE, 1, 1)


def test_case_reported_through_the_api_records_the_candidate(
    venue_officer: Any, f0: Any, visits: None, api_client: Any
) -> None:
    body = {
        "person_id": f0.pk,
        "detection_way": "community",
        "detected_at": "2021-11-08T15:00:00+07:00",
        "sample_date": "2021-11-08",
    }
    response = api_client(venue_officer).post("/api/cases/", body)
    assert response.status_code == 201, response.content
    assert list(ExposureCandidate.objects.values_list("visitor__phone", "overlap_minutes")) == [(CITIZEN, 30)]


def test_rerun_adds_only_new_people_and_a_dismissal_stays(
    venue_officer: Any, f0: Any, visits: None, market: Any, make_checkin: Callable[..., Any]
) -> None:
    _report(venue_officer, f0)
    first = ExposureCandidate.objects.get()
    candidate_dismiss(actor=venue_officer, candidate=first, reason="Nhân viên sau vách kính")

    again = exposure.exposures_find(
        actor=venue_officer, person=f0, date_from=dt.date(2021, 11, 6), date_to=dt.date(2021, 11, 9)
    )
    assert (len(again.exposures), len(again.candidates)) == (1, 0)

    make_checkin(market, "0987000002", dt.datetime(2021, 11, 6, 7, 30), 45, name="Đến muộn")  # a late upload
    run = exposure.exposures_batch(actor=venue_officer, within=BAN_GIANG)
    assert (run.sources, run.new_candidates) == (1, 1)
    rows = dict(ExposureCandidate.objects.values_list("visitor__phone", "status"))
    assert rows == {CITIZEN: CandidateStatus.DISMISSED, "0987000002": CandidateStatus.PENDING}
    assert ExposureCandidate.objects.get(visitor__phone=CITIZEN).reason == "Nhân viên sau vách kính"


def test_confirm_unmasked_within_one_metre_makes_an_f1_at_the_venue(
    venue_officer: Any, f0: Any, visits: None, market: Any
) -> None:
    _report(venue_officer, f0)
    candidate = ExposureCandidate.objects.get()
    contact = exposure.candidate_confirm(
        actor=venue_officer,
        candidate=candidate,
        unit=Unit.objects.get(path=BAN_GIANG),
        birth_year=1995,
        sex="M",
        distance_m=1,
        masked=False,
    )
    assert contact.setting == Setting.VENUE
    assert contact.qualifies is True
    assert contact.qualify_reason.startswith("Không đeo khẩu trang, trong vòng 2 m — ")
    assert contact.duration_minutes == 30  # the overlap, since none was given
    assert contact.contact_person.full_name == "Tòng Văn Khách"
    assert contact.contact_person.phone == CITIZEN
    assert Classification.objects.get(person=contact.contact_person).level == 1
    candidate.refresh_from_db()
    assert (candidate.status, candidate.person_id, candidate.contact_ref) == (
        CandidateStatus.CONFIRMED,
        contact.contact_person_id,
        contact.pk,
    )
    assert Visitor.objects.get(phone=CITIZEN).person_id == contact.contact_person_id


def test_confirm_without_a_distance_does_not_qualify_and_says_why(
    venue_officer: Any, f0: Any, visits: None, make_person: Callable[..., Any]
) -> None:
    _report(venue_officer, f0)
    person = make_person(full_name="Tòng Văn Khách", birth_year=1995, phone=CITIZEN)
    contact = exposure.candidate_confirm(actor=venue_officer, candidate=ExposureCandidate.objects.get(), person=person)
    assert contact.qualifies is False
    assert contact.qualify_reason == "Chưa ghi khoảng cách tiếp xúc; chưa xác định được F1 (ngưỡng 2 m)."
    own = Classification.objects.filter(person=person).first()
    assert own is None or own.level is None


def test_the_receiving_unit_sees_but_the_f0s_unit_decides(
    venue_officer: Any,
    f0: Any,
    market: Any,
    make_user: Callable[..., Any],
    make_person: Callable[..., Any],
    make_checkin: Callable[..., Any],
) -> None:
    resident = make_person(full_name="Sùng A Lử", unit_path=BINH_LU, phone="0987000003")
    make_checkin(market, F0_PHONE, dt.datetime(2021, 11, 6, 8, 0), 60)
    make_checkin(market, "0987000003", dt.datetime(2021, 11, 6, 8, 15), 30, name="Sùng A Lử", person=resident)
    case = _report(venue_officer, f0)
    candidate = ExposureCandidate.objects.get()
    assert candidate.unit_path == BINH_LU

    tracer = make_user(Role.TRACER, BINH_LU)
    client = session_client(tracer)
    page = client.get(f"/candidates/{candidate.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="decide-elsewhere"' in body and 'id="confirm-form"' not in body
    assert case.number in body and "Lò Văn Pằn" not in body  # the case number, never the F0's name
    refused = client.post(f"/candidates/{candidate.pk}/confirm/", {"distance_m": "1", "masked": "0"})
    assert refused.status_code == 403
    refused = client.post(f"/candidates/{candidate.pk}/dismiss/", {"reason": "Không phải"})
    assert refused.status_code == 403
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.PENDING and Contact.objects.count() == 0


def test_out_of_area_is_not_found(venue_officer: Any, f0: Any, visits: None, make_user: Callable[..., Any]) -> None:
    _report(venue_officer, f0)
    candidate = ExposureCandidate.objects.get()
    client = session_client(make_user(Role.TRACER, MUONG_SO))
    assert client.get(f"/candidates/{candidate.pk}/").status_code == 404
    assert client.post(f"/candidates/{candidate.pk}/confirm/", {"distance_m": "1"}).status_code == 404
    assert client.post(f"/candidates/{candidate.pk}/dismiss/", {"reason": "x"}).status_code == 404
    assert ExposureCandidate.objects.get().status == CandidateStatus.PENDING


def test_batch_job_reports_progress_and_counts(
    venue_officer: Any,
    f0: Any,
    visits: None,
    market: Any,
    make_checkin: Callable[..., Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    _report(venue_officer, f0)
    make_checkin(market, "0987000004", dt.datetime(2021, 11, 6, 8, 50), 20, name="Lô muộn")
    client = session_client(venue_officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/candidates/batch/")
    job = Job.objects.get(kind="tracing.exposures_batch")
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert (job.status, job.done, job.total) == ("succeeded", 1, 1)
    assert job.result is not None
    assert (job.result["sources"], job.result["new_candidates"]) == (1, 1)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert f'id="batch-run">#{job.result["run_id"]}<' in page
    assert 'id="batch-sources">1<' in page and 'id="batch-new">1<' in page
    assert ExposureCandidate.objects.count() == 2
