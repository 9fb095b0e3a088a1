"""The citizen's check-in pages through Django's client (no login, CSRF enforced as for any anonymous visitor):
/q/<code>/ check-in, the remembering cookie, the one-tap check-in, the check-out, a closed venue, errors beside
the field, the personal QR; and the officers' ingest batches screen."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from chihuy.accounts.roles import Role
from chihuy.tracing.enums import VenueStatus
from chihuy.tracing.models import CheckIn, Visitor
from chihuy.tracing.services.ingest import checkins_ingest
from chihuy.tracing.services.venues import venue_transition
from tests.conftest import BAN_GIANG, MUONG_SO, TAM_DUONG, session_client

pytestmark = pytest.mark.django_db

VN = dt.timezone(dt.timedelta(hours=7))
NOW = dt.datetime(2021, 11, 5, 8, 0, tzinfo=VN)
COOKIE = "chihuy_visitor"


@pytest.fixture
def clock() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def citizen() -> Client:
    return Client(enforce_csrf_checks=True)


def _post(client: Client, url: str, data: dict[str, Any] | None = None, **extra: Any) -> Any:
    """A form post as a browser sends it: the CSRF token of the page just shown (cookie + field)."""
    if "csrftoken" not in client.cookies:
        client.get(reverse("web:my_qr"), **extra)
    token = client.cookies["csrftoken"].value
    return client.post(url, {**(data or {}), "csrfmiddlewaretoken": token}, **extra)


def _page(client: Client, code: str, **extra: Any) -> Any:
    return client.get(reverse("web:checkin", args=[code]), **extra)


def _has(response: Any, element_id: str) -> bool:
    return f'id="{element_id}"' in response.content.decode()


def test_anonymous_check_in_sets_the_cookie_and_shows_the_visit(clock: Any, citizen: Client, market: Any) -> None:
    page = _page(citizen, market.code)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Chợ Bản Giang" in html and "Trung tâm xã Bản Giang" in html and "Chợ" in html
    for element in ("id_phone", "id_name", "id_national_id", "checkin-submit"):
        assert _has(page, element), element
    assert not _has(page, "checkin-remembered")

    # Without the CSRF token: refused.
    assert citizen.post(reverse("web:checkin", args=[market.code]), {"phone": "0912345678"}).status_code == 403

    done = _post(citizen, reverse("web:checkin", args=[market.code]), {"phone": "0912 345 678", "name": "Lò Thị Mai"})
    assert done.status_code == 302
    checkin = CheckIn.objects.get()
    assert done["Location"] == f"/q/{market.code}/?luot={checkin.pk}"
    cookie = done.cookies[COOKIE]
    visitor = Visitor.objects.get(phone="0912345678")
    assert cookie.value == visitor.token
    assert (cookie["max-age"], cookie["httponly"], cookie["samesite"], cookie["secure"]) == (
        365 * 24 * 3600,
        True,
        "Lax",
        "",
    )

    shown = citizen.get(done["Location"])
    assert _has(shown, "checkin-done") and _has(shown, "checkout-submit")
    text = shown.content.decode()
    assert "Chợ Bản Giang" in text and ">08:00<" in text
    assert "Bạn được tính có mặt đến 09:00 nếu không bấm Rời đi." in text
    assert not _has(shown, "checkin-repeated")


def test_remembered_phone_checks_in_with_one_tap(clock: Any, citizen: Client, market: Any) -> None:
    _post(citizen, reverse("web:checkin", args=[market.code]), {"phone": "0912345678", "name": "Lò Thị Mai"})
    first = CheckIn.objects.get()

    page = _page(citizen, market.code)
    assert "Xin chào (số điện thoại …5678)" in page.content.decode()
    assert _has(page, "checkin-remembered") and _has(page, "checkin-forget")
    assert not _has(page, "id_phone")

    # Within 10 minutes: the same visit, said so.
    clock.shift(dt.timedelta(minutes=5))
    again = _post(citizen, reverse("web:checkin_remembered", args=[market.code]))
    assert again["Location"] == f"/q/{market.code}/?luot={first.pk}&lai=1"
    assert _has(citizen.get(again["Location"]), "checkin-repeated")
    assert CheckIn.objects.count() == 1

    clock.shift(dt.timedelta(hours=3))
    later = _post(citizen, reverse("web:checkin_remembered", args=[market.code]))
    second = CheckIn.objects.exclude(pk=first.pk).get()
    assert later["Location"] == f"/q/{market.code}/?luot={second.pk}"
    assert second.visitor_id == first.visitor_id


def test_checkout_from_the_done_page(clock: Any, citizen: Client, market: Any) -> None:
    _post(citizen, reverse("web:checkin", args=[market.code]), {"phone": "0912345678", "name": "Lò Thị Mai"})
    checkin = CheckIn.objects.get()
    clock.shift(dt.timedelta(minutes=25))
    out = _post(citizen, reverse("web:checkin_checkout", args=[market.code]), {"checkin": checkin.pk})
    assert out.status_code == 302 and out["Location"] == f"/q/{market.code}/?luot={checkin.pk}"
    checkin.refresh_from_db()
    assert (checkin.checked_out, checkin.t_out - checkin.t_in) == (True, 25)
    shown = citizen.get(out["Location"])
    assert _has(shown, "checkout-done") and not _has(shown, "checkout-submit")
    assert "08:25" in shown.content.decode()

    # Someone else's phone cannot check this visit out, nor see it.
    stranger = Client()
    _post(stranger, reverse("web:checkin", args=[market.code]), {"phone": "0987654321", "name": "Tẩn A Sử"})
    theirs = CheckIn.objects.get(visitor__phone="0987654321")
    refused = _post(citizen, reverse("web:checkin_checkout", args=[market.code]), {"checkin": theirs.pk})
    assert refused.status_code == 404 and _has(refused, "checkin-error")
    assert CheckIn.objects.get(pk=theirs.pk).checked_out is False
    assert not _has(citizen.get(f"/q/{market.code}/?luot={theirs.pk}"), "checkin-done")


def test_not_me_forgets_the_phone(clock: Any, citizen: Client, market: Any) -> None:
    _post(citizen, reverse("web:checkin", args=[market.code]), {"phone": "0912345678", "name": "Lò Thị Mai"})
    back = f"/q/{market.code}/"
    forgot = _post(citizen, reverse("web:checkin_forget"), {"next": back})
    assert forgot.status_code == 302 and forgot["Location"] == back
    assert forgot.cookies[COOKIE].value == "" and forgot.cookies[COOKIE]["max-age"] == 0
    page = _page(citizen, market.code)
    assert _has(page, "id_phone") and not _has(page, "checkin-remembered")
    # An outside "next" is not followed.
    assert _post(citizen, reverse("web:checkin_forget"), {"next": "https://evil.example/"})["Location"] == "/q/toi/"


def test_inactive_and_pending_venues_show_a_message_and_no_form(
    clock: Any, citizen: Client, market: Any, venue_officer: Any
) -> None:
    venue_transition(actor=venue_officer, venue=market, to=VenueStatus.INACTIVE, reason="Chợ tạm đóng cửa")
    page = _page(citizen, market.code)
    assert page.status_code == 200
    assert _has(page, "checkin-closed") and "đã ngừng nhận quét mã" in page.content.decode()
    assert not _has(page, "checkin-submit") and not _has(page, "id_phone")
    posted = _post(citizen, reverse("web:checkin", args=[market.code]), {"phone": "0912345678", "name": "Mai"})
    assert posted.status_code == 422 and _has(posted, "checkin-closed")
    assert CheckIn.objects.count() == 0 and COOKIE not in posted.cookies

    pending = Client()
    market.status = VenueStatus.PENDING
    market.save(update_fields=["status"])
    assert "đang chờ xã duyệt" in _page(pending, market.code).content.decode()


def test_errors_are_shown_beside_the_field(clock: Any, citizen: Client, market: Any) -> None:
    url = reverse("web:checkin", args=[market.code])
    bad = _post(citizen, url, {"phone": "0912", "name": "Lò Thị Mai", "national_id": ""})
    assert bad.status_code == 422
    html = bad.content.decode()
    assert re.search(r'data-field="phone">Số điện thoại “0912” không hợp lệ', html)
    assert 'value="Lò Thị Mai"' in html  # what was typed stays
    empty = _post(citizen, url, {"phone": "", "name": ""})
    assert 'data-field="phone">Nhập số điện thoại.' in empty.content.decode()
    assert 'data-field="name">Nhập họ tên.' in empty.content.decode()
    bad_id = _post(citizen, url, {"phone": "0912345678", "name": "Lò Thị Mai", "national_id": "12345"})
    assert 'data-field="national_id">' in bad_id.content.decode()
    assert CheckIn.objects.count() == 0 and COOKIE not in bad_id.cookies


def test_unknown_code_and_a_stale_cookie(clock: Any, citizen: Client, market: Any) -> None:
    unknown = _page(citizen, "KHONGCO1")
    assert unknown.status_code == 404 and _has(unknown, "checkin-unknown")
    citizen.cookies[COOKIE] = "f" * 32
    page = _page(citizen, market.code)
    assert _has(page, "id_phone")  # a token this server does not know: the form
    tapped = _post(citizen, reverse("web:checkin_remembered", args=[market.code]))
    assert tapped.status_code == 422 and _has(tapped, "id_phone") and _has(tapped, "checkin-error")
    assert tapped.cookies[COOKIE].value == ""
    assert CheckIn.objects.count() == 0


def test_cookie_is_secure_over_https(clock: Any, market: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    done = _post(
        client,
        reverse("web:checkin", args=[market.code]),
        {"phone": "0912345678", "name": "Lò Thị Mai"},
        secure=True,
        headers={"referer": "https://testserver/"},
    )
    assert done.status_code == 302 and done.cookies[COOKIE]["secure"] is True


def test_personal_qr(clock: Any, citizen: Client, market: Any) -> None:
    url = reverse("web:my_qr")
    assert url == "/q/toi/"
    empty = citizen.get(url)
    assert _has(empty, "my-qr-form") and not _has(empty, "my-qr")
    bad = _post(citizen, url, {"phone": "123", "name": "Lò Thị Mai"})
    assert bad.status_code == 422 and 'data-field="phone"' in bad.content.decode()
    got = _post(citizen, url, {"phone": "0912345678", "name": "Lò Thị Mai"})
    assert got.status_code == 302 and got["Location"] == url
    visitor = Visitor.objects.get(phone="0912345678")
    assert got.cookies[COOKIE].value == visitor.token
    shown = citizen.get(url)
    html = shown.content.decode()
    assert "<svg" in html and f'id="my-qr-code">{visitor.token}<' in html
    # The venue page now greets the same person.
    assert "Xin chào (số điện thoại …5678)" in _page(citizen, market.code).content.decode()


# --- the ingest batches screen --------------------------------------------------------------------------------


@pytest.fixture
def batch(integrator: Any, market: Any) -> Any:
    with time_machine.travel(dt.datetime(2021, 11, 5, 10, 0, tzinfo=VN), tick=False):
        events = [
            {"id": "a", "venue": market.code, "phone": "0913000001", "checked_in_at": "2021-11-05T08:00"},
            {"id": "b", "venue": "KHONGCO1", "phone": "0913000002", "checked_in_at": "2021-11-05T08:00"},
            {"id": "c", "venue": market.code, "phone": "12", "checked_in_at": "2021-11-05T08:00"},
        ]
        return checkins_ingest(actor=integrator, source="pc-covid", events=events)


def test_batches_screen_list_detail_and_export(integrator: Any, batch: Any) -> None:
    client = session_client(integrator)
    listed = client.get(reverse("web:checkin_batches"))
    assert listed.status_code == 200
    html = listed.content.decode()
    assert f'data-batch="{batch.batch_id}"' in html and "pc-covid" in html and _has(listed, "tracing-nav")

    detail = client.get(reverse("web:checkin_batch", args=[batch.batch_id]))
    assert detail.status_code == 200
    rows = re.findall(r'<tr data-field="(\w+)">', detail.content.decode())
    assert rows == ["venue", "phone"]
    assert 'id="batch-rejected">2<' in detail.content.decode()

    xlsx = client.get(reverse("web:checkin_batch_xlsx", args=[batch.batch_id]))
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == ["Thứ tự trong lô", "Mã sự kiện", "Trường", "Lý do"]
    assert [r[:3] for r in values[1:]] == [[2, "b", "venue"], [3, "c", "phone"]]


def test_batches_screen_rights_and_area(make_user: Callable[..., Any], batch: Any) -> None:
    assert session_client(make_user(Role.TRACER, TAM_DUONG)).get(reverse("web:checkin_batches")).status_code == 403
    other = session_client(make_user(Role.HEALTH_OFFICER, MUONG_SO))
    assert other.get(reverse("web:checkin_batch", args=[batch.batch_id])).status_code == 404
    assert _has(other.get(reverse("web:checkin_batches")), "batches-empty")
    commune = session_client(make_user(Role.HEALTH_OFFICER, BAN_GIANG))
    assert commune.get(reverse("web:checkin_batch_xlsx", args=[batch.batch_id])).status_code == 404
    assert Client().get(reverse("web:checkin_batches")).status_code == 302  # to the login page
