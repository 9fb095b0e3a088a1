"""Ticket services: intake validation names the field, numbers per year, SLA from the policy in force, the
transition table, assignment inside the owner unit, escalation by the sweep under a pinned clock (idempotent,
both units see it), alerts written to the outbox in the ticket's own transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from chihuy.accounts.roles import Role
from chihuy.command.models import Ticket, TicketEvent
from chihuy.command.tickets import selectors, services
from chihuy.command.tickets.enums import TicketChannel, TicketEventKind, TicketStatus
from chihuy.core import clock
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.core.policies import policy_get, policy_set
from chihuy.notify.models import Delivery, Message
from chihuy.places.models import Unit
from tests.command.tickets_scene import centre_on_duty
from tests.conftest import BAN_GIANG, BINH_LU, LAI_CHAU, TAM_DUONG

T0 = timezone.make_aware(dt.datetime(2021, 11, 10, 8, 0))


@pytest.fixture
def pinned(db: Any) -> Iterator[Any]:
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def scene(pinned: Any, make_user: Callable[..., Any]) -> dict[str, Any]:
    commune = centre_on_duty(make_user, BAN_GIANG)
    district = centre_on_duty(make_user, TAM_DUONG)
    return {
        "commune": commune,
        "district": district,
        "operator": make_user(Role.DUTY_OFFICER, BAN_GIANG, full_name="Trực ban Bản Giang"),
        "unit": commune["unit"],
    }


def _intake(actor: Any, unit: Unit, **values: Any) -> Ticket:
    values.setdefault("channel", TicketChannel.HOTLINE)
    values.setdefault("category", "suspected_case")
    values.setdefault("text", "Người nhà đi Hà Nội về, sốt, ho từ hôm qua.")
    values.setdefault("caller_name", "Lò Văn Pằn")
    values.setdefault("caller_phone", "0912 345 678")
    return services.ticket_intake(actor=actor, unit=unit, **values)


# --- intake ----------------------------------------------------------------------------------------


def test_a_ticket_without_phone_or_place_names_both_fields_and_writes_nothing(scene: dict[str, Any]) -> None:
    with pytest.raises(ApplicationError) as err:
        _intake(scene["operator"], scene["unit"], caller_phone="", place_text="")
    assert err.value.code == ErrorCode.VALIDATION
    assert [d["field"] for d in err.value.details] == ["caller_phone", "place_text"]
    assert err.value.message == "Phiếu cần số điện thoại người báo hoặc địa điểm xảy ra sự việc."
    assert Ticket.objects.count() == 0
    assert TicketEvent.objects.count() == 0
    assert Message.objects.count() == 0


def test_a_bad_phone_is_refused_on_the_caller_phone_field(scene: dict[str, Any]) -> None:
    with pytest.raises(ApplicationError) as err:
        _intake(scene["operator"], scene["unit"], caller_phone="12345")
    assert err.value.details[0]["field"] == "caller_phone"
    assert "không hợp lệ" in err.value.message
    assert Ticket.objects.count() == 0


def test_a_place_without_phone_is_enough_and_the_phone_is_normalised(scene: dict[str, Any]) -> None:
    by_place = _intake(scene["operator"], scene["unit"], caller_phone="", place_text="Bản Nà Luông")
    assert by_place.caller_phone == "" and by_place.place_text == "Bản Nà Luông"
    by_phone = _intake(scene["operator"], scene["unit"], caller_phone="+84 912 345 678")
    assert by_phone.caller_phone == "0912345678"


def test_empty_text_and_unknown_category_name_their_fields(scene: dict[str, Any]) -> None:
    with pytest.raises(ApplicationError) as err:
        _intake(scene["operator"], scene["unit"], text="  ")
    assert err.value.details[0]["field"] == "text"
    with pytest.raises(ApplicationError) as err:
        _intake(scene["operator"], scene["unit"], category="gossip")
    assert err.value.details[0]["field"] == "category"


def test_numbers_run_per_year(scene: dict[str, Any], pinned: Any) -> None:
    first = _intake(scene["operator"], scene["unit"])
    second = _intake(scene["operator"], scene["unit"])
    assert (first.number, second.number) == ("PA-2021-000001", "PA-2021-000002")
    pinned.move_to(timezone.make_aware(dt.datetime(2022, 1, 1, 0, 5)))
    assert _intake(scene["operator"], scene["unit"]).number == "PA-2022-000001"


def test_intake_outside_the_operator_area_is_not_found(scene: dict[str, Any]) -> None:
    with pytest.raises(ApplicationError) as err:
        _intake(scene["operator"], Unit.objects.get(path=BINH_LU))
    assert err.value.code == ErrorCode.NOT_FOUND
    assert Ticket.objects.count() == 0


def test_a_village_ticket_is_owned_by_its_commune(scene: dict[str, Any]) -> None:
    village = Unit.objects.create(
        code="77", name="Bản Thử", level="village", parent=scene["unit"], path=f"{BAN_GIANG}77/", depth=3
    )
    ticket = _intake(scene["operator"], village)
    assert ticket.unit_id == scene["unit"].pk and ticket.unit_path == BAN_GIANG


# --- SLA -------------------------------------------------------------------------------------------


def test_sla_comes_from_the_policy_by_category_and_priority(scene: dict[str, Any], pinned: Any) -> None:
    emergency = _intake(scene["operator"], scene["unit"], category="medical_emergency", priority="urgent")
    assert emergency.sla_hours == 0.5
    assert emergency.due_at == T0 + dt.timedelta(minutes=30)
    other = _intake(scene["operator"], scene["unit"], category="misinformation", priority="low")
    table = policy_get("ticket.sla_hours")
    assert "misinformation" not in table and other.sla_hours == table["default"]["low"] == 72
    # A new rule from a later day applies to tickets received from that day.
    policy_set(
        key="ticket.sla_hours",
        value={"default": {"urgent": 1, "high": 3, "normal": 12, "low": 48}},
        valid_from=dt.date(2021, 11, 11),
        source_document="Thử nghiệm",
    )
    assert _intake(scene["operator"], scene["unit"], category="misinformation", priority="low").sla_hours == 72
    pinned.move_to(T0 + dt.timedelta(days=1))
    assert _intake(scene["operator"], scene["unit"], category="misinformation", priority="low").sla_hours == 48


# --- work and transitions --------------------------------------------------------------------------


def test_assign_only_to_an_officer_of_the_owner_unit(scene: dict[str, Any], make_user: Callable[..., Any]) -> None:
    ticket = _intake(scene["operator"], scene["unit"])
    stranger = make_user(Role.DUTY_OFFICER, BINH_LU)
    with pytest.raises(ApplicationError) as err:
        services.ticket_assign(actor=scene["operator"], ticket=ticket, user=stranger)
    assert err.value.details[0]["field"] == "owner_user_id"
    health = make_user(Role.HEALTH_OFFICER, BAN_GIANG)  # takes calls, does not work tickets
    with pytest.raises(ApplicationError):
        services.ticket_assign(actor=scene["operator"], ticket=ticket, user=health)
    ticket = services.ticket_assign(actor=scene["operator"], ticket=ticket, user=scene["commune"]["officer"])
    assert ticket.status == TicketStatus.ASSIGNED and ticket.owner_user_id == scene["commune"]["officer"].pk
    assert list(ticket.events.values_list("kind", flat=True)) == [TicketEventKind.CREATED, TicketEventKind.ASSIGNED]


def test_a_health_officer_takes_calls_but_cannot_work_tickets(
    scene: dict[str, Any], make_user: Callable[..., Any]
) -> None:
    health = make_user(Role.HEALTH_OFFICER, BAN_GIANG)
    ticket = _intake(health, scene["unit"])
    with pytest.raises(ApplicationError) as err:
        services.ticket_transition(actor=health, ticket=ticket, to=TicketStatus.IN_PROGRESS)
    assert err.value.code == ErrorCode.PERMISSION_DENIED
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.NEW


def test_transition_table_close_needs_an_outcome_and_reopen_restarts_sla(scene: dict[str, Any], pinned: Any) -> None:
    op = scene["operator"]
    ticket = _intake(op, scene["unit"], category="essentials", priority="normal")  # 12 h
    ticket = services.ticket_transition(actor=op, ticket=ticket, to=TicketStatus.IN_PROGRESS)
    with pytest.raises(ApplicationError) as err:
        services.ticket_transition(actor=op, ticket=ticket, to=TicketStatus.CLOSED)
    assert err.value.details[0]["field"] == "to"
    with pytest.raises(ApplicationError) as err:
        services.ticket_transition(actor=op, ticket=ticket, to=TicketStatus.NEW)
    assert err.value.code == ErrorCode.INVALID_TRANSITION
    with pytest.raises(ApplicationError) as err:
        services.ticket_close(actor=op, ticket=ticket, outcome="")
    assert err.value.details[0]["field"] == "outcome"
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.IN_PROGRESS

    pinned.move_to(T0 + dt.timedelta(hours=2))
    ticket = services.ticket_close(actor=op, ticket=ticket, outcome="support_given", outcome_text="Đã giao 20 kg gạo")
    assert ticket.status == TicketStatus.CLOSED and ticket.closed_at == T0 + dt.timedelta(hours=2)
    with pytest.raises(ApplicationError) as err:
        services.ticket_assign(actor=op, ticket=ticket, user=scene["commune"]["officer"])
    assert err.value.code == ErrorCode.INVALID_TRANSITION

    pinned.move_to(T0 + dt.timedelta(hours=5))
    ticket = services.ticket_transition(actor=op, ticket=ticket, to=TicketStatus.IN_PROGRESS, note="Còn thiếu")
    assert ticket.status == TicketStatus.IN_PROGRESS
    assert ticket.outcome == "" and ticket.closed_at is None
    assert ticket.due_at == T0 + dt.timedelta(hours=5 + 12)
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert kinds == ["created", "status", "closed", "reopened"]
    closed = ticket.events.get(kind="closed")
    assert closed.text == "Đã hỗ trợ lương thực, nhu yếu phẩm: Đã giao 20 kg gạo"


def test_update_moves_the_due_time_and_links_record_an_event(
    scene: dict[str, Any], make_person: Callable[..., Any]
) -> None:
    op = scene["operator"]
    ticket = _intake(op, scene["unit"], category="other", priority="normal")
    assert ticket.due_at == T0 + dt.timedelta(hours=24)
    ticket = services.ticket_update(actor=op, ticket=ticket, priority="urgent")
    assert ticket.due_at == T0 + dt.timedelta(hours=2)
    person = make_person(full_name="Lò Văn Pằn", birth_year=1980)
    ticket = services.ticket_link(actor=op, ticket=ticket, person=person, case_number="ch000012")
    assert ticket.person_id == person.pk and ticket.case_number == "CH000012"
    texts = list(ticket.events.values_list("kind", "text"))
    assert texts[1] == ("updated", "Sửa: mức độ")
    assert texts[2] == ("linked", "Liên kết: người Lò Văn Pằn, ca CH000012")


# --- escalation ------------------------------------------------------------------------------------


def test_the_sweep_escalates_overdue_tickets_once_and_both_units_see_it(
    scene: dict[str, Any], pinned: Any, make_user: Callable[..., Any]
) -> None:
    op = scene["operator"]
    late = _intake(op, scene["unit"], category="other", priority="normal")  # 24 h
    on_time = _intake(op, scene["unit"], category="other", priority="low")  # 72 h
    done = _intake(op, scene["unit"], category="other", priority="urgent")  # 2 h, but closed
    services.ticket_close(actor=op, ticket=done, outcome="handled")

    pinned.move_to(T0 + dt.timedelta(hours=23, minutes=59))
    assert services.ticket_escalate_overdue() == []

    pinned.move_to(T0 + dt.timedelta(hours=24, minutes=1))
    escalated = services.ticket_escalate_overdue()
    assert [t.pk for t in escalated] == [late.pk]
    assert services.ticket_escalate_overdue() == []  # idempotent at the same time
    late.refresh_from_db()
    district = Unit.objects.get(path=TAM_DUONG)
    assert (late.unit_id, late.unit_path, late.escalation_level) == (district.pk, TAM_DUONG, 1)
    assert (late.origin_unit_path, late.status, late.owner_user_id) == (BAN_GIANG, TicketStatus.NEW, None)
    assert late.due_at == T0 + dt.timedelta(hours=48, minutes=1)
    event = late.events.get(kind=TicketEventKind.ESCALATED)
    assert (event.from_unit.path, event.to_unit.path, event.automatic, event.actor_id) == (
        BAN_GIANG,
        TAM_DUONG,
        True,
        None,
    )
    assert event.text == "Quá hạn xử lý (hạn 08:00 11/11/2021): tự động chuyển từ Xã Bản Giang lên Huyện Tam Đường."
    assert Ticket.objects.get(pk=on_time.pk).unit_path == BAN_GIANG

    # Both units read it with its timeline; a sibling commune does not.
    commune_reader = scene["commune"]["officer"]
    district_reader = scene["district"]["officer"]
    sibling = make_user(Role.DUTY_OFFICER, BINH_LU)
    for reader in (commune_reader, district_reader):
        page = selectors.ticket_list(actor=reader, state="all")
        assert late.pk in [t.pk for t in page.items]
        got = selectors.ticket_get(actor=reader, ticket_id=late.pk)
        assert [e.kind for e in selectors.ticket_timeline(got)] == ["created", "escalated"]
    assert [t.pk for t in selectors.ticket_list(actor=sibling, state="all").items] == []
    with pytest.raises(ApplicationError) as err:
        selectors.ticket_get(actor=sibling, ticket_id=late.pk)
    assert err.value.code == ErrorCode.NOT_FOUND
    # "My unit's" list: the district owns it now, the commune no longer does.
    assert [t.pk for t in selectors.ticket_list(actor=district_reader, owned=True).items] == [late.pk]
    assert late.pk not in [t.pk for t in selectors.ticket_list(actor=commune_reader, owned=True).items]
    # The commune may still comment; working it belongs to the district now.
    services.ticket_comment(actor=commune_reader, ticket=late, text="Xã đã cử y tế thôn đến nhà.")
    with pytest.raises(ApplicationError) as err:
        services.ticket_transition(actor=commune_reader, ticket=late, to=TicketStatus.IN_PROGRESS)
    assert err.value.code == ErrorCode.PERMISSION_DENIED
    services.ticket_assign(actor=district_reader, ticket=late, user=district_reader)

    # Unresolved again past the new SLA: up to the province; at the top it stays.
    pinned.move_to(T0 + dt.timedelta(hours=48, minutes=2))
    assert [t.pk for t in services.ticket_escalate_overdue()] == [late.pk]
    late.refresh_from_db()
    assert (late.unit_path, late.escalation_level) == (LAI_CHAU, 2)
    pinned.move_to(T0 + dt.timedelta(days=30))
    swept = services.ticket_escalate_overdue()
    assert late.pk not in [t.pk for t in swept]
    assert Ticket.objects.get(pk=late.pk).unit_path == LAI_CHAU


def test_manual_escalation_needs_a_reason_and_alerts_the_parent_urgently(scene: dict[str, Any]) -> None:
    op = scene["operator"]
    ticket = _intake(op, scene["unit"], category="support_request", priority="urgent")
    with pytest.raises(ApplicationError) as err:
        services.ticket_escalate(actor=op, ticket=ticket, reason=" ")
    assert err.value.details[0]["field"] == "reason"
    before = Message.objects.count()
    ticket = services.ticket_escalate(actor=op, ticket=ticket, reason="Xã không đủ xe cứu thương")
    assert ticket.unit_path == TAM_DUONG
    message = Message.objects.order_by("-id").first()
    assert Message.objects.count() == before + 1
    assert message is not None
    assert (message.template, message.urgent, message.unit_path) == ("command.ticket_escalated", True, TAM_DUONG)
    assert message.subject == f"[KHẨN] Phản ánh {ticket.number} chuyển lên Huyện Tam Đường"
    assert "Lý do: Xã không đủ xe cứu thương" in message.body
    recipients = set(Delivery.objects.filter(message=message).values_list("address", flat=True))
    assert recipients == {scene["district"]["officer"].email, scene["district"]["commander"].email}


# --- alerts in the same transaction ----------------------------------------------------------------


def test_intake_alerts_the_commune_on_duty_officer_and_commander(scene: dict[str, Any]) -> None:
    ticket = _intake(scene["operator"], scene["unit"], priority="high")
    message = Message.objects.get()
    assert (message.template, message.urgent, message.unit_path) == ("command.ticket_new", False, BAN_GIANG)
    assert message.source == f"command.ticket:{ticket.pk}"
    assert message.subject == f"Phản ánh mới {ticket.number}: Nghi mắc COVID-19"
    assert "Người báo: Lò Văn Pằn 0912345678" in message.body
    deliveries = list(Delivery.objects.filter(message=message).order_by("address").values_list("channel", "address"))
    assert deliveries == [
        ("email", scene["commune"]["commander"].email),
        ("email", scene["commune"]["officer"].email),
    ]


def test_a_rolled_back_intake_leaves_no_ticket_and_no_message(scene: dict[str, Any]) -> None:
    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        _intake(scene["operator"], scene["unit"])
        assert Message.objects.count() == 1  # written inside the transaction …
        raise Boom
    assert Ticket.objects.count() == 0  # … and gone with it
    assert Message.objects.count() == 0
    assert Delivery.objects.count() == 0


def test_a_unit_without_a_centre_takes_the_ticket_without_an_alert(pinned: Any, make_user: Callable[..., Any]) -> None:
    operator = make_user(Role.DUTY_OFFICER, BINH_LU)
    ticket = _intake(operator, Unit.objects.get(path=BINH_LU))
    assert ticket.number == "PA-2021-000001"
    assert Message.objects.count() == 0


# --- system tickets --------------------------------------------------------------------------------


def test_a_system_ticket_is_raised_once_per_open_source(scene: dict[str, Any]) -> None:
    first = services.ticket_from_system(
        category="other", text="Ca CH000001 quá hạn truy vết 24 giờ.", unit=scene["unit"], source="cases.fives:1"
    )
    again = services.ticket_from_system(
        category="other", text="Ca CH000001 quá hạn truy vết 24 giờ.", unit=scene["unit"], source="cases.fives:1"
    )
    assert first.pk == again.pk
    assert (first.channel, first.priority, first.created_by_id) == ("system", "high", None)
    assert first.events.get().actor_id is None
    services.ticket_close(actor=scene["operator"], ticket=first, outcome="handled")
    third = services.ticket_from_system(
        category="other", text="Lại quá hạn.", unit=scene["unit"], source="cases.fives:1"
    )
    assert third.pk != first.pk


def test_every_write_adds_one_event_and_one_audit_row(scene: dict[str, Any]) -> None:
    from chihuy.core.models import AuditEvent

    op = scene["operator"]
    ticket = _intake(op, scene["unit"])
    services.ticket_assign(actor=op, ticket=ticket, user=scene["commune"]["officer"])
    services.ticket_comment(actor=op, ticket=ticket, text="Đã gọi lại.")
    services.ticket_transition(actor=op, ticket=ticket, to=TicketStatus.IN_PROGRESS)
    services.ticket_close(actor=op, ticket=ticket, outcome="handled")
    assert TicketEvent.objects.filter(ticket=ticket).count() == 5
    assert AuditEvent.objects.filter(object_type="command.ticket", object_id=str(ticket.pk)).count() == 5
    assert clock.now() == T0


@pytest.mark.parametrize("command", ["escalate_tickets", "command_sweep"])
def test_the_sweep_commands_escalate_overdue_tickets(scene: dict[str, Any], pinned: Any, command: str) -> None:
    import io
    import json

    from django.core.management import call_command

    ticket = _intake(scene["operator"], scene["unit"], category="medical_emergency", priority="urgent")  # 30 min
    pinned.move_to(T0 + dt.timedelta(minutes=31))
    out = io.StringIO()
    call_command(command, stdout=out)
    result = json.loads(out.getvalue())
    assert result["tickets_escalated"] == ([ticket.number] if command == "escalate_tickets" else 1)
    assert Ticket.objects.get(pk=ticket.pk).unit_path == TAM_DUONG
    call_command(command, stdout=io.StringIO())  # again: nothing more
    assert Ticket.objects.get(pk=ticket.pk).escalation_level == 1
