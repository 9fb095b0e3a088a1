"""What the ticket services share: saving with field errors, the timeline event, the SLA from policy, the
number sequence, the outbox alert to a centre, locking and the owner-area checks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import F
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from chihuy.accounts.access import in_jurisdiction, require_perm
from chihuy.accounts.roles import Perm
from chihuy.command.models import Ticket, TicketEvent, TicketSequence
from chihuy.command.tickets import notifications  # noqa: F401 — registers the ticket message templates
from chihuy.command.tickets.enums import (
    TICKET_TRANSITIONS,
    TicketCategory,
    TicketChannel,
    TicketPriority,
    TicketStatus,
)
from chihuy.core import clock
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.core.policies import policy_get
from chihuy.places.enums import UnitLevel
from chihuy.places.models import Unit

NUMBER_PREFIX = "PA"


_FK = ["unit", "origin_unit", "owner_user", "person", "facility", "created_by"]


def _next_number(year: int) -> str:
    """PA-2021-000123: a running number per year from a locked sequence row (never repeats under concurrency)."""
    TicketSequence.objects.get_or_create(year=year)
    TicketSequence.objects.filter(year=year).update(last=F("last") + 1)
    last = TicketSequence.objects.select_for_update().get(year=year).last
    return f"{NUMBER_PREFIX}-{year}-{last:06d}"


def sla_hours(*, category: str, priority: str, on: dt.date | None = None) -> float:
    """Hours to resolve, from the policy in force on `on`: the category's own row, else the default row."""
    table = policy_get("ticket.sla_hours", on=on)
    row = table.get(category) or {}
    hours = row.get(priority, table.get("default", {}).get(priority))
    if hours is None:
        raise ApplicationError.field("priority", _("Chưa có thời hạn xử lý cho mức độ này."))
    return float(hours)


def _restart_sla(ticket: Ticket, now: dt.datetime) -> None:
    ticket.sla_hours = sla_hours(category=ticket.category, priority=ticket.priority, on=clock.localdate(now))
    ticket.due_at = now + dt.timedelta(hours=ticket.sla_hours)


def _event(ticket: Ticket, actor: Any, kind: str, **values: Any) -> TicketEvent:
    user = actor if getattr(actor, "is_authenticated", False) else None
    return TicketEvent.objects.create(ticket=ticket, at=clock.now(), actor=user, kind=kind, **values)


def _owner_unit(unit: Unit) -> Unit:
    """Tickets are owned by a unit with a centre: a village's ticket belongs to its commune."""
    if unit.level == UnitLevel.VILLAGE and unit.parent_id:
        parent = Unit.objects.get(pk=unit.parent_id)
        return parent
    return unit


def ticket_url(ticket: Ticket) -> str:
    try:
        path = reverse("web:ticket", args=[ticket.pk])
    except NoReverseMatch:
        path = f"/tickets/{ticket.pk}/"
    return f"{getattr(settings, 'NOTIFY_SITE_URL', '').rstrip('/')}{path}"


def _alert(ticket: Ticket, unit: Unit, template: str, **extra: Any) -> None:
    """Tell the centre of `unit` (its on-duty officers and commander; else the centre's phone) through the
    outbox, in this transaction: the alert exists exactly when the ticket change does."""
    from chihuy.command.selectors import centre_alert_recipients, centre_for_unit
    from chihuy.notify.services import message_enqueue

    centre = centre_for_unit(unit)
    if centre is None:
        return
    users = centre_alert_recipients(centre)
    addresses = [] if users or not centre.phone else [("sms", centre.phone)]
    if not users and not addresses:
        return
    urgent = ticket.priority == TicketPriority.URGENT
    context = {
        "number": ticket.number,
        "unit": unit.name,
        "channel": str(TicketChannel(ticket.channel).label),
        "category": str(TicketCategory(ticket.category).label),
        "priority": str(TicketPriority(ticket.priority).label).lower(),
        "place": ticket.place_text,
        "text": ticket.text[:500],
        "caller": " ".join(p for p in (ticket.caller_name, ticket.caller_phone) if p),
        "due_at": clock.local(ticket.due_at).strftime("%H:%M %d/%m/%Y"),
        "urgent": urgent,
        "url": ticket_url(ticket),
        **extra,
    }
    message_enqueue(
        template=template,
        context=context,
        users=users,
        addresses=addresses,
        urgent=urgent,
        unit=unit,
        source=f"command.ticket:{ticket.pk}",
    )


def _locked(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update().select_related("unit").get(pk=ticket.pk)


def _require_owner_area(actor: Any, ticket: Ticket) -> None:
    """Work on a ticket belongs to its owner unit (and the levels above). The original unit keeps reading and
    commenting after an escalation, but the owner now decides."""
    require_perm(actor, Perm.TICKET_WORK)
    if not in_jurisdiction(actor, ticket.unit_path):
        if in_jurisdiction(actor, ticket.origin_unit_path):
            raise ApplicationError(
                ErrorCode.PERMISSION_DENIED,
                _("Phiếu đã chuyển lên %(u)s: đơn vị đó xử lý.") % {"u": ticket.unit.name},
            )
        raise ApplicationError.field("ticket", _("Không tìm thấy phiếu."), ErrorCode.NOT_FOUND)


def _require_visible(actor: Any, ticket: Ticket) -> None:
    if not (in_jurisdiction(actor, ticket.unit_path) or in_jurisdiction(actor, ticket.origin_unit_path)):
        raise ApplicationError.field("ticket", _("Không tìm thấy phiếu."), ErrorCode.NOT_FOUND)


def _check_transition(ticket: Ticket, to: str) -> None:
    if to not in TICKET_TRANSITIONS.get(ticket.status, set()):
        raise ApplicationError(
            ErrorCode.INVALID_TRANSITION,
            _("Không chuyển được phiếu từ “%(a)s” sang “%(b)s”.")
            % {
                "a": TicketStatus(ticket.status).label,
                "b": TicketStatus(to).label if to in TicketStatus.values else to,
            },
        )
