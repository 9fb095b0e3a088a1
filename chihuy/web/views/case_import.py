"""Nhập danh sách ca bệnh: upload a historical line list (CSV/Excel), see row errors, duplicates set aside,
the chains and clusters rebuilt; large files run in the background with progress (web:job)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from chihuy.accounts.roles import Perm
from chihuy.cases import imports
from chihuy.core.tabular import write_xlsx
from chihuy.web.views._common import import_upload, screen

# Files above this size go to the background worker; the user watches the job's progress.

# One made-up example row per form the importer accepts, shown on the page (not put in the template file,
# which would import it if uploaded unchanged).
EXAMPLE = {
    "so_ca": "BN17",
    "tuoi": "26",
    "gioi_tinh": "Nữ",
    "tinh": "Lai Châu",
    "huyen": "Tam Đường",
    "xa": "Bản Giang",
    "ngay_phat_hien": "06/03/2020",
    "ngay_lay_mau": "05/03/2020",
    "ngay_khoi_phat": "02/03/2020",
    "hinh_thuc": "Nhập cảnh",
    "nguon_lay": "BN3, NB 9 và 12",
    "o_dich": "Ổ dịch Bản Giang",
}


@screen(Perm.CASE_IMPORT)
def case_import(request: HttpRequest) -> HttpResponse:
    form, report, done = import_upload(request, enqueue=imports.case_import_enqueue, run=imports.case_line_list_import)
    if done is not None:
        return done
    return render(
        request,
        "web/cases/import.html",
        {"form": form, "report": report, "columns": imports.COLUMNS, "example": EXAMPLE},
    )


@screen(Perm.CASE_IMPORT)
def case_import_template(request: HttpRequest) -> HttpResponse:
    body = write_xlsx(title="Danh sach ca benh", headers=imports.COLUMNS, rows=[])
    response = HttpResponse(body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="mau-nhap-ca-benh.xlsx"'
    return response
