"""Venues of issue 7 in a real browser: Bản Giang's commune officer finds no venue yet, registers the Bản Giang
market, sees its code and QR, and downloads the A4 poster; a shop owner registers their shop on the public page
from a phone (no account) and lands on the private page saying it waits for the commune; the officer finds it under
"Chờ duyệt" and approves it; the owner's page then offers the poster and the staff scan; the map shows both.

The live server runs on the pinned November 2021 clock; session and CSRF cookies are browser-session cookies so
that a 2021 expiry date never makes the browser drop them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from chihuy.accounts.roles import Role
from chihuy.accounts.services import user_create
from chihuy.places.models import Unit
from chihuy.tracing.enums import VenueStatus
from chihuy.tracing.models import Venue
from tests.conftest import BAN_GIANG, PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ICT = dt.timezone(dt.timedelta(hours=7))
START = dt.datetime(2021, 11, 10, 9, 0, tzinfo=ICT)


def _login(page: Any, live_server: Any, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def test_officer_registers_market_and_approves_an_owner_shop(
    page: Any, browser: Any, live_server: Any, lai_chau: None, settings: Any
) -> None:
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    settings.CSRF_COOKIE_AGE = None
    with time_machine.travel(START, tick=True):
        commune = Unit.objects.get(path=BAN_GIANG)
        user_create(
            actor=None,
            username="xa_bangiang",
            password=PASSWORD,
            unit=commune,
            roles=[Role.HEALTH_OFFICER],
            full_name="Lò Văn Xã",
            phone="0912000031",
        )

        # 1. The officer's venue list is empty; register the market.
        _login(page, live_server, "xa_bangiang")
        page.goto(f"{live_server.url}/dia-diem/")
        assert page.locator("#venues-empty").is_visible()
        page.click("#venue-new")
        assert page.locator("#id_unit").input_value() == str(commune.pk)
        page.fill("#id_name", "Chợ Bản Giang")
        page.select_option("#id_category", "market")
        page.fill("#id_address", "Trung tâm xã Bản Giang")
        page.fill("#id_owner_name", "Ban quản lý chợ")
        page.fill("#id_owner_phone", "0912345001")
        page.click("#venue-submit")
        market = Venue.objects.get(site__name="Chợ Bản Giang")
        page.wait_for_url(f"{live_server.url}/dia-diem/{market.pk}/")
        assert page.locator("#venue-code").inner_text() == market.code
        assert page.locator("#venue-qr svg").is_visible()
        assert page.locator("#venue-checkin-url").inner_text() == f"{live_server.url}/q/{market.code}/"
        assert page.locator("#checkins-day").inner_text() == "0"

        # 2. The poster: an A4 PDF.
        href = page.locator("#venue-poster").get_attribute("href")
        pdf = page.request.get(f"{live_server.url}{href}")
        assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
        assert pdf.body().startswith(b"%PDF")

        # 3. A shop owner registers on the public page from a phone, without an account.
        phone = browser.new_context(locale="vi-VN", viewport={"width": 390, "height": 844}, is_mobile=True)
        phone.set_default_timeout(10_000)
        owner = phone.new_page()
        owner.goto(f"{live_server.url}/cong-khai/dang-ky-dia-diem/")
        owner.select_option("#id_unit", str(commune.pk))
        owner.fill("#id_name", "Tạp hóa Lò Thị Hoa")
        owner.select_option("#id_category", "shop")
        owner.fill("#id_address", "Bản 2, xã Bản Giang")
        owner.fill("#id_owner_name", "Lò Thị Hoa")
        owner.fill("#id_owner_phone", "0987 654 321")
        owner.click("#public-venue-submit")
        shop = Venue.objects.get(site__name="Tạp hóa Lò Thị Hoa")
        owner.wait_for_url(f"{live_server.url}/cong-khai/dia-diem-quet-ma/{shop.manage_token}/")
        assert "chờ xã duyệt" in owner.locator("#owner-pending").inner_text()
        assert owner.locator("#owner-poster").count() == 0
        assert shop.status == VenueStatus.PENDING and shop.owner_phone == "0987654321"

        # 4. The officer finds it under "Chờ duyệt" and approves it.
        page.goto(f"{live_server.url}/dia-diem/")
        page.click("#venue-tabs [data-status='pending']")
        rows = page.locator("#venue-table tbody tr")
        assert rows.count() == 1
        rows.first.locator("a").click()
        page.wait_for_url(f"{live_server.url}/dia-diem/{shop.pk}/")
        page.click("#venue-activate")
        page.wait_for_url(f"{live_server.url}/dia-diem/{shop.pk}/")
        assert page.locator("#venue-name .venue-status").get_attribute("data-status") == "active"
        shop.refresh_from_db()
        assert shop.status == VenueStatus.ACTIVE

        # 5. The owner's page now offers the poster and the staff scan.
        owner.reload()
        assert owner.locator("#owner-poster").is_visible()
        assert owner.locator("#scan-form #id_code").is_visible()
        poster = owner.request.get(f"{live_server.url}{owner.locator('#owner-poster').get_attribute('href')}")
        assert poster.status == 200 and poster.body().startswith(b"%PDF")
        phone.close()

        # 6. The map draws both venues (at their commune's point: no coordinates were typed).
        page.goto(f"{live_server.url}/dia-diem/ban-do/")
        page.wait_for_selector("#venue-map path.leaflet-interactive")
        assert page.locator("#venue-map path.leaflet-interactive").count() == 2
