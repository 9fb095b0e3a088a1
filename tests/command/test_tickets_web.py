"""Ticket screens: the hotline fast form (saves, comes back empty with the number, errors beside the field),
the list (overdue first, SLA badges, empty state, Excel), the ticket page and its actions, who sees what."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import openpyxl
import time_machine
from django.utils import timezone

from chihuy.accounts.roles import Role
from chihuy.command.models import Ticket
from chihuy.command.tickets import services
from chihuy.core.models import AuditEvent
from chihuy.places.models import Unit
from tests.conftest import BAN_GIANG, BINH_LU, TAM_DUONG, session_client


def _call(unit: Unit, **values: Any) -> dict[str, Any]:
    data = {
        "caller_name": "Lò Văn Pằn",
        "caller_phone": "0912345678",
        "place_text": "Bản Nà Luông",
        "unit": str(unit.pk),
        "category": "suspected_case",
        "priority": "high",
        "text": "Hàng xóm sốt cao, ho, mới từ Bắc Giang về.",
    }
    data.update(values)
    return data


def test_the_hotline_form_saves_and_is_ready_for_the_next_call(make_user: Callable[..., Any], db: Any) -> None:
    operator = make_user(Role.DUTY_OFFICER, BAN_GIANG)
    client = session_client(operator)
    commune = Unit.objects.get(path=BAN_GIANG)
    page = client.get("/tickets/hotline/").content.decode()
    assert "autofocus" in page and 'id="id_caller_name"' in page
    response = client.post("/tickets/hotline/", _call(commune), follow=True)
    ticket = Ticket.objects.get()
    assert response.redirect_chain[-1][0] == f"/tickets/hotline/?unit={commune.pk}"
    html = response.content.decode()
    assert f'id="saved-ticket" class="alert-link">{ticket.number}</a>' in html
    assert 'name="caller_name" value=' not in html  # an empty form for the next call
    assert (ticket.channel, ticket.priority, ticket.created_by_id) == ("hotline", "high", operator.pk)


def test_the_hotline_form_puts_the_missing_contact_beside_the_fields(make_user: Callable[..., Any], db: Any) -> None:
    client = session_client(make_user(Role.DUTY_OFFICER, BAN_GIANG))
    commune = Unit.objects.get(path=BAN_GIANG)
    response = client.post("/tickets/hotline/", _call(commune, caller_phone="", place_text=""))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-field="caller_phone"' in html and 'data-field="place_text"' in html
    assert Ticket.objects.count() == 0


def test_an_analyst_cannot_open_the_hotline_form(make_user: Callable[..., Any], db: Any) -> None:
    assert session_client(make_user(Role.ANALYST, BAN_GIANG)).get("/tickets/hotline/").status_code == 403
    assert session_client(make_user(Role.VACCINATOR, BAN_GIANG)).get("/tickets/").status_code == 403


def test_the_list_puts_overdue_first_with_badges_and_exports(make_user: Callable[..., Any], db: Any) -> None:
    operator = make_user(Role.DUTY_OFFICER, BAN_GIANG)
    commune = Unit.objects.get(path=BAN_GIANG)
    client = session_client(operator)
    assert 'id="tickets-empty"' in client.get("/tickets/").content.decode()
    now = timezone.now().replace(microsecond=0)
    with time_machine.travel(now - dt.timedelta(hours=3), tick=False) as clock_at:
        late = services.ticket_intake(
            actor=operator, channel="hotline", category="essentials", priority="urgent", text="Hết gạo",
            unit=commune, caller_phone="0912345678",
        )  # fmt: skip
        clock_at.move_to(now - dt.timedelta(minutes=30))
        fresh = services.ticket_intake(
            actor=operator, channel="hotline", category="other", priority="urgent", text="Hỏi", unit=commune,
            place_text="Bản 2",
        )  # fmt: skip
        clock_at.move_to(now)
        html = client.get("/tickets/").content.decode()
        assert html.index(late.number) < html.index(fresh.number)
        assert "Quá hạn 1 giờ 00 phút" in html and "Còn 1 giờ 30 phút" in html
        assert 'id="count-overdue">1 quá hạn' in html
        response = client.get("/tickets/export.xlsx?overdue=1")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "số phiếu" and [r[0] for r in rows[1:]] == [late.number]
    assert AuditEvent.objects.filter(action="export", object_type="command.ticket").count() == 1


def test_the_ticket_page_assigns_comments_escalates_and_closes(make_user: Callable[..., Any], db: Any) -> None:
    operator = make_user(Role.DUTY_OFFICER, BAN_GIANG, full_name="Trực ban Bản Giang")
    commune = Unit.objects.get(path=BAN_GIANG)
    ticket = services.ticket_intake(
        actor=operator, channel="hotline", category="support_request", text="Cần xe", unit=commune,
        place_text="Bản 1",
    )  # fmt: skip
    client = session_client(operator)
    url = f"/tickets/{ticket.pk}/"
    assert client.post(url + "assign/", {"owner_user": operator.pk, "note": "Anh xử lý"}).status_code == 302
    assert client.post(url + "comment/", {"text": "Đã gọi trạm y tế"}).status_code == 302
    response = client.post(url + "close/", {"outcome": ""})
    assert response.status_code == 422 and 'data-field="outcome"' in response.content.decode()
    response = client.post(url + "escalate/", {"reason": "Xã không có xe"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.unit_path == TAM_DUONG
    # The commune still reads it, with the escalation on the timeline, but the district works it now.
    html = client.get(url).content.decode()
    assert 'data-kind="escalated"' in html and "Xã Bản Giang → Huyện Tam Đường" in html
    assert 'id="escalated-note"' in html and 'id="assign-form"' not in html
    assert client.post(url + "close/", {"outcome": "handled"}).status_code == 403
    district = session_client(make_user(Role.DUTY_OFFICER, TAM_DUONG))
    assert district.post(url + "close/", {"outcome": "handled", "outcome_text": "Huyện điều xe"}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "closed" and ticket.outcome_text == "Huyện điều xe"
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert kinds == ["created", "assigned", "comment", "escalated", "closed"]


def test_a_ticket_of_another_commune_is_not_found(make_user: Callable[..., Any], db: Any) -> None:
    operator = make_user(Role.DUTY_OFFICER, BAN_GIANG)
    ticket = services.ticket_intake(
        actor=operator, channel="hotline", category="other", text="x", unit=Unit.objects.get(path=BAN_GIANG),
        place_text="Bản 1",
    )  # fmt: skip
    other = session_client(make_user(Role.DUTY_OFFICER, BINH_LU))
    assert other.get(f"/tickets/{ticket.pk}/").status_code == 404
    assert other.post(f"/tickets/{ticket.pk}/comment/", {"text": "x"}).status_code == 404
    assert ticket.events.count() == 1


def test_the_public_page_shows_the_form_without_login(db: Any) -> None:
    from django.test import Client

    html = Client().get("/cong-khai/phan-anh/").content.decode()
    assert 'name="form_token"' in html and 'name="website"' in html and "Xã Bản Giang" in html


def test_the_demo_tickets_are_built_once_with_one_escalated_to_the_district(db: Any) -> None:
    from chihuy.web.management import demo_data
    from chihuy.web.management.demo_tickets import build_tickets

    demo_data.build(people_per_commune_in_district=3, people_in_ban_giang=60)
    assert build_tickets() == {"tickets_created": 12}
    assert build_tickets() == {"tickets_created": 0}
    demo = Ticket.objects.filter(is_demo=True)
    assert demo.count() == 12
    escalated = demo.get(escalation_level=1)
    assert (escalated.unit_path, escalated.origin_unit_path) == (TAM_DUONG, BAN_GIANG)
    assert set(demo.values_list("channel", flat=True)) == {"hotline", "public", "api"}
    assert demo.filter(status="closed").get().outcome == "support_given"
