"""Fixtures of the tracing domain, registered for every test module (tests/conftest.py `pytest_plugins`): Bản
Giang's health officer, the Bản Giang market and a shop as active venues (made through the real service), an
integration account, and a maker of check-ins written straight to the table (the engine's input; the services
that write check-ins have their own tests). Modules pin the clock themselves."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from typing import Any

import pytest

from chihuy.accounts.roles import Role
from chihuy.places.models import Unit
from chihuy.tracing import times
from chihuy.tracing.enums import Channel, VenueCategory
from chihuy.tracing.models import CheckIn, Venue, Visitor
from chihuy.tracing.services.venues import venue_register
from tests.conftest import BAN_GIANG, TAM_DUONG

VN = dt.timezone(dt.timedelta(hours=7))


@pytest.fixture
def venue_officer(make_user: Callable[..., Any]) -> Any:
    """Bản Giang commune's health officer: registers venues, runs the exposure engine."""
    return make_user(Role.HEALTH_OFFICER, BAN_GIANG, phone="0912000021")


@pytest.fixture
def integrator(make_user: Callable[..., Any]) -> Any:
    """Tam Đường's integration account (sends check-ins in bulk)."""
    return make_user(Role.HEALTH_OFFICER, TAM_DUONG, phone="0912000022")


@pytest.fixture
def market(venue_officer: Any) -> Venue:
    return venue_register(
        actor=venue_officer,
        unit=Unit.objects.get(path=BAN_GIANG),
        name="Chợ Bản Giang",
        category=VenueCategory.MARKET,
        address="Trung tâm xã Bản Giang",
        owner_name="Ban quản lý chợ",
        owner_phone="0912345001",
    )


@pytest.fixture
def shop(venue_officer: Any) -> Venue:
    return venue_register(
        actor=venue_officer,
        unit=Unit.objects.get(path=BAN_GIANG),
        name="Tạp hóa Lò Thị Hoa",
        category=VenueCategory.SHOP,
        address="Bản 2, xã Bản Giang",
    )


def visitor(phone: str, name: str = "", national_id: str = "", person: Any = None) -> Visitor:
    found = Visitor.objects.filter(phone=phone).first()
    if found is not None:
        return found
    return Visitor.objects.create(
        phone=phone,
        name=name,
        national_id=national_id,
        person=person,
        token=secrets.token_hex(16),
        created_at=dt.datetime(2021, 11, 1, tzinfo=VN),
    )


@pytest.fixture
def make_checkin(db: Any) -> Callable[..., CheckIn]:
    """make_checkin(venue, phone, start, minutes=60, name="") — `start` a datetime (naive = Vietnam time)."""

    def make(venue: Venue, phone: str, start: dt.datetime, minutes: int = 60, name: str = "", **extra: Any) -> CheckIn:
        who = visitor(phone, name, person=extra.pop("person", None))
        t_in = times.to_minute(start if start.tzinfo else start.replace(tzinfo=VN))
        return CheckIn.objects.create(
            venue=venue,
            visitor=who,
            unit_path=venue.unit_path,
            t_in=t_in,
            t_out=t_in + minutes,
            checked_out=True,
            channel=extra.pop("channel", Channel.QR),
            **extra,
        )

    return make
