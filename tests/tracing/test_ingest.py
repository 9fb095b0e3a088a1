"""Bulk ingest: each event accepted, duplicate or rejected with its field and reason; the rest of the batch stored;
nothing stored twice."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from chihuy.tracing.models import CheckIn, IngestBatch, Visitor
from chihuy.tracing.services.ingest import checkins_ingest

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2021, 11, 5, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def _event(i: int, place: Any, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"e{i}",
        "venue": place.code,
        "phone": f"09130000{i:02d}",
        "name": f"Người {i}",
        "checked_in_at": "2021-11-05T08:00:00+07:00",
        **extra,
    }


def test_batch_with_good_duplicate_and_bad_events(integrator: Any, market: Any) -> None:
    events = [
        _event(1, market),
        _event(2, market, checked_out_at="2021-11-05T08:45:00+07:00"),
        _event(1, market),  # repeated in the batch: duplicate
        _event(3, market, venue="KHONGCO"),
        _event(4, market, phone="12345"),
        _event(5, market, checked_out_at="2021-11-05T07:00:00+07:00"),
        _event(6, market, checked_in_at="2021-11-06T08:00:00+07:00"),
        _event(7, market, checked_in_at="2021-09-01T08:00:00+07:00"),
        {"venue": market.code},
    ]
    report = checkins_ingest(actor=integrator, source="pc-covid", events=events)
    statuses = [(r["status"], r.get("field")) for r in report.results]
    assert statuses == [
        ("accepted", None),
        ("accepted", None),
        ("duplicate", None),
        ("rejected", "venue"),
        ("rejected", "phone"),
        ("rejected", "checked_out_at"),
        ("rejected", "checked_in_at"),
        ("rejected", "checked_in_at"),
        ("rejected", "id"),
    ]
    assert (report.accepted, report.duplicate, report.rejected) == (2, 1, 6)
    rows = {c.visitor.phone: c for c in CheckIn.objects.select_related("visitor")}
    assert set(rows) == {"0913000001", "0913000002"}
    assert rows["0913000001"].t_out - rows["0913000001"].t_in == 60  # the policy's dwell
    assert rows["0913000002"].t_out - rows["0913000002"].t_in == 45
    assert IngestBatch.objects.get(pk=report.batch_id).rejected == 6

    # A re-sent batch stores nothing again; the same id with other content is refused.
    again = checkins_ingest(
        actor=integrator,
        source="pc-covid",
        events=[_event(1, market), _event(2, market, checked_in_at="2021-11-05T08:10:00+07:00")],
    )
    assert [r["status"] for r in again.results] == ["duplicate", "rejected"]
    assert CheckIn.objects.count() == 2
    assert Visitor.objects.count() == 2
    # Another system may use the same ids.
    other = checkins_ingest(actor=integrator, source="bluezone", events=[_event(1, market)])
    assert other.accepted == 1
