"""Vaccination fixtures: the clock pinned in Nov 2021, a Bản Giang vaccinator, people of Bản Giang."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine

from chihuy.accounts.roles import Role
from chihuy.vaccination.models import Vaccine
from tests.conftest import BAN_GIANG

VN = dt.timezone(dt.timedelta(hours=7))
NOW = dt.datetime(2021, 11, 10, 9, 0, tzinfo=VN)
D = dt.date


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def vaccinator(make_user: Callable[..., Any]) -> Any:
    return make_user(Role.VACCINATOR, BAN_GIANG)


@pytest.fixture
def vaccines(db: Any) -> dict[str, Vaccine]:
    return {v.code: v for v in Vaccine.objects.all()}
