"""Issue 6 in a real browser (helper E): an F0 found by case number is admitted to a tier-1 bed, their day is
recorded with oxygen by mask, and they move to a tier-2 bed with the reason; the patient page shows the chain and
the records; the capacity page shows each facility's figures with the time they were last updated.

The live server runs on the real clock (the session cookie must not be in the past); treatment stays need no
quarantine rule, so the policy in force today does not matter."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from chihuy.accounts.roles import Role
from chihuy.accounts.services import user_create
from chihuy.cases import services as case_services
from chihuy.core import clock
from chihuy.isolation.models import Facility, Stay
from chihuy.people.services import person_create
from chihuy.places.models import Unit
from tests.conftest import BAN_GIANG, PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page: Any, live_server: Any, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def _pick_first_bed(page: Any, facility: Facility) -> None:
    page.select_option("#id_facility", str(facility.pk))
    page.wait_for_function("document.querySelectorAll('#id_bed option[value]:not([value=\"\"])').length > 0")
    page.select_option("#id_bed", index=1)


def test_an_f0_moves_from_tier_1_to_tier_2_with_oxygen(
    lai_chau: Any, page: Any, live_server: Any, treatment_facilities: dict[int, Facility]
) -> None:
    tier1, tier2 = treatment_facilities[1], treatment_facilities[2]
    officer = user_create(
        actor=None,
        username="yte_bangiang",
        password=PASSWORD,
        unit=Unit.objects.get(path=BAN_GIANG),
        roles=[Role.HEALTH_OFFICER],
        full_name="Lò Thị Y Tế",
        phone="0912000301",
    )
    person = person_create(
        actor=officer,
        confirm_new=True,
        full_name="Lò Văn Pằn",
        sex="M",
        birth_year=1980,
        unit=Unit.objects.get(path=BAN_GIANG),
    )
    now = clock.now()
    case = case_services.case_report(
        actor=officer,
        person=person,
        detection_way="community",
        detected_at=now - dt.timedelta(hours=20),
        sample_date=clock.localdate(now - dt.timedelta(days=1)),
    )
    _login(page, live_server, "yte_bangiang")

    # Admit by case number into a tier-1 bed.
    page.goto(f"{live_server.url}/cach-ly/dieu-tri/tiep-nhan/")
    page.fill("#ma_ca", case.number)
    page.click("#case-lookup button")
    page.wait_for_selector("#case-card")
    assert "Lò Văn Pằn" in page.locator("#case-card").inner_text()
    _pick_first_bed(page, tier1)
    page.select_option("#id_clinical_state", "mild")
    page.fill("#id_spo2", "97")
    page.click("#admit-submit")
    page.wait_for_url(re.compile(r"/cach-ly/dieu-tri/\d+/$"))
    first = Stay.objects.get(person=person, status="active")
    assert tier1.name in page.locator("#patient-place").inner_text()

    # The day's record: moderate, oxygen by mask, SpO2 93 %.
    page.select_option("#record_clinical_state", "moderate")
    page.select_option("#record_oxygen_mode", "mask")
    page.fill("#record_spo2", "93")
    page.click("#record-submit")
    page.wait_for_selector(".record-row .record-oxygen")
    assert page.locator(".record-row .record-oxygen").first.inner_text() == "Oxy gọng mũi / mặt nạ"

    # Transfer to tier 2 with the reason.
    page.click("#transfer-box summary")
    _pick_first_bed(page, tier2)
    page.fill("#id_reason", "SpO2 93 %, cần thở oxy — chuyển tầng 2")
    page.click("#transfer-submit")
    page.wait_for_url(re.compile(rf"/cach-ly/dieu-tri/(?!{first.pk}/)\d+/$"))
    new = Stay.objects.get(person=person, status="active")
    assert (new.tier, new.previous_id, new.oxygen_mode) == (2, first.pk, "mask")
    place = page.locator("#patient-place").inner_text()
    assert tier2.name in place and "tầng 2" in place
    assert "SpO2 93 %, cần thở oxy" in page.locator("#transfer-reason").inner_text()
    steps = page.locator("#transfer-chain .chain-step")
    assert steps.count() == 2
    assert [steps.nth(i).get_attribute("data-tier") for i in range(2)] == ["1", "2"]
    assert page.locator(".record-row .record-oxygen").first.inner_text() == "Oxy gọng mũi / mặt nạ"
    # The discharge box explains why not yet.
    page.click("#discharge-box summary")
    assert "Chưa đủ tiêu chuẩn ra viện" in page.locator("#criteria-verdict").inner_text()

    # The capacity page: figures with their time.
    page.goto(f"{live_server.url}/cach-ly/")
    row = page.locator(f".facility-row[data-facility='{tier2.pk}']")
    assert row.locator(".cap-occupied").inner_text() == "1"
    assert row.locator(".cap-free").inner_text() == "5"
    tier2.refresh_from_db()
    assert tier2.figures_at is not None
    stamp = clock.local(tier2.figures_at).strftime("%H:%M")
    assert re.fullmatch(rf"{stamp} \((vừa xong|1 phút trước)\)", row.locator(".cap-fresh").inner_text())
    assert row.locator(".cap-percent-value").inner_text() == "17 %"
    assert "Số liệu cập nhật lúc" in page.locator("#capacity-fresh").inner_text()
