"""Tickets coming in: from the hotline operator, the public page, the API (Zalo OA) and the system."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from chihuy.accounts.access import require_in_jurisdiction, require_perm
from chihuy.accounts.roles import Perm
from chihuy.command.models import Ticket, TicketSequence
from chihuy.command.tickets import notifications  # noqa: F401 — registers the ticket message templates
from chihuy.command.tickets._common import (
    _FK,
    _alert,
    _event,
    _next_number,
    _owner_unit,
    _restart_sla,
)
from chihuy.command.tickets.enums import (
    OPEN_STATUSES,
    TicketCategory,
    TicketChannel,
    TicketEventKind,
    TicketPriority,
    TicketStatus,
)
from chihuy.core import clock
from chihuy.core.audit import audit_record, snapshot
from chihuy.core.errors import ApplicationError, ErrorCode, save_validated
from chihuy.people.validators import normalize_phone
from chihuy.places.enums import UnitLevel
from chihuy.places.models import Unit


def _clean_intake(
    *,
    channel: str,
    category: str,
    priority: str,
    caller_phone: str,
    place_text: str,
    contact_handle: str,
    text: str,
) -> str:
    if channel not in TicketChannel.values:
        raise ApplicationError.field("channel", _("Kênh tiếp nhận không hợp lệ."))
    if category not in TicketCategory.values:
        raise ApplicationError.field("category", _("Chọn loại phản ánh."))
    if priority not in TicketPriority.values:
        raise ApplicationError.field("priority", _("Chọn mức độ."))
    if not text.strip():
        raise ApplicationError.field("text", _("Ghi nội dung phản ánh."))
    phone = normalize_phone(caller_phone)  # names the field "phone"; the ticket's field is caller_phone
    if channel != TicketChannel.SYSTEM and not phone and not place_text.strip() and not contact_handle.strip():
        message = _("Phiếu cần số điện thoại người báo hoặc địa điểm xảy ra sự việc.")
        raise ApplicationError(
            ErrorCode.VALIDATION,
            message,
            [{"field": "caller_phone", "message": message}, {"field": "place_text", "message": message}],
        )
    return phone


@transaction.atomic
def ticket_intake(
    *,
    actor: Any,
    channel: str,
    category: str,
    text: str,
    unit: Unit,
    priority: str = TicketPriority.NORMAL,
    caller_name: str = "",
    caller_phone: str = "",
    place_text: str = "",
    contact_handle: str = "",
    source: str = "",
    external_ref: str = "",
    source_ip: str | None = None,
    is_demo: bool = False,
) -> Ticket:
    """Take a ticket in: numbered, owned by `unit`'s centre, due from the SLA policy, the centre's on-duty
    officers alerted. Staff need TICKET_INTAKE in the unit's area; the public page, the webhook and the system
    pass actor=None (their own guard checks them first)."""
    if actor is not None:
        require_perm(actor, Perm.TICKET_INTAKE)
        require_in_jurisdiction(actor, unit.path, field="unit_id")
    try:
        phone = _clean_intake(
            channel=channel,
            category=category,
            priority=priority,
            caller_phone=caller_phone,
            place_text=place_text,
            contact_handle=contact_handle,
            text=text,
        )
    except ApplicationError as exc:
        if exc.details and isinstance(exc.details, list) and exc.details[0].get("field") == "phone":
            raise ApplicationError.field("caller_phone", exc.message) from exc
        raise
    owner = _owner_unit(unit)
    now = clock.now()
    ticket = Ticket(
        number=_next_number(clock.localdate(now).year),
        channel=channel,
        category=category,
        priority=priority,
        status=TicketStatus.NEW,
        received_at=now,
        caller_name=caller_name.strip()[:150],
        caller_phone=phone,
        contact_handle=contact_handle.strip()[:100],
        place_text=place_text.strip()[:300],
        text=text.strip(),
        unit=owner,
        unit_path=owner.path,
        origin_unit=owner,
        origin_unit_path=owner.path,
        source=source.strip()[:200],
        external_ref=external_ref.strip()[:100],
        source_ip=source_ip or None,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        is_demo=is_demo,
    )
    _restart_sla(ticket, now)
    save_validated(ticket, exclude=_FK)
    _event(ticket, actor, TicketEventKind.CREATED, to_status=TicketStatus.NEW, to_unit=owner, text=ticket.text)
    audit_record(actor=actor, action="create", obj=ticket, after=snapshot(ticket))
    _alert(ticket, owner, "command.ticket_new")
    return ticket


@transaction.atomic
def ticket_from_system(
    *, category: str, text: str, unit: Unit, source: str, priority: str = TicketPriority.HIGH
) -> Ticket:
    """A ticket raised by the system (e.g. an SLA breach in another area). One open ticket per `source`:
    raising it again while it is open returns the same ticket."""
    source = source.strip()
    if not source:
        raise ApplicationError.field("source", _("Ghi nguồn phát sinh phiếu."))
    existing = Ticket.objects.filter(channel=TicketChannel.SYSTEM, source=source, status__in=OPEN_STATUSES).first()
    if existing is not None:
        return existing
    return ticket_intake(
        actor=None,
        channel=TicketChannel.SYSTEM,
        category=category,
        priority=priority,
        text=text,
        unit=unit,
        place_text=unit.name,
        source=source,
    )


@transaction.atomic
def ticket_public_submit(
    *,
    token: str,
    honeypot: str,
    ip: str | None,
    caller_name: str,
    caller_phone: str,
    unit: Unit,
    category: str,
    text: str,
    place_text: str = "",
) -> Ticket:
    """A citizen's report from the public page (no account): the abuse guard first, then an ordinary intake
    owned by the chosen commune. The phone is required here: it is how the commune calls back."""
    from chihuy.command.tickets.guard import public_guard_check

    if not caller_phone.strip():
        raise ApplicationError.field("caller_phone", _("Nhập số điện thoại để cán bộ gọi lại."))
    try:
        phone = normalize_phone(caller_phone)
    except ApplicationError as exc:
        raise ApplicationError.field("caller_phone", exc.message) from exc
    if unit.level not in (UnitLevel.COMMUNE, UnitLevel.VILLAGE) or not unit.is_active:
        raise ApplicationError.field("unit_id", _("Chọn xã, phường nơi xảy ra sự việc."))
    # Serialise public submissions (the count-then-insert of the rate limit must not race on PostgreSQL).
    year = clock.localdate(clock.now()).year
    TicketSequence.objects.get_or_create(year=year)
    TicketSequence.objects.select_for_update().get(year=year)
    public_guard_check(token=token, honeypot=honeypot, ip=ip, phone=phone)
    return ticket_intake(
        actor=None,
        channel=TicketChannel.PUBLIC,
        category=category,
        priority=TicketPriority.NORMAL,
        text=text,
        unit=unit,
        caller_name=caller_name,
        caller_phone=phone,
        place_text=place_text,
        source_ip=ip,
    )
