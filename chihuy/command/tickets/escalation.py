"""Escalation to the parent unit's centre, by an officer or by the SLA sweep."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from chihuy.command.models import Ticket
from chihuy.command.tickets import notifications  # noqa: F401 — registers the ticket message templates
from chihuy.command.tickets._common import (
    _alert,
    _event,
    _locked,
    _require_owner_area,
    _restart_sla,
)
from chihuy.command.tickets.enums import (
    OPEN_STATUSES,
    TicketEventKind,
    TicketStatus,
)
from chihuy.core import clock
from chihuy.core.audit import audit_record
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.places.models import Unit


def _escalate(ticket: Ticket, actor: Any, *, reason: str, automatic: bool) -> Ticket:
    if not ticket.is_open:
        raise ApplicationError(ErrorCode.INVALID_TRANSITION, _("Chỉ chuyển cấp trên phiếu chưa giải quyết."))
    from_unit = ticket.unit
    if from_unit.parent_id is None:
        raise ApplicationError.field("ticket", _("%(u)s không có cấp trên để chuyển.") % {"u": from_unit.name})
    to_unit = Unit.objects.get(pk=from_unit.parent_id)
    now = clock.now()
    from_status = ticket.status
    ticket.unit = to_unit
    ticket.unit_path = to_unit.path
    ticket.owner_user = None
    ticket.status = TicketStatus.NEW
    ticket.escalation_level += 1
    ticket.escalated_at = now
    _restart_sla(ticket, now)
    ticket.save(
        update_fields=[
            "unit",
            "unit_path",
            "owner_user",
            "status",
            "escalation_level",
            "escalated_at",
            "sla_hours",
            "due_at",
            "updated_at",
        ]
    )
    if automatic:
        # `reason` is the missed due time, already formatted by the sweep.
        text = _("Quá hạn xử lý (hạn %(d)s): tự động chuyển từ %(a)s lên %(b)s.") % {
            "d": reason,
            "a": from_unit.name,
            "b": to_unit.name,
        }
    else:
        text = _("Chuyển từ %(a)s lên %(b)s: %(r)s") % {"a": from_unit.name, "b": to_unit.name, "r": reason}
    _event(
        ticket,
        actor,
        TicketEventKind.ESCALATED,
        from_unit=from_unit,
        to_unit=to_unit,
        from_status=from_status,
        to_status=TicketStatus.NEW,
        text=text,
        automatic=automatic,
    )
    audit_record(
        actor=actor,
        action="update",
        obj=ticket,
        unit_path=ticket.origin_unit_path,
        before={"unit_id": from_unit.pk, "unit_path": from_unit.path, "status": from_status},
        after={"unit_id": to_unit.pk, "unit_path": to_unit.path, "status": TicketStatus.NEW},
        details={"escalated": True, "automatic": automatic, "reason": reason},
    )
    _alert(
        ticket,
        to_unit,
        "command.ticket_escalated",
        from_unit=from_unit.name,
        to_unit=to_unit.name,
        automatic=automatic,
        reason=reason,
    )
    return ticket


@transaction.atomic
def ticket_escalate(*, actor: Any, ticket: Ticket, reason: str) -> Ticket:
    """Hand the ticket to the parent unit's centre (a request for support, beyond the unit's means): the parent
    owns it now with a fresh SLA; the original unit still reads it and sees the escalation on its timeline."""
    ticket = _locked(ticket)
    _require_owner_area(actor, ticket)
    if not reason.strip():
        raise ApplicationError.field("reason", _("Ghi lý do chuyển cấp trên."))
    return _escalate(ticket, actor, reason=reason.strip(), automatic=False)


def ticket_escalate_overdue(*, now: dt.datetime | None = None) -> list[Ticket]:
    """The sweep: every unresolved ticket past its due time goes to the parent unit's centre, one by one in its
    own transaction. Idempotent: an escalated ticket's SLA restarts, so a second run at the same time finds
    nothing; a ticket already at the top of the tree stays where it is."""
    moment = now or clock.now()
    ids = list(
        Ticket.objects.filter(status__in=OPEN_STATUSES, due_at__lte=moment, unit__parent__isnull=False)
        .order_by("due_at", "id")
        .values_list("pk", flat=True)
    )
    done: list[Ticket] = []
    for pk in ids:
        with transaction.atomic():
            ticket = Ticket.objects.select_for_update().select_related("unit").get(pk=pk)
            # Re-checked under the lock: another sweep or an officer may have acted in between.
            if not ticket.is_open or ticket.due_at > moment or ticket.unit.parent_id is None:
                continue
            reason = clock.local(ticket.due_at).strftime("%H:%M %d/%m/%Y")
            done.append(_escalate(ticket, None, reason=reason, automatic=True))
    return done
