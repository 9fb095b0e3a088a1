"""The "Cách ly và điều trị" line of the briefing (issue 6): quarantine in facilities new / current / released in
the reporting window, F0 under treatment by tier and oxygen modality, new admissions (a transfer is not one),
deaths; hidden from a reader without the isolation right."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
import time_machine
from openpyxl import load_workbook

from chihuy.accounts.roles import Role
from chihuy.isolation.enums import Cohort, StayKind, StayStatus
from chihuy.isolation.models import Facility, Stay
from chihuy.isolation.services.stays import Admission, stay_end, stays_admit
from chihuy.isolation.services.treatment import treatment_transfer
from chihuy.reports.briefing import briefing_build
from tests.conftest import TAM_DUONG, session_client, unit
from tests.isolation.fixtures import free_beds

pytestmark = pytest.mark.django_db

VN = dt.timezone(dt.timedelta(hours=7))


def at(day: int, hour: int = 0) -> dt.datetime:
    return dt.datetime(2021, 11, day, hour, 0, tzinfo=VN)


def f0_in(manager: Any, facility: Facility, room: str, person: Any) -> Stay:
    (stay,) = stays_admit(
        actor=manager,
        kind=StayKind.TREATMENT,
        facility=facility,
        admissions=[
            Admission(
                person=person,
                cohort=Cohort.F0,
                cohort_on=dt.date(2021, 11, 12),
                bed=free_beds(facility, room)[0],
                tier=facility.tier,
            )
        ],
    )
    return stay


@pytest.fixture
def scene(
    quarantine: Facility, treatment_facilities: dict[int, Facility], admit_f1: Any, make_person: Any, manager: Any
) -> dict[str, Any]:
    """The window of the 15th runs from 14/11 16:00 to 15/11 16:00."""
    tier1, tier2 = treatment_facilities[1], treatment_facilities[2]
    p = [make_person(full_name=f"Lò Văn {i}", sex="M") for i in range(6)]
    with time_machine.travel(at(13, 9), tick=False):  # before the window
        (earlier,) = admit_f1(quarantine, "102", [p[0]], dt.date(2021, 11, 12))
        oxygen = f0_in(manager, tier2, "T2-02", p[1])
        Stay.objects.filter(pk=oxygen.pk).update(oxygen_mode="hfnc", clinical_state="severe")
        dying = f0_in(manager, tier1, "T1-02", p[2])
    with time_machine.travel(at(14, 20), tick=False):  # inside
        admit_f1(quarantine, "101", p[3:5], dt.date(2021, 11, 14))
        new_f0 = f0_in(manager, tier1, "T1-01", p[5])
    with time_machine.travel(at(15, 6), tick=False):
        stay_end(actor=manager, stay=dying, status=StayStatus.DIED, reason="Suy hô hấp", perm="treatment.record")
        treatment_transfer(
            actor=manager, stay=new_f0, facility=tier2, bed=free_beds(tier2, "T2-01")[0], reason="SpO2 93 %"
        )
    with time_machine.travel(at(15, 8), tick=False):
        stay_end(actor=manager, stay=earlier, status=StayStatus.RELEASED, reason="Đủ 14 ngày, âm tính")
    return {"tier2": tier2}


def test_the_isolation_line_counts_the_window(scene: dict[str, Any], make_user: Any) -> None:
    commander = make_user(Role.COMMANDER, TAM_DUONG)
    with time_machine.travel(at(15, 9), tick=False):
        brief = briefing_build(actor=commander, unit=unit(TAM_DUONG))
    iso = brief.isolation
    assert iso is not None
    assert (iso.facility.new, iso.facility.current, iso.facility.released) == (2, 2, 1)
    assert (iso.home.new, iso.home.current, iso.home.released) == (0, 0, 0)
    assert (iso.treatment_current, iso.by_tier) == (2, {2: 2})
    assert [n for _t, _l, n in iso.tier_rows()] == [0, 2, 0]
    assert (iso.by_oxygen, iso.on_oxygen) == ({"hfnc": 1}, 1)
    assert (iso.treatment_new, iso.died, iso.discharged) == (1, 1, 0)  # the transfer is not a new F0
    assert iso.beds_free == 44 - 4 - 12  # 4 held; rooms 102, T1-01, T1-02 (4 beds each) being disinfected
    assert brief.missing_areas == []


def test_screen_and_excel_show_the_line(scene: dict[str, Any], make_user: Any) -> None:
    commander = make_user(Role.COMMANDER, TAM_DUONG)
    client = session_client(commander)
    with time_machine.travel(at(15, 9), tick=False):
        page = client.get("/giao-ban/")
        body = page.content.decode()
        assert 'id="briefing-isolation"' in body and 'id="briefing-missing"' not in body
        assert '<td class="text-end text-nowrap" id="i-facility">2 / 2 / 1</td>' in body
        assert '<td class="text-end" id="i-died">1</td>' in body
        xlsx = client.get("/giao-ban/giao-ban.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = {r[0]: r[1] for r in sheet.iter_rows(values_only=True)}
    assert rows["Cách ly tập trung: mới / đang cách ly / hoàn thành"] == "2 / 2 / 1"
    assert rows["Tử vong trong kỳ"] == 1
    assert rows["F0 đang điều trị (tầng 1 / 2 / 3)"] == 2


def test_a_reader_without_the_isolation_right_has_no_line(scene: dict[str, Any], make_user: Any) -> None:
    lab = make_user([Role.LAB_TECHNICIAN, Role.CHECKPOINT_OFFICER], TAM_DUONG)
    with time_machine.travel(at(15, 9), tick=False):
        brief = briefing_build(actor=lab, unit=unit(TAM_DUONG))
    assert brief.isolation is None
