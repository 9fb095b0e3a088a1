"""Fixtures of the centre, roster and directive tests (imported by name: tests/command/conftest.py is not
ours alone). Clock pinned to Monday 15 Nov 2021, 09:00 in Vietnam — after Bản Giang's outbreak (seed 001)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine

from chihuy.accounts.roles import Role
from chihuy.command import services
from chihuy.command.models import CentreMember, CommandCentre, Position, Sector
from tests.conftest import BAN_GIANG, LAI_CHAU, TAM_DUONG, unit

VN = dt.timezone(dt.timedelta(hours=7))
NOW = dt.datetime(2021, 11, 15, 9, 0, tzinfo=VN)


def at(day: int, hour: int = 0, minute: int = 0, month: int = 11) -> dt.datetime:
    return dt.datetime(2021, month, day, hour, minute, tzinfo=VN)


@pytest.fixture
def pinned() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def province_admin(make_user: Callable[..., Any]) -> Any:
    return make_user(Role.SYSADMIN, LAI_CHAU, full_name="Quản trị tỉnh")


@pytest.fixture
def make_centre(province_admin: Any) -> Callable[..., CommandCentre]:
    def make(path: str) -> CommandCentre:
        return services.centre_create(actor=province_admin, unit=unit(path), phone="02133876543")

    return make


@pytest.fixture
def commune_centre(make_centre: Callable[..., CommandCentre]) -> CommandCentre:
    return make_centre(BAN_GIANG)


@pytest.fixture
def district_centre(make_centre: Callable[..., CommandCentre]) -> CommandCentre:
    return make_centre(TAM_DUONG)


@pytest.fixture
def province_centre(make_centre: Callable[..., CommandCentre]) -> CommandCentre:
    return make_centre(LAI_CHAU)


@pytest.fixture
def add_member(province_admin: Any, make_user: Callable[..., Any]) -> Callable[..., CentreMember]:
    def add(
        centre: CommandCentre,
        name: str,
        *,
        position: str = Position.MEMBER,
        role: str = Role.DUTY_OFFICER,
        sector: str = Sector.HEALTH,
        with_user: bool = True,
        phone: str = "0912345678",
    ) -> CentreMember:
        user = (
            make_user(role, centre.unit_path, full_name=name, phone=phone, email=f"{abs(hash(name)) % 10**8}@x.vn")
            if with_user
            else None
        )
        return services.member_add(
            actor=province_admin,
            centre=centre,
            full_name=name,
            position=position,
            sector=sector,
            phone=phone,
            user=user,
        )

    return add
