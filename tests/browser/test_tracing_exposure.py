"""Issue 7, done when: a citizen checks in at the Bản Giang market by QR; an F0 who was there at the same time
(their scan came earlier) is reported on the case-report screen; the commune's tracer finds the citizen in the
F1-candidate queue with the minutes they were there together, confirms (1 m, no mask) and the contact is an F1.

The live server runs on the moved clock; the session and CSRF cookies are browser-session cookies so that a 2021
expiry date never makes the browser drop them."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import Any

import pytest
import time_machine

from chihuy.accounts.roles import Role
from chihuy.accounts.services import user_create
from chihuy.cases.models import Case, Classification, Contact
from chihuy.people.services import person_create
from chihuy.places.models import Unit
from chihuy.tracing import times
from chihuy.tracing.enums import CandidateStatus, Channel, VenueCategory
from chihuy.tracing.models import CheckIn, ExposureCandidate, Visitor
from chihuy.tracing.services.venues import venue_register
from tests.conftest import BAN_GIANG, PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ICT = dt.timezone(dt.timedelta(hours=7))
MARKET_DAY = dt.datetime(2021, 11, 6, 8, 0, tzinfo=ICT)
REPORT_DAY = dt.datetime(2021, 11, 8, 10, 0, tzinfo=ICT)
F0_PHONE = "0912000100"


def _login(page: Any, live_server: Any, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def test_citizen_at_the_market_becomes_an_f1_of_the_f0_who_was_there(
    browser: Any, live_server: Any, lai_chau: None, settings: Any
) -> None:
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    settings.CSRF_COOKIE_AGE = None
    settings.SESSION_COOKIE_AGE = 7 * 24 * 3600
    commune = Unit.objects.get(path=BAN_GIANG)
    with time_machine.travel(MARKET_DAY - dt.timedelta(minutes=30), tick=True) as traveller:
        officer = user_create(
            actor=None,
            username="yte.bangiang",
            password=PASSWORD,
            unit=commune,
            roles=[Role.HEALTH_OFFICER],
            full_name="Tao Văn Y",
        )
        user_create(actor=None, username="truyvet.bangiang", password=PASSWORD, unit=commune, roles=[Role.TRACER])
        market = venue_register(
            actor=officer, unit=commune, name="Chợ Bản Giang", category=VenueCategory.MARKET, address="Trung tâm xã"
        )
        f0 = person_create(
            actor=officer, confirm_new=True, full_name="Lò Văn Pằn", birth_year=1982, phone=F0_PHONE, unit=commune
        )
        # The F0's scan at 07:45–08:45, as it arrived from the venue's phone (a row like any other check-in).
        scan = Visitor.objects.create(
            phone=F0_PHONE, name="Lò Văn Pằn", token=secrets.token_hex(16), created_at=MARKET_DAY
        )
        t_in = times.to_minute(MARKET_DAY - dt.timedelta(minutes=15))
        CheckIn.objects.create(
            venue=market,
            visitor=scan,
            unit_path=market.unit_path,
            t_in=t_in,
            t_out=t_in + 60,
            checked_out=True,
            channel=Channel.QR,
        )

        # 1. At 08:00 a citizen scans the market's QR on her phone and checks in (counted there until 09:00).
        traveller.move_to(MARKET_DAY)
        phone = browser.new_context(
            locale="vi-VN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
        )
        phone.set_default_timeout(10_000)
        citizen = phone.new_page()
        citizen.goto(f"{live_server.url}/q/{market.code}/")
        citizen.fill("#id_phone", "0987 654 321")
        citizen.fill("#id_name", "Lò Thị Mai")
        citizen.click("#checkin-submit")
        assert "Chợ Bản Giang" in citizen.locator("#checkin-done").inner_text()
        phone.close()
        mine = CheckIn.objects.get(visitor__phone="0987654321")
        assert mine.t_in == times.to_minute(MARKET_DAY) and mine.t_out == mine.t_in + 60

        # 2. Two days later the F0 tests positive and the commune health officer reports the case.
        traveller.move_to(REPORT_DAY)
        context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        page = context.new_page()
        _login(page, live_server, "yte.bangiang")
        page.goto(f"{live_server.url}/cases/report/?person={f0.pk}")
        page.select_option("#id_detection_way", "community")
        page.fill("#id_sample_date", "2021-11-08")
        page.click("#save-case")
        page.wait_for_url(re.compile(r"/cases/\d+/$"))
        case = Case.objects.get()
        section = page.locator("#venue-exposures")
        section.wait_for()
        assert "1 chờ xác minh" in page.locator("#venue-exposure-counts").inner_text()
        assert "Lò Thị Mai" in section.inner_text()
        page.click("form[action='/accounts/logout/'] button")

        # 3. The commune's tracer opens the F1-candidate queue: the citizen, 45 minutes together, the case.
        _login(page, live_server, "truyvet.bangiang")
        page.goto(f"{live_server.url}/candidates/")
        row = page.locator("#candidates-table tr[data-candidate]")
        assert row.count() == 1
        assert row.locator(".candidate-name").inner_text() == "Lò Thị Mai"
        assert row.locator(".candidate-phone").inner_text() == "0987654321"
        assert row.locator(".overlap").inner_text() == "45 phút"
        assert case.number in row.inner_text()
        row.locator(".candidate-name").click()
        page.wait_for_url(re.compile(r"/candidates/\d+/$"))

        # 4. She phoned Mai: about 1 metre apart at the fish stall, no mask. A new person of Bản Giang.
        assert page.locator("#id_duration_minutes").input_value() == "45"
        page.select_option("#id_unit", str(commune.pk))
        page.fill("#id_distance_m", "1")
        page.select_option("#id_masked", "0")
        page.click("#confirm-submit")
        page.wait_for_url(re.compile(r"/tracing/\d+/$"))

        # 5. The contact is an F1, with the rule's reason.
        assert page.locator("#classification-level").inner_text() == "F1"
        assert "Không đeo khẩu trang, trong vòng 2 m" in page.locator(".alert-success").inner_text()
        assert "Lò Thị Mai" in page.locator("h1").inner_text()
        contact = Contact.objects.get()
        assert (contact.source_person_id, contact.setting, contact.qualifies) == (f0.pk, "venue", True)
        assert Classification.objects.get(person=contact.contact_person).level == 1
        assert ExposureCandidate.objects.get().status == CandidateStatus.CONFIRMED
        context.close()
