"""Bulk ingest: each event accepted, duplicate or rejected with its field and reason; the rest of the batch stored;
nothing stored twice."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import connection

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


def test_known_visitors_and_earlier_ids_are_matched_however_the_event_is_written(integrator: Any, market: Any) -> None:
    """The ids seen before and the visitors already known are looked up from what the events say before they are
    judged (on PostgreSQL while they are judged): a phone written another way is still the same visitor, a phone or
    an id whose event is refused here changes nothing, and a new phone gets one visitor."""
    first = checkins_ingest(actor=integrator, source="pc-covid", events=[_event(1, market), _event(2, market)])
    assert first.accepted == 2
    visitors = dict(Visitor.objects.values_list("phone", "id"))

    report = checkins_ingest(
        actor=integrator,
        source="pc-covid",
        events=[
            _event(11, market, phone="+84 913 000 001"),  # visitor 1, written as an international number
            _event(12, market, phone="0913000002"),  # visitor 2 as known
            _event(1, market, venue="KHONGCO"),  # an id seen before, refused here for its venue
            _event(13, market, phone="0913000013", checked_in_at="2021-11-06T08:00:00+07:00"),  # refused: future
            _event(14, market, phone="0913000099"),  # new
            _event(15, market, phone="0913000099"),  # the same new phone again
        ],
    )
    assert [(r["status"], r.get("field")) for r in report.results] == [
        ("accepted", None),
        ("accepted", None),
        ("rejected", "venue"),
        ("rejected", "checked_in_at"),
        ("accepted", None),
        ("accepted", None),
    ]
    stored = dict(CheckIn.objects.filter(batch_id=report.batch_id).values_list("event_key", "visitor__phone"))
    assert stored == {
        "pc-covid:e11": "0913000001",
        "pc-covid:e12": "0913000002",
        "pc-covid:e14": "0913000099",
        "pc-covid:e15": "0913000099",
    }
    after = dict(Visitor.objects.values_list("phone", "id"))
    assert set(after) == {"0913000001", "0913000002", "0913000099"}  # no visitor for the refused 0913000013
    assert {p: after[p] for p in visitors} == visitors


def test_ingest_keys_compare_bytes_on_postgresql() -> None:
    """Migration 0006: the keys the ingest looks up by the thousand are collated "C" on PostgreSQL."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite compares bytes already (BINARY)")
    with connection.cursor() as cur:
        cur.execute(
            "SELECT table_name, column_name, collation_name FROM information_schema.columns "
            "WHERE (table_name, column_name) IN "
            "(('tracing_checkin', 'event_key'), ('tracing_visitor', 'phone'), ('tracing_venue', 'code'))"
        )
        assert sorted(cur.fetchall()) == [
            ("tracing_checkin", "event_key", "C"),
            ("tracing_venue", "code", "C"),
            ("tracing_visitor", "phone", "C"),
        ]
