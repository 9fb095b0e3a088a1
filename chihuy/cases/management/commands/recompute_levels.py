"""`manage.py recompute_levels`: one full walk of the contact graph, writing only the levels that differ from the
stored ones (each with its reason). The incremental cascade keeps levels current; this is the nightly check
and the step after a bulk load."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from chihuy.cases.levels import recompute_all


class Command(BaseCommand):
    help = "Tính lại cấp F của mọi người từ toàn bộ đồ thị tiếp xúc (chỉ ghi những thay đổi, kèm lý do)."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        with transaction.atomic():
            outcome = recompute_all(reason="Tính lại toàn bộ (lệnh recompute_levels)")
        self.stdout.write(
            f"{len(outcome.changed)} thay đổi cấp F ({len(outcome.upgraded)} tăng, {len(outcome.downgraded)} giảm) "
            f"trong {time.perf_counter() - started:.1f} s."
        )
