"""Work on a ticket: assign, comment, change status (transition table), correct, link, close."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chihuy.accounts.access import has_perm, require_in_jurisdiction, require_perm
from chihuy.accounts.roles import Perm
from chihuy.command.models import Ticket, TicketEvent
from chihuy.command.tickets import notifications  # noqa: F401 — registers the ticket message templates
from chihuy.command.tickets._common import (
    _FK,
    _check_transition,
    _event,
    _locked,
    _require_owner_area,
    _require_visible,
    _restart_sla,
)
from chihuy.command.tickets.enums import (
    REOPEN_FROM,
    TicketEventKind,
    TicketOutcome,
    TicketStatus,
)
from chihuy.command.tickets.intake import _clean_intake
from chihuy.core import clock
from chihuy.core.audit import audit_record, diff, snapshot
from chihuy.core.errors import ApplicationError, ErrorCode, save_validated
from chihuy.people.models import Person
from chihuy.people.validators import normalize_phone
from chihuy.places.models import Site


def assignable_users(ticket: Ticket) -> list[Any]:
    """Active users of the owner unit who may work tickets."""
    from chihuy.accounts.models import User

    users = User.objects.filter(unit_id=ticket.unit_id, is_active=True).order_by("full_name", "username")
    return [u for u in users if has_perm(u, Perm.TICKET_WORK)]


@transaction.atomic
def ticket_assign(*, actor: Any, ticket: Ticket, user: Any, note: str = "") -> Ticket:
    """Give the ticket to an officer of its owner unit; a new ticket becomes "assigned"."""
    ticket = _locked(ticket)
    _require_owner_area(actor, ticket)
    if not ticket.is_open:
        raise ApplicationError(ErrorCode.INVALID_TRANSITION, _("Phiếu đã giải quyết hoặc đã đóng: mở lại trước."))
    if user is None or not user.is_active or user.unit_id != ticket.unit_id or not has_perm(user, Perm.TICKET_WORK):
        raise ApplicationError.field(
            "owner_user_id", _("Chọn cán bộ xử lý phiếu của %(u)s.") % {"u": ticket.unit.name}, ErrorCode.NOT_FOUND
        )
    before = {"owner_user_id": ticket.owner_user_id, "status": ticket.status}
    ticket.owner_user = user
    from_status = ticket.status
    if ticket.status == TicketStatus.NEW:
        ticket.status = TicketStatus.ASSIGNED
    ticket.save(update_fields=["owner_user", "status", "updated_at"])
    _event(
        ticket,
        actor,
        TicketEventKind.ASSIGNED,
        assignee=user,
        text=note.strip(),
        from_status=from_status,
        to_status=ticket.status,
    )
    audit_record(
        actor=actor,
        action="update",
        obj=ticket,
        before=before,
        after={"owner_user_id": user.pk, "status": ticket.status},
    )
    return ticket


@transaction.atomic
def ticket_comment(*, actor: Any, ticket: Ticket, text: str) -> TicketEvent:
    """A note on the timeline, by anyone who sees the ticket and may take calls (the original unit too)."""
    require_perm(actor, Perm.TICKET_INTAKE)
    ticket = _locked(ticket)
    _require_visible(actor, ticket)
    if not text.strip():
        raise ApplicationError.field("text", _("Ghi nội dung ghi chú."))
    event = _event(ticket, actor, TicketEventKind.COMMENT, text=text.strip())
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=clock.now())
    audit_record(actor=actor, action="update", obj=ticket, details={"comment": text.strip()[:300]})
    return event


@transaction.atomic
def ticket_transition(*, actor: Any, ticket: Ticket, to: str, note: str = "") -> Ticket:
    """Move along the transition table: in progress, resolved, or reopened (the SLA restarts). Closing needs an
    outcome: `ticket_close`."""
    ticket = _locked(ticket)
    _require_owner_area(actor, ticket)
    if to == TicketStatus.CLOSED:
        raise ApplicationError.field("to", _("Đóng phiếu cần ghi kết quả xử lý: dùng chức năng Đóng phiếu."))
    _check_transition(ticket, to)
    if to == TicketStatus.ASSIGNED and ticket.owner_user_id is None:
        raise ApplicationError.field("owner_user_id", _("Chọn cán bộ xử lý để giao phiếu."))
    now = clock.now()
    from_status = ticket.status
    reopening = from_status in REOPEN_FROM
    ticket.status = to
    if to == TicketStatus.RESOLVED:
        ticket.resolved_at = now
    if reopening:
        ticket.resolved_at = None
        ticket.closed_at = None
        ticket.outcome = ""
        ticket.outcome_text = ""
        _restart_sla(ticket, now)
    ticket.save(
        update_fields=[
            "status",
            "resolved_at",
            "closed_at",
            "outcome",
            "outcome_text",
            "sla_hours",
            "due_at",
            "updated_at",
        ]
    )
    kind = TicketEventKind.REOPENED if reopening else TicketEventKind.STATUS
    _event(ticket, actor, kind, from_status=from_status, to_status=to, text=note.strip())
    audit_record(
        actor=actor,
        action="update",
        obj=ticket,
        before={"status": from_status},
        after={"status": to},
        details={"note": note.strip()[:300]},
    )
    return ticket


@transaction.atomic
def ticket_close(*, actor: Any, ticket: Ticket, outcome: str, outcome_text: str = "") -> Ticket:
    """Close with an outcome (required) and, if wanted, what was done."""
    ticket = _locked(ticket)
    _require_owner_area(actor, ticket)
    if outcome not in TicketOutcome.values:
        raise ApplicationError.field("outcome", _("Chọn kết quả xử lý để đóng phiếu."))
    _check_transition(ticket, TicketStatus.CLOSED)
    now = clock.now()
    from_status = ticket.status
    ticket.status = TicketStatus.CLOSED
    ticket.outcome = outcome
    ticket.outcome_text = outcome_text.strip()
    ticket.closed_at = now
    ticket.resolved_at = ticket.resolved_at or now
    ticket.save(update_fields=["status", "outcome", "outcome_text", "closed_at", "resolved_at", "updated_at"])
    label = TicketOutcome(outcome).label
    _event(
        ticket,
        actor,
        TicketEventKind.CLOSED,
        from_status=from_status,
        to_status=TicketStatus.CLOSED,
        text=f"{label}: {ticket.outcome_text}" if ticket.outcome_text else str(label),
    )
    audit_record(
        actor=actor,
        action="update",
        obj=ticket,
        before={"status": from_status},
        after={"status": TicketStatus.CLOSED, "outcome": outcome, "outcome_text": ticket.outcome_text},
    )
    return ticket


# What an officer may correct, and how the timeline names it.
TICKET_EDITABLE = {
    "category": gettext_lazy("loại phản ánh"),
    "priority": gettext_lazy("mức độ"),
    "caller_name": gettext_lazy("tên người báo"),
    "caller_phone": gettext_lazy("số điện thoại"),
    "place_text": gettext_lazy("địa điểm"),
    "text": gettext_lazy("nội dung"),
}


@transaction.atomic
def ticket_update(*, actor: Any, ticket: Ticket, **changes: Any) -> Ticket:
    """Correct what the caller said (category, priority, caller, place, text). A new category or priority
    moves the due time to what the policy gives counted from when the ticket was received (or last escalated)."""
    ticket = _locked(ticket)
    _require_owner_area(actor, ticket)
    unknown = [k for k in changes if k not in TICKET_EDITABLE]
    if unknown:
        raise ApplicationError.field(unknown[0], _("Không sửa được trường này."))
    before = snapshot(ticket)
    for key, value in changes.items():
        setattr(ticket, key, value.strip() if isinstance(value, str) else value)
    if "caller_phone" in changes:
        try:
            ticket.caller_phone = normalize_phone(ticket.caller_phone)
        except ApplicationError as exc:
            raise ApplicationError.field("caller_phone", exc.message) from exc
    _clean_intake(
        channel=ticket.channel,
        category=ticket.category,
        priority=ticket.priority,
        caller_phone=ticket.caller_phone,
        place_text=ticket.place_text,
        contact_handle=ticket.contact_handle,
        text=ticket.text,
    )
    if ("category" in changes or "priority" in changes) and ticket.is_open:
        start = ticket.escalated_at or ticket.received_at
        _restart_sla(ticket, start)
    save_validated(ticket, exclude=_FK)
    old, new = diff(before, snapshot(ticket))
    if new:
        changed = ", ".join(str(TICKET_EDITABLE.get(k, k)) for k in new if k in TICKET_EDITABLE)
        _event(ticket, actor, TicketEventKind.UPDATED, text=_("Sửa: %(f)s") % {"f": changed})
        audit_record(actor=actor, action="update", obj=ticket, before=old, after=new)
    return ticket


@transaction.atomic
def ticket_link(
    *,
    actor: Any,
    ticket: Ticket,
    person: Person | None = None,
    case_number: str | None = None,
    facility: Site | None = None,
) -> Ticket:
    """Link the ticket to a person, a case (by number; the caller checks it exists) or a facility. Only the
    links given change; a person or facility must be in the actor's area."""
    ticket = _locked(ticket)
    _require_owner_area(actor, ticket)
    before = {"person_id": ticket.person_id, "case_number": ticket.case_number, "facility_id": ticket.facility_id}
    parts: list[str] = []
    if person is not None:
        require_in_jurisdiction(actor, person.unit_path, field="person_id")
        ticket.person = person
        parts.append(_("người %(p)s") % {"p": person.full_name})
    if case_number is not None:
        ticket.case_number = case_number.strip().upper()[:30]
        if ticket.case_number:
            parts.append(_("ca %(n)s") % {"n": ticket.case_number})
    if facility is not None:
        require_in_jurisdiction(actor, facility.unit_path, field="facility_id")
        ticket.facility = facility
        parts.append(_("cơ sở %(f)s") % {"f": facility.name})
    ticket.save(update_fields=["person", "case_number", "facility", "updated_at"])
    after = {"person_id": ticket.person_id, "case_number": ticket.case_number, "facility_id": ticket.facility_id}
    old, new = diff(before, after)
    if new:
        _event(ticket, actor, TicketEventKind.LINKED, text=_("Liên kết: %(p)s") % {"p": ", ".join(parts)})
        audit_record(actor=actor, action="update", obj=ticket, before=old, after=new)
    return ticket
