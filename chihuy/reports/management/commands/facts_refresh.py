"""Keep the daily facts current: the incremental refresh from the rows changed since the last run (every minute
from cron or the worker), or `--rebuild` to recompute every fact from the raw rows (the first run, nightly as a
safety net: a case moved to another commune leaves its old commune stale until then). Prints one JSON line."""

from __future__ import annotations

import json
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from chihuy.core.audit import audit_context
from chihuy.reports.facts import facts_rebuild, facts_refresh, facts_updated_at


class Command(BaseCommand):
    help = "Cập nhật số liệu tổng hợp theo ngày (facts) từ các bản ghi thay đổi; --rebuild để tính lại toàn bộ."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rebuild", action="store_true", help="Tính lại toàn bộ từ dữ liệu gốc.")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        with audit_context(channel="cli"):
            result = facts_rebuild() if options["rebuild"] else facts_refresh()
        at = facts_updated_at()
        self.stdout.write(
            json.dumps(
                {
                    "full": result.full,
                    "units_recomputed": result.units,
                    "fact_rows_written": result.rows,
                    "facts_up_to": at.isoformat() if at else None,
                    "seconds": round(time.perf_counter() - started, 3),
                }
            )
        )
