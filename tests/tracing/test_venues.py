"""Venue services and reads: an officer registers (active, with a code), an owner registers from the public page
(pending), the commune approves, deactivation needs a reason, the transition table refuses the rest; outside the
area is "not found", a missing right is refused; a duplicate name in the commune is a conflict; the category is
checked; recent check-in counts and the status history of a venue."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from chihuy.accounts.roles import Role
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.places.models import Unit
from chihuy.tracing import selectors
from chihuy.tracing.enums import VenueCategory, VenueStatus
from chihuy.tracing.models import Venue
from chihuy.tracing.services.venues import (
    CODE_ALPHABET,
    venue_register,
    venue_register_public,
    venue_transition,
    venue_update,
)
from tests.conftest import BAN_GIANG, MUONG_SO, TAM_DUONG

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2021, 11, 10, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def _register(actor: Any, **extra: Any) -> Venue:
    values: dict[str, Any] = {
        "unit": Unit.objects.get(path=BAN_GIANG),
        "name": "Chợ Bản Giang",
        "category": VenueCategory.MARKET,
        "address": "Trung tâm xã",
    }
    values.update(extra)
    return venue_register(actor=actor, **values)


def _public(**extra: Any) -> Venue:
    values: dict[str, Any] = {
        "unit": Unit.objects.get(path=BAN_GIANG),
        "name": "Quán phở Tuấn",
        "category": VenueCategory.RESTAURANT,
        "address": "Bản 3, xã Bản Giang",
        "owner_name": "Lò Văn Tuấn",
        "owner_phone": "0912 345 678",
    }
    values.update(extra)
    return venue_register_public(**values)


def _error(call: Any) -> ApplicationError:
    with pytest.raises(ApplicationError) as info:
        call()
    return info.value


def test_officer_registers_an_active_venue_with_a_code(venue_officer: Any) -> None:
    venue = _register(venue_officer, owner_name="Ban quản lý chợ", owner_phone="0912345001", latitude=22.35)
    venue.refresh_from_db()
    assert venue.status == VenueStatus.ACTIVE
    assert len(venue.code) == 8 and set(venue.code) <= set(CODE_ALPHABET)
    assert venue.unit_path == BAN_GIANG
    assert venue.site.name == "Chợ Bản Giang"
    assert venue.site.latitude == 22.35
    assert venue.owner_phone == "0912345001"
    assert venue.registered_by == venue_officer
    assert len(venue.manage_token) >= 40


def test_public_registration_is_pending_and_normalises_the_phone(db: Any) -> None:
    venue = _public()
    assert venue.status == VenueStatus.PENDING
    assert venue.owner_phone == "0912345678"
    assert venue.registered_by is None
    assert selectors.venue_by_token(venue.manage_token) == venue


@pytest.mark.parametrize(
    ("field", "value"), [("owner_name", " "), ("owner_phone", ""), ("address", ""), ("name", "  ")]
)
def test_public_registration_names_the_missing_field(db: Any, field: str, value: str) -> None:
    error = _error(lambda: _public(**{field: value}))
    assert error.code == ErrorCode.VALIDATION
    assert error.details == [{"field": field, "message": error.details[0]["message"]}]  # type: ignore[index]
    assert not Venue.objects.exists()


def test_a_bad_owner_phone_is_named_as_such(venue_officer: Any, market: Venue) -> None:
    error = _error(lambda: _public(owner_phone="12345"))
    assert (error.code, error.details[0]["field"]) == (ErrorCode.VALIDATION, "owner_phone")  # type: ignore[index]
    error = _error(lambda: venue_update(actor=venue_officer, venue=market, owner_phone="abc"))
    assert error.details[0]["field"] == "owner_phone"  # type: ignore[index]
    assert Venue.objects.count() == 1


def test_public_registration_needs_a_commune(db: Any) -> None:
    error = _error(lambda: _public(unit=Unit.objects.get(path=TAM_DUONG)))
    assert error.details[0]["field"] == "unit"  # type: ignore[index]
    assert not Venue.objects.exists()


def test_approve_then_deactivate_with_reason_then_reactivate(venue_officer: Any) -> None:
    venue = _public()
    venue = venue_transition(actor=venue_officer, venue=venue, to=VenueStatus.ACTIVE)
    assert venue.status == VenueStatus.ACTIVE and venue.site.is_active
    venue = venue_transition(actor=venue_officer, venue=venue, to=VenueStatus.INACTIVE, reason="Đóng cửa")
    venue.refresh_from_db()
    assert (venue.status, venue.status_reason, venue.site.is_active) == (VenueStatus.INACTIVE, "Đóng cửa", False)
    venue = venue_transition(actor=venue_officer, venue=venue, to=VenueStatus.ACTIVE)
    assert venue.status == VenueStatus.ACTIVE
    history = selectors.venue_history(venue)
    assert [(e.action, (e.after or {}).get("status")) for e in history] == [
        ("venue.register", "pending"),
        ("venue.transition", "active"),
        ("venue.transition", "inactive"),
        ("venue.transition", "active"),
    ]
    assert history[2].details == {"reason": "Đóng cửa"}


def test_deactivation_needs_a_reason(venue_officer: Any, market: Venue) -> None:
    error = _error(lambda: venue_transition(actor=venue_officer, venue=market, to=VenueStatus.INACTIVE, reason=" "))
    assert (error.code, error.details[0]["field"]) == (ErrorCode.VALIDATION, "reason")  # type: ignore[index]
    market.refresh_from_db()
    assert market.status == VenueStatus.ACTIVE


@pytest.mark.parametrize("to", [VenueStatus.ACTIVE, VenueStatus.PENDING, "closed"])
def test_invalid_transitions_are_refused(venue_officer: Any, market: Venue, to: str) -> None:
    error = _error(lambda: venue_transition(actor=venue_officer, venue=market, to=to, reason="x"))
    assert error.code == ErrorCode.INVALID_TRANSITION
    market.refresh_from_db()
    assert market.status == VenueStatus.ACTIVE


def test_inactive_cannot_go_back_to_pending(venue_officer: Any, market: Venue) -> None:
    venue_transition(actor=venue_officer, venue=market, to=VenueStatus.INACTIVE, reason="Đóng")
    error = _error(lambda: venue_transition(actor=venue_officer, venue=market, to=VenueStatus.PENDING))
    assert error.code == ErrorCode.INVALID_TRANSITION


def test_outside_the_area_is_not_found(venue_officer: Any, make_user: Any) -> None:
    error = _error(lambda: _register(venue_officer, unit=Unit.objects.get(path=MUONG_SO)))
    assert (error.code, error.details[0]["field"]) == (ErrorCode.NOT_FOUND, "unit")  # type: ignore[index]
    far = make_user(Role.HEALTH_OFFICER, MUONG_SO)
    venue = _register(far, unit=Unit.objects.get(path=MUONG_SO), name="Chợ Mường So")
    assert _error(lambda: selectors.venue_get(actor=venue_officer, venue_id=venue.pk)).code == ErrorCode.NOT_FOUND
    assert _error(lambda: venue_update(actor=venue_officer, venue=venue, name="X")).code == ErrorCode.NOT_FOUND
    error = _error(lambda: venue_transition(actor=venue_officer, venue=venue, to=VenueStatus.INACTIVE, reason="x"))
    assert error.code == ErrorCode.NOT_FOUND
    venue.refresh_from_db()
    assert (venue.site.name, venue.status) == ("Chợ Mường So", VenueStatus.ACTIVE)


def test_view_only_roles_cannot_register_or_change(make_user: Any, market: Venue) -> None:
    duty = make_user(Role.DUTY_OFFICER, BAN_GIANG)
    assert selectors.venue_get(actor=duty, venue_id=market.pk) == market
    assert _error(lambda: _register(duty, name="Chợ khác")).code == ErrorCode.PERMISSION_DENIED
    error = _error(lambda: venue_transition(actor=duty, venue=market, to=VenueStatus.INACTIVE, reason="x"))
    assert error.code == ErrorCode.PERMISSION_DENIED
    lab = make_user(Role.LAB_TECHNICIAN, BAN_GIANG)
    assert _error(lambda: selectors.venue_get(actor=lab, venue_id=market.pk)).code == ErrorCode.PERMISSION_DENIED
    assert Venue.objects.count() == 1


def test_duplicate_name_in_the_commune_is_a_conflict(venue_officer: Any, market: Venue) -> None:
    error = _error(lambda: _register(venue_officer, name="Chợ Bản Giang"))
    assert (error.code, error.details[0]["field"]) == (ErrorCode.CONFLICT, "name")  # type: ignore[index]
    error = _error(lambda: _public(name="Chợ Bản Giang"))
    assert error.code == ErrorCode.CONFLICT
    assert Venue.objects.count() == 1


def test_category_must_be_known(venue_officer: Any, market: Venue) -> None:
    error = _error(lambda: _register(venue_officer, name="Quán mới", category="casino"))
    assert (error.code, error.details[0]["field"]) == (ErrorCode.VALIDATION, "category")  # type: ignore[index]
    error = _error(lambda: venue_update(actor=venue_officer, venue=market, category="casino"))
    assert error.details[0]["field"] == "category"  # type: ignore[index]
    market.refresh_from_db()
    assert market.category == VenueCategory.MARKET


def test_update_changes_site_and_owner(venue_officer: Any, market: Venue) -> None:
    venue_update(actor=venue_officer, venue=market, name="Chợ trung tâm Bản Giang", owner_phone="0912 000 111")
    market.refresh_from_db()
    assert (market.site.name, market.owner_phone) == ("Chợ trung tâm Bản Giang", "0912000111")


def test_list_filters_counts_and_map_points(venue_officer: Any, market: Venue, shop: Venue) -> None:
    pending = _public()
    venue_update(actor=venue_officer, venue=market, latitude=22.35, longitude=103.42)
    assert selectors.venue_counts(actor=venue_officer) == {"pending": 1, "active": 2, "inactive": 0}
    page = selectors.venue_list(actor=venue_officer, status=VenueStatus.PENDING)
    assert page.items == [pending]
    assert selectors.venue_list(actor=venue_officer, category=VenueCategory.SHOP).items == [shop]
    assert selectors.venue_list(actor=venue_officer, q=market.code.lower()).items == [market]
    assert selectors.venue_list(actor=venue_officer, q="Tạp hóa").items == [shop]
    first = selectors.venue_list(actor=venue_officer, limit=2)
    second = selectors.venue_list(actor=venue_officer, limit=2, cursor=first.next_cursor)
    assert len(first.items) == 2 and len(second.items) == 1 and second.next_cursor is None
    assert {v.pk for v in first.items + second.items} == {market.pk, shop.pk, pending.pk}
    venue_transition(actor=venue_officer, venue=shop, to=VenueStatus.INACTIVE, reason="Đóng cửa")
    # Sites without typed coordinates take their commune's; an inactive venue leaves the map.
    points = {p["code"]: (p["lat"], p["lng"], p["status"]) for p in selectors.venue_map_points(actor=venue_officer)}
    assert set(points) == {market.code, pending.code}
    assert points[market.code] == (22.35, 103.42, "active")


def test_checkin_counts_of_the_last_day_and_week(market: Venue, shop: Venue, make_checkin: Any) -> None:
    make_checkin(market, "0913000001", dt.datetime(2021, 11, 10, 8, 0))  # 1 h ago
    make_checkin(market, "0913000002", dt.datetime(2021, 11, 9, 9, 30))  # 23.5 h ago
    make_checkin(market, "0913000003", dt.datetime(2021, 11, 9, 8, 0))  # 25 h ago
    make_checkin(market, "0913000004", dt.datetime(2021, 11, 4, 10, 0))  # 6 days ago
    make_checkin(market, "0913000005", dt.datetime(2021, 11, 2, 10, 0))  # 8 days ago
    make_checkin(shop, "0913000001", dt.datetime(2021, 11, 10, 8, 30))
    assert selectors.venue_checkin_counts(venue=market, now=NOW) == {"day": 2, "week": 4}
    assert selectors.venue_checkin_counts(venue=shop, now=NOW) == {"day": 1, "week": 1}
