"""The levels API's permission matrix: every route under /api/reports/levels × every role × the caller in Bản Giang
(own), Tam Đường (parent), Bình Lư (sibling), Phong Thổ (other district). The right first (403), then the place
(404 outside the area); a refused write leaves the assessments, capacity rows and policy rows as they were.

Reads need report.view; assessing and declaring capacity level.assess; deciding level.decide (own unit or below);
a new threshold row user.manage or level.decide at province level (no caller here is at the province, so only
the sysadmin may)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import time_machine

from chihuy.accounts.roles import ROLE_PERMS, Perm, Role
from chihuy.core.models import Policy
from chihuy.reports import assess
from chihuy.reports.models import CapacityDeclaration, LevelAssessment
from tests.conftest import BAN_GIANG, BINH_LU, PHONG_THO, TAM_DUONG, unit
from tests.reports.test_levels_assess import NOON, WEEK, row, scene  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db

POSITIONS = {"own": BAN_GIANG, "parent": TAM_DUONG, "sibling": BINH_LU, "other_district": PHONG_THO}
INSIDE = {"own": True, "parent": True, "sibling": False, "other_district": False}
CALLERS = [(role, pos) for role in Role.values for pos in POSITIONS]
ROUTES = ["list", "latest", "get", "assess", "decide", "capacity", "rules", "rules_set"]


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOON, tick=False):
        yield


def state() -> tuple[Any, ...]:
    return (
        sorted(LevelAssessment.objects.values_list("unit_id", "week_end", "level", "status", "trigger")),
        sorted(CapacityDeclaration.objects.values_list("unit_id", "week_end", "met")),
        Policy.objects.filter(key__startswith="level.").count(),
    )


def expected(route: str, role: str, position: str) -> int:
    perms = ROLE_PERMS[role]
    inside = INSIDE[position]
    if route in ("list", "latest", "rules"):
        return 200 if Perm.REPORT_VIEW in perms else 403
    if route == "get":
        return 403 if Perm.REPORT_VIEW not in perms else (200 if inside else 404)
    if route in ("assess", "capacity"):
        return 403 if Perm.LEVEL_ASSESS not in perms else (201 if inside else 404)
    if route == "decide":
        return 403 if Perm.LEVEL_DECIDE not in perms else (200 if inside else 404)
    if route == "rules_set":
        return 201 if Perm.USER_MANAGE in perms else 403
    raise AssertionError(route)


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(("role", "position"), CALLERS)
def test_levels_api_matrix(
    scene: None,  # noqa: F811
    make_user: Callable[..., Any],
    api_client: Callable[..., Any],
    route: str,
    role: str,
    position: str,
) -> None:
    assess.levels_assess_all(week_end=WEEK)
    target = row(BAN_GIANG)
    client = api_client(make_user(role, POSITIONS[position]))
    before = state()
    base = "/api/reports/levels"
    calls: dict[str, Callable[[], Any]] = {
        "list": lambda: client.get(base),
        "latest": lambda: client.get(f"{base}/latest"),
        "get": lambda: client.get(f"{base}/{target.pk}"),
        "assess": lambda: client.post(f"{base}/assess", {"unit_id": unit(BAN_GIANG).pk, "week_end": "2021-11-14"}),
        "decide": lambda: client.post(f"{base}/{target.pk}/decision", {"level": 4, "reason": "Ổ dịch"}),
        "capacity": lambda: client.post(
            f"{base}/capacity",
            {"unit_id": unit(BAN_GIANG).pk, "week_end": "2021-11-14", "met": False, "reason": "Hết giường"},
        ),
        "rules": lambda: client.get(f"{base}/rules?rule_set=4800"),
        "rules_set": lambda: client.post(
            f"{base}/rules",
            {
                "rule_set": "4800",
                "values": {"capacity_not_met": "up"},
                "valid_from": "2021-12-01",
                "source_document": "UBND tỉnh",
            },
        ),
    }
    response = calls[route]()
    status = expected(route, role, position)
    assert response.status_code == status, response.content
    if status >= 400 or route in ("list", "latest", "get", "rules"):
        assert state() == before
    else:
        assert state() != before
    if route == "list" and status == 200:
        names = {item["unit_name"] for item in response.json()["items"]}
        assert ("Xã Bản Giang" in names) is INSIDE[position]
    if route == "get" and status == 200:
        body = response.json()
        assert body["explanation"].startswith("Cấp 3: 60 ca cộng đồng/100.000 dân/tuần (≥ 50)")
        assert body["inputs"]["population"] == 5000
    if route == "decide" and status == 200:
        assert (response.json()["level"], response.json()["status"], response.json()["differs"]) == (
            4,
            "overridden",
            True,
        )
