"""The exposure engine against its definition: the indexed range join equals brute-force enumeration, on hand-made
edge cases and on a random small province (the benchmark asserts the same at scale)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

import pytest

from chihuy.places.models import Unit
from chihuy.tracing import engine, times
from chihuy.tracing.enums import VenueCategory
from chihuy.tracing.models import CheckIn
from chihuy.tracing.services.venues import venue_register
from tests.conftest import BAN_GIANG

pytestmark = pytest.mark.django_db

DAY = dt.datetime(2021, 11, 3, 8, 0)


def _visits(source_visitor: int, source: int = 1) -> list[engine.Visit]:
    return [
        engine.Visit(source, c.visitor_id, c.venue_id, c.t_in, c.t_out)
        for c in CheckIn.objects.filter(visitor_id=source_visitor)
    ]


def test_window_edges(market: Any, shop: Any, make_checkin: Callable[..., Any]) -> None:
    # Given the F0 at the market 08:00–08:30 and others around, one at another venue
    f0 = make_checkin(market, "0911000000", DAY, 30)
    together = make_checkin(market, "0911000001", DAY + dt.timedelta(minutes=10), 60)
    hour_after = make_checkin(market, "0911000002", DAY + dt.timedelta(minutes=90), 30)  # 60 min after F0 left
    too_late = make_checkin(market, "0911000003", DAY + dt.timedelta(minutes=91), 30)
    hour_before = make_checkin(market, "0911000004", DAY - dt.timedelta(minutes=120), 60)  # left 60 min before
    long_stay = make_checkin(market, "0911000005", DAY - dt.timedelta(hours=11), 11 * 60 + 5)
    make_checkin(shop, "0911000006", DAY, 30)
    # When the engine looks around the F0's visit (±60 min, any minute of presence)
    hits = engine.near_checkins(
        _visits(f0.visitor_id), window=60, min_overlap=0, max_dwell=720, exclude={f0.visitor_id}
    )
    # Then exactly those inside the window are found, with the minutes really together
    found = {h.visitor: h for h in hits}
    assert set(found) == {together.visitor_id, hour_after.visitor_id, hour_before.visitor_id, long_stay.visitor_id}
    assert too_late.visitor_id not in found
    assert found[together.visitor_id].overlap == 20
    assert found[hour_after.visitor_id].overlap == 0
    assert found[long_stay.visitor_id].overlap == 5


def test_a_visit_across_the_index_day_boundary(market: Any, make_checkin: Callable[..., Any]) -> None:
    # The index's day buckets are UTC days: 07:00 in Vietnam. Given the F0 at the market 06:40–07:10 (across it)
    f0 = make_checkin(market, "0911000000", dt.datetime(2021, 11, 3, 6, 40), 30)
    before = make_checkin(market, "0911000001", dt.datetime(2021, 11, 2, 19, 0), 11 * 60 + 30)  # 19:00 → 06:30
    after = make_checkin(market, "0911000002", dt.datetime(2021, 11, 3, 8, 5), 10)  # 55 min after the F0 left
    make_checkin(market, "0911000003", dt.datetime(2021, 11, 3, 8, 15), 10)  # 65 min after: outside
    assert times.day_of(before.t_in) == times.day_of(f0.t_in) < times.day_of(after.t_in)
    # When the engine looks around the visit, sending it once per day its range covers
    visits = _visits(f0.visitor_id)
    assert [row[4] for row in engine._by_day(visits, 60, 0, 720)] == times.days_between(
        f0.t_in - 60 - 720, f0.t_out + 60
    )
    hits = engine.near_checkins(visits, window=60, min_overlap=0, max_dwell=720, exclude={f0.visitor_id})
    # Then the check-ins of both days are found, each once
    assert sorted(h.visitor for h in hits) == sorted([before.visitor_id, after.visitor_id])
    assert {h.visitor: h.overlap for h in hits}[before.visitor_id] == 0


def test_min_overlap(market: Any, make_checkin: Callable[..., Any]) -> None:
    f0 = make_checkin(market, "0911000000", DAY, 30)
    brief = make_checkin(market, "0911000001", DAY + dt.timedelta(minutes=85), 10)  # 5 minutes inside the window
    make_checkin(market, "0911000002", DAY + dt.timedelta(minutes=20), 30)
    hits = engine.near_checkins(_visits(f0.visitor_id), window=60, min_overlap=10, max_dwell=720)
    assert brief.visitor_id not in {h.visitor for h in hits}
    assert len({h.visitor for h in hits} - {f0.visitor_id}) == 1


def test_equals_brute_force_on_a_random_small_province(venue_officer: Any, make_checkin: Callable[..., Any]) -> None:
    rng = random.Random(7)
    unit = Unit.objects.get(path=BAN_GIANG)
    venues = [
        venue_register(actor=venue_officer, unit=unit, name=f"Quán {i}", category=VenueCategory.RESTAURANT)
        for i in range(8)
    ]
    for i in range(1500):
        start = DAY + dt.timedelta(minutes=rng.randrange(0, 3 * 24 * 60))
        make_checkin(rng.choice(venues), f"09120{i % 300:05d}", start, rng.choice([5, 30, 60, 60, 240, 719]))
    sources = [CheckIn.objects.filter(visitor__phone=f"09120{s:05d}").first().visitor_id for s in (1, 2, 3)]
    visits = [v for k, s in enumerate(sources) for v in _visits(s, source=k)]
    rows = list(CheckIn.objects.values_list("venue_id", "visitor_id", "t_in", "t_out"))
    for window, minimum in ((60, 0), (30, 15), (0, 1)):
        hits = engine.near_checkins(visits, window=window, min_overlap=minimum, max_dwell=720, exclude=set(sources))
        expected = engine.brute_force(visits, rows, window=window, min_overlap=minimum, exclude=set(sources))
        assert engine.as_keys(hits) == expected
        assert expected  # the sample is not empty: the comparison means something
