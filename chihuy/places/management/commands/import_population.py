"""`manage.py import_population FILE --unit 12`: import populations by unit and age band (CSV/Excel)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from chihuy.core.errors import ApplicationError
from chihuy.places.models import Unit
from chihuy.places.services import population_import


class Command(BaseCommand):
    help = "Nhập dân số theo đơn vị và nhóm tuổi từ CSV/Excel (cột: ma_don_vi, nam, 0-11, 12-17, 18-49, 50-64, 65+)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--unit", required=True, help="Đường dẫn hoặc mã đơn vị gốc, ví dụ 12/")
        parser.add_argument("--source", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        key = options["unit"]
        unit = (
            Unit.objects.filter(path=key if key.endswith("/") else key + "/").first()
            or Unit.objects.filter(code=key).first()
        )
        if unit is None:
            raise CommandError(f"Không tìm thấy đơn vị {key}")
        try:
            report = population_import(
                actor=None, within=unit, data=path.read_bytes(), filename=path.name, source=options["source"]
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        for error in report.errors:
            self.stderr.write(f"Dòng {error['row']}, cột {error['field']}: {error['message']}")
        if report.errors:
            raise CommandError(f"{len(report.errors)} lỗi; không dòng nào được ghi.")
        self.stdout.write(f"Đã nhập {report.applied_rows}/{report.total_rows} dòng.")
