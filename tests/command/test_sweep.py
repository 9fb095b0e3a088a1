# ruff: noqa: F811  (pytest fixtures imported by name from centre_fixtures)
"""`manage.py command_sweep` with a pinned clock: roster gaps to the commander, overdue tasks to both centres,
each once; the outbox rows are what notify's worker delivers."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
import time_machine
from django.core.management import call_command

from chihuy.accounts.roles import Role
from chihuy.command import services
from chihuy.command.models import Position
from chihuy.notify.models import Delivery, Message
from tests.command.centre_fixtures import (  # noqa: F401
    NOW,
    add_member,
    at,
    commune_centre,
    district_centre,
    make_centre,
    pinned,
    province_admin,
)
from tests.conftest import BAN_GIANG, unit

pytestmark = pytest.mark.usefixtures("pinned")


def sweep() -> dict[str, int]:
    out = io.StringIO()
    call_command("command_sweep", stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


def test_sweep_alerts_gaps_and_overdue_tasks_once(
    commune_centre: Any, district_centre: Any, add_member: Any, province_admin: Any
) -> None:
    chair = add_member(commune_centre, "Lò Văn Chủ", position=Position.COMMANDER, role=Role.COMMANDER)
    chief = add_member(district_centre, "Giàng A Chỉ", position=Position.COMMANDER, role=Role.COMMANDER)
    officer = add_member(commune_centre, "Vàng Thị Mai")
    # Bản Giang covered for 72 h but for one night; Tam Đường not at all.
    services.shift_create(
        actor=province_admin, centre=commune_centre, member=officer, starts_at=at(15, 7), ends_at=at(16, 7)
    )
    services.shift_create(
        actor=province_admin, centre=commune_centre, member=officer, starts_at=at(16, 19), ends_at=at(17, 19)
    )
    services.shift_create(
        actor=province_admin, centre=commune_centre, member=officer, starts_at=at(17, 19), ends_at=at(18, 19)
    )
    directive = services.directive_create(
        actor=province_admin,
        centre=district_centre,
        title="Thành lập TTCH cấp xã",
        number="02/CĐ",
        issued_on=dt.date(2021, 11, 1),
        tasks=[services.TaskSpec(unit=unit(BAN_GIANG), description="Thành lập TTCH", deadline=dt.date(2021, 11, 14))],
    )
    services.directive_issue(actor=province_admin, directive=directive)
    Message.objects.all().delete()

    first = sweep()
    assert (first["roster_gap_alerts"], first["overdue_tasks_alerted"]) == (2, 1)
    gaps = Message.objects.filter(template="command.roster_gap").order_by("unit_path")
    assert [(m.unit_path, m.subject) for m in gaps] == [
        ("12/106/", f"[Lịch trực] {district_centre.name}: chưa có người trực 09:00 15/11/2021 – 09:00 18/11/2021"),
        ("12/106/03418/", f"[Lịch trực] {commune_centre.name}: chưa có người trực 07:00 16/11/2021 – 19:00 16/11/2021"),
    ]
    overdue = Message.objects.get(template="command.task_overdue")
    assert overdue.subject == "[Quá hạn] Nhiệm vụ của Xã Bản Giang theo 02/CĐ"
    assert "quá hạn 14/11/2021, tiến độ 0%" in overdue.body
    # The assignee's on-duty officer and commander, and the issuer's commander, each by email and SMS.
    assert sorted(Delivery.objects.filter(message=overdue).values_list("user__full_name", "channel")) == sorted(
        (name, channel) for name in ("Vàng Thị Mai", "Lò Văn Chủ", "Giàng A Chỉ") for channel in ("email", "sms")
    )
    assert {chair.user.pk, chief.user.pk} <= set(Delivery.objects.values_list("user_id", flat=True))

    with time_machine.travel(NOW + dt.timedelta(hours=2), tick=False):
        assert {k: v for k, v in sweep().items() if k != "tickets_escalated"} == {
            "roster_gap_alerts": 0,
            "overdue_tasks_alerted": 0,
        }
    assert Message.objects.count() == 3
