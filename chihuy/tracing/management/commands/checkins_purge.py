"""`manage.py checkins_purge [--on YYYY-MM-DD]`: delete the check-ins older than the policy's retention (28 days by
default) — the privacy job of issue 7; the worker runs the same service as `checkins_purge_task`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chihuy.tracing.services.retention import checkins_purge


class Command(BaseCommand):
    help = "Xóa các lượt quét mã cũ hơn thời hạn lưu theo quy định (mặc định 28 ngày)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--on", help="Ngày xét (YYYY-MM-DD); mặc định hôm nay.")

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options.get("on"):
            try:
                today = dt.date.fromisoformat(options["on"])
            except ValueError as exc:
                raise CommandError(f"Ngày không hợp lệ: {options['on']}") from exc
        deleted = checkins_purge(today=today)
        self.stdout.write(f"Đã xóa {deleted} lượt quét mã quá thời hạn lưu.")
