"""Privacy: check-ins older than the policy's retention (28 days) are deleted — exactly those — by the service,
the `checkins_purge` command and its task; the F1 candidates already found keep their own times; one audit row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from chihuy.core.models import AuditEvent
from chihuy.tracing.enums import CandidateStatus
from chihuy.tracing.models import CheckIn, ExposureCandidate, Visitor
from chihuy.tracing.services.retention import checkins_purge
from chihuy.tracing.tasks import checkins_purge_task

pytestmark = pytest.mark.django_db

VN = dt.timezone(dt.timedelta(hours=7))
NOW = dt.datetime(2021, 11, 5, 2, 0, tzinfo=VN)  # the nightly job


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def visits(make_checkin: Callable[..., Any], market: Any, shop: Any) -> dict[str, Any]:
    # 28 days kept: 8 October (local) onwards.
    return {
        "old": make_checkin(market, "0913000001", dt.datetime(2021, 10, 1, 9, 0)),
        "last_minute": make_checkin(shop, "0913000002", dt.datetime(2021, 10, 7, 23, 59), minutes=30),
        "first_kept": make_checkin(market, "0913000003", dt.datetime(2021, 10, 8, 0, 0)),
        "recent": make_checkin(shop, "0913000001", dt.datetime(2021, 11, 4, 17, 0)),
    }


def _candidate(visit: Any, make_person: Callable[..., Any]) -> ExposureCandidate:
    source = make_person(full_name="Lò Văn F0", phone="0913999999", birth_year=1980)
    start = visit.checked_in_at
    return ExposureCandidate.objects.create(
        source_person=source,
        source_unit_path=source.unit_path,
        visitor=visit.visitor,
        unit_path=visit.unit_path,
        venue=visit.venue,
        source_from=start,
        source_to=start + dt.timedelta(hours=1),
        exposed_from=start,
        exposed_to=start + dt.timedelta(hours=1),
        overlap_minutes=60,
        status=CandidateStatus.PENDING,
    )


def test_purge_deletes_exactly_the_old_checkins_and_keeps_candidates(
    visits: dict[str, Any], make_person: Callable[..., Any]
) -> None:
    candidate = _candidate(visits["old"], make_person)
    assert checkins_purge() == 2
    kept = set(CheckIn.objects.values_list("pk", flat=True))
    assert kept == {visits["first_kept"].pk, visits["recent"].pk}
    candidate.refresh_from_db()
    assert candidate.exposed_from == visits["old"].checked_in_at and candidate.overlap_minutes == 60

    event = AuditEvent.objects.get(action="checkin.purge")
    assert event.actor is None and event.object_type == "tracing.checkin"
    assert event.details["deleted"] == 2 and event.details["retention_days"] == 28
    assert event.details["before"] == "2021-10-07T17:00:00+00:00"  # 8 October 00:00 in Vietnam
    # The phone left with no check-in and no candidate goes too; the others stay (a visit left, or a candidate).
    assert event.details["visitors_deleted"] == 1
    assert set(Visitor.objects.values_list("phone", flat=True)) == {"0913000001", "0913000003"}

    # A second run the same night: nothing more, and no audit row for nothing.
    assert checkins_purge() == 0
    assert AuditEvent.objects.filter(action="checkin.purge").count() == 1


def test_command_prints_how_many(visits: dict[str, Any]) -> None:
    out = StringIO()
    call_command("checkins_purge", "--on", "2021-10-09", stdout=out)  # kept from 11 September: nothing old yet
    assert out.getvalue().strip() == "Đã xóa 0 lượt quét mã quá thời hạn lưu."
    assert CheckIn.objects.count() == 4
    call_command("checkins_purge", stdout=out)
    assert out.getvalue().strip().splitlines()[-1] == "Đã xóa 2 lượt quét mã quá thời hạn lưu."
    assert CheckIn.objects.count() == 2
    with pytest.raises(CommandError):
        call_command("checkins_purge", "--on", "5/11/2021")


def test_task_runs_the_purge(visits: dict[str, Any]) -> None:
    assert checkins_purge_task.call() == 2
    assert CheckIn.objects.count() == 2
    assert checkins_purge_task.call() == 0
