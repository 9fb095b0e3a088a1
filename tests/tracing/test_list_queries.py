"""The tracing lists (venues, F1 candidates, ingest batches — screen and API) read in a fixed number of statements:
more rows on the page, no more queries (DESIGN.md: query-count pins on lists)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chihuy.cases.enums import DetectionWay
from chihuy.places.models import Unit
from chihuy.response import exposure
from chihuy.tracing.enums import VenueCategory
from chihuy.tracing.models import ExposureCandidate
from chihuy.tracing.services.ingest import checkins_ingest
from chihuy.tracing.services.venues import venue_register
from tests.conftest import BAN_GIANG, session_client

pytestmark = pytest.mark.django_db

VN = dt.timezone(dt.timedelta(hours=7))
NOW = dt.datetime(2021, 11, 10, 9, 0, tzinfo=VN)


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def _counts(user: Any, api_client: Any, web: str, api: str) -> tuple[int, int]:
    client, rest = session_client(user), api_client(user)
    with CaptureQueriesContext(connection) as on_web:
        assert client.get(web).status_code == 200
    with CaptureQueriesContext(connection) as on_api:
        assert rest.get(api).status_code == 200
    return len(on_web), len(on_api)


def _venues(officer: Any, first: int, last: int) -> None:
    unit = Unit.objects.get(path=BAN_GIANG)
    for i in range(first, last):
        venue_register(actor=officer, unit=unit, name=f"Quán số {i}", category=VenueCategory.RESTAURANT)


def test_venue_list(venue_officer: Any, api_client: Any) -> None:
    _venues(venue_officer, 0, 2)
    _counts(venue_officer, api_client, "/dia-diem/", "/api/tracing/venues")  # a token's first use is recorded
    before = _counts(venue_officer, api_client, "/dia-diem/", "/api/tracing/venues")
    _venues(venue_officer, 2, 9)
    assert _counts(venue_officer, api_client, "/dia-diem/", "/api/tracing/venues") == before


def test_candidate_queue(
    venue_officer: Any, market: Any, make_person: Callable[..., Any], make_checkin: Callable[..., Any], api_client: Any
) -> None:
    f0 = make_person(full_name="Lò Văn Pằn", phone="0912000100")
    make_checkin(market, f0.phone, dt.datetime(2021, 11, 6, 8, 0), 60)
    for i in range(2):
        make_checkin(market, f"09870000{i:02d}", dt.datetime(2021, 11, 6, 8, 10 + i), 30, name=f"Khách {i}")
    exposure.case_report(
        actor=venue_officer,
        person=f0,
        detection_way=DetectionWay.COMMUNITY,
        detected_at=dt.datetime(2021, 11, 8, 15, 0, tzinfo=VN),
        sample_date=dt.date(2021, 11, 8),
    )
    assert ExposureCandidate.objects.count() == 2
    _counts(venue_officer, api_client, "/candidates/", "/api/tracing/candidates")
    before = _counts(venue_officer, api_client, "/candidates/", "/api/tracing/candidates")
    for i in range(2, 9):
        make_checkin(market, f"09870000{i:02d}", dt.datetime(2021, 11, 6, 8, 10 + i), 30, name=f"Khách {i}")
    exposure.exposures_for_cases(actor=venue_officer, person_ids=[f0.pk])
    assert ExposureCandidate.objects.count() == 9
    assert _counts(venue_officer, api_client, "/candidates/", "/api/tracing/candidates") == before


def test_ingest_batches(integrator: Any, market: Any, api_client: Any) -> None:
    def send(n: int) -> None:
        events = [
            {
                "id": f"b{n}-{i}",
                "venue": market.code,
                "phone": f"09130{n:02d}{i:03d}",
                "checked_in_at": "2021-11-10T08:00",
            }
            for i in range(3)
        ]
        checkins_ingest(actor=integrator, source="pc-covid", events=events)

    send(0)
    _counts(integrator, api_client, "/quet-ma/lo-du-lieu/", "/api/tracing/checkins/batches")
    before = _counts(integrator, api_client, "/quet-ma/lo-du-lieu/", "/api/tracing/checkins/batches")
    for n in range(1, 6):
        send(n)
    assert _counts(integrator, api_client, "/quet-ma/lo-du-lieu/", "/api/tracing/checkins/batches") == before
