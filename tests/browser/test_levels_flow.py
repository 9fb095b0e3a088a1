"""The level walk of issue 8 in a real browser: a province commander opens "Cấp độ dịch", goes down to Tam Đường,
sees Bản Giang's level with its sentence, opens the unit page where the sentence's numbers and threshold are the
row marked in the 4800 rule table, tries to override without a reason (refused, beside the field), then
overrides with a reason and a decision number: the level in force changes, the computed one stays and the page
says they differ."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from chihuy.accounts.roles import Role
from chihuy.accounts.services import user_create
from chihuy.places.models import Unit
from chihuy.reports import assess
from chihuy.reports.models import LevelAssessment
from tests.conftest import BAN_GIANG, BINH_LU, LAI_CHAU, PASSWORD, TAM_DUONG
from tests.reports.test_levels_assess import BAN_GIANG_BANDS, BINH_LU_BANDS, WEEK, people, put

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page: Any, live_server: Any, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def test_province_commander_reads_and_overrides_ban_giang(page: Any, live_server: Any, lai_chau: None) -> None:
    people(BAN_GIANG, BAN_GIANG_BANDS)
    people(BINH_LU, BINH_LU_BANDS)
    put(BAN_GIANG, dt.date(2021, 11, 10), "f0_community", 3)
    put(BAN_GIANG, dt.date(2021, 11, 10), "f0_unknown_source", 3)
    for metric, value in (
        ("first_18_49", 2000),
        ("first_50_64", 600),
        ("first_65p", 200),
        ("full_50_64", 600),
        ("full_65p", 200),
    ):
        put(BAN_GIANG, dt.date(2021, 10, 1), metric, value)
    assess.levels_assess_all(week_end=WEEK)
    user_create(
        actor=None,
        username="chihuy.tinh",
        password=PASSWORD,
        unit=Unit.objects.get(path=LAI_CHAU),
        roles=[Role.COMMANDER],
        full_name="Chỉ huy tỉnh",
    )
    _login(page, live_server, "chihuy.tinh")

    page.goto(f"{live_server.url}/cap-do-dich/")
    assert "Tỉnh Lai Châu" in page.locator("h1").inner_text()
    tam_duong = Unit.objects.get(path=TAM_DUONG)
    page.click(f'tr[data-unit="{tam_duong.pk}"] a[title]')
    ban_giang = page.locator('tr[data-unit-name="Xã Bản Giang"]')
    assert ban_giang.locator(".level-in-force .level-badge").inner_text() == "Cấp 3"
    sentence = ban_giang.locator(".level-explanation").inner_text().splitlines()[0]
    assert sentence.startswith("Cấp 3: 60 ca cộng đồng/100.000 dân/tuần (≥ 50), 80 % người ≥ 18 tuổi")

    ban_giang.locator("td a").first.click()
    page.wait_for_selector("#level-explanation")
    explanation = page.locator("#level-explanation").inner_text()
    assert explanation == sentence
    # the numbers of the sentence and the row of the rule table marked as used agree
    rate = re.search(r"Cấp (\d): ([\d,]+) ca cộng đồng/100\.000 dân/tuần \(≥ (\d+)\)", explanation)
    assert rate is not None
    level, value, bound = int(rate.group(1)), float(rate.group(2).replace(",", ".")), int(rate.group(3))
    used = page.locator(".rule-table tr.rule-used")
    assert used.count() == 1
    band = used.locator(".rule-band").inner_text()
    low, high = (float(x) for x in re.findall(r"\d+", band))
    assert (low, high) == (bound, 150)
    assert low <= value < high
    assert used.locator(".rule-cell-used").inner_text() == str(level)
    assert page.locator("th.used-column").inner_text().startswith("Bao phủ cao (≥ 70 % người ≥ 18 tuổi")
    assert page.locator('tr[data-input="cases_per_100k_week"] td').inner_text() == "60"
    assert page.locator('tr[data-input="population"] td').inner_text() == "5.000"

    page.select_option("#id_level", "4")
    page.click("#decide-submit")
    assert page.locator('.field-error[data-field="reason"]').inner_text() == (
        "Phải ghi lý do xác nhận hoặc điều chỉnh cấp độ."
    )
    page.select_option("#id_level", "4")
    page.fill("#id_reason", "Ổ dịch 3 ca không rõ nguồn lây, chưa khoanh vùng xong")
    page.fill("#id_ref", "512/QĐ-UBND")
    page.click("#decide-submit")
    page.wait_for_selector("#level-differs")
    assert page.locator("#level-in-force .level-badge").inner_text() == "Cấp 4"
    assert page.locator("#level-differs").inner_text() == "tính lại khác quyết định: hệ thống tính cấp 3"
    row = LevelAssessment.objects.get(unit__path=BAN_GIANG, week_end=WEEK)
    assert (row.level, row.computed_level, row.status, row.decision_ref) == (4, 3, "overridden", "512/QĐ-UBND")
