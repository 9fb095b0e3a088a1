"""The command API's permission matrix: every endpoint × every role × the caller in the record's own unit
(xã Bản Giang), its parent (huyện Tam Đường), a sibling commune, another district. The expected status
follows ROLE_PERMS and the endpoint's rule; a refused write leaves the database exactly as it was.

The scene: Bản Giang's centre with a commander, a duty officer and a shift; a directive of Tam Đường's
centre giving Bản Giang a task.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pytest
import time_machine
from django.test.client import MULTIPART_CONTENT

from chihuy.accounts.roles import ROLE_PERMS, Perm, Role
from chihuy.command import services
from chihuy.command.models import (
    CentreMember,
    CommandCentre,
    Directive,
    DirectiveTask,
    Handover,
    Position,
    Shift,
    ShiftSwap,
    TaskReport,
)
from chihuy.core.audit import snapshot
from tests.conftest import BAN_GIANG, BINH_LU, PHONG_THO, TAM_DUONG, unit

POSITIONS = {"own": BAN_GIANG, "parent": TAM_DUONG, "sibling": BINH_LU, "other_district": PHONG_THO}
INSIDE = {"own": True, "parent": True, "sibling": False, "other_district": False}
VN = dt.timezone(dt.timedelta(hours=7))
NOW = dt.datetime(2021, 11, 15, 9, 0, tzinfo=VN)


@pytest.fixture(autouse=True)
def pinned() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


class Scene:
    def __init__(self, admin: Any, make_user: Callable[..., Any]):
        self.admin, self.make_user = admin, make_user

    @cached_property
    def centre(self) -> CommandCentre:
        return services.centre_create(actor=self.admin, unit=unit(BAN_GIANG))

    @cached_property
    def district_centre(self) -> CommandCentre:
        return services.centre_create(actor=self.admin, unit=unit(TAM_DUONG))

    @cached_property
    def member(self) -> CentreMember:
        user = self.make_user(Role.DUTY_OFFICER, BAN_GIANG, full_name="Lò Thị Trực")
        return services.member_add(actor=self.admin, centre=self.centre, user=user, phone="0912000111")

    @cached_property
    def other_member(self) -> CentreMember:
        return services.member_add(actor=self.admin, centre=self.centre, full_name="Tẩn A Páo", phone="0912000222")

    @cached_property
    def shift(self) -> Shift:
        return services.shift_create(
            actor=self.admin,
            centre=self.centre,
            member=self.member,
            starts_at=NOW - dt.timedelta(hours=2),
            ends_at=NOW + dt.timedelta(hours=6),
        )

    @cached_property
    def next_shift(self) -> Shift:
        return services.shift_create(
            actor=self.admin,
            centre=self.centre,
            member=self.other_member,
            starts_at=NOW + dt.timedelta(hours=6),
            ends_at=NOW + dt.timedelta(hours=14),
        )

    @cached_property
    def swap(self) -> ShiftSwap:
        return services.swap_request(actor=self.admin, shift=self.shift, to_member=self.other_member)

    @cached_property
    def handover(self) -> Handover:
        return services.handover_create(
            actor=self.admin, from_shift=self.shift, notes="Bàn giao", to_shift=self.next_shift
        )

    @cached_property
    def directive(self) -> Directive:
        directive = services.directive_create(
            actor=self.admin,
            centre=self.district_centre,
            title="Kiện toàn TTCH cấp xã",
            number="15/CĐ-TTCH",
            issued_on=dt.date(2021, 11, 15),
            tasks=[
                services.TaskSpec(unit=unit(BAN_GIANG), description="Thành lập TTCH", deadline=dt.date(2021, 11, 20))
            ],
        )
        return services.directive_issue(actor=self.admin, directive=directive)

    @cached_property
    def draft(self) -> Directive:
        return services.directive_create(
            actor=self.admin,
            centre=self.district_centre,
            title="Dự thảo",
            issued_on=dt.date(2021, 11, 15),
            tasks=[services.TaskSpec(unit=unit(BAN_GIANG), description="Rà soát", deadline=dt.date(2021, 11, 25))],
        )

    @cached_property
    def task(self) -> DirectiveTask:
        return self.directive.tasks.get()


def state() -> list[Any]:
    return [
        [tuple(snapshot(x).items()) for x in model.objects.order_by("pk")]
        for model in (CommandCentre, CentreMember, Shift, ShiftSwap, Handover, Directive, DirectiveTask, TaskReport)
    ]


Rule = Callable[[set[str], str], int]


def view(ok: int = 200) -> Rule:
    """centre.view first (403), then the record's place (404)."""
    return lambda perms, pos: 403 if Perm.CENTRE_VIEW not in perms else (ok if INSIDE[pos] else 404)


