"""The weekly epidemic-level assessment (cron, e.g. Monday 08:00 after `facts_refresh`): every province, district
and commune for the week ending on `--week-end` (default: the last closed reporting day), by the rule set in
force that day. Decided levels are kept; their computed fields follow the data. Prints one JSON line."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chihuy.core.audit import audit_context
from chihuy.reports.assess import last_completed_day, levels_assess_all


class Command(BaseCommand):
    help = "Đánh giá cấp độ dịch của mọi tỉnh, huyện, xã cho tuần kết thúc ngày --week-end (mặc định: hôm qua)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--week-end", help="Ngày báo cáo cuối tuần (YYYY-MM-DD).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            week_end = dt.date.fromisoformat(options["week_end"]) if options["week_end"] else last_completed_day()
        except ValueError as exc:
            raise CommandError(f"--week-end: {exc}") from exc
        started = time.perf_counter()
        with audit_context(channel="cli"):
            run = levels_assess_all(week_end=week_end)
        self.stdout.write(
            json.dumps(
                {
                    "week_end": week_end.isoformat(),
                    "rule_set": run.rule_set,
                    "units": run.units,
                    "created": run.created,
                    "updated": run.updated,
                    "changed": run.changed,
                    "by_level": {str(k): v for k, v in sorted(run.by_level.items())},
                    "seconds": round(time.perf_counter() - started, 3),
                }
            )
        )
