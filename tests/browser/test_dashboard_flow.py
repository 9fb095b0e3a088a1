"""The province commander's dashboard in a real browser, with the Bản Giang story of seed 001: fifteen F0 in xã Bản
Giang (Tam Đường) from 1 to 6 November 2021 — three found in the community with no known source, the rest in
quarantine or traced from them — reported through the real services, then the facts job. The commander opens the
dashboard on 06/11/2021: the key numbers, the stacked epi curve drawn by Chart.js, Bản Giang's circle on the
Leaflet map coloured by its level; narrows to Tam Đường from the children's table; opens the wall screen."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.management import call_command

from chihuy.accounts.roles import Role
from chihuy.accounts.services import user_create
from chihuy.cases import services
from chihuy.cases.enums import DetectionWay
from chihuy.people.services import person_create
from chihuy.places.models import Unit
from chihuy.reports.enums import LEVEL_COLOURS
from chihuy.reports.models import LevelAssessment
from tests.conftest import BAN_GIANG, LAI_CHAU, PASSWORD, TAM_DUONG

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VN = dt.timezone(dt.timedelta(hours=7))


def _user(username: str, role: str, path: str) -> Any:
    return user_create(
        actor=None,
        username=username,
        password=PASSWORD,
        unit=Unit.objects.get(path=path),
        roles=[role],
        full_name=username,
    )


def _login(page: Any, live_server: Any, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def _ban_giang_story() -> None:
    officer = _user("yte.bangiang", Role.HEALTH_OFFICER, BAN_GIANG)
    commune = Unit.objects.get(path=BAN_GIANG)
    # (day of November, hour, detection way, source known): 3 community of unknown source, 12 in quarantine.
    story = [(1, 9, DetectionWay.COMMUNITY, False), (2, 10, DetectionWay.COMMUNITY, False)]
    story += [(3, 8 + i, DetectionWay.QUARANTINE, True) for i in range(4)]
    story += [(4, 9, DetectionWay.COMMUNITY, False)]
    story += [(5, 8 + i, DetectionWay.QUARANTINE, True) for i in range(5)]
    story += [(6, 8 + i, DetectionWay.QUARANTINE, True) for i in range(3)]
    for i, (day, hour, way, known) in enumerate(story):
        person = person_create(actor=officer, confirm_new=True, full_name=f"Người bệnh {i + 1}", unit=commune)
        detected = dt.datetime(2021, 11, day, hour, tzinfo=VN)
        services.case_report(
            actor=officer,
            person=person,
            detection_way=way,
            detected_at=detected,
            sample_date=detected.date(),
            source_known=known,
        )
    LevelAssessment.objects.create(
        unit=commune,
        unit_path=BAN_GIANG,
        week_end=dt.date(2021, 11, 4),
        rule_set="4800",
        computed_level=3,
        level=3,
        explanation="Cấp 3: 3 ca cộng đồng trong tuần",
        assessed_at=dt.datetime(2021, 11, 4, 17, tzinfo=VN),
    )
    call_command("facts_refresh", stdout=io.StringIO())


def test_province_commander_sees_ban_giang_then_tam_duong_and_the_wall(
    page: Any, live_server: Any, lai_chau: None
) -> None:
    _ban_giang_story()
    _user("chihuy.tinh", Role.COMMANDER, LAI_CHAU)
    _login(page, live_server, "chihuy.tinh")

    page.goto(f"{live_server.url}/bang-dieu-hanh/?ngay=2021-11-06")
    assert page.locator("#dashboard-unit").inner_text() == "Tỉnh Lai Châu"
    numbers = page.locator("#dashboard-numbers")
    assert numbers.locator("[data-key=new_f0] .dash-value").inner_text() == "3"
    assert numbers.locator("[data-key=new_f0] .dash-change").inner_text() == "▼ 2"  # 5 on the 5th
    assert numbers.locator("[data-key=under_treatment] .dash-value").inner_text() == "15"
    assert "Số liệu cập nhật đến" in page.locator("#dashboard-updated").inner_text()

    # The epi curve: Chart.js drew the stacked bars; the community bars hold the three unknown-source cases.
    page.wait_for_function("window.chihuyDashboardCurve !== undefined")
    community = page.evaluate("window.chihuyDashboardCurve.data.datasets[0].data.slice(-6)")
    quarantine = page.evaluate("window.chihuyDashboardCurve.data.datasets[1].data.slice(-6)")
    assert (community, quarantine) == ([1, 1, 0, 1, 0, 0], [0, 0, 4, 0, 5, 3])
    assert page.locator("#dashboard-curve").bounding_box()["height"] > 100

    # The map: one circle per commune of the province; Bản Giang's is the big one, in the level-3 colour.
    page.wait_for_function("window.chihuyDashboardMap !== undefined")
    circles = page.locator("#dashboard-map path.leaflet-interactive")
    assert circles.count() == Unit.objects.filter(path__startswith=LAI_CHAU, level="commune").count()
    ban_giang = page.evaluate("window.chihuyDashboardPoints.find(function (p) { return p.name === 'Xã Bản Giang'; })")
    assert (ban_giang["new_7d"], ban_giang["level"], ban_giang["colour"]) == (15, 3, LEVEL_COLOURS[3])
    assert page.locator(f'#dashboard-map path[fill="{LEVEL_COLOURS[3]}"]').count() == 1

    # Narrow to Tam Đường from the children's table: the day is kept.
    page.locator("#dashboard-children a", has_text="Huyện Tam Đường").click()
    page.wait_for_url(f"**/bang-dieu-hanh/?unit={Unit.objects.get(path=TAM_DUONG).pk}*")
    assert page.locator("#dashboard-unit").inner_text() == "Huyện Tam Đường"
    assert page.locator("#dashboard-numbers [data-key=under_treatment] .dash-value").inner_text() == "15"
    row = page.locator("#dashboard-children tr", has_text="Xã Bản Giang")
    assert row.locator("td").nth(1).inner_text() == "15"
    assert row.locator(".badge").inner_text() == "Cấp 3"

    # The wall screen for the command room's TV: dark, large, no navigation, the same figures.
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.click("#dashboard-wall-link")
    page.wait_for_url("**/bang-dieu-hanh/man-hinh-lon/**")
    assert page.locator("body.dash-wall").count() == 1
    assert page.locator("nav.navbar").count() == 0
    assert page.locator("#dashboard-numbers [data-key=new_f0] .dash-value").inner_text() == "3"
    page.wait_for_function("window.chihuyDashboardCurve !== undefined && window.chihuyDashboardMap !== undefined")
    for selector in ("#dashboard-curve", "#dashboard-map"):
        box = page.locator(selector).bounding_box()
        assert box["y"] + box["height"] <= 1080, selector
