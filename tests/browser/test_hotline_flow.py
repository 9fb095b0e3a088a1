"""The hotline walk of issue 4 in a real browser: the Bản Giang duty officer takes a call through the fast form
with the keyboard alone (autofocus, Tab, Ctrl+Enter) and the form comes back ready for the next call; the
ticket is on the list; nobody resolves it, the SLA passes and the sweep escalates it to Tam Đường; a district
duty officer logs in and sees it on the district's list with its timeline; the commune still sees it.

The live server runs on the real clock; the sweep runs in the test process with the clock moved past the SLA
(like the commander walk, which makes its records in the past)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from chihuy.accounts.roles import Role
from chihuy.accounts.services import user_create
from chihuy.command.models import CentreMember, CommandCentre, Shift, Ticket
from chihuy.command.tickets.services import ticket_escalate_overdue
from chihuy.notify.models import Message
from chihuy.places.models import Unit
from tests.conftest import BAN_GIANG, PASSWORD, TAM_DUONG

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _user(username: str, role: str, path: str, email: str = "") -> Any:
    return user_create(
        actor=None,
        username=username,
        password=PASSWORD,
        unit=Unit.objects.get(path=path),
        roles=[role],
        full_name=username,
        email=email,
    )


def _login(page: Any, live_server: Any, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def _on_duty(user: Any, path: str) -> None:
    """The district centre with this officer on shift, so that the escalation alert has a recipient."""
    unit = Unit.objects.get(path=path)
    centre = CommandCentre.objects.create(unit=unit, unit_path=path, name=f"Trung tâm Chỉ huy {unit.name}")
    member = CentreMember.objects.create(centre=centre, unit_path=path, user=user, full_name=user.username)
    start = timezone.now() - dt.timedelta(hours=1)
    Shift.objects.create(
        centre=centre, unit_path=path, member=member, user=user, starts_at=start, ends_at=start + dt.timedelta(days=2)
    )


def test_a_call_taken_at_the_commune_escalates_to_the_district(
    browser: Any, page: Any, live_server: Any, lai_chau: None
) -> None:
    _user("trucban.bangiang", Role.DUTY_OFFICER, BAN_GIANG)
    district_officer = _user("trucban.tamduong", Role.DUTY_OFFICER, TAM_DUONG, email="trucban.tamduong@example.vn")
    _on_duty(district_officer, TAM_DUONG)
    commune = Unit.objects.get(path=BAN_GIANG)

    # 1. The commune duty officer takes a call: keyboard only, from the autofocused first field.
    _login(page, live_server, "trucban.bangiang")
    page.click("nav >> #nav-tickets")
    page.wait_for_url(re.compile(r"/tickets/$"))
    assert page.locator("#tickets-empty").is_visible()
    page.click("#take-call")
    page.wait_for_url(re.compile(r"/tickets/hotline/"))
    assert page.evaluate("document.activeElement.id") == "id_caller_name"
    page.keyboard.type("Lò Thị Mai")
    page.keyboard.press("Tab")
    page.keyboard.type("0912 345 678")
    page.keyboard.press("Tab")
    page.keyboard.type("Bản Nà Luông, gần nhà văn hóa")
    page.select_option("#id_unit", str(commune.pk))
    page.select_option("#id_category", "suspected_case")
    page.select_option("#id_priority", "high")
    page.fill("#id_text", "Con trai từ Bắc Giang về hôm qua, sốt 38,5 độ, ho. Gia đình chưa khai báo y tế.")
    page.press("#id_text", "Control+Enter")
    page.wait_for_url(re.compile(rf"/tickets/hotline/\?unit={commune.pk}$"))
    ticket = Ticket.objects.get()
    assert page.locator("#saved-ticket").inner_text() == ticket.number
    assert page.evaluate("document.activeElement.id") == "id_caller_name"  # ready for the next call
    assert page.input_value("#id_caller_name") == "" and page.input_value("#id_text") == ""
    assert (ticket.caller_phone, ticket.sla_hours, ticket.unit_path) == ("0912345678", 2.0, BAN_GIANG)

    # 2. It is on the commune's list, with its SLA countdown.
    page.click("nav >> #nav-tickets")
    row = page.locator(f"tr.ticket-row[data-number='{ticket.number}']")
    assert row.locator(".ticket-unit").inner_text().strip().startswith("Xã Bản Giang")
    assert row.locator(".sla-badge").inner_text().startswith("Còn 1 giờ")

    # 3. Nobody resolves it: the sweep, run after the SLA has passed, hands it to the district.
    with time_machine.travel(ticket.due_at + dt.timedelta(minutes=5), tick=False):
        escalated = ticket_escalate_overdue()
        assert ticket_escalate_overdue() == []
    assert [t.pk for t in escalated] == [ticket.pk]
    alert = Message.objects.get(template="command.ticket_escalated")
    assert alert.unit_path == TAM_DUONG and ticket.number in alert.subject

    # 4. A district duty officer sees it on the district's own list and opens its timeline.
    district = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    boss = district.new_page()
    _login(boss, live_server, "trucban.tamduong")
    boss.goto(f"{live_server.url}/tickets/?owned=1")
    row = boss.locator(f"tr.ticket-row[data-number='{ticket.number}']")
    assert row.locator(".ticket-unit").inner_text().strip().startswith("Huyện Tam Đường")
    assert row.locator(".escalated-badge").inner_text().strip() == "chuyển lên ×1"
    row.locator("a.ticket-number").click()
    boss.wait_for_url(re.compile(rf"/tickets/{ticket.pk}/$"))
    assert boss.locator("#ticket-unit").inner_text().startswith("Huyện Tam Đường")
    assert boss.locator("#ticket-origin").inner_text() == "Xã Bản Giang"
    events = boss.locator("#timeline .timeline-event")
    assert [events.nth(i).get_attribute("data-kind") for i in range(events.count())] == ["created", "escalated"]
    escalation = boss.locator("#timeline .timeline-event[data-kind='escalated']")
    assert escalation.locator(".event-units").inner_text() == "Xã Bản Giang → Huyện Tam Đường"
    assert "tự động" in escalation.inner_text()
    assert boss.locator("#assign-form").is_visible()  # the district works it now
    district.close()

    # 5. The commune still sees it, read-only, with the same timeline.
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    assert page.locator("#escalated-note").is_visible()
    assert page.locator("#timeline .timeline-event[data-kind='escalated']").count() == 1
    assert page.locator("#assign-form").count() == 0
