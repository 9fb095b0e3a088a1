"""Home isolation of issue 6 in a real browser, under Công văn 5599/BYT-MT (10/11/2021): Bản Giang's health
officer finds the F1's household in the registry, its three members come pre-ticked, and registers them; the
household page shows the 14-day clock; the door sign is a PDF, and its page is red with the yellow words; the next
day the mother declares her check on a phone through the sign's link without an account; the missed check-in
sweep (its function, the clock moved 25 hours) alerts the commune once for the father and the child, and the
home isolation list shows the household needing attention.

The live server runs on the moved clock (time-machine moves it for the server's thread too): the session and CSRF
cookies are made browser-session cookies so that a 2021 expiry date never makes the browser drop them."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine

from chihuy.accounts.roles import Role
from chihuy.accounts.services import user_create
from chihuy.isolation.models import HomeIsolation, Stay
from chihuy.isolation.services.homes import missed_checkins_alert
from chihuy.notify.models import Delivery, Message
from chihuy.people.services import household_create, person_create
from chihuy.places.models import Unit
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


def test_household_sign_phone_checkin_and_missed_alert(
    page: Any, browser: Any, live_server: Any, lai_chau: None, settings: Any
):
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    settings.CSRF_COOKIE_AGE = None
    settings.SESSION_COOKIE_AGE = 7 * 24 * 3600
    with time_machine.travel(START, tick=True) as traveller:
        commune = Unit.objects.get(path=BAN_GIANG)
        officer = user_create(
            actor=None,
            username="yte.bangiang",
            password=PASSWORD,
            unit=commune,
            roles=[Role.HEALTH_OFFICER],
            full_name="Tao Văn Y",
            phone="0912000012",
        )
        father = person_create(actor=officer, confirm_new=True, full_name="Lò Văn Pằn", unit=commune, birth_year=1980)
        mother = person_create(actor=officer, confirm_new=True, full_name="Tao Thị Mai", unit=commune, birth_year=1983)
        child = person_create(actor=officer, confirm_new=True, full_name="Lò Thị Xuân", unit=commune, birth_year=2012)
        household = household_create(
            actor=officer, unit=commune, address="Bản Giang, nhà số 12", members=[father, mother, child]
        )

        # 1. The list is empty; register from the registry: the household's members come pre-ticked.
        _login(page, live_server, "yte.bangiang")
        page.goto(f"{live_server.url}/cach-ly/tai-nha/")
        assert page.locator("#homes-empty").is_visible()
        page.click("#home-new")
        page.fill("#hh-q", "Tao Thị Mai")
        page.click("#household-search button[type=submit]")
        page.click(f"#household-results [data-household='{household.pk}']")
        for person in (father, mother, child):
            assert page.locator(f"#member-{person.pk}").is_checked()
        assert page.locator(f"select[name='cohort_{father.pk}']").input_value() == "f1"
        assert page.locator(f"select[name='cohort_{mother.pk}']").input_value() == "household"
        for person in (father, mother, child):
            page.fill(f"input[name='cohort_on_{person.pk}']", "2021-11-09")
        assert page.locator("#id_address").input_value() == "Bản Giang, nhà số 12"
        page.fill("#id_team", "Tổ COVID cộng đồng bản Giang")
        page.fill("#id_team_phone", "0912000777")
        page.click("#home-register")
        page.wait_for_url(re.compile(r"/cach-ly/tai-nha/\d+/$"))
        home = HomeIsolation.objects.get()
        assert home.code == "CLN-2021-0001"
        assert page.locator("#members tbody tr").count() == 3
        assert page.locator("#members").inner_text().count("24/11/2021") == 3
        assert Stay.objects.filter(home=home, release_on=dt.date(2021, 11, 24)).count() == 3

        # 2. The door sign: a PDF; its page red with the yellow words, the dates and the QR.
        pdf = page.request.get(f"{live_server.url}/cach-ly/tai-nha/{home.pk}/bien-bao.pdf")
        assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
        assert pdf.body().startswith(b"%PDF")
        public_url = page.locator("#public-link").get_attribute("href")
        page.goto(f"{live_server.url}/cach-ly/tai-nha/{home.pk}/bien-bao/")
        title = page.locator("#sign-title")
        assert title.inner_text() == "KHU VỰC CÁCH LY Y TẾ PHÒNG, CHỐNG DỊCH COVID-19"
        assert title.evaluate("e => getComputedStyle(e).color") == "rgb(255, 222, 0)"
        assert page.locator(".sign").evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(218, 37, 29)"
        assert page.locator("#sign-dates").inner_text() == "Từ ngày 10/11/2021 đến hết ngày 23/11/2021"
        assert page.locator(".qr img").evaluate("e => e.naturalWidth") > 100

        # 3. The next day the mother declares on her phone, without an account.
        traveller.move_to(START + dt.timedelta(hours=25))
        phone = browser.new_context(locale="vi-VN", viewport={"width": 390, "height": 844}, is_mobile=True)
        mobile = phone.new_page()
        mobile.goto(public_url)
        assert "Hộ cách ly tại nhà CLN-2021-0001" in mobile.locator("main").inner_text()
        mobile.get_by_label("Tao Thị Mai").check()
        mobile.fill("#id_temperature", "36,8")
        mobile.fill("#id_spo2", "98")
        mobile.click("#public-check-send")
        assert mobile.locator("#public-thanks").is_visible()
        assert "Tao Thị Mai" in mobile.locator("#public-thanks").inner_text()
        phone.close()

        # 4. The sweep: father and child missed their check (25 h since admission); alerted once today.
        assert missed_checkins_alert() == 2
        assert missed_checkins_alert() == 0
        (message,) = Message.objects.filter(template="isolation.home_missed")
        assert "Lò Văn Pằn" in message.body and "Lò Thị Xuân" in message.body and "Tao Thị Mai" not in message.body
        assert list(Delivery.objects.filter(message=message).values_list("user_id", flat=True)) == [officer.pk]

        # 5. The list shows the household needing attention.
        page.goto(f"{live_server.url}/cach-ly/tai-nha/")
        row = page.locator(f"#home-list [data-home='{home.pk}']")
        assert row.get_attribute("data-attention") == "1"
        assert row.locator(".home-missed").inner_text() == "2 người quá hạn khai báo"
        page.goto(f"{live_server.url}/cach-ly/tai-nha/?attention=missed")
        assert page.locator("#home-list [data-home]").count() == 1
        page.click(f"#home-list [data-home='{home.pk}']")
        assert page.locator("#members .member-missed").count() == 2
        assert page.locator(".checks tbody tr").count() == 1
