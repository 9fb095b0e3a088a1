"""The daily-report API's permission matrix: every /api/reports/daily route × every role × the caller in xã Bản
Giang (the report's own unit), huyện Tam Đường (directly above), Bình Lư (a sibling commune), Phong Thổ (another
district) and the province. The right first (403), then the place (404 outside the area), then the write's rule
(403): only the unit itself saves and submits its report; only a unit above approves or returns it. A refused
write leaves the reports exactly as they were.

The clock is pinned at 11/11/2021 16:30 (the 11th's reporting day has ended); the approve / return routes act on
the 11th's report of Bản Giang, submitted by its health officer."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from openpyxl import load_workbook

from chihuy.accounts.roles import ROLE_PERMS, Perm, Role
from chihuy.reports import daily
from chihuy.reports.models import DailyReport
from tests.conftest import BAN_GIANG, BINH_LU, LAI_CHAU, PHONG_THO, TAM_DUONG, unit

pytestmark = pytest.mark.django_db

VN = dt.timezone(dt.timedelta(hours=7))
NOW = dt.datetime(2021, 11, 11, 16, 30, tzinfo=VN)
DAY = "2021-11-11"
POSITIONS = {
    "own": BAN_GIANG,
    "parent": TAM_DUONG,
    "sibling": BINH_LU,
    "other_district": PHONG_THO,
    "province": LAI_CHAU,
}
SEES_COMMUNE = {"own", "parent", "province"}
SEES_DISTRICT = {"parent", "province"}
CALLERS = [(role, pos) for role in Role.values for pos in POSITIONS]


def can(role: str, perm: str) -> bool:
    return perm in ROLE_PERMS[role]


def expected(route: str, role: str, pos: str) -> int:
    view = can(role, Perm.REPORT_VIEW)
    if route == "indicators":
        return 200
    if route in ("get", "rollup", "export"):
        return 200 if view and pos in SEES_COMMUNE else (403 if not view else 404)
    if route in ("missing", "consolidated"):
        return 200 if view and pos in SEES_DISTRICT else (403 if not view else 404)
    if route in ("save", "submit"):
        if not can(role, Perm.REPORT_SUBMIT):
            return 403
        if pos not in SEES_COMMUNE:
            return 404
        return 200 if pos == "own" else 403
    # approve / return
    if not view:
        return 403
    if pos not in SEES_COMMUNE:
        return 404
    if not can(role, Perm.REPORT_APPROVE) or pos == "own":
        return 403
    return 200


ROUTES: dict[str, tuple[str, str, Any]] = {
    "indicators": ("get", "/api/reports/daily/indicators", None),
    "get": ("get", "/api/reports/daily/{bg}/" + DAY, None),
    "save": ("put", "/api/reports/daily/{bg}/" + DAY, {"manual": {"oxygen_cylinders": 3}, "note": "Nháp"}),
    "submit": ("post", "/api/reports/daily/{bg}/" + DAY + "/submit", {"manual": {"beds_icu": 1}}),
    "approve": ("post", "/api/reports/daily/reports/{report}/approve", {"note": ""}),
    "return": ("post", "/api/reports/daily/reports/{report}/return", {"note": "Thiếu số liệu oxy"}),
    "missing": ("get", "/api/reports/daily/{td}/" + DAY + "/missing", None),
    "consolidated": ("get", "/api/reports/daily/{td}/" + DAY + "/consolidated", None),
    "rollup": ("get", "/api/reports/daily/{bg}/rollup?first=2021-11-08&last=2021-11-11", None),
    "export": ("get", "/api/reports/daily/{bg}/" + DAY + "/export?format=xlsx&kind=report", None),
}


def state() -> list[tuple[Any, ...]]:
    return list(
        DailyReport.objects.order_by("pk").values_list("pk", "unit_id", "status", "manual", "note", "review_note")
    )


@pytest.mark.parametrize("route", list(ROUTES))
@pytest.mark.parametrize(("role", "pos"), CALLERS)
def test_matrix(route: str, role: str, pos: str, make_user: Callable[..., Any], api_client: Any) -> None:
    method, template, body = ROUTES[route]
    bg, td = unit(BAN_GIANG), unit(TAM_DUONG)
    with time_machine.travel(NOW, tick=False):
        report_id = 0
        if route in ("approve", "return"):
            author = make_user(Role.HEALTH_OFFICER, BAN_GIANG)
            report_id = daily.report_submit(actor=author, unit=bg, day=dt.date(2021, 11, 11)).pk
        before = state()
        client = api_client(make_user(role, POSITIONS[pos]))
        url = template.format(bg=bg.pk, td=td.pk, report=report_id)
        response = getattr(client, method)(url, body) if body is not None else getattr(client, method)(url)
    want = expected(route, role, pos)
    assert response.status_code == want, (route, role, pos, response.content[:300])
    if want != 200 and method != "get":
        assert state() == before
    if want == 200 and route == "export":
        assert load_workbook(io.BytesIO(response.content)).active["A1"].value == "BẢN TIN · XÃ BẢN GIANG"
    if want == 200 and route in ("save", "submit", "approve", "return"):
        status = {"save": "draft", "submit": "submitted", "approve": "approved", "return": "returned"}[route]
        assert response.json()["status"] == status
        assert DailyReport.objects.get(unit=bg).status == status
