"""The daily-report sweep: every district and commune still without a submitted report of the latest reporting
day whose deadline passed (policy "reports.submission_deadline") is alerted through the outbox — its command
centre's officers on duty and commander, its health officers. Once per unit and day: run it every 15 minutes."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from chihuy.core.audit import audit_context
from chihuy.reports.daily import reports_sweep


class Command(BaseCommand):
    help = "Nhắc các đơn vị chưa gửi báo cáo ngày đã quá hạn (qua hộp thư đi)."

    def handle(self, *args: Any, **options: Any) -> None:
        with audit_context(channel="cli"):
            alerted = reports_sweep()
        self.stdout.write(json.dumps({"units_alerted": alerted}))
