# ruff: noqa: F811  (pytest fixtures imported by name from centre_fixtures)
"""The Trực chỉ huy screens render for the own unit with exact content, answer 404 for another district's
records, and their forms call the services (plan, swap, hand-over, directive with a document, report with
evidence, broadcast to subordinate centres)."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from chihuy.accounts.roles import Role
from chihuy.command import services
from chihuy.command.models import Directive, Handover, Position, Shift, ShiftSwap, TaskStatus
from chihuy.notify.models import Broadcast, BroadcastReceipt, Delivery
from tests.command.centre_fixtures import (  # noqa: F401
    NOW,
    add_member,
    at,
    commune_centre,
    district_centre,
    make_centre,
    pinned,
    province_admin,
)
from tests.conftest import BAN_GIANG, BINH_LU, MUONG_SO, PHONG_THO, TAM_DUONG, session_client, unit

pytestmark = pytest.mark.usefixtures("pinned")


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def scene(district_centre: Any, commune_centre: Any, add_member: Any, province_admin: Any) -> dict[str, Any]:
    chief = add_member(district_centre, "Giàng A Chỉ", position=Position.COMMANDER, role=Role.COMMANDER)
    chair = add_member(commune_centre, "Lò Văn Chủ", position=Position.COMMANDER, role=Role.COMMANDER)
    officer = add_member(commune_centre, "Vàng Thị Mai", phone="0987654321")
    other = add_member(commune_centre, "Tẩn A Páo", phone="0912000222")
    shift = services.shift_create(
        actor=province_admin, centre=commune_centre, member=officer, starts_at=at(15, 7), ends_at=at(15, 15)
    )
    return {"chief": chief, "chair": chair, "officer": officer, "other": other, "shift": shift}


def test_on_duty_board_lists_every_centre_with_its_officer(scene: Any, district_centre: Any) -> None:
    response = session_client(scene["chief"].user).get("/command/")
    assert response.status_code == 200
    body = text(response)
    assert '<a class="nav-link text-dark" href="/command/" data-area="command">Trực chỉ huy</a>' in body
    assert "<strong>Vàng Thị Mai</strong>" in body
    assert '<a href="tel:0987654321">0987654321</a>' in body
    assert "đến 15:00 15/11" in body
    # Tam Đường's own centre has nobody on shift: flagged.
    assert "1 trung tâm không có người trực" in body
    assert body.count('<tr data-centre="') == 2


def test_centre_page_shows_members_and_next_72_hours(scene: Any, commune_centre: Any) -> None:
    response = session_client(scene["chair"].user).get(f"/command/centres/{commune_centre.pk}/")
    assert response.status_code == 200
    body = text(response)
    assert f'<h1 class="h4 mb-0 me-auto" id="centre-name">{commune_centre.name}</h1>' in body
    assert "Lò Văn Chủ</td><td>Chỉ huy trưởng</td><td>Y tế</td>" in body.replace("</td> <td>", "</td><td>")
    assert "Chưa có người trực: 15:00 15/11–09:00 18/11" in body


def test_other_district_gets_404(scene: Any, commune_centre: Any, make_user: Any) -> None:
    outsider = session_client(make_user(Role.COMMANDER, PHONG_THO))
    assert outsider.get(f"/command/centres/{commune_centre.pk}/").status_code == 404
    assert outsider.get(f"/command/shifts/{scene['shift'].pk}/").status_code == 404
    assert session_client(make_user(Role.VACCINATOR, BAN_GIANG)).get("/command/").status_code == 403


def test_plan_form_fills_the_week_and_shows_the_conflict(scene: Any, commune_centre: Any) -> None:
    client = session_client(scene["chair"].user)
    url = f"/command/centres/{commune_centre.pk}/roster/"
    people = [scene["other"].pk, scene["officer"].pk]
    response = client.post(
        url, {"template": "2x12", "start_date": "2021-11-15", "weeks": "1", "role": "duty", "people": people[::-1]}
    )
    # Mai already has the 07–15 shift on Monday: nothing is written, the error names it.
    assert response.status_code == 200
    assert f"Vàng Thị Mai bị trùng ca: đã có ca #{scene['shift'].pk}" in text(response)
    assert Shift.objects.count() == 1
    response = client.post(
        url, {"template": "2x12", "start_date": "2021-11-22", "weeks": "1", "role": "duty", "people": people}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{url}?week=2021-11-22"
    assert Shift.objects.filter(starts_at__gte=at(22)).count() == 14
    body = text(client.get(f"{url}?week=2021-11-22"))
    assert body.count("07:00–19:00</a> Tẩn A Páo") == 7
    assert body.count("19:00–07:00</a> Vàng Thị Mai") == 7
    assert "Chưa có ca" not in body


def test_swap_and_handover_forms(scene: Any, province_admin: Any, commune_centre: Any) -> None:
    officer, other, shift = scene["officer"], scene["other"], scene["shift"]
    nxt = services.shift_create(
        actor=province_admin, centre=commune_centre, member=other, starts_at=at(15, 15), ends_at=at(15, 23)
    )
    client = session_client(officer.user)
    response = client.post(
        f"/command/shifts/{shift.pk}/", {"form": "handover", "notes": "Hai phiếu chờ xác minh", "open_items": ""}
    )
    assert response.status_code == 302
    handover = Handover.objects.get()
    assert handover.to_shift_id == nxt.pk
    incoming = session_client(other.user)
    assert "Xác nhận đã nhận bàn giao" in text(incoming.get(f"/command/shifts/{nxt.pk}/"))
    assert incoming.post(f"/command/handovers/{handover.pk}/ack/").status_code == 302
    handover.refresh_from_db()
    assert handover.acknowledged_by_id == other.user.pk
    response = client.post(f"/command/shifts/{nxt.pk}/", {"form": "swap", "to_member": officer.pk, "reason": "x"})
    assert response.status_code == 403  # not Mai's shift, and she does not run the roster


def test_directive_new_with_document_then_task_report_with_evidence(
    scene: Any, district_centre: Any, make_user: Any
) -> None:
    chief = session_client(scene["chief"].user)
    document = SimpleUploadedFile("15-cd-ttch.pdf", b"%PDF-1.4 directive", content_type="application/pdf")
    response = chief.post(
        "/command/directives/new/",
        {
            "centre": district_centre.pk,
            "number": "15/CĐ-TTCH",
            "issued_on": "2021-11-15",
            "title": "Kiện toàn Trung tâm Chỉ huy cấp xã",
            "summary": "",
            "document": document,
            "task": "Thành lập Trung tâm Chỉ huy cấp xã",
            "deadline": "2021-11-14",
            "units": [unit(BAN_GIANG).pk, unit(BINH_LU).pk],
            "issue": "on",
        },
    )
    directive = Directive.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/command/directives/{directive.pk}/"
    assert directive.status == "issued" and directive.document.name.endswith(".pdf")
    body = text(chief.get(f"/command/directives/{directive.pk}/"))
    assert "0/2 hoàn thành" in body and "2 quá hạn" in body
    task = directive.tasks.get(unit__path=BAN_GIANG)
    commune_officer = session_client(scene["officer"].user)
    evidence = SimpleUploadedFile("qd.pdf", b"%PDF-1.4 qd", content_type="application/pdf")
    response = commune_officer.post(
        f"/command/tasks/{task.pk}/", {"progress": "100", "text": "Đã thành lập", "evidence": evidence}
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.progress) == (TaskStatus.DONE, 100)
    body = text(chief.get(f"/command/directives/{directive.pk}/"))
    assert "1/2 hoàn thành" in body and "1 quá hạn" in body
    # The overdue task comes first.
    assert body.index("Xã Bình Lư") < body.index("Xã Bản Giang")
    assert 'class="evidence"' in text(chief.get(f"/command/tasks/{task.pk}/"))
    # Muong So (another district) is not a subordinate of Tam Đường: not even offered, and refused if forced.
    response = chief.post(
        "/command/directives/new/",
        {
            "centre": district_centre.pk,
            "issued_on": "2021-11-15",
            "title": "x",
            "task": "y",
            "deadline": "2021-11-20",
            "units": [unit(MUONG_SO).pk],
        },
    )
    assert response.status_code == 200 and Directive.objects.count() == 1


def test_completion_table_and_excel(scene: Any, district_centre: Any, province_admin: Any) -> None:
    directive = services.directive_create(
        actor=province_admin,
        centre=district_centre,
        title="Xét nghiệm",
        issued_on=dt.date(2021, 11, 10),
        tasks=[services.TaskSpec(unit=unit(BAN_GIANG), description="Lấy mẫu", deadline=dt.date(2021, 11, 12))],
    )
    services.directive_issue(actor=province_admin, directive=directive)
    client = session_client(scene["chief"].user)
    body = text(client.get("/command/completion/"))
    assert '<span id="completion-root">Huyện Tam Đường</span>' in body
    assert '<td class="text-end overdue">1</td>' in body
    response = client.get("/command/completion.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [list(r) for r in sheet.iter_rows(values_only=True)] == [
        [
            "Đơn vị",
            "Tổng số nhiệm vụ",
            "Hoàn thành",
            "Hoàn thành trễ hạn",
            "Đang thực hiện",
            "Chưa thực hiện",
            "Quá hạn",
            "Tỷ lệ hoàn thành (%)",
        ],
        ["Xã Bản Giang", 1, 0, 0, 0, 1, 1, 0],
    ]


def test_broadcast_compose_targets_every_subordinate_centre(
    scene: Any, district_centre: Any, commune_centre: Any, make_centre: Any
) -> None:
    make_centre(BINH_LU)
    client = session_client(scene["chief"].user)
    page = text(client.get(f"/command/centres/{district_centre.pk}/broadcast/"))
    assert "Mọi trung tâm cấp dưới: 2 · cấp dưới trực tiếp: 2." in page
    response = client.post(
        f"/command/centres/{district_centre.pk}/broadcast/",
        {"title": "Họp giao ban trực tuyến 16 giờ", "body": "Các xã dự đầy đủ.", "reach": "all"},
    )
    broadcast = Broadcast.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/notify/broadcasts/{broadcast.pk}/"
    assert sorted(BroadcastReceipt.objects.values_list("unit_path", flat=True)) == [BINH_LU, BAN_GIANG]
    # Bản Giang: the officer on duty and the commander (accounts), and every member's phone by SMS.
    users = set(Delivery.objects.filter(user__isnull=False).values_list("user_id", flat=True))
    assert {scene["officer"].user.pk, scene["chair"].user.pk} <= users
    assert {"0987654321", "0912000222"} <= set(
        Delivery.objects.filter(user__isnull=True, channel="sms").values_list("address", flat=True)
    )
    assert TAM_DUONG not in BroadcastReceipt.objects.values_list("unit_path", flat=True)
    assert ShiftSwap.objects.count() == 0
