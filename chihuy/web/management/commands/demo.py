"""`manage.py demo`: load the demo province (idempotent) and print the URL and the demo accounts."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from chihuy.reports.facts import facts_rebuild
from chihuy.web.management.demo_command import build_command
from chihuy.web.management.demo_data import DEMO_PASSWORD, build
from chihuy.web.management.demo_isolation import seed_isolation
from chihuy.web.management.demo_labs import build_labs
from chihuy.web.management.demo_levels import seed_levels
from chihuy.web.management.demo_reports import seed_reports
from chihuy.web.management.demo_tickets import build_tickets
from chihuy.web.management.demo_tracing import seed_tracing
from chihuy.web.management.demo_vaccination import seed_vaccination


class Command(BaseCommand):
    help = "Nạp dữ liệu demo: đơn vị thật của Lai Châu, thôn bản demo, dân số ước tính, người demo, tài khoản demo."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000/")

    def handle(self, *args: Any, **options: Any) -> None:
        result = build()
        self.stdout.write(build_command()["summary"])
        self.stdout.write(f"{build_tickets()['tickets_created']} phiếu phản ánh demo mới (đường dây nóng).")
        self.stdout.write(f"{build_labs()['tubes_created']} ống mẫu xét nghiệm demo mới (đợt lấy mẫu Bản Giang).")
        isolation = seed_isolation()
        self.stdout.write(
            f"{isolation['facilities_created']} khu cách ly / cơ sở điều trị demo mới, "
            f"{isolation['stays_created']} người cách ly demo mới (Tam Đường)."
        )
        self.stdout.write(
            "{checkins_created} lượt quét mã QR demo mới, {candidates_created} F1 dự kiến mới.".format(**seed_tracing())
        )
        vaccination = seed_vaccination()
        self.stdout.write(f"{vaccination['doses_created']} mũi tiêm demo mới (Tam Đường, 2021).")
        # The dashboards, levels and reports read the daily facts: count them once from everything seeded above.
        facts = facts_rebuild()
        self.stdout.write(f"Số liệu tổng hợp theo ngày: {facts.rows} dòng cho {facts.units} đơn vị.")
        levels = seed_levels()
        self.stdout.write(f"{levels['assessments_created']} đánh giá cấp độ dịch demo mới ({levels['weeks']} tuần).")
        self.stdout.write(f"{seed_reports()['reports_created']} báo cáo ngày demo mới (Tam Đường, 08–12/11/2021).")
        self.stdout.write(
            f"{result['root'].name}: {result['communes']} xã; {result['villages_created']} thôn bản demo mới; "
            f"{result['people_created']} người demo mới; {result['cases_created']} ca F0 demo mới (ổ dịch Bản Giang)."
        )
        self.stdout.write("")
        self.stdout.write(f"Mở {options['url']} và đăng nhập bằng một tài khoản demo (mật khẩu: {DEMO_PASSWORD}):")
        for account in result["accounts"]:
            self.stdout.write(f"  {account.username:<18} {account.role:<32} {account.unit}")
