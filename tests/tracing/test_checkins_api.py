"""The public check-in API (no account): POST /api/tracing/public/checkins (phone and name, or the visitor token
for one tap) and POST /api/tracing/public/checkins/{id}/checkout; clear 4xx errors naming the field."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client

from chihuy.tracing.enums import VenueStatus
from chihuy.tracing.models import CheckIn, Visitor
from chihuy.tracing.services.venues import venue_transition

pytestmark = pytest.mark.django_db

VN = dt.timezone(dt.timedelta(hours=7))
NOW = dt.datetime(2021, 11, 5, 8, 0, tzinfo=VN)
URL = "/api/tracing/public/checkins"


@pytest.fixture
def clock() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _post(url: str, body: dict[str, Any]) -> Any:
    return Client().post(url, body, content_type="application/json")


def _field(response: Any) -> str:
    return str(response.json()["details"][0]["field"])


def test_check_in_then_one_tap_then_check_out(clock: Any, market: Any) -> None:
    first = _post(URL, {"venue": market.code.lower(), "phone": "0912345678", "name": "Lò Thị Mai"})
    assert first.status_code == 201, first.content
    body = first.json()
    visitor = Visitor.objects.get(phone="0912345678")
    checkin = CheckIn.objects.get()
    assert body == {
        "checkin_id": checkin.pk,
        "visitor_token": visitor.token,
        "venue": "Chợ Bản Giang",
        "venue_code": market.code,
        "checked_in_at": "2021-11-05T08:00:00+07:00",
        "counted_until": "2021-11-05T09:00:00+07:00",
        "repeated": False,
    }

    clock.shift(dt.timedelta(minutes=3))
    again = _post(URL, {"venue": market.code, "visitor_token": visitor.token})
    assert again.status_code == 200
    assert (again.json()["checkin_id"], again.json()["repeated"]) == (checkin.pk, True)

    clock.shift(dt.timedelta(minutes=40))
    out = _post(f"{URL}/{checkin.pk}/checkout", {"visitor_token": visitor.token})
    assert out.status_code == 200
    assert out.json() == {
        "checkin_id": checkin.pk,
        "venue": "Chợ Bản Giang",
        "checked_in_at": "2021-11-05T08:00:00+07:00",
        "checked_out_at": "2021-11-05T08:43:00+07:00",
        "checked_out": True,
    }
    assert CheckIn.objects.get().checked_out is True


def test_errors_name_the_field(clock: Any, market: Any, venue_officer: Any) -> None:
    unknown = _post(URL, {"venue": "KHONGCO1", "phone": "0912345678", "name": "Mai"})
    assert (unknown.status_code, _field(unknown)) == (404, "venue")
    bad_phone = _post(URL, {"venue": market.code, "phone": "0912", "name": "Mai"})
    assert (bad_phone.status_code, _field(bad_phone)) == (422, "phone")
    no_phone = _post(URL, {"venue": market.code, "name": "Mai"})
    assert (no_phone.status_code, _field(no_phone)) == (422, "phone")
    no_name = _post(URL, {"venue": market.code, "phone": "0912345678"})
    assert (no_name.status_code, _field(no_name)) == (422, "name")
    bad_id = _post(URL, {"venue": market.code, "phone": "0912345678", "name": "Mai", "national_id": "1"})
    assert (bad_id.status_code, _field(bad_id)) == (422, "national_id")
    stale = _post(URL, {"venue": market.code, "visitor_token": "0" * 32})
    assert (stale.status_code, _field(stale)) == (404, "visitor_token")
    missing = _post(URL, {"phone": "0912345678", "name": "Mai"})
    assert missing.status_code == 422 and "venue" in _field(missing)

    venue_transition(actor=venue_officer, venue=market, to=VenueStatus.INACTIVE, reason="Chợ tạm đóng cửa")
    closed = _post(URL, {"venue": market.code, "phone": "0912345678", "name": "Mai"})
    assert (closed.status_code, _field(closed)) == (422, "venue")
    assert CheckIn.objects.count() == 0


def test_checkout_needs_the_visitors_own_token(clock: Any, market: Any) -> None:
    mine = _post(URL, {"venue": market.code, "phone": "0912345678", "name": "Lò Thị Mai"}).json()
    theirs = _post(URL, {"venue": market.code, "phone": "0987654321", "name": "Tẩn A Sử"}).json()
    wrong = _post(f"{URL}/{mine['checkin_id']}/checkout", {"visitor_token": theirs["visitor_token"]})
    assert (wrong.status_code, _field(wrong)) == (404, "checkin_id")
    nothing = _post(f"{URL}/999999/checkout", {"visitor_token": mine["visitor_token"]})
    assert nothing.status_code == 404
    assert not CheckIn.objects.filter(checked_out=True).exists()
