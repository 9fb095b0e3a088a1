"""Writes of tickets, one module per topic (intake, work, escalation); every write adds one TicketEvent to the
timeline and one audit row, and alerts go to the outbox in the same transaction."""

from chihuy.command.tickets._common import sla_hours, ticket_url
from chihuy.command.tickets.escalation import ticket_escalate, ticket_escalate_overdue
from chihuy.command.tickets.intake import ticket_from_system, ticket_intake, ticket_public_submit
from chihuy.command.tickets.work import (
    TICKET_EDITABLE,
    assignable_users,
    ticket_assign,
    ticket_close,
    ticket_comment,
    ticket_link,
    ticket_transition,
    ticket_update,
)

__all__ = [
    "TICKET_EDITABLE",
    "assignable_users",
    "sla_hours",
    "ticket_assign",
    "ticket_close",
    "ticket_comment",
    "ticket_escalate",
    "ticket_escalate_overdue",
    "ticket_from_system",
    "ticket_intake",
    "ticket_link",
    "ticket_public_submit",
    "ticket_transition",
    "ticket_update",
    "ticket_url",
]
