"""Command centres with someone on duty, made directly (the centre screens are another helper's area): what
the ticket tests need to see alerts reach the on-duty officer and the commander."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from chihuy.accounts.roles import Role
from chihuy.command.models import CentreMember, CommandCentre, Shift
from chihuy.core import clock
from chihuy.places.models import Unit


def centre_on_duty(make_user: Callable[..., Any], path: str, *, hours: int = 24 * 30) -> dict[str, Any]:
    """A centre for the unit at `path`, its commander (an account), and a duty officer on shift from an hour ago
    for `hours` hours. Both accounts have an e-mail address, so each alert gives one delivery per person."""
    unit = Unit.objects.get(path=path)
    centre = CommandCentre.objects.create(unit=unit, unit_path=unit.path, name=f"Trung tâm Chỉ huy {unit.name}")
    boss = make_user(Role.COMMANDER, path, email=f"chihuy.{unit.code}@example.vn")
    officer = make_user(Role.DUTY_OFFICER, path, email=f"trucban.{unit.code}@example.vn")
    CentreMember.objects.create(
        centre=centre, unit_path=unit.path, user=boss, full_name="Chỉ huy", position="commander"
    )
    member = CentreMember.objects.create(centre=centre, unit_path=unit.path, user=officer, full_name="Trực ban")
    start = clock.now() - dt.timedelta(hours=1)
    Shift.objects.create(
        centre=centre,
        unit_path=unit.path,
        member=member,
        user=officer,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=hours),
        role="duty",
    )
    return {"centre": centre, "commander": boss, "officer": officer, "unit": unit}
