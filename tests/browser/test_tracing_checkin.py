"""A citizen's check-in at the Bản Giang market on a phone (issue 7), in a real browser with a phone's viewport:
the QR opens /q/<code>/, she types her phone number and name and checks in; scanning again later the page greets
her by name and one tap checks her in; she taps "Rời đi" when she leaves.

The live server runs on the moved clock (time-machine moves it for the server's thread too): the CSRF cookie is a
browser-session cookie so that a 2021 expiry date never makes the browser drop it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from chihuy.accounts.roles import Role
from chihuy.accounts.services import user_create
from chihuy.places.models import Unit
from chihuy.tracing.enums import Channel, VenueCategory
from chihuy.tracing.models import CheckIn, Visitor
from chihuy.tracing.services.venues import venue_register
from tests.conftest import BAN_GIANG, PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ICT = dt.timezone(dt.timedelta(hours=7))
START = dt.datetime(2021, 11, 5, 7, 30, tzinfo=ICT)
PHONE = {"width": 390, "height": 844}


def test_citizen_checks_in_on_a_phone_then_one_tap_then_checks_out(
    browser: Any, live_server: Any, lai_chau: None, settings: Any
) -> None:
    settings.CSRF_COOKIE_AGE = None
    with time_machine.travel(START, tick=True) as traveller:
        officer = user_create(
            actor=None,
            username="yte.bangiang",
            password=PASSWORD,
            unit=Unit.objects.get(path=BAN_GIANG),
            roles=[Role.HEALTH_OFFICER],
            full_name="Tao Văn Y",
        )
        market = venue_register(
            actor=officer,
            unit=Unit.objects.get(path=BAN_GIANG),
            name="Chợ Bản Giang",
            category=VenueCategory.MARKET,
            address="Trung tâm xã Bản Giang",
        )
        context = browser.new_context(locale="vi-VN", viewport=PHONE, is_mobile=True, has_touch=True)
        context.set_default_timeout(10_000)
        page = context.new_page()
        qr = f"{live_server.url}/q/{market.code}/"

        # 1. First scan: the form, big enough for a thumb, nothing wider than the phone.
        page.goto(qr)
        assert page.locator("h1").inner_text() == "Chợ Bản Giang"
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert page.locator("#checkin-submit").bounding_box()["height"] >= 48
        page.fill("#id_phone", "0912 345 678")
        page.fill("#id_name", "Lò Thị Mai")
        page.click("#checkin-submit")
        done = page.locator("#checkin-done")
        done.wait_for()
        assert "Chợ Bản Giang" in done.inner_text()
        assert "Bạn được tính có mặt đến 08:30 nếu không bấm Rời đi" in done.inner_text()
        first = CheckIn.objects.get()
        assert (first.visitor.name, first.channel) == ("Lò Thị Mai", Channel.QR)
        cookie = next(c for c in context.cookies() if c["name"] == "chihuy_visitor")
        assert (cookie["value"], cookie["httpOnly"], cookie["sameSite"]) == (
            Visitor.objects.get(phone="0912345678").token,
            True,
            "Lax",
        )

        # 2. Two hours later she scans the market's QR again: greeted by name, one tap.
        traveller.shift(dt.timedelta(hours=2))
        page.goto(qr)
        assert "Xin chào (số điện thoại …5678)" in page.locator("#checkin-hello").inner_text()
        assert page.locator("#id_phone").count() == 0
        page.click("#checkin-remembered")
        page.locator("#checkin-done").wait_for()
        assert CheckIn.objects.count() == 2
        second = CheckIn.objects.exclude(pk=first.pk).get()
        assert second.visitor_id == first.visitor_id

        # 3. Twenty minutes later she leaves.
        traveller.shift(dt.timedelta(minutes=20))
        page.click("#checkout-submit")
        page.locator("#checkout-done").wait_for()
        second.refresh_from_db()
        # The clock ticks (a few seconds of test between the taps): 20 minutes, or 21 across a minute's edge.
        assert second.checked_out and second.t_out - second.t_in in (20, 21)
        assert page.locator("#checkout-submit").count() == 0
        context.close()
