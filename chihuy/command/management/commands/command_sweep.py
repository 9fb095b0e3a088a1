"""The scheduled sweep of the command centres: roster gaps in the coming hours → the centre's commander
(once per gap); tasks past their deadline → the assignee's centre and the issuing centre (once per task);
tickets unresolved past their SLA → escalated to the parent unit's centre (chihuy.command.tickets).

Run it every 15 minutes (cron or the worker's schedule); it is idempotent.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from chihuy.command import services
from chihuy.command.tickets.services import ticket_escalate_overdue
from chihuy.core.audit import audit_context


class Command(BaseCommand):
    help = "Báo khoảng trống lịch trực và nhiệm vụ quá hạn qua hộp thư đi (outbox)."

    def handle(self, *args: Any, **options: Any) -> None:
        with audit_context(channel="cli"):
            gaps = services.roster_gap_alerts()
            overdue = services.task_overdue_alerts()
            escalated = ticket_escalate_overdue()  # tickets past their SLA → the parent unit's centre
        result = {"roster_gap_alerts": gaps, "overdue_tasks_alerted": overdue, "tickets_escalated": len(escalated)}
        self.stdout.write(json.dumps(result))
