"""`manage.py load_units --province "Lào Cai" [--layout 2025]`: load a province's real unit tree."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from chihuy.core.errors import ApplicationError
from chihuy.places.enums import Layout
from chihuy.places.services import units_load_province


class Command(BaseCommand):
    help = "Nạp cây đơn vị hành chính thật của một tỉnh (mã GSO, tọa độ)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--province", required=True, help="Tên hoặc mã tỉnh, ví dụ “Lào Cai” hoặc 10")
        parser.add_argument(
            "--layout",
            choices=Layout.values,
            default=Layout.LEGACY,
            help="legacy: tỉnh–huyện–xã (2023); 2025: tỉnh–xã sau sáp nhập",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = units_load_province(province=options["province"], layout=options["layout"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        assert result.root is not None
        self.stdout.write(f"{result.root.name}: {result.created} đơn vị mới, {result.updated} đơn vị cập nhật.")
