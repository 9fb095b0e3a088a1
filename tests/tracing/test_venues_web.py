"""Venue screens: the list (tabs by status with counts, category filter, search, keyset pages, empty state), the
Excel list, the map's points, register/edit/approve/deactivate with errors beside the field, the detail's QR and
counts, the poster PDF and bare QR; the owner's public registration, private page and staff scan."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from typing import Any

import pytest
import time_machine
from openpyxl import load_workbook

from chihuy.accounts.roles import Role
from chihuy.places.models import Unit
from chihuy.tracing.enums import Channel, VenueCategory, VenueStatus
from chihuy.tracing.models import CheckIn, Venue
from chihuy.tracing.services.checkins import visitor_remember
from chihuy.tracing.services.venues import venue_register, venue_register_public, venue_transition
from tests.conftest import BAN_GIANG, BINH_LU, MUONG_SO, session_client

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2021, 11, 10, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def officer_client(venue_officer: Any) -> Any:
    return session_client(venue_officer)


def _pending(name: str = "Quán phở Tuấn", path: str = BAN_GIANG) -> Venue:
    return venue_register_public(
        unit=Unit.objects.get(path=path),
        name=name,
        category=VenueCategory.RESTAURANT,
        address="Bản 3",
        owner_name="Lò Văn Tuấn",
        owner_phone="0912345678",
    )


def _rows(response: Any) -> list[int]:
    return [int(x) for x in re.findall(r'data-venue="(\d+)"', response.content.decode())]


# --- list ----------------------------------------------------------------------------------------------------


def test_empty_list_says_so(officer_client: Any) -> None:
    response = officer_client.get("/dia-diem/")
    assert response.status_code == 200
    assert 'id="venues-empty"' in response.content.decode()
    assert "Chưa có địa điểm quét mã QR nào" in response.content.decode()


def test_list_tabs_counts_filters_and_search(officer_client: Any, market: Venue, shop: Venue) -> None:
    pending = _pending()
    body = officer_client.get("/dia-diem/").content.decode()
    counts = re.findall(r'data-status="(\w*)"[^>]*>[^<]*<span class="badge text-bg-light tab-count">(\d+)', body)
    assert counts == [("", "3"), ("pending", "1"), ("active", "2"), ("inactive", "0")]
    assert sorted(_rows(officer_client.get("/dia-diem/"))) == sorted([market.pk, shop.pk, pending.pk])
    assert _rows(officer_client.get("/dia-diem/?status=pending")) == [pending.pk]
    assert _rows(officer_client.get("/dia-diem/?category=shop")) == [shop.pk]
    assert _rows(officer_client.get(f"/dia-diem/?q={market.code}")) == [market.pk]
    assert _rows(officer_client.get("/dia-diem/?q=Tạp")) == [shop.pk]
    empty = officer_client.get("/dia-diem/?status=inactive").content.decode()
    assert "Không có địa điểm nào khớp bộ lọc." in empty


def test_list_pages_by_keyset(officer_client: Any, venue_officer: Any, monkeypatch: Any) -> None:
    from chihuy.web.views import venues as views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    made = [
        venue_register(
            actor=venue_officer,
            unit=Unit.objects.get(path=BAN_GIANG),
            name=f"Cửa hàng {i}",
            category=VenueCategory.SHOP,
        ).pk
        for i in range(5)
    ]
    seen: list[int] = []
    url = "/dia-diem/?category=shop"
    for _ in range(3):
        response = officer_client.get(url)
        seen += _rows(response)
        found = re.search(r'id="next-page" href="\?([^"]+)"', response.content.decode())
        if not found:
            break
        url = "/dia-diem/?" + found.group(1).replace("&amp;", "&")
    assert seen == made
    assert officer_client.get("/dia-diem/?cursor=rubbish").status_code == 200


def test_list_stays_in_the_area(officer_client: Any, make_user: Any) -> None:
    far = make_user(Role.HEALTH_OFFICER, MUONG_SO)
    other = venue_register(
        actor=far, unit=Unit.objects.get(path=MUONG_SO), name="Chợ Mường So", category=VenueCategory.MARKET
    )
    assert _rows(officer_client.get("/dia-diem/")) == []
    assert officer_client.get(f"/dia-diem/{other.pk}/").status_code == 404
    assert officer_client.get(f"/dia-diem/{other.pk}/ma-qr.pdf").status_code == 404


def test_rights(make_user: Any, market: Venue) -> None:
    lab = session_client(make_user(Role.LAB_TECHNICIAN, BAN_GIANG))
    assert lab.get("/dia-diem/").status_code == 403
    duty = session_client(make_user(Role.DUTY_OFFICER, BAN_GIANG))
    assert duty.get("/dia-diem/").status_code == 200
    assert duty.get(f"/dia-diem/{market.pk}/").status_code == 200
    assert duty.get("/dia-diem/moi/").status_code == 403
    response = duty.post(f"/dia-diem/{market.pk}/trang-thai/", {"to": "inactive", "reason": "x"})
    assert response.status_code == 403
    market.refresh_from_db()
    assert market.status == VenueStatus.ACTIVE


def test_export_lists_the_filtered_venues(officer_client: Any, market: Venue, shop: Venue) -> None:
    response = officer_client.get("/dia-diem/xuat.xlsx?category=market")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows == [
        ["Mã", "Tên địa điểm", "Loại", "Xã / thôn, bản", "Địa chỉ", "Chủ địa điểm", "Điện thoại chủ", "Trạng thái"],
        [
            market.code,
            "Chợ Bản Giang",
            "Chợ",
            "Xã Bản Giang",
            "Trung tâm xã Bản Giang",
            "Ban quản lý chợ",
            "0912345001",
            "Đang hoạt động",
        ],
    ]


def test_map_carries_the_points(officer_client: Any, market: Venue) -> None:
    body = officer_client.get("/dia-diem/ban-do/").content.decode()
    data = re.search(r'<script id="venue-points" type="application/json">(.*?)</script>', body, re.S)
    assert data is not None
    points = json.loads(data.group(1))
    assert [(p["code"], p["url"], p["status"]) for p in points] == [(market.code, f"/dia-diem/{market.pk}/", "active")]
    assert "vendor/leaflet/leaflet.js" in body


# --- register, edit, status ----------------------------------------------------------------------------------


def test_register_and_errors_beside_the_field(officer_client: Any, market: Venue) -> None:
    commune = Unit.objects.get(path=BAN_GIANG)
    data = {"unit": commune.pk, "name": "Chợ Bản Giang", "category": "market", "address": "Bản 1"}
    response = officer_client.post("/dia-diem/moi/", data)
    assert response.status_code == 422
    assert re.search(r'data-field="name">Xã đã có địa điểm tên', response.content.decode())
    response = officer_client.post("/dia-diem/moi/", {**data, "name": "Trường tiểu học", "category": ""})
    assert response.status_code == 422
    assert 'data-field="category"' in response.content.decode()
    response = officer_client.post(
        "/dia-diem/moi/", {**data, "name": "Trường tiểu học Bản Giang", "category": "school", "latitude": "22.3"}
    )
    venue = Venue.objects.get(site__name="Trường tiểu học Bản Giang")
    assert response.status_code == 302 and response["Location"] == f"/dia-diem/{venue.pk}/"
    assert (venue.status, venue.site.latitude, venue.category) == (VenueStatus.ACTIVE, 22.3, "school")


def test_register_outside_the_area_is_refused(officer_client: Any) -> None:
    other = Unit.objects.get(path=BINH_LU)
    response = officer_client.post("/dia-diem/moi/", {"unit": other.pk, "name": "Quán", "category": "shop"})
    assert response.status_code == 422  # not among the choices of the form
    assert 'data-field="unit"' in response.content.decode()
    assert not Venue.objects.exists()


def test_edit(officer_client: Any, market: Venue) -> None:
    response = officer_client.post(
        f"/dia-diem/{market.pk}/sua/",
        {"name": "Chợ trung tâm", "category": "market", "address": "Km 5", "owner_phone": "abc"},
    )
    assert response.status_code == 422
    assert 'data-field="owner_phone"' in response.content.decode()
    response = officer_client.post(
        f"/dia-diem/{market.pk}/sua/", {"name": "Chợ trung tâm", "category": "market", "address": "Km 5"}
    )
    assert response.status_code == 302
    market.refresh_from_db()
    assert (market.site.name, market.site.address, market.owner_phone) == ("Chợ trung tâm", "Km 5", "")


def test_approve_deactivate_reactivate(officer_client: Any) -> None:
    venue = _pending()
    url = f"/dia-diem/{venue.pk}/trang-thai/"
    assert officer_client.post(url, {"to": "active"}).status_code == 302
    venue.refresh_from_db()
    assert venue.status == VenueStatus.ACTIVE
    response = officer_client.post(url, {"to": "inactive", "reason": ""})
    assert response.status_code == 422
    assert re.search(r'data-field="reason">Nhập lý do ngừng hoạt động', response.content.decode())
    venue.refresh_from_db()
    assert venue.status == VenueStatus.ACTIVE
    assert officer_client.post(url, {"to": "inactive", "reason": "Hết kinh doanh"}).status_code == 302
    venue.refresh_from_db()
    assert (venue.status, venue.status_reason) == (VenueStatus.INACTIVE, "Hết kinh doanh")
    body = officer_client.get(f"/dia-diem/{venue.pk}/").content.decode()
    assert "Hết kinh doanh" in body and 'id="venue-activate"' in body and 'id="venue-deactivate"' not in body
    assert officer_client.post(url, {"to": "active"}).status_code == 302
    venue.refresh_from_db()
    assert venue.status == VenueStatus.ACTIVE


def test_detail_shows_code_qr_counts_and_history(officer_client: Any, market: Venue, make_checkin: Any) -> None:
    make_checkin(market, "0913000001", dt.datetime(2021, 11, 10, 8, 0))
    make_checkin(market, "0913000002", dt.datetime(2021, 11, 6, 8, 0))
    body = officer_client.get(f"/dia-diem/{market.pk}/").content.decode()
    assert f'id="venue-code">{market.code}<' in body
    assert '<dd class="col-7 col-sm-8" id="checkins-day">1</dd>' in body
    assert '<dd class="col-7 col-sm-8" id="checkins-week">2</dd>' in body
    assert "<svg" in body and f"http://testserver/q/{market.code}/" in body
    assert market.manage_token in body  # the officer may hand the owner their link
    assert "Đăng ký: Đang hoạt động" in body


def test_poster_pdf_and_bare_qr(officer_client: Any, market: Venue) -> None:
    response = officer_client.get(f"/dia-diem/{market.pk}/ma-qr.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    png = officer_client.get(f"/dia-diem/{market.pk}/ma-qr.png")
    assert png["Content-Type"] == "image/png" and png.content.startswith(b"\x89PNG")
    svg = officer_client.get(f"/dia-diem/{market.pk}/ma-qr.svg")
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content


def test_poster_text(market: Venue) -> None:
    from chihuy.tracing.poster import poster_html

    html = poster_html(market, "http://x/q/CODE/")
    assert "QUÉT MÃ QR KHI VÀO ĐỊA ĐIỂM" in html
    assert f'id="poster-code">{market.code}<' in html
    assert "Không quét được? Mở http://x/q/CODE/" in html
    assert "Chợ Bản Giang" in html and "Trung tâm xã Bản Giang" in html


# --- public: registration, owner page, staff scan ------------------------------------------------------------


def test_public_registration_goes_to_the_owner_page(client: Any) -> None:
    commune = Unit.objects.get(path=BAN_GIANG)
    form = client.get("/cong-khai/dang-ky-dia-diem/")
    assert form.status_code == 200 and "Xã Bản Giang" in form.content.decode()
    data = {
        "unit": commune.pk,
        "name": "Quán phở Tuấn",
        "category": "restaurant",
        "address": "Bản 3",
        "owner_name": "Lò Văn Tuấn",
        "owner_phone": "",
    }
    response = client.post("/cong-khai/dang-ky-dia-diem/", data)
    assert response.status_code == 422 and 'data-field="owner_phone"' in response.content.decode()
    response = client.post("/cong-khai/dang-ky-dia-diem/", {**data, "owner_phone": "0912345678"})
    venue = Venue.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/cong-khai/dia-diem-quet-ma/{venue.manage_token}/"
    page = client.get(response["Location"]).content.decode()
    assert 'id="owner-pending"' in page and "chờ xã duyệt" in page
    assert 'id="owner-poster"' not in page and 'id="scan-form"' not in page
    poster = client.get(f"/cong-khai/dia-diem-quet-ma/{venue.manage_token}/ma-qr.pdf")
    assert poster.status_code == 404


def test_public_registration_refuses_a_district_and_the_honeypot(client: Any) -> None:
    district = Unit.objects.get(path="12/106/")
    data = {
        "unit": district.pk,
        "name": "Quán",
        "category": "restaurant",
        "address": "Bản 3",
        "owner_name": "A",
        "owner_phone": "0912345678",
    }
    response = client.post("/cong-khai/dang-ky-dia-diem/", data)
    assert response.status_code == 422 and 'data-field="unit"' in response.content.decode()
    commune = Unit.objects.get(path=BAN_GIANG)
    response = client.post("/cong-khai/dang-ky-dia-diem/", {**data, "unit": commune.pk, "website": "http://spam"})
    assert response.status_code == 422
    assert not Venue.objects.exists()


def test_owner_page_of_an_unknown_token(client: Any) -> None:
    response = client.get("/cong-khai/dia-diem-quet-ma/nope/")
    assert response.status_code == 404 and 'id="owner-unknown"' in response.content.decode()


def test_owner_page_poster_and_staff_scan(client: Any, venue_officer: Any) -> None:
    venue = _pending()
    venue_transition(actor=venue_officer, venue=venue, to=VenueStatus.ACTIVE)
    url = f"/cong-khai/dia-diem-quet-ma/{venue.manage_token}/"
    page = client.get(url).content.decode()
    assert 'id="owner-poster"' in page and 'id="scan-form"' in page
    poster = client.get(url + "ma-qr.pdf")
    assert poster.status_code == 200 and poster.content.startswith(b"%PDF")

    response = client.post(url, {"code": "0" * 32})
    assert response.status_code == 422
    assert re.search(r'data-field="code">Mã cá nhân không đúng', response.content.decode())
    assert not CheckIn.objects.exists()

    visitor = visitor_remember(phone="0987654321", name="Lò Thị Hoa")
    # A scanner may read a link that ends with the code: the code is taken from it.
    response = client.post(url, {"code": f"http://testserver/q/toi/{visitor.token.upper()}"})
    assert response.status_code == 201
    body = response.content.decode()
    assert 'id="scan-phone">098****321<' in body and "Lò Thị Hoa" in body
    assert 'id="scan-time">09:00 10/11/2021<' in body
    checkin = CheckIn.objects.get()
    assert (checkin.venue_id, checkin.visitor_id, checkin.channel) == (venue.pk, visitor.pk, Channel.STAFF)


def test_owner_page_of_an_inactive_venue_scans_nothing(client: Any, venue_officer: Any, market: Venue) -> None:
    venue_transition(actor=venue_officer, venue=market, to=VenueStatus.INACTIVE, reason="Đóng cửa")
    url = f"/cong-khai/dia-diem-quet-ma/{market.manage_token}/"
    page = client.get(url).content.decode()
    assert 'id="owner-inactive"' in page and "Đóng cửa" in page
    visitor = visitor_remember(phone="0987654321", name="Lò Thị Hoa")
    response = client.post(url, {"code": visitor.token})
    assert response.status_code == 422
    assert not CheckIn.objects.exists()
