"""Fixtures of the cases domain: a commune health officer of Bản Giang, people, an F0 made through the
real services, and a helper that adds a contact that qualifies as F1 under the rule in force."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from chihuy.accounts.roles import Role
from chihuy.cases import services
from chihuy.cases.enums import DetectionWay, Setting

# Bản Giang, early November 2021 (seed 001): the rule of 3638 (household = F1 automatically) is in force.
NOW = dt.datetime(2021, 11, 10, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))


@pytest.fixture(autouse=True)
def pinned_clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def at(day: int, hour: int = 9, month: int = 11) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2021, month, day, hour, 0))


@pytest.fixture
def officer(make_user: Callable[..., Any]) -> Any:
    return make_user(Role.HEALTH_OFFICER)


@pytest.fixture
def report(officer: Any) -> Callable[..., Any]:
    def make(person: Any, **values: Any) -> Any:
        values.setdefault("detection_way", DetectionWay.COMMUNITY)
        values.setdefault("detected_at", at(8))
        values.setdefault("sample_date", dt.date(2021, 11, 7))
        return services.case_report(actor=officer, person=person, **values)

    return make


@pytest.fixture
def expose(officer: Any) -> Callable[..., Any]:
    """A close contact that qualifies (unmasked within 1 m) unless told otherwise."""

    def make(source: Any, contact: Any, **values: Any) -> Any:
        values.setdefault("exposure_at", at(7))
        values.setdefault("setting", Setting.WORKPLACE)
        values.setdefault("distance_m", 1)
        values.setdefault("masked", False)
        return services.contact_add(actor=officer, source_person=source, contact_person=contact, **values)

    return make
