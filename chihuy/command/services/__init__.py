"""Writes of centres, members, the roster, directives and tasks (tickets live in command/tickets/)."""

from chihuy.command.services.centres import (
    centre_create,
    centre_update,
    member_add,
    member_deactivate,
    member_update,
)
from chihuy.command.services.directives import (
    TaskSpec,
    directive_close,
    directive_create,
    directive_issue,
    task_add,
    task_overdue_alerts,
    task_report,
)
from chihuy.command.services.roster import (
    handover_acknowledge,
    handover_create,
    roster_gap_alerts,
    roster_plan,
    roster_templates,
    shift_cancel,
    shift_create,
    swap_accept,
    swap_approve,
    swap_cancel,
    swap_decline,
    swap_request,
)

__all__ = [
    "TaskSpec",
    "centre_create",
    "centre_update",
    "directive_close",
    "directive_create",
    "directive_issue",
    "handover_acknowledge",
    "handover_create",
    "member_add",
    "member_deactivate",
    "member_update",
    "roster_gap_alerts",
    "roster_plan",
    "roster_templates",
    "shift_cancel",
    "shift_create",
    "swap_accept",
    "swap_approve",
    "swap_cancel",
    "swap_decline",
    "swap_request",
    "task_add",
    "task_overdue_alerts",
    "task_report",
]
