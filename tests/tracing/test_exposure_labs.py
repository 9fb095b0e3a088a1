"""A lab's positive result makes an F0 (issue 5's chain, `response.labs`) and, in the same write, the people who were at
the same venue around the F0's visits become F1 candidates (issue 7): no tracer has to ask for it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine

from chihuy.cases.models import Case
from chihuy.labs import services as lab_services
from chihuy.labs.enums import Result
from chihuy.labs.models import Sample
from chihuy.response import labs as response
from chihuy.tracing.enums import CandidateStatus, RunKind
from chihuy.tracing.models import ExposureCandidate, ExposureRun
from tests.labs.fixtures import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def test_a_positive_result_finds_who_shared_the_market_with_the_new_f0(
    officer: Any,
    technician: Any,
    residents: list[Any],
    ship_and_receive: Callable[..., Any],
    market: Any,
    shop: Any,
    make_checkin: Callable[..., Any],
) -> None:
    f0 = residents[0]  # phone 0913000000: her scans are found through her phone number
    morning = dt.datetime(2021, 11, 8, 7, 0)
    make_checkin(market, f0.phone, morning, 60)
    make_checkin(market, "0988000001", morning + dt.timedelta(minutes=30), 60, name="Hà Thị Lan")  # together 30 min
    make_checkin(market, "0988000002", morning + dt.timedelta(hours=3), 30, name="Lù Văn Hải")  # 2 h after: no
    make_checkin(shop, "0988000003", morning, 60, name="Giàng A Páo")  # another venue: no

    lab_services.sample_take(actor=officer, code="BG-X1", person_ids=[f0.pk])
    ship_and_receive(["BG-X1"])
    response.result_record(
        actor=technician, sample=Sample.objects.get(code="BG-X1"), result=Result.POSITIVE, ct_values={"E": 20.0}
    )

    case = Case.objects.get(person=f0)
    found = ExposureCandidate.objects.select_related("visitor").get()
    assert (found.visitor.phone, found.case_number, found.status) == (
        "0988000001",
        case.number,
        CandidateStatus.PENDING,
    )
    assert (found.source_person_id, found.venue_id, found.overlap_minutes) == (f0.pk, market.pk, 30)
    run = ExposureRun.objects.get()
    assert (run.kind, run.sources, run.visits, run.new_candidates) == (RunKind.CASE, 1, 1, 1)
