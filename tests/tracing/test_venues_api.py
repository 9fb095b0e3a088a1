"""Venues API: list with filters and keyset cursor, map points, one venue, register (errors on the request's
fields), edit, status changes, the QR and poster files, the public view of a code; outside the area 404, a missing
right 403, and nothing changed on a refused request."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from chihuy.accounts.roles import Role
from chihuy.places.models import Unit
from chihuy.tracing.enums import VenueCategory, VenueStatus
from chihuy.tracing.models import Venue
from chihuy.tracing.services.venues import venue_register, venue_register_public
from tests.conftest import BAN_GIANG, BINH_LU, MUONG_SO

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2021, 11, 10, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
API = "/api/tracing"


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def api(api_client: Any, venue_officer: Any) -> Any:
    return api_client(venue_officer)


def _pending() -> Venue:
    return venue_register_public(
        unit=Unit.objects.get(path=BAN_GIANG),
        name="Quán phở Tuấn",
        category=VenueCategory.RESTAURANT,
        address="Bản 3",
        owner_name="Lò Văn Tuấn",
        owner_phone="0912345678",
    )


def test_list_filters_and_cursor(api: Any, market: Venue, shop: Venue) -> None:
    pending = _pending()
    body = api.get(f"{API}/venues").json()
    assert {v["id"] for v in body["items"]} == {market.pk, shop.pk, pending.pk}
    assert [v["id"] for v in api.get(f"{API}/venues?status=pending").json()["items"]] == [pending.pk]
    assert [v["id"] for v in api.get(f"{API}/venues?category=shop").json()["items"]] == [shop.pk]
    assert [v["id"] for v in api.get(f"{API}/venues?q={market.code}").json()["items"]] == [market.pk]
    first = api.get(f"{API}/venues?limit=2").json()
    second = api.get(f"{API}/venues?limit=2&cursor={first['next_cursor']}").json()
    assert len(first["items"]) == 2 and len(second["items"]) == 1 and second["next_cursor"] is None
    one = next(v for v in body["items"] if v["id"] == market.pk)
    assert one["code"] == market.code and one["name"] == "Chợ Bản Giang" and one["status"] == "active"
    assert one["checkin_url"] == f"http://testserver/q/{market.code}/"
    assert one["unit_name"] == "Xã Bản Giang" and one["owner_phone"] == "0912345001"
    assert api.get(f"{API}/venues?status=closed").status_code == 422
    assert api.get(f"{API}/venues?cursor=rubbish").status_code == 422


def test_list_within_a_unit_outside_the_area_is_not_found(api: Any) -> None:
    other = Unit.objects.get(path=MUONG_SO)
    response = api.get(f"{API}/venues?within_unit_id={other.pk}")
    assert response.status_code == 404
    assert response.json()["details"][0]["field"] == "within_unit_id"


def test_map_points(api: Any, market: Venue) -> None:
    api.patch(f"{API}/venues/{market.pk}", {"latitude": 22.35, "longitude": 103.42})
    points = api.get(f"{API}/venues/map").json()
    assert points == [
        {
            "id": market.pk,
            "code": market.code,
            "name": "Chợ Bản Giang",
            "category": "market",
            "status": "active",
            "lat": 22.35,
            "lng": 103.42,
        }
    ]


def test_register_and_field_errors(api: Any, market: Venue) -> None:
    commune = Unit.objects.get(path=BAN_GIANG)
    data = {"unit_id": commune.pk, "name": "Trường tiểu học Bản Giang", "category": "school", "address": "Bản 1"}
    response = api.post(f"{API}/venues", data)
    assert response.status_code == 201
    body = response.json()
    venue = Venue.objects.get(pk=body["id"])
    assert (body["status"], body["code"], venue.site.name) == ("active", venue.code, "Trường tiểu học Bản Giang")

    response = api.post(f"{API}/venues", {**data, "name": "Chợ Bản Giang"})
    assert response.status_code == 409
    assert response.json()["details"][0]["field"] == "name"
    response = api.post(f"{API}/venues", {**data, "name": "Quán", "category": "casino"})
    assert response.status_code == 422
    response = api.post(f"{API}/venues", {**data, "name": "Quán", "owner_phone": "123"})
    assert (response.status_code, response.json()["details"][0]["field"]) == (422, "owner_phone")
    response = api.post(f"{API}/venues", {**data, "name": "Quán", "unit_id": Unit.objects.get(path=BINH_LU).pk})
    assert (response.status_code, response.json()["details"][0]["field"]) == (404, "unit_id")
    response = api.post(f"{API}/venues", {**data, "name": "Quán", "unit_id": 999999})
    assert (response.status_code, response.json()["details"][0]["field"]) == (404, "unit_id")
    assert Venue.objects.count() == 2


def test_patch(api: Any, market: Venue) -> None:
    response = api.patch(f"{API}/venues/{market.pk}", {"name": "Chợ trung tâm", "owner_name": None})
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["owner_name"]) == ("Chợ trung tâm", "")
    response = api.patch(f"{API}/venues/{market.pk}", {"name": None})
    assert (response.status_code, response.json()["details"][0]["field"]) == (422, "name")
    market.refresh_from_db()
    assert market.site.name == "Chợ trung tâm"


def test_status_changes(api: Any) -> None:
    venue = _pending()
    url = f"{API}/venues/{venue.pk}/status"
    assert api.post(url, {"to": "active"}).json()["status"] == "active"
    response = api.post(url, {"to": "inactive"})
    assert (response.status_code, response.json()["details"][0]["field"]) == (422, "reason")
    response = api.post(url, {"to": "inactive", "reason": "Đóng cửa"})
    assert (response.json()["status"], response.json()["status_reason"]) == ("inactive", "Đóng cửa")
    response = api.post(url, {"to": "pending"})
    assert (response.status_code, response.json()["code"]) == (409, "invalid_transition")
    venue.refresh_from_db()
    assert venue.status == VenueStatus.INACTIVE


def test_files(api: Any, market: Venue) -> None:
    svg = api.get(f"{API}/venues/{market.pk}/qr.svg")
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    png = api.get(f"{API}/venues/{market.pk}/qr.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    pdf = api.get(f"{API}/venues/{market.pk}/poster.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_outside_the_area_is_not_found_and_unchanged(api: Any, make_user: Any) -> None:
    far = make_user(Role.HEALTH_OFFICER, MUONG_SO)
    other = venue_register(
        actor=far, unit=Unit.objects.get(path=MUONG_SO), name="Chợ Mường So", category=VenueCategory.MARKET
    )
    for path in ("", "/qr.svg", "/qr.png", "/poster.pdf"):
        assert api.get(f"{API}/venues/{other.pk}{path}").status_code == 404
    assert api.patch(f"{API}/venues/{other.pk}", {"name": "X"}).status_code == 404
    assert api.post(f"{API}/venues/{other.pk}/status", {"to": "inactive", "reason": "x"}).status_code == 404
    other.refresh_from_db()
    assert (other.site.name, other.status) == ("Chợ Mường So", VenueStatus.ACTIVE)


def test_view_only_role_is_refused_writes(api_client: Any, make_user: Any, market: Venue) -> None:
    duty = api_client(make_user(Role.DUTY_OFFICER, BAN_GIANG))
    assert duty.get(f"{API}/venues/{market.pk}").status_code == 200
    assert duty.patch(f"{API}/venues/{market.pk}", {"name": "X"}).status_code == 403
    assert duty.post(f"{API}/venues/{market.pk}/status", {"to": "inactive", "reason": "x"}).status_code == 403
    commune = Unit.objects.get(path=BAN_GIANG)
    assert duty.post(f"{API}/venues", {"unit_id": commune.pk, "name": "Q", "category": "shop"}).status_code == 403
    lab = api_client(make_user(Role.LAB_TECHNICIAN, BAN_GIANG))
    assert lab.get(f"{API}/venues").status_code == 403
    market.refresh_from_db()
    assert (market.site.name, market.status, Venue.objects.count()) == ("Chợ Bản Giang", VenueStatus.ACTIVE, 1)


def test_public_view_of_a_code_shows_nothing_more(client: Any, market: Venue) -> None:
    response = client.get(f"{API}/public/venues/{market.code.lower()}")
    assert response.status_code == 200
    assert response.json() == {
        "code": market.code,
        "name": "Chợ Bản Giang",
        "category": "market",
        "commune": "Xã Bản Giang",
        "status": "active",
    }
    assert client.get(f"{API}/public/venues/NOPE1234").status_code == 404
    assert client.get(f"{API}/venues/{market.pk}").status_code == 401
