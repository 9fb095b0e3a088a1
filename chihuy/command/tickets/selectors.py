"""Reads of tickets, jurisdiction-scoped: a ticket is visible under its owner unit's path and under the path of
the unit where it started (so an escalated ticket stays on the original unit's screens, read-only)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet

from chihuy.accounts.access import require_perm, scope_q, view_path
from chihuy.accounts.roles import Perm
from chihuy.command.models import Ticket, TicketEvent
from chihuy.command.tickets.enums import OPEN_STATUSES, TicketStatus
from chihuy.core import clock
from chihuy.core.errors import not_found
from chihuy.core.pagination import Page, keyset_page

# "state" filters of the list besides a single status.
STATE_OPEN = "open"
STATE_ALL = "all"


def ticket_visible_qs(actor: Any, *, within: str | None = None) -> QuerySet[Ticket]:
    return Ticket.objects.filter(
        scope_q(actor, within=within) | scope_q(actor, field="origin_unit_path", within=within)
    )


def _filtered(
    actor: Any,
    *,
    within: str | None,
    state: str,
    category: str,
    priority: str,
    overdue: bool,
    owned: bool,
    q: str,
) -> QuerySet[Ticket]:
    qs = ticket_visible_qs(actor, within=within)
    if state == STATE_OPEN or overdue:
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif state in TicketStatus.values:
        qs = qs.filter(status=state)
    if overdue:
        qs = qs.filter(due_at__lte=clock.now())
    if category:
        qs = qs.filter(category=category)
    if priority:
        qs = qs.filter(priority=priority)
    if owned:
        # "My unit's": owned by the unit being viewed (not merely started there, nor below it).
        qs = qs.filter(unit_path=view_path(actor, within))
    q = q.strip()
    if q:
        digits = "".join(ch for ch in q if ch.isdigit())
        cond = Q(number__iendswith=q) | Q(number__iexact=q)
        if len(digits) >= 6:
            cond |= Q(caller_phone__endswith=digits[-9:])
        qs = qs.filter(cond)
    return qs


def ticket_list(
    *,
    actor: Any,
    within: str | None = None,
    state: str = STATE_OPEN,
    category: str = "",
    priority: str = "",
    overdue: bool = False,
    owned: bool = False,
    q: str = "",
    cursor: str | None = None,
    limit: int = 50,
) -> Page[Ticket]:
    """Earliest due first: what is overdue (or soonest to be) at the top; keyset-paginated."""
    require_perm(actor, Perm.CENTRE_VIEW)
    qs = _filtered(
        actor,
        within=within,
        state=state,
        category=category,
        priority=priority,
        overdue=overdue,
        owned=owned,
        q=q,
    ).select_related("unit", "origin_unit", "owner_user")
    return keyset_page(qs, order=["due_at", "id"], cursor=cursor, limit=limit)


def ticket_export_rows(
    *,
    actor: Any,
    within: str | None = None,
    state: str = STATE_OPEN,
    category: str = "",
    priority: str = "",
    overdue: bool = False,
    owned: bool = False,
    q: str = "",
    cap: int = 20_000,
) -> list[Ticket]:
    """The same filter as the list, for the Excel export (capped)."""
    require_perm(actor, Perm.CENTRE_VIEW)
    qs = _filtered(
        actor,
        within=within,
        state=state,
        category=category,
        priority=priority,
        overdue=overdue,
        owned=owned,
        q=q,
    )
    return list(qs.select_related("unit", "origin_unit", "owner_user").order_by("due_at", "id")[:cap])


def ticket_get(*, actor: Any, ticket_id: int) -> Ticket:
    require_perm(actor, Perm.CENTRE_VIEW)
    ticket = (
        ticket_visible_qs(actor)
        .select_related("unit", "origin_unit", "owner_user", "person", "facility", "created_by")
        .filter(pk=ticket_id)
        .first()
    )
    if ticket is None:
        raise not_found()
    return ticket


def ticket_timeline(ticket: Ticket) -> list[TicketEvent]:
    return list(
        TicketEvent.objects.filter(ticket=ticket)
        .select_related("actor", "from_unit", "to_unit", "assignee")
        .order_by("at", "id")
    )


def ticket_counts(*, actor: Any, within: str | None = None) -> dict[str, int]:
    """Open, overdue and escalated-to-here counts of the unit being viewed (for a badge or a briefing)."""
    require_perm(actor, Perm.CENTRE_VIEW)
    now = clock.now()
    row = ticket_visible_qs(actor, within=within).aggregate(
        open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
        overdue=Count("id", filter=Q(status__in=OPEN_STATUSES, due_at__lte=now)),
        escalated=Count("id", filter=Q(status__in=OPEN_STATUSES, escalation_level__gt=0)),
    )
    return {k: int(v or 0) for k, v in row.items()}


def sla_left(ticket: Ticket, *, now: dt.datetime | None = None) -> dt.timedelta:
    """Time left before the due time (negative: overdue)."""
    return ticket.due_at - (now or clock.now())