def listing(perms: set[str], pos: str) -> int:
    """A list answers 200 to every reader with centre.view, showing only what lies in their area."""
    return 200 if Perm.CENTRE_VIEW in perms else 403


def view_then(perm: str, ok: int) -> Rule:
    """The record read first (centre.view 403, place 404), then the write's permission (403)."""
    return lambda perms, pos: (
        403 if Perm.CENTRE_VIEW not in perms else 404 if not INSIDE[pos] else ok if perm in perms else 403
    )


def perm_then_scope(perm: str, ok: int) -> Rule:
    return lambda perms, pos: 403 if perm not in perms else (ok if INSIDE[pos] else 404)


def issuer_only(perms: set[str], pos: str) -> int:
    """A directive of Tam Đường's centre: only the district (and above) sees the centre to issue from."""
    return 403 if Perm.DIRECTIVE_ISSUE not in perms else 201 if pos == "parent" else 404


def assignee_reports(perms: set[str], pos: str) -> int:
    """Seen by the assignee and the issuer; reported on by the assignee's own users with task.report."""
    if Perm.CENTRE_VIEW not in perms:
        return 403
    if not INSIDE[pos]:
        return 404
    return 201 if Perm.TASK_REPORT in perms and pos == "own" else 403


def duty_officer_only(perms: set[str], pos: str) -> int:
    """Acting as a named officer (the one on the shift): everyone else is refused."""
    return 403 if Perm.CENTRE_VIEW not in perms else 404 if not INSIDE[pos] else 403


@dataclass
class Endpoint:
    name: str
    method: str
    path: Callable[[Scene], str]
    rule: Rule
    body: Callable[[Scene], Any] | None = None
    check: Callable[[Scene, Any, str], None] | None = None
    given: tuple[str, ...] = ()


def sees_centre(scene: Scene, response: Any, pos: str) -> None:
    assert [c["id"] for c in response.json()] == ([scene.centre.pk] if INSIDE[pos] else [])


def sees_on_duty(scene: Scene, response: Any, pos: str) -> None:
    rows = {r["centre"]["id"]: [s["member_name"] for s in r["shifts"]] for r in response.json()}
    assert rows == ({scene.centre.pk: ["Lò Thị Trực"]} if INSIDE[pos] else {})


def sees_directive(scene: Scene, response: Any, pos: str) -> None:
    assert [d["id"] for d in response.json()["items"]] == ([scene.directive.pk] if INSIDE[pos] else [])


def sees_task(scene: Scene, response: Any, pos: str) -> None:
    assert [t["id"] for t in response.json()["items"]] == ([scene.task.pk] if INSIDE[pos] else [])


