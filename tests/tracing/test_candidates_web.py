"""The exposure screens: the candidate queue (order, tabs, pages, empty state, Excel), confirming and dismissing on
a candidate's page, a case's section and its "Tìm lại", a person's audited check-ins and on-demand search."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from typing import Any

import openpyxl
import pytest
import time_machine

from chihuy.accounts.roles import Role
from chihuy.cases.enums import DetectionWay
from chihuy.cases.models import Case, Classification, Contact
from chihuy.core.models import AuditEvent
from chihuy.places.models import Unit
from chihuy.response import exposure
from chihuy.tracing.enums import CandidateStatus
from chihuy.tracing.models import ExposureCandidate
from tests.conftest import BAN_GIANG, session_client

pytestmark = pytest.mark.django_db

VN = dt.timezone(dt.timedelta(hours=7))
NOW = dt.datetime(2021, 11, 10, 9, 0, tzinfo=VN)


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def _report(actor: Any, person: Any) -> Case:
    return exposure.case_report(
        actor=actor,
        person=person,
        detection_way=DetectionWay.COMMUNITY,
        detected_at=dt.datetime(2021, 11, 8, 15, 0, tzinfo=VN),
        sample_date=dt.date(2021, 11, 8),
    )


@pytest.fixture
def outbreak(
    venue_officer: Any, make_person: Callable[..., Any], market: Any, shop: Any, make_checkin: Callable[..., Any]
) -> dict[str, Any]:
    """Two F0 at the market on 06/11 (08:00–09:00 and 10:30–11:30). Minutes together: A 10 with F0 1 and 30 with
    F0 2; B 40 with F0 1; C 20 with F0 1 and 60 with F0 2; E 20 with F0 1; nobody at the shop with them."""
    one = make_person(full_name="Lò Văn Một", phone="0912000101")
    two = make_person(full_name="Lò Văn Hai", phone="0912000102")
    make_checkin(market, "0912000101", dt.datetime(2021, 11, 6, 8, 0), 60)
    make_checkin(market, "0912000102", dt.datetime(2021, 11, 6, 10, 30), 60)
    make_checkin(market, "0987000011", dt.datetime(2021, 11, 6, 8, 50), 130, name="Người A")
    make_checkin(market, "0987000012", dt.datetime(2021, 11, 6, 8, 10), 40, name="Người B")
    make_checkin(market, "0987000013", dt.datetime(2021, 11, 6, 8, 40), 200, name="Người C")
    make_checkin(market, "0987000016", dt.datetime(2021, 11, 6, 8, 40), 20, name="Người E")
    make_checkin(shop, "0987000014", dt.datetime(2021, 11, 6, 8, 0), 60, name="Ở cửa hàng")
    return {"one": _report(venue_officer, one), "two": _report(venue_officer, two), "p1": one, "p2": two}


ORDER = ["Người C", "Người B", "Người A", "Người C", "Người E", "Người A"]


def _names(html: str) -> list[str]:
    return re.findall(r'class="candidate-name">([^<]+)<', html)


def test_queue_orders_by_minutes_together_then_near_f0_with_tab_counts(
    venue_officer: Any, outbreak: dict[str, Any]
) -> None:
    client = session_client(venue_officer)
    html = client.get("/candidates/").content.decode()
    rows = list(ExposureCandidate.objects.values_list("visitor__name", "overlap_minutes"))
    assert sorted(rows) == [
        ("Người A", 10),
        ("Người A", 30),
        ("Người B", 40),
        ("Người C", 20),
        ("Người C", 60),
        ("Người E", 20),
    ]
    # C and E both 20 minutes with F0 1: C was near 2 F0, so first.
    assert _names(html) == ORDER
    assert html.count("gần 2 F0") == 4
    assert re.findall(r'data-status="(\w+)"[^>]*>[^<]*<span class="badge[^"]*tab-count">(\d+)<', html) == [
        ("pending", "6"),
        ("confirmed", "0"),
        ("dismissed", "0"),
    ]
    only_two = client.get(f"/candidates/?source={outbreak['p2'].pk}").content.decode()
    assert _names(only_two) == ["Người C", "Người A"]
    assert client.get("/candidates/?status=confirmed").content.decode().count('id="candidates-empty"') == 1


def test_queue_pages_by_keyset(venue_officer: Any, outbreak: dict[str, Any], monkeypatch: Any) -> None:
    from chihuy.web.views import exposures as views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    client = session_client(venue_officer)
    first = client.get("/candidates/").content.decode()
    cursor = re.search(r'id="next-page" href="\?[^"]*cursor=([^"]+)"', first)
    assert cursor is not None
    second = client.get(f"/candidates/?status=pending&cursor={cursor.group(1)}").content.decode()
    cursor2 = re.search(r'id="next-page" href="\?[^"]*cursor=([^"]+)"', second)
    assert cursor2 is not None
    third = client.get(f"/candidates/?status=pending&cursor={cursor2.group(1)}").content.decode()
    assert _names(first) + _names(second) + _names(third) == ORDER
    assert 'id="next-page"' not in third
    assert _names(client.get("/candidates/?cursor=rubbish").content.decode()) == ORDER[:2]


def test_queue_excel_has_the_tab_in_order(venue_officer: Any, outbreak: dict[str, Any]) -> None:
    response = session_client(venue_officer).get("/candidates/export.xlsx?status=pending")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Trạng thái", "Họ tên", "Số điện thoại")
    assert [(r[1], r[9], r[10]) for r in rows[1:]] == [
        ("Người C", 60, 2),
        ("Người B", 40, 1),
        ("Người A", 30, 2),
        ("Người C", 20, 2),
        ("Người E", 20, 1),
        ("Người A", 10, 2),
    ]
    assert rows[1][11] == outbreak["two"].number


def test_empty_queue(venue_officer: Any) -> None:
    html = session_client(venue_officer).get("/candidates/").content.decode()
    assert 'id="candidates-empty"' in html and "Không có ai chờ xác minh" in html


def test_confirm_on_the_page_goes_to_the_f_level_with_the_reason(venue_officer: Any, outbreak: dict[str, Any]) -> None:
    candidate = ExposureCandidate.objects.get(visitor__name="Người B")
    client = session_client(venue_officer)
    page = client.get(f"/candidates/{candidate.pk}/").content.decode()
    assert 'id="confirm-form"' in page and 'id="dismiss-form"' in page
    assert 'name="duration_minutes" value="40"' in page  # prefilled with the overlap
    unit = Unit.objects.get(path=BAN_GIANG)
    response = client.post(
        f"/candidates/{candidate.pk}/confirm/",
        {"person": "", "unit": str(unit.pk), "distance_m": "1", "masked": "0", "duration_minutes": "40"},
        follow=True,
    )
    contact = Contact.objects.get()
    classification = Classification.objects.get(person=contact.contact_person)
    assert response.redirect_chain == [(f"/tracing/{classification.pk}/", 302)]
    assert classification.level == 1
    body = response.content.decode()
    assert "Đã xác nhận tiếp xúc (F1): Không đeo khẩu trang, trong vòng 2 m" in body
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.CONFIRMED
    again = client.post(f"/candidates/{candidate.pk}/confirm/", {"distance_m": "1"})
    assert again.status_code == 400 and Contact.objects.count() == 1
    assert "Người này đã được xử lý" in again.content.decode()


def test_confirm_needs_a_unit_for_a_new_person(venue_officer: Any, outbreak: dict[str, Any]) -> None:
    candidate = ExposureCandidate.objects.get(visitor__name="Người B")
    response = session_client(venue_officer).post(f"/candidates/{candidate.pk}/confirm/", {"distance_m": "1"})
    assert response.status_code == 400
    assert response.context["confirm_form"].errors["unit"] == [
        "Chưa có người này trong danh sách dân cư: chọn nơi ở (xã, thôn) để tạo mới."
    ]
    assert Contact.objects.count() == 0


def test_dismiss_needs_a_reason_and_keeps_it(venue_officer: Any, outbreak: dict[str, Any]) -> None:
    candidate = ExposureCandidate.objects.get(visitor__name="Người B")
    client = session_client(venue_officer)
    empty = client.post(f"/candidates/{candidate.pk}/dismiss/", {"reason": ""})
    assert empty.status_code == 400 and "reason" in empty.context["dismiss_form"].errors
    done = client.post(f"/candidates/{candidate.pk}/dismiss/", {"reason": "Khác tầng"})
    assert done.status_code == 302 and done["Location"] == "/candidates/"
    candidate.refresh_from_db()
    assert (candidate.status, candidate.reason) == (CandidateStatus.DISMISSED, "Khác tầng")
    html = client.get("/candidates/?status=dismissed").content.decode()
    assert _names(html) == ["Người B"]


def test_case_section_and_find_again(
    venue_officer: Any, outbreak: dict[str, Any], market: Any, make_checkin: Callable[..., Any]
) -> None:
    client = session_client(venue_officer)
    case = outbreak["one"]
    assert "venue-exposures-slot" in client.get(f"/cases/{case.pk}/").content.decode()
    section = client.get(f"/cases/{case.pk}/venue-exposures/").content.decode()
    assert "Người có thể tiếp xúc qua quét mã QR" in section
    assert "4 chờ xác minh · 0 đã xác nhận · 0 đã loại" in section
    assert f"/candidates/?source={case.person_id}" in section
    make_checkin(market, "0987000015", dt.datetime(2021, 11, 6, 7, 30), 40, name="Người D")
    found = client.post(f"/cases/{case.pk}/venue-exposures/find/", headers={"HX-Request": "true"}).content.decode()
    assert "Đã tìm lại: 5 người ở gần, 1 người mới." in found
    assert "5 chờ xác minh" in found


def test_case_section_is_empty_without_the_right(outbreak: dict[str, Any], make_user: Callable[..., Any]) -> None:
    analyst = make_user(Role.ANALYST, BAN_GIANG)
    response = session_client(analyst).get(f"/cases/{outbreak['one'].pk}/venue-exposures/")
    assert (response.status_code, response.content) == (200, b"")


def test_person_checkins_are_audited(venue_officer: Any, outbreak: dict[str, Any]) -> None:
    person = outbreak["p1"]
    client = session_client(venue_officer)
    links = client.get(f"/people/{person.pk}/tracing-links/").content.decode()
    assert "Lịch sử quét mã" in links and "Tìm người tiếp xúc qua quét mã" in links
    before = AuditEvent.objects.filter(action="checkin.read").count()
    page = client.get(f"/people/{person.pk}/checkins/").content.decode()
    assert 'id="audit-banner"' in page
    assert page.count("data-checkin=") == 1 and "Chợ Bản Giang" in page
    assert 'value="2021-10-28"' in page and 'value="2021-11-10"' in page  # the last 14 days
    assert AuditEvent.objects.filter(action="checkin.read").count() == before + 1
    bad = client.get(f"/people/{person.pk}/checkins/?date_from=2021-11-10&date_to=2021-11-01").content.decode()
    assert "Ngày kết thúc phải sau ngày bắt đầu." in bad


def test_person_search_records_only_for_an_active_f0(
    venue_officer: Any, outbreak: dict[str, Any], make_person: Callable[..., Any], market: Any
) -> None:
    client = session_client(venue_officer)
    bystander = make_person(full_name="Người B", phone="0987000012")
    html = client.post(
        f"/people/{bystander.pk}/exposures/", {"date_from": "2021-11-06", "date_to": "2021-11-06"}
    ).content.decode()
    assert "không phải ca F0 đang hoạt động" in html
    assert html.count("data-visitor=") == 4  # F0 1, A, C and E were there with B
    before = ExposureCandidate.objects.count()
    f0_page = client.post(
        f"/people/{outbreak['p1'].pk}/exposures/", {"date_from": "2021-11-06", "date_to": "2021-11-07"}
    ).content.decode()
    assert f"Người này là ca F0 {outbreak['one'].number}: 0 người mới" in f0_page
    assert f0_page.count("data-visitor=") == 4
    assert ExposureCandidate.objects.count() == before
