"""`manage.py notify_worker [--once] [--batch N] [--lease S]`: deliver the outbox (see chihuy.notify.worker).

Runs until stopped (SIGTERM/SIGINT finish the current batch first); `--once` delivers what is due and exits.
Several workers may run side by side: each claims its own rows under a lease.
"""

from __future__ import annotations

import signal
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from chihuy.notify.worker import drain, new_worker_id, process_batch


class Command(BaseCommand):
    help = "Gửi tin nhắn trong hàng đợi (email, SMS, Zalo, webhook), gửi lại khi lỗi."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Gửi hết tin đến hạn rồi dừng.")
        parser.add_argument("--batch", type=int, default=100, help="Số lượt gửi nhận mỗi lần (mặc định 100).")
        parser.add_argument("--lease", type=float, default=60.0, help="Giây giữ một lô trước khi worker khác lấy lại.")
        parser.add_argument("--idle", type=float, default=1.0, help="Giây chờ khi không có gì để gửi.")

    def handle(self, *args: Any, **options: Any) -> None:
        worker_id = new_worker_id()
        batch, lease = max(1, options["batch"]), max(1.0, options["lease"])
        if options["once"]:
            total = drain(worker_id=worker_id, batch=batch, lease_seconds=lease)
            self.stdout.write(
                f"{worker_id}: đã gửi {total.sent}, lỗi {total.failed}, hỏng {total.dead}, hoãn {total.postponed}."
            )
            return
        stopping = False

        def stop(_signum: int, _frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"{worker_id}: bắt đầu (lô {batch}, giữ {lease:g} s).")
        while not stopping:
            close_old_connections()
            result = process_batch(worker_id=worker_id, batch=batch, lease_seconds=lease)
            if result.claimed:
                self.stdout.write(
                    f"{worker_id}: nhận {result.claimed}, gửi {result.sent}, lỗi {result.failed}, "
                    f"hỏng {result.dead}, hoãn {result.postponed}."
                )
                self.stdout.flush()
            else:
                time.sleep(options["idle"])
        self.stdout.write(f"{worker_id}: dừng.")
