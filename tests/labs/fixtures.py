"""Fixtures of the labs domain, registered for every test module (tests/conftest.py `pytest_plugins`): a Bản Giang
village with residents, the provincial lab with a technician, a commune health officer, and a helper that ships and
receives tubes through the real services. Modules that use them pin the clock to `NOW` themselves."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from chihuy.accounts.roles import Role
from chihuy.labs import services
from chihuy.labs.models import Lab
from chihuy.places.enums import SiteKind
from chihuy.places.models import Site, Unit
from tests.conftest import BAN_GIANG, LAI_CHAU

# Bản Giang, November 2021 (seed 001).
NOW = dt.datetime(2021, 11, 10, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))


def at(day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2021, 11, day, hour, minute))


@pytest.fixture
def village(db: Any) -> Unit:
    return Unit.objects.filter(parent__path=BAN_GIANG, level="village").order_by("path").first() or _make_village()


def _make_village() -> Unit:
    from chihuy.places.models import Unit as U

    commune = U.objects.get(path=BAN_GIANG)
    return U.objects.create(
        code="90001",
        name="Bản Giang",
        level="village",
        parent=commune,
        path=f"{BAN_GIANG}90001/",
        depth=commune.depth + 1,
    )


@pytest.fixture
def officer(make_user: Callable[..., Any]) -> Any:
    return make_user(Role.HEALTH_OFFICER, BAN_GIANG, phone="0912000001")


@pytest.fixture
def technician(make_user: Callable[..., Any]) -> Any:
    return make_user(Role.LAB_TECHNICIAN, LAI_CHAU, phone="0912000002")


@pytest.fixture
def lab(admin_user: Any, technician: Any) -> Lab:
    site = Site.objects.create(
        kind=SiteKind.LAB,
        name="Phòng xét nghiệm CDC Lai Châu",
        unit=Unit.objects.get(path=LAI_CHAU),
        unit_path=LAI_CHAU,
    )
    return services.lab_upsert(actor=admin_user, site=site, daily_capacity=2000, member_ids=[technician.pk])


@pytest.fixture
def residents(make_person: Callable[..., Any], village: Unit) -> list[Any]:
    names = ["Lò Văn An", "Tao Thị Bình", "Lò Văn Cường", "Vàng Thị Dung", "Lò Văn Em", "Tao Văn Phúc"]
    return [
        make_person(full_name=n, unit=village, birth_year=1980 + i, phone=f"09130000{i:02d}")
        for i, n in enumerate(names)
    ]


@pytest.fixture
def ship_and_receive(officer: Any, technician: Any, lab: Lab) -> Callable[..., Any]:
    def run(codes: list[str]) -> Any:
        shipment = services.shipment_create(actor=officer, lab=lab, sample_codes=codes)
        return services.shipment_receive(actor=technician, shipment=shipment, scanned_codes=codes)

    return run
