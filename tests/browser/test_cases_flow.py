"""The 5S walk of issue 3 in a real browser: a Bản Giang commune health officer reports an F0, pastes 30
contacts (household members within 1 m unmasked qualify; masked short contacts do not), sees the F1 levels
with their reasons, adds an F2 contact of one F1, reports that F1 as an F0 and sees the F2 become F1 (the
cascade), drafts an exposure-site notice; a commander approves it and the public page shows it."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone

from chihuy.accounts.roles import Role
from chihuy.accounts.services import user_create
from chihuy.cases.models import Case, Classification, Contact
from chihuy.places.models import Unit
from tests.conftest import BAN_GIANG, PASSWORD, TAM_DUONG

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = (
    "ho_ten\tnam_sinh\tgioi_tinh\tquan_he\tboi_canh\tthoi_diem_tiep_xuc\tthoi_gian_phut\tkhoang_cach_m\tdeo_khau_trang"
)


def _user(username: str, role: str, path: str) -> Any:
    return user_create(actor=None, username=username, password=PASSWORD, unit=Unit.objects.get(path=path), roles=[role])


def _login(page: Any, live_server: Any, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def _line_list(day: dt.date) -> str:
    """20 household members within 1 m without a mask (F1) and 10 market contacts, masked, 5 minutes (not F1)."""
    when = f"{day:%d/%m/%Y} 10:00"
    rows = [f"Lò Văn Nhà {i:02d}\t{1960 + i}\tnam\tngười nhà\thộ gia đình\t{when}\t60\t1\tkhông" for i in range(20)]
    rows += [f"Tao Thị Chợ {i:02d}\t{1970 + i}\tnữ\tgặp ở chợ\tchợ\t{when}\t5\t1\tcó" for i in range(10)]
    return "\n".join([HEADER, *rows])


def test_commune_officer_traces_an_f0_and_a_commander_publishes_a_notice(
    browser: Any, page: Any, live_server: Any, lai_chau: None
) -> None:
    _user("yte.bangiang", Role.HEALTH_OFFICER, BAN_GIANG)
    _user("chihuy.tamduong", Role.COMMANDER, TAM_DUONG)
    commune = Unit.objects.get(path=BAN_GIANG)
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)

    # 1. Report the F0, a new person, from the case list.
    _login(page, live_server, "yte.bangiang")
    page.click("nav >> [data-area=cases]")
    page.wait_for_url(re.compile(r"/cases/$"))
    assert page.locator("#cases-empty").is_visible()
    page.click("#report-f0")
    page.fill("#id_full_name", "Lò Văn Pằn")
    page.fill("#id_birth_year", "1982")
    page.select_option("#id_sex", "M")
    page.select_option("#id_unit", str(commune.pk))
    page.select_option("#id_detection_way", "community")
    page.fill("#id_sample_date", today.isoformat())
    page.click("#save-case")
    page.wait_for_url(re.compile(r"/cases/\d+/$"))
    first = Case.objects.get()
    assert page.locator("#case-number").inner_text() == first.number
    assert page.locator("#case-person").inner_text() == "Lò Văn Pằn"
    assert page.locator(".unknown-source").count() == 1

    # 2. Paste 30 contacts: 20 qualify as F1, 10 do not, each with its reason.
    page.click("#contact-paste > summary")
    page.fill("#id_text", _line_list(yesterday))
    page.click("#paste-import")
    page.wait_for_selector("#contacts-table")
    rows = page.locator("#contacts-table .contact-row")
    assert rows.count() == 30
    assert page.locator("#contacts-table .contact-level [data-level='1']").count() == 20
    household = page.locator("#contacts-table .contact-row", has_text="Lò Văn Nhà 00")
    assert household.locator(".contact-level").inner_text() == "F1"
    assert "Không đeo khẩu trang, trong vòng 1 m" in household.locator(".contact-reason").inner_text()
    market = page.locator("#contacts-table .contact-row", has_text="Tao Thị Chợ 00")
    assert market.locator(".contact-level").inner_text() == "—"
    assert "5 phút (< 15 phút)" in market.locator(".contact-reason").inner_text()

    # 3. An F2: a contact of one F1, added on that F1's page.
    household.locator("a.contact-name").click()
    page.wait_for_url(re.compile(r"/tracing/\d+/$"))
    assert page.locator("#classification-level").inner_text() == "F1"
    assert page.locator("#level-path").inner_text().count("F") == 2
    page.click("#contact-add > summary")
    page.fill("#id_full_name", "Lò Thị Bạn Nhà Bên")
    page.fill("#id_birth_year", "1995")
    page.select_option("#id_unit", str(commune.pk))
    page.select_option("#id_setting", "workplace")
    page.fill("#id_exposure_at", f"{yesterday.isoformat()}T15:00")
    page.fill("#id_distance_m", "1")
    page.select_option("#id_masked", "0")
    page.click("#save-contact")
    page.wait_for_url(re.compile(r"/tracing/\d+/#contacts$"))
    f2_row = page.locator("#contacts-table .contact-row", has_text="Lò Thị Bạn Nhà Bên")
    assert f2_row.locator(".contact-level").inner_text() == "F2"

    # 4. That F1 tests positive: reported as F0 from its page; the F2 moves up to F1.
    page.click("#report-as-f0")
    page.wait_for_url(re.compile(r"/cases/report/\?person=\d+$"))
    assert page.locator("#pick-new").is_checked() is False
    page.select_option("#id_detection_way", "quarantine")
    page.fill("#id_sample_date", today.isoformat())
    page.fill("#id_source_numbers", first.number)
    page.click("#save-case")
    page.wait_for_url(re.compile(r"/cases/\d+/$"))
    second = Case.objects.exclude(pk=first.pk).get()
    assert page.locator("#case-number").inner_text() == second.number
    assert page.locator("#case-sources").inner_text() == first.number
    moved = page.locator("#contacts-table .contact-row", has_text="Lò Thị Bạn Nhà Bên")
    assert moved.locator(".contact-level").inner_text() == "F1"
    moved.locator("a.contact-name").click()
    page.wait_for_url(re.compile(r"/tracing/\d+/$"))
    latest = page.locator("#level-history li").first
    assert "F2" in latest.inner_text() and "F1" in latest.inner_text()
    assert second.number in latest.locator(".level-reason").inner_text()
    # The 19 other household members stay F1 of the first case; the former F2 is now an F1 of the second.
    assert Classification.objects.filter(level=1).count() == 20
    assert Contact.objects.count() == 31

    # 5. The F0's itinerary and a drafted notice.
    page.goto(f"{live_server.url}/cases/{first.pk}/")
    page.click("#itinerary > details > summary")
    page.fill("#id_place", "Chợ phiên Bản Giang")
    page.fill("#id_address", "Bản Giang, Tam Đường, Lai Châu")
    page.fill("#id_start_at", f"{yesterday.isoformat()}T07:00")
    page.fill("#id_end_at", f"{yesterday.isoformat()}T08:30")
    page.click("#add-stop")
    page.wait_for_selector("#itinerary-table")
    page.check("#notice-form input[name=stop_ids]")
    page.fill("#id_title", "Thông báo khẩn: chợ phiên Bản Giang")
    page.click("#draft-notice")
    page.wait_for_url(re.compile(r"/notices/$"))
    assert page.locator(".notice .notice-status").first.inner_text() == "Bản nháp"
    assert page.locator(".notice-approve").count() == 0  # a health officer drafts, a commander approves

    # 6. A commander approves; the public page (no login) shows places and times, no personal data.
    commander = browser.new_context(locale="vi-VN")
    boss = commander.new_page()
    _login(boss, live_server, "chihuy.tamduong")
    boss.goto(f"{live_server.url}/notices/")
    boss.click(".notice-approve")
    boss.wait_for_selector(".notice[data-status=approved]")
    commander.close()
    citizen = browser.new_context(locale="vi-VN")
    public = citizen.new_page()
    public.goto(f"{live_server.url}/cong-khai/dia-diem/")
    text = public.locator("main").inner_text()
    assert "Thông báo khẩn: chợ phiên Bản Giang" in text
    assert "Chợ phiên Bản Giang" in text and f"07:00 {yesterday:%d/%m/%Y}" in text
    assert "Lò Văn Pằn" not in text and first.number not in text
    citizen.close()
