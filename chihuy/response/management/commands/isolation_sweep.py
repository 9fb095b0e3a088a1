"""The daily sweep of isolation: quarantine test days due become sampling targets in labs (one campaign per
quarantine area — or per commune for home isolation — and day), post-release monitorings past their last day close,
missed home check-ins alert the commune. Run it once a day (cron or the worker's schedule); it is idempotent.

It lives in `response` because sending test days to labs crosses domains (isolation may not import labs)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chihuy.accounts.models import User
from chihuy.core.audit import audit_context
from chihuy.response.isolation import isolation_sweep


class Command(BaseCommand):
    help = (
        "Quét hằng ngày: giao xét nghiệm đến hạn của người cách ly cho đợt lấy mẫu, kết thúc theo dõi sức khỏe "
        "hết hạn, báo hộ cách ly tại nhà quá hạn khai báo."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--actor",
            default="",
            help="Tài khoản lập đợt lấy mẫu (quyền campaign.manage, địa bàn bao trùm các khu cách ly).",
        )
        parser.add_argument("--on", default="", help="Ngày quét (YYYY-MM-DD); mặc định hôm nay.")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = None
        if options["actor"]:
            actor = User.objects.filter(username=options["actor"], is_active=True).first()
            if actor is None:
                raise CommandError(f"Không có tài khoản đang hoạt động “{options['actor']}”.")
        on = dt.date.fromisoformat(options["on"]) if options["on"] else None
        with audit_context(channel="cli"):
            result = isolation_sweep(actor=actor, on=on)
        self.stdout.write(json.dumps(result, ensure_ascii=False))