ENDPOINTS = [
    Endpoint("centres.list", "get", lambda s: "/api/command/centres", listing, check=sees_centre, given=("centre",)),
    Endpoint(
        "centres.create",
        "post",
        lambda s: "/api/command/centres",
        perm_then_scope(Perm.CENTRE_MANAGE, 201),
        body=lambda s: {"unit_id": unit(BAN_GIANG).pk, "phone": "02133876543"},
    ),
    Endpoint("centres.get", "get", lambda s: f"/api/command/centres/{s.centre.pk}", view()),
    Endpoint(
        "centres.update",
        "patch",
        lambda s: f"/api/command/centres/{s.centre.pk}",
        view_then(Perm.CENTRE_MANAGE, 200),
        body=lambda s: {"address": "UBND xã Bản Giang"},
    ),
    Endpoint("members.list", "get", lambda s: f"/api/command/centres/{s.centre.pk}/members", view()),
    Endpoint(
        "members.add",
        "post",
        lambda s: f"/api/command/centres/{s.centre.pk}/members",
        view_then(Perm.CENTRE_MANAGE, 201),
        body=lambda s: {"full_name": "Lò Văn Chủ", "position": Position.COMMANDER, "phone": "0912333444"},
    ),
    Endpoint(
        "members.update",
        "patch",
        lambda s: f"/api/command/members/{s.member.pk}",
        view_then(Perm.CENTRE_MANAGE, 200),
        body=lambda s: {"title": "Trạm trưởng Trạm Y tế"},
    ),
    Endpoint(
        "members.deactivate",
        "post",
        lambda s: f"/api/command/members/{s.member.pk}/deactivate",
        view_then(Perm.CENTRE_MANAGE, 200),
        body=lambda s: {},
    ),
    Endpoint("on_duty.scope", "get", lambda s: "/api/command/on-duty", listing, check=sees_on_duty, given=("shift",)),
    Endpoint("on_duty.centre", "get", lambda s: f"/api/command/centres/{s.centre.pk}/on-duty", view()),
    Endpoint("shifts.list", "get", lambda s: f"/api/command/centres/{s.centre.pk}/shifts", view()),
    Endpoint(
        "shifts.create",
        "post",
        lambda s: f"/api/command/centres/{s.centre.pk}/shifts",
        view_then(Perm.ROSTER_MANAGE, 201),
        body=lambda s: {
            "member_id": s.member.pk,
            "starts_at": "2021-11-16T07:00:00+07:00",
            "ends_at": "2021-11-16T15:00:00+07:00",
        },
    ),
    Endpoint(
        "roster.plan",
        "post",
        lambda s: f"/api/command/centres/{s.centre.pk}/roster/plan",
        view_then(Perm.ROSTER_MANAGE, 201),
        body=lambda s: {
            "template": "2x12",
            "start_date": "2021-11-22",
            "weeks": 1,
            "member_ids": [s.member.pk, s.other_member.pk],
        },
    ),
    Endpoint("roster.gaps", "get", lambda s: f"/api/command/centres/{s.centre.pk}/gaps", view()),
    Endpoint(
        "shifts.cancel",
        "post",
        lambda s: f"/api/command/shifts/{s.shift.pk}/cancel",
        view_then(Perm.ROSTER_MANAGE, 200),
        body=lambda s: {},
    ),
    Endpoint(
        "swaps.request",
        "post",
        lambda s: f"/api/command/shifts/{s.shift.pk}/swaps",
        view_then(Perm.ROSTER_MANAGE, 201),  # a manager, or the officer on the shift (tested in test_roster)
        body=lambda s: {"to_member_id": s.other_member.pk},
    ),
    Endpoint(
        "swaps.act",
        "post",
        lambda s: f"/api/command/swaps/{s.swap.pk}",
        view_then(Perm.ROSTER_MANAGE, 200),
        body=lambda s: {"action": "approve"},
    ),
    Endpoint(
        "handover.create",
        "post",
        lambda s: f"/api/command/shifts/{s.shift.pk}/handover",
        view_then(Perm.ROSTER_MANAGE, 201),
        body=lambda s: {"notes": "2 phiếu chờ xác minh"},
        given=("next_shift",),
    ),
    Endpoint(
        "handover.acknowledge",
        "post",
        lambda s: f"/api/command/handovers/{s.handover.pk}/acknowledge",
        duty_officer_only,
        body=lambda s: {},
    ),
    Endpoint(
        "directives.list",
        "get",
        lambda s: "/api/command/directives",
        listing,
        check=sees_directive,
        given=("directive",),
    ),
    Endpoint(
        "directives.create",
        "post",
        lambda s: "/api/command/directives",
        issuer_only,
        body=lambda s: {
            "centre_id": s.district_centre.pk,
            "title": "Xét nghiệm diện rộng",
            "issued_on": "2021-11-15",
            "tasks": [{"unit_id": unit(BAN_GIANG).pk, "description": "Lấy mẫu", "deadline": "2021-11-18"}],
        },
    ),
    Endpoint("directives.get", "get", lambda s: f"/api/command/directives/{s.directive.pk}", view()),
    Endpoint(
        "directives.issue",
        "post",
        lambda s: f"/api/command/directives/{s.draft.pk}/issue",
        # A draft is the issuer's alone: the assignee commune does not see it yet.
        lambda perms, pos: view_then(Perm.DIRECTIVE_ISSUE, 200)(perms, "parent" if pos == "parent" else "sibling"),
        body=lambda s: {},
    ),
    Endpoint(
        "directives.close",
        "post",
        lambda s: f"/api/command/directives/{s.directive.pk}/close",
        lambda perms, pos: (
            view_then(Perm.DIRECTIVE_ISSUE, 200)(perms, pos)
            if pos != "own"
            else (403 if Perm.CENTRE_VIEW not in perms else 404 if Perm.DIRECTIVE_ISSUE in perms else 403)
        ),
        body=lambda s: {},
    ),
    Endpoint("tasks.list", "get", lambda s: "/api/command/tasks", listing, check=sees_task, given=("task",)),
    Endpoint("tasks.get", "get", lambda s: f"/api/command/tasks/{s.task.pk}", view()),
    Endpoint("tasks.reports", "get", lambda s: f"/api/command/tasks/{s.task.pk}/reports", view()),
    Endpoint(
        "tasks.report",
        "post",
        lambda s: f"/api/command/tasks/{s.task.pk}/reports",
        assignee_reports,
        body=lambda s: {"progress": "60", "text": "Đã có quyết định thành lập"},
    ),
    Endpoint("completion", "get", lambda s: "/api/command/completion", listing),
]


