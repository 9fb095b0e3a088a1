"""The daily report in a real browser: a Bản Giang commune officer fills the hand-entered figures and submits the
day's report; a Tam Đường district officer sees it in the queue of the units below and approves it; Bản Giang's
report then shows "Đã duyệt"."""

from __future__ import annotations

from typing import Any

import pytest

from chihuy.accounts.roles import Role
from chihuy.accounts.services import user_create
from chihuy.places.models import Unit
from chihuy.reports.models import DailyReport
from tests.conftest import BAN_GIANG, PASSWORD, TAM_DUONG

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def test_commune_submits_and_district_approves(page: Any, live_server: Any, lai_chau: None) -> None:
    _user("yte.bangiang", Role.HEALTH_OFFICER, BAN_GIANG)
    _user("chihuy.tamduong", Role.COMMANDER, TAM_DUONG)

    _login(page, live_server, "yte.bangiang")
    page.goto(f"{live_server.url}/bao-cao-ngay/")
    assert page.inner_text("#report-unit") == "Xã Bản Giang"
    assert "Chưa lập báo cáo" in page.inner_text("#report-status")
    page.fill("#m_oxygen_cylinders", "-2")
    page.click("#report-submit")  # the browser refuses a negative number before sending
    assert page.evaluate("document.querySelector('#m_oxygen_cylinders').validity.rangeUnderflow") is True
    assert not DailyReport.objects.exists()
    page.fill("#m_oxygen_cylinders", "12")
    page.fill("#m_checkpoint_people", "340")
    page.fill("#m_f0_new", "1")
    page.fill("#note", "Tiếp tục giám sát chợ Bản Giang.")
    page.click("#report-submit")
    page.wait_for_selector("#report-status:has-text('Đã gửi, chờ duyệt')")
    # The commune's hand count of new F0 (1) against the system's (0): the difference is shown.
    assert page.inner_text('#reconciliation [data-indicator="f0_new"]').split("\t")[-1].strip() == "1"
    assert page.locator("#report-form").count() == 0

    _login(page, live_server, "chihuy.tamduong")
    page.goto(f"{live_server.url}/bao-cao-ngay/don-vi-cap-duoi/")
    row = page.locator(f'#queue tr[data-unit="{BAN_GIANG}"]')
    assert "Đã gửi, chờ duyệt" in row.inner_text()
    assert page.locator('#queue tr[data-state="submitted"]').count() == 1
    row.get_by_role("link", name="Xem, duyệt").click()
    page.wait_for_selector("#report-approve")
    assert "Bình oxy: 12" in page.inner_text("body")
    page.click("#report-approve")
    page.wait_for_selector("#report-status:has-text('Đã duyệt')")

    _login(page, live_server, "yte.bangiang")
    page.goto(f"{live_server.url}/bao-cao-ngay/")
    assert "Đã duyệt" in page.inner_text("#report-status")
    report = DailyReport.objects.get(unit__path=BAN_GIANG)
    assert (report.status, report.manual["checkpoint_people"]) == ("approved", 340)
