"""The daily briefing pack (giao ban): each section counts what the services wrote, inside the reporting day
16:00 → 16:00 and the unit's subtree; the screen, the PDF and the Excel carry it."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from chihuy.accounts.roles import Role
from chihuy.cases import services as cases
from chihuy.cases.enums import DetectionWay
from chihuy.command import services as command
from chihuy.command.services.directives import TaskSpec
from chihuy.command.tickets.escalation import ticket_escalate
from chihuy.command.tickets.intake import ticket_intake
from chihuy.core.errors import ApplicationError
from chihuy.reports.briefing import briefing_build, briefing_window, reporting_day
from tests.conftest import BAN_GIANG, BINH_LU, LAI_CHAU, TAM_DUONG, unit

pytestmark = pytest.mark.django_db

VN = dt.timezone(dt.timedelta(hours=7))


def at(day: int, hour: int = 0) -> dt.datetime:
    return dt.datetime(2021, 11, day, hour, 0, tzinfo=VN)


@pytest.fixture
def scene(make_user: Callable[..., Any], make_person: Callable[..., Any]) -> dict[str, Any]:
    """Bản Giang's centre with one officer on the morning shift of the 15th, tickets and a district directive
    spread over the 14th and 15th, and an F0 reported in the window."""
    admin = make_user(Role.SYSADMIN, LAI_CHAU)
    district = command.centre_create(actor=admin, unit=unit(TAM_DUONG))
    commune = command.centre_create(actor=admin, unit=unit(BAN_GIANG))
    officer = make_user(Role.DUTY_OFFICER, BAN_GIANG, full_name="Lò Thị Trực", phone="0912111222")
    member = command.member_add(actor=admin, centre=commune, full_name="Lò Thị Trực", phone="0912111222", user=officer)
    command.shift_create(actor=admin, centre=commune, member=member, starts_at=at(15, 7), ends_at=at(15, 15))
    health = make_user(Role.HEALTH_OFFICER, BAN_GIANG)
    with time_machine.travel(at(13, 17), tick=False):  # the day before (the window of the 14th)
        old = ticket_intake(
            actor=officer,
            channel="hotline",
            category="essentials",
            text="Hộ cách ly thiếu gạo",
            unit=unit(BAN_GIANG),
            caller_phone="0912000111",
        )
    with time_machine.travel(at(14, 20), tick=False):  # inside the window of the 15th
        ticket_intake(
            actor=officer,
            channel="hotline",
            category="suspected_case",
            text="Sốt, ho sau khi đi chợ",
            unit=unit(BAN_GIANG),
            caller_phone="0912000222",
        )
        directive = command.directive_create(
            actor=admin,
            centre=district,
            title="Xét nghiệm toàn bộ hộ dân bản Nậm Đanh",
            issued_on=dt.date(2021, 11, 14),
            number="25/CĐ-TTCH",
            tasks=[TaskSpec(unit=unit(BAN_GIANG), description="Lấy mẫu 200 hộ", deadline=dt.date(2021, 11, 14))],
        )
        command.directive_issue(actor=admin, directive=directive)
        cases.case_report(
            actor=health,
            person=make_person(full_name="Lò Văn Một", phone="0912000001"),
            detection_way=DetectionWay.COMMUNITY,
            detected_at=at(14, 19),
            sample_date=dt.date(2021, 11, 14),
        )
    with time_machine.travel(at(15, 8), tick=False):
        ticket_escalate(actor=officer, ticket=old, reason="Xã hết gạo dự trữ")
    return {"admin": admin, "officer": officer, "health": health, "district": district, "commune": commune}


def test_the_reporting_day_runs_from_16_00_to_16_00() -> None:
    assert briefing_window(dt.date(2021, 11, 15)) == (at(14, 16), at(15, 16))
    assert reporting_day(at(15, 15)) == dt.date(2021, 11, 15)
    assert reporting_day(at(15, 16)) == dt.date(2021, 11, 16)


def test_a_district_briefing_counts_its_subtree_inside_the_window(scene: dict[str, Any], make_user: Any) -> None:
    commander = make_user(Role.COMMANDER, TAM_DUONG)
    with time_machine.travel(at(15, 9), tick=False):
        brief = briefing_build(actor=commander, unit=unit(TAM_DUONG))

    assert (brief.day, brief.start, brief.until) == (dt.date(2021, 11, 15), at(14, 16), at(15, 9))
    assert brief.centre == scene["district"]
    assert brief.on_duty == [] and brief.gaps == [(at(15, 9), at(18, 9))]  # nobody rostered at the district
    # Two open tickets (the old one escalated here this morning, overdue), one new in the window.
    assert (brief.tickets_open, brief.tickets_new, brief.tickets_escalated_in) == (2, 1, 1)
    # The escalation restarted the old ticket's SLA; the suspected case of last night is past its own.
    assert [t.text for t in brief.tickets_overdue] == ["Sốt, ho sau khi đi chợ"]
    assert [d.number for d in brief.directives_new] == ["25/CĐ-TTCH"]
    assert (brief.tasks_open, brief.tasks_overdue_count) == (1, 1)
    assert brief.cases is not None and (brief.cases.new_total, brief.cases.active) == (1, 1)


def test_the_commune_briefing_shows_who_is_on_duty_and_the_roster_holes(scene: dict[str, Any]) -> None:
    with time_machine.travel(at(15, 9), tick=False):
        brief = briefing_build(actor=scene["officer"], unit=unit(BAN_GIANG))

    assert [s.member.full_name for s in brief.on_duty] == ["Lò Thị Trực"]
    assert brief.gaps == [(at(15, 15), at(18, 9))]
    # The escalated ticket now belongs to the district, but the commune still sees it (it started there).
    assert (brief.tickets_open, brief.tickets_escalated_in) == (2, 0)
    assert brief.cases is not None  # duty officers see cases (CASE_VIEW)


def test_a_past_day_and_another_unit(scene: dict[str, Any], make_user: Any) -> None:
    commander = make_user(Role.COMMANDER, TAM_DUONG)
    with time_machine.travel(at(15, 9), tick=False):
        past = briefing_build(actor=commander, unit=unit(TAM_DUONG), day=dt.date(2021, 11, 14))
        with pytest.raises(ApplicationError) as outside:
            briefing_build(actor=scene["officer"], unit=unit(BINH_LU))

    assert (past.start, past.until, past.tickets_new, past.directives_new) == (at(13, 16), at(14, 16), 1, [])
    assert outside.value.code == "not_found"


def test_screen_pdf_and_excel(scene: dict[str, Any], client: Any) -> None:
    client.force_login(scene["officer"])
    with time_machine.travel(at(15, 9), tick=False):
        page = client.get(reverse("web:briefing"))
        pdf = client.get(reverse("web:briefing_pdf"))
        xlsx = client.get(reverse("web:briefing_xlsx"), {"ngay": "2021-11-15"})

    html = page.content.decode()
    assert page.status_code == 200
    assert f'href="{reverse("web:briefing")}" id="nav-briefing"' in html
    assert (
        "Lò Thị Trực" in html and "25/CĐ-TTCH" in html and "Kỳ báo cáo từ 16:00 14/11/2021 đến 09:00 15/11/2021" in html
    )
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert xlsx.status_code == 200

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == f"GIAO BAN · {scene['commune'].name}"
    assert ["Mới trong kỳ", 1, None] in rows and ["Quá hạn", 1, None] in rows and ["F0 mới trong kỳ", 1, None] in rows


def test_without_centre_view_the_briefing_is_refused(client: Any, make_user: Any) -> None:
    client.force_login(make_user(Role.LAB_TECHNICIAN, BAN_GIANG))
    assert client.get(reverse("web:briefing")).status_code == 403


def test_the_tests_line_counts_tubes_taken_in_the_window(
    scene: dict[str, Any], make_user: Any, make_person: Callable[..., Any]
) -> None:
    from chihuy.labs import services as labs
    from chihuy.response.labs import rapid_test_record

    health = scene["health"]
    people = [make_person(full_name=f"Người {i}", phone=f"09120003{i:02d}") for i in range(3)]
    with time_machine.travel(at(13, 20), tick=False):  # the day before the window: not counted
        labs.sample_take(actor=health, code="OLD-001", person_ids=[people[2].pk])
    with time_machine.travel(at(14, 20), tick=False):
        labs.sample_take(actor=health, code="BG-001", person_ids=[people[0].pk, people[1].pk])
        rapid_test_record(actor=health, person=people[2], result="negative")
    commander = make_user(Role.COMMANDER, TAM_DUONG)
    with time_machine.travel(at(15, 9), tick=False):
        brief = briefing_build(actor=commander, unit=unit(TAM_DUONG))

    assert brief.tests is not None
    t = brief.tests
    assert (t.taken_pcr, t.taken_rapid, t.people_tested) == (1, 1, 3)
    assert (t.positive, t.negative, t.pending) == (0, 1, 1)
    assert t.within_target_pct is None  # no RT-PCR tube of the window has a result yet
    assert brief.missing_areas == []  # issue 6 filled the isolation line