def test_the_matrix_covers_every_command_route(db: Any) -> None:
    from django.test import Client

    paths = Client().get("/api/openapi.json").json()["paths"]
    operations = {
        (m, p) for p, item in paths.items() if p.startswith("/api/command/") and "/tickets" not in p for m in item
    }
    assert len(operations) == len(ENDPOINTS)


@pytest.mark.parametrize("position", list(POSITIONS))
@pytest.mark.parametrize("role", Role.values)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_permission_matrix(
    endpoint: Endpoint, role: str, position: str, admin_user: Any, make_user: Any, api_client: Any
) -> None:
    scene = Scene(admin_user, make_user)
    for record in endpoint.given:
        getattr(scene, record)
    path = endpoint.path(scene)
    body = endpoint.body(scene) if endpoint.body else None
    client = api_client(make_user(role, POSITIONS[position]))
    expected = endpoint.rule(ROLE_PERMS[role], position)
    before = state()

    if endpoint.name == "tasks.report":
        response = client.post(path, body, content_type=MULTIPART_CONTENT)  # a form, as with evidence
    elif body is not None:
        response = getattr(client, endpoint.method)(path, body, content_type="application/json")
    else:
        response = client.get(path)

    assert response.status_code == expected, response.content
    if expected in (403, 404):
        assert response.json()["code"] == {403: "permission_denied", 404: "not_found"}[expected]
        assert state() == before
    elif endpoint.check is not None:
        endpoint.check(scene, response, position)
    elif endpoint.method != "get":
        assert state() != before
