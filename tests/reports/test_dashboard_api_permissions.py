"""The dashboard routes' permission matrix: every role × the caller in xã Bản Giang (the unit asked for), its
district (huyện Tam Đường), a sibling commune (Bình Lư), another district (Phong Thổ). report.view first (403), then
the unit's place (404 outside the caller's area); the public aggregates answer 200 to everyone, signed in or not.
The screens follow the same rule. Reads only: nothing is written (no fact, no audit row).

10 roles × 4 positions × 4 routes, + anonymous."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine

from chihuy.accounts.roles import ROLE_PERMS, Perm, Role
from chihuy.core.models import AuditEvent
from chihuy.reports.models import Fact
from tests.conftest import BAN_GIANG, BINH_LU, PHONG_THO, TAM_DUONG, session_client, unit

pytestmark = pytest.mark.django_db

POSITIONS = {"own": BAN_GIANG, "parent": TAM_DUONG, "sibling": BINH_LU, "other_district": PHONG_THO}
INSIDE = {"own": True, "parent": True, "sibling": False, "other_district": False}
# Every /api/reports/ route of this slice (method, OpenAPI path): tests/api/test_permissions.py can tie them in.
ROUTES = {("get", "/api/reports/dashboard"), ("get", "/api/reports/facts"), ("get", "/api/reports/public")}
CALLERS = [(role, pos) for role in Role.values for pos in POSITIONS]
NOW = dt.datetime(2021, 11, 11, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))


def expected(role: str, position: str) -> int:
    if Perm.REPORT_VIEW not in ROLE_PERMS[role]:
        return 403
    return 200 if INSIDE[position] else 404


def _routes(unit_id: int) -> dict[str, str]:
    return {
        "api dashboard": f"/api/reports/dashboard?unit_id={unit_id}",
        "api facts": f"/api/reports/facts?unit_id={unit_id}&metrics=f0_community",
    }


@pytest.mark.parametrize(("role", "position"), CALLERS)
def test_dashboard_routes(role: str, position: str, make_user: Callable[..., Any], api_client: Any) -> None:
    caller = make_user(role, POSITIONS[position])
    target = unit(BAN_GIANG).pk
    api = api_client(caller)
    screen = session_client(caller)
    audit_before = AuditEvent.objects.count()
    with time_machine.travel(NOW, tick=False):
        got = {name: api.get(url).status_code for name, url in _routes(target).items()}
        got["screen"] = screen.get(f"/bang-dieu-hanh/?unit={target}").status_code
        got["public"] = api.get("/api/reports/public").status_code

    want = expected(role, position)
    assert got == {"api dashboard": want, "api facts": want, "screen": want, "public": 200}
    assert Fact.objects.count() == 0
    assert AuditEvent.objects.count() == audit_before


def test_the_public_routes_need_no_account(client: Any) -> None:
    with time_machine.travel(NOW, tick=False):
        assert client.get("/api/reports/public").status_code == 200
        assert client.get("/cong-khai/cap-do-dich/").status_code == 200
        assert client.get(f"/api/reports/dashboard?unit_id={unit(BAN_GIANG).pk}").status_code == 401
        assert client.get("/bang-dieu-hanh/").status_code == 302  # to the login page


def test_the_matrix_covers_the_slices_routes(client: Any) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    mine = {(m, p) for p, item in paths.items() for m in item if p in {r for _m, r in ROUTES}}
    assert mine == ROUTES
