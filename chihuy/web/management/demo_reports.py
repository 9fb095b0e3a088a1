"""The daily-report demo of issue 8: the reporting days 08–12/11/2021 of the Bản Giang outbreak in huyện Tam
Đường. Bản Giang (xa_yte) and two other communes (their duty officers, demo accounts `<xã>_trucban`) submit through
the real services, so each report's computed figures are the facts of those days (run after the facts rebuild);
the district commander (huyen_chihuy) approves most of them. On 12/11 the district queue shows every state:
Bản Giang submitted and waiting, Bình Lư approved, the third commune returned with a note, its 11/11 report late,
and the other communes missing. Bản Giang's hand count of new F0 on 10/11 differs from the system's by one (the
reconciliation shows it).

The services stamp "now"; the demo then backdates the timestamps of its own rows (is_demo) to the afternoon of
each day, so lateness reads as it would have then. Running it twice adds nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from chihuy.accounts.models import User
from chihuy.accounts.roles import Role
from chihuy.accounts.services import user_create
from chihuy.core.text import fold
from chihuy.places.models import Unit
from chihuy.reports import daily
from chihuy.reports.models import DailyReport

DISTRICT_PATH = "12/106/"  # Huyện Tam Đường
BAN_GIANG = "12/106/03418/"
BINH_LU = "12/106/03412/"
DAYS = [dt.date(2021, 11, d) for d in range(8, 13)]
DEMO_PASSWORD = "ChiHuy@2021-demo"  # as demo_data's accounts


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _officer(unit: Unit) -> User:
    username = f"{fold(unit.name).replace('xa ', '').replace(' ', '')}_trucban"
    user = User.objects.filter(username=username).first()
    return user or user_create(
        actor=None,
        username=username,
        password=DEMO_PASSWORD,
        unit=unit,
        roles=[Role.DUTY_OFFICER],
        full_name=f"Trực ban {unit.name} (demo)",
    )


def _manual(unit: Unit, day: dt.date, computed_f0: Any) -> dict[str, int]:
    n = day.day + int(unit.code[-2:])
    values = {
        "oxygen_cylinders": 10 + n % 4,
        "oxygen_concentrators": 2,
        "beds_covid": 20,
        "checkpoint_people": 180 + 7 * (n % 9),
        "checkpoint_vehicles": 60 + 3 * (n % 5),
        "checkpoint_rapid_tests": 12 + n % 6,
        "arrivals_hcm": n % 3,
        "arrivals_binh_duong": (n + 1) % 2,
        "arrivals_other": n % 2,
        "directives_issued": 1 if day.weekday() == 0 else 0,
    }
    if isinstance(computed_f0, int):
        # Bản Giang counts one F0 more on the 10th than the system has (a case the lab had not confirmed yet).
        values["f0_new"] = computed_f0 + (1 if unit.path == BAN_GIANG and day.day == 10 else 0)
    return values


def _backdate(report: DailyReport, submitted: dt.datetime, reviewed: dt.datetime | None) -> None:
    DailyReport.objects.filter(pk=report.pk).update(
        submitted_at=submitted,
        reviewed_at=reviewed,
        is_demo=True,
        created_at=submitted,
        updated_at=reviewed or submitted,
    )


@transaction.atomic
def seed_reports() -> dict[str, Any]:
    if DailyReport.objects.filter(is_demo=True).exists():
        return {"reports_created": 0}
    district = Unit.objects.get(path=DISTRICT_PATH)
    commander = User.objects.get(username="huyen_chihuy")
    ban_giang, binh_lu = Unit.objects.get(path=BAN_GIANG), Unit.objects.get(path=BINH_LU)
    third = next(u for u in daily.units_below(district) if u.path not in (BAN_GIANG, BINH_LU))
    reporters = {ban_giang.pk: User.objects.get(username="xa_yte"), binh_lu.pk: _officer(binh_lu)}
    reporters[third.pk] = _officer(third)
    created = 0
    for day in DAYS:
        for unit in (ban_giang, binh_lu, third):
            actor = reporters[unit.pk]
            computed = daily.report_indicators(unit=unit, day=day)
            late = unit == third and day.day == 11
            note = "Tiếp tục giám sát chợ Bản Giang, xét nghiệm F1 theo lịch." if unit == ban_giang else ""
            report = daily.report_submit(
                actor=actor, unit=unit, day=day, manual=_manual(unit, day, computed["f0_new"]), note=note
            )
            created += 1
            submitted = _at(day, 18, 20) if late else _at(day, 16, 25 + 5 * DAYS.index(day))
            if day.day == 12 and unit == ban_giang:
                _backdate(report, submitted, None)  # waiting in the district's queue
                continue
            if day.day == 12 and unit == third:
                daily.report_return(
                    actor=commander, report=report, note="Bổ sung số lượt phương tiện qua chốt Km 12 trong ngày."
                )
            else:
                daily.report_approve(actor=commander, report=report)
            _backdate(report, submitted, _at(day, 19, 30))
    return {
        "reports_created": created,
        "district": district.name,
        "url": f"/bao-cao-ngay/don-vi-cap-duoi/?ngay={DAYS[-1].isoformat()}",
        "accounts": sorted(u.username for u in reporters.values()),
    }
