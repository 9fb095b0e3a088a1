"""`manage.py close_stale_clusters [--on YYYY-MM-DD]`: close every active cluster with no new case for the
policy's number of days (the daily sweep; the worker runs the same service as `cluster_close_stale_task`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chihuy.cases.services import cluster_close_stale


class Command(BaseCommand):
    help = "Đóng các ổ dịch không có ca mới sau số ngày theo quy định."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--on", help="Ngày xét (YYYY-MM-DD); mặc định hôm nay.")

    def handle(self, *args: Any, **options: Any) -> None:
        on = None
        if options.get("on"):
            try:
                on = dt.date.fromisoformat(options["on"])
            except ValueError as exc:
                raise CommandError(f"Ngày không hợp lệ: {options['on']}") from exc
        closed = cluster_close_stale(on=on)
        self.stdout.write(f"Đã đóng {len(closed)} ổ dịch" + (f": {', '.join(map(str, closed))}." if closed else "."))
