"""`manage.py escalate_tickets`: the SLA sweep — every unresolved ticket past its due time goes to the parent
unit's centre, which is alerted through the outbox. Idempotent (an escalated ticket's SLA restarts); run it
every few minutes from cron or the worker's schedule."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from chihuy.command.tickets.services import ticket_escalate_overdue
from chihuy.core.audit import audit_context


class Command(BaseCommand):
    help = "Tự động chuyển cấp trên các phiếu phản ánh quá hạn xử lý."

    def handle(self, *args: Any, **options: Any) -> None:
        with audit_context(channel="cli"):
            escalated = ticket_escalate_overdue()
        self.stdout.write(json.dumps({"tickets_escalated": [t.number for t in escalated]}, ensure_ascii=False))
