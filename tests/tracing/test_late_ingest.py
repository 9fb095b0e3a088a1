"""Batch mode after a late bulk ingest (issue 7 §4): check-ins that began more than an hour ago reopen the exposures
of every active F0 of the sender's area — in the background, one queued run at a time, adding only new candidates.
Real-time check-ins queue nothing (an F0 confirmed later is searched then)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.db import transaction

from chihuy.cases.enums import DetectionWay
from chihuy.core.models import Job, JobStatus
from chihuy.response import exposure
from chihuy.tracing.models import ExposureCandidate
from chihuy.tracing.services.ingest import checkins_ingest

pytestmark = pytest.mark.django_db

VN = dt.timezone(dt.timedelta(hours=7))
NOW = dt.datetime(2021, 11, 10, 9, 0, tzinfo=VN)


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def f0(venue_officer: Any, market: Any, make_person: Callable[..., Any], make_checkin: Callable[..., Any]) -> Any:
    """An F0 of Bản Giang who was at the market on 06/11 08:00–09:00, reported before anyone else's scans came."""
    person = make_person(full_name="Lò Văn Pằn", phone="0912000100")
    make_checkin(market, person.phone, dt.datetime(2021, 11, 6, 8, 0), 60)
    exposure.case_report(
        actor=venue_officer,
        person=person,
        detection_way=DetectionWay.COMMUNITY,
        detected_at=dt.datetime(2021, 11, 8, 15, 0, tzinfo=VN),
        sample_date=dt.date(2021, 11, 8),
    )
    assert not ExposureCandidate.objects.exists()
    return person


def _event(i: int, market: Any, at: str) -> dict[str, Any]:
    return {
        "id": f"late-{i}",
        "venue": market.code,
        "phone": f"09880000{i:02d}",
        "name": f"Khách {i}",
        "checked_in_at": at,
    }


def test_late_checkins_queue_a_batch_that_finds_the_new_candidate(
    f0: Any, integrator: Any, market: Any, api_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    body = {"events": [_event(1, market, "2021-11-06T08:20:00+07:00")]}
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client(integrator).post("/api/tracing/checkins/bulk?source=pc-covid", body)
    assert response.status_code == 200, response.content
    job = Job.objects.get(pk=response.json()["exposures_job_id"])
    # The test settings run tasks at once (on commit): the batch has run over Tam Đường's active F0.
    job.refresh_from_db()
    assert (job.kind, job.status, job.unit_path) == (
        "tracing.exposures_batch",
        JobStatus.SUCCEEDED,
        integrator.unit_path,
    )
    assert job.result["new_candidates"] == 1
    found = ExposureCandidate.objects.select_related("visitor").get()
    assert (found.visitor.phone, found.source_person_id, found.overlap_minutes) == ("0988000001", f0.pk, 40)


def test_real_time_checkins_queue_nothing(f0: Any, integrator: Any, market: Any, api_client: Any) -> None:
    body = {"events": [_event(2, market, "2021-11-10T08:30:00+07:00")]}  # 30 minutes ago
    response = api_client(integrator).post("/api/tracing/checkins/bulk?source=pc-covid", body)
    assert response.status_code == 200 and response.json()["exposures_job_id"] is None
    assert not Job.objects.filter(kind="tracing.exposures_batch").exists()


def test_one_queued_run_at_a_time(
    f0: Any, integrator: Any, market: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # Nothing runs before the commit: the first job is still queued when the second batch asks.
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        first = checkins_ingest(actor=integrator, source="pc-covid", events=[_event(3, market, "2021-11-06T08:30")])
        second = checkins_ingest(actor=integrator, source="pc-covid", events=[_event(4, market, "2021-11-06T08:40")])
        a = exposure.exposures_after_ingest(actor=integrator, report=first)
        b = exposure.exposures_after_ingest(actor=integrator, report=second)
        assert a is not None and b is not None and a.pk == b.pk
    assert Job.objects.filter(kind="tracing.exposures_batch").count() == 1
    assert ExposureCandidate.objects.count() == 2  # the one run saw both batches
