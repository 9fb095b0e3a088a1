# ruff: noqa: F811  (pytest fixtures imported by name from centre_fixtures)
"""Directives and tasks: only to subordinate units, issue fans out alerts to assignee centres, reports by the
assignee complete tasks, overdue is derived and swept once, completion rolls up by district."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from chihuy.accounts.roles import Role
from chihuy.command import selectors, services
from chihuy.command.models import Directive, DirectiveTask, Position, TaskStatus
from chihuy.core.errors import ApplicationError
from chihuy.notify.models import Delivery, Message
from tests.command.centre_fixtures import (  # noqa: F401
    NOW,
    add_member,
    at,
    commune_centre,
    district_centre,
    make_centre,
    pinned,
    province_admin,
    province_centre,
)
from tests.conftest import BAN_GIANG, BINH_LU, MUONG_SO, PHONG_THO, TAM_DUONG, unit

pytestmark = pytest.mark.usefixtures("pinned")


def _spec(path: str, deadline: dt.date = dt.date(2021, 11, 20), text: str = "Thành lập TTCH cấp xã") -> Any:
    return services.TaskSpec(unit=unit(path), description=text, deadline=deadline)


@pytest.fixture
def district_chief(district_centre: Any, add_member: Any) -> Any:
    return add_member(district_centre, "Chủ tịch huyện", position=Position.COMMANDER, role=Role.COMMANDER).user


def test_task_to_a_unit_outside_the_subtree_is_refused(district_centre: Any, district_chief: Any) -> None:
    with pytest.raises(ApplicationError) as err:
        services.directive_create(
            actor=district_chief,
            centre=district_centre,
            title="Kiện toàn TTCH",
            issued_on=dt.date(2021, 11, 15),
            number="15/CĐ-TTCH",
            tasks=[_spec(BAN_GIANG), _spec(MUONG_SO)],
        )
    assert err.value.details[0]["field"] == "tasks[1].unit"
    assert err.value.message == f"Xã Mường So không phải đơn vị cấp dưới của {district_centre.name}."
    # Nor to the issuing unit itself.
    with pytest.raises(ApplicationError):
        services.directive_create(
            actor=district_chief,
            centre=district_centre,
            title="x",
            issued_on=dt.date(2021, 11, 15),
            tasks=[_spec(TAM_DUONG)],
        )
    assert Directive.objects.count() == 0 and DirectiveTask.objects.count() == 0


def test_issue_alerts_each_assignee_centre(
    district_centre: Any, district_chief: Any, make_centre: Any, add_member: Any, province_admin: Any
) -> None:
    ban_giang = make_centre(BAN_GIANG)
    chair = add_member(ban_giang, "Chủ tịch xã", position=Position.COMMANDER, role=Role.COMMANDER)
    officer = add_member(ban_giang, "Trực ban xã")
    services.shift_create(
        actor=province_admin, centre=ban_giang, member=officer, starts_at=at(15, 7), ends_at=at(15, 15)
    )
    directive = services.directive_create(
        actor=district_chief,
        centre=district_centre,
        title="Kiện toàn Trung tâm Chỉ huy cấp xã",
        issued_on=dt.date(2021, 11, 15),
        number="15/CĐ-TTCH",
        tasks=[_spec(BAN_GIANG), _spec(BINH_LU)],
    )
    assert Message.objects.count() == 0  # a draft alerts nobody
    services.directive_issue(actor=district_chief, directive=directive)
    messages = list(Message.objects.filter(template="command.directive_issued"))
    # Bình Lư has no centre yet: only Bản Giang's is told (its officer on duty and its commander).
    assert [(m.subject, m.unit_path) for m in messages] == [
        ("[Chỉ đạo] 15/CĐ-TTCH Kiện toàn Trung tâm Chỉ huy cấp xã", BAN_GIANG)
    ]
    assert "- Thành lập TTCH cấp xã (hạn 20/11/2021)" in messages[0].body
    assert set(Delivery.objects.values_list("user_id", flat=True)) == {officer.user.pk, chair.user.pk}
    with pytest.raises(ApplicationError) as err:
        services.directive_issue(actor=district_chief, directive=directive)
    assert err.value.code == "invalid_transition"


def test_only_the_assignee_reports_and_100_percent_completes(
    district_centre: Any, district_chief: Any, make_user: Any
) -> None:
    directive = services.directive_create(
        actor=district_chief,
        centre=district_centre,
        title="Kiện toàn TTCH",
        issued_on=dt.date(2021, 11, 15),
        tasks=[_spec(BAN_GIANG)],
    )
    task = directive.tasks.get()
    commune_officer = make_user(Role.DUTY_OFFICER, BAN_GIANG)
    with pytest.raises(ApplicationError) as err:
        services.task_report(actor=commune_officer, task=task, progress=50, text="Đang làm")
    assert err.value.code == "invalid_transition"  # still a draft
    services.directive_issue(actor=district_chief, directive=directive)
    # The issuer sees the task but does not report on it; another commune does not even see it.
    with pytest.raises(ApplicationError) as err:
        services.task_report(actor=district_chief, task=task, progress=50, text="x")
    assert err.value.code == "permission_denied"
    with pytest.raises(ApplicationError) as err:
        services.task_report(actor=make_user(Role.DUTY_OFFICER, BINH_LU), task=task, progress=50, text="x")
    assert err.value.code == "not_found"
    services.task_report(actor=commune_officer, task=task, progress=40, text="Đã có quyết định thành lập")
    task.refresh_from_db()
    assert (task.status, task.progress, task.completed_at) == (TaskStatus.IN_PROGRESS, 40, None)
    evidence = SimpleUploadedFile("qd-thanh-lap.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    report = services.task_report(actor=commune_officer, task=task, progress=100, text="Xong", evidence=evidence)
    task.refresh_from_db()
    assert (task.status, task.progress, task.completed_at) == (TaskStatus.DONE, 100, NOW)
    assert report.evidence.name.endswith(".pdf")
    with pytest.raises(ApplicationError) as err:
        services.task_report(actor=commune_officer, task=task, progress=100, text="Lại")
    assert err.value.code == "invalid_transition"


def test_overdue_is_listed_first_and_swept_once(
    district_centre: Any, district_chief: Any, make_centre: Any, add_member: Any, make_user: Any
) -> None:
    ban_giang = make_centre(BAN_GIANG)
    chair = add_member(ban_giang, "Chủ tịch xã", position=Position.COMMANDER, role=Role.COMMANDER)
    directive = services.directive_create(
        actor=district_chief,
        centre=district_centre,
        title="Xét nghiệm diện rộng",
        number="16/CĐ-TTCH",
        issued_on=dt.date(2021, 11, 10),
        tasks=[
            _spec(BAN_GIANG, dt.date(2021, 11, 14), "Lấy mẫu toàn xã"),
            _spec(BINH_LU, dt.date(2021, 11, 30), "Lập danh sách"),
            _spec(BAN_GIANG, dt.date(2021, 11, 12), "Báo cáo kết quả"),
        ],
    )
    services.directive_issue(actor=district_chief, directive=directive)
    page = selectors.task_list(actor=district_chief)
    assert [t.description for t in page.items] == ["Báo cáo kết quả", "Lấy mẫu toàn xã", "Lập danh sách"]
    assert [selectors.is_overdue(t) for t in page.items] == [True, True, False]
    Message.objects.all().delete()
    assert services.task_overdue_alerts() == 2
    subjects = sorted(Message.objects.values_list("subject", flat=True))
    assert subjects == ["[Quá hạn] Nhiệm vụ của Xã Bản Giang theo 16/CĐ-TTCH"] * 2
    assert set(Delivery.objects.values_list("user_id", flat=True)) == {chair.user.pk, district_chief.pk}
    with time_machine.travel(NOW + dt.timedelta(days=1), tick=False):
        assert services.task_overdue_alerts() == 0
    assert Message.objects.count() == 2


def test_completion_by_unit_rolls_up_to_districts(province_centre: Any, province_admin: Any, make_user: Any) -> None:
    directive = services.directive_create(
        actor=province_admin,
        centre=province_centre,
        title="Thành lập TTCH cấp xã",
        issued_on=dt.date(2021, 8, 20),
        number="02/KH-BCĐ",
        tasks=[
            _spec(BAN_GIANG, dt.date(2021, 11, 20)),
            _spec(BINH_LU, dt.date(2021, 11, 10)),
            _spec(MUONG_SO, dt.date(2021, 11, 20)),
            _spec(PHONG_THO, dt.date(2021, 11, 20)),
        ],
    )
    services.directive_issue(actor=province_admin, directive=directive)
    task = directive.tasks.get(unit__path=BAN_GIANG)
    services.task_report(actor=make_user(Role.DUTY_OFFICER, BAN_GIANG), task=task, progress=100, text="Xong")
    root, rows = selectors.completion_by_unit(actor=province_admin)
    assert root is not None and root.path == "12/"
    assert [(r.unit.name, r.total, r.done, r.overdue, r.percent) for r in rows] == [
        ("Huyện Tam Đường", 2, 1, 1, 50),
        ("Huyện Phong Thổ", 2, 0, 0, 0),
    ]
    _, rows = selectors.completion_by_unit(actor=province_admin, within=TAM_DUONG)
    assert [(r.unit.name, r.done, r.overdue) for r in rows] == [("Xã Bình Lư", 0, 1), ("Xã Bản Giang", 1, 0)]
