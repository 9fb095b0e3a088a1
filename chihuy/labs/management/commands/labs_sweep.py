"""The turnaround sweep: tubes past the policy's target (12 hours) without a result alert their lab's technicians
and their commune's health staff, once per tube. Run it every 5 minutes (cron); it is idempotent."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from chihuy.core.audit import audit_context
from chihuy.labs.services import overdue_alert


class Command(BaseCommand):
    help = "Báo mẫu quá thời hạn trả kết quả (12 giờ) cho phòng xét nghiệm và xã, mỗi mẫu một lần."

    def handle(self, *args: Any, **options: Any) -> None:
        with audit_context(channel="cli"):
            alerted = overdue_alert()
        self.stdout.write(json.dumps({"overdue_samples_alerted": alerted}))
