"""Nhập danh sách ca bệnh: upload a historical line list (CSV/Excel), see row errors, duplicates set aside,
the chains and clusters rebuilt; large files run in the background with progress (web:job)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from chihuy.accounts.roles import Perm
from chihuy.cases import imports
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.core.tabular import write_xlsx
from chihuy.web.forms import UploadForm
from chihuy.web.views._common import scope, screen

# Files above this size go to the background worker; the user watches the job's progress.
BACKGROUND_IMPORT_BYTES = 256 * 1024

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
    report = None
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            data = upload.read()
            try:
                if len(data) > BACKGROUND_IMPORT_BYTES or request.POST.get("background"):
                    job = imports.case_import_enqueue(
                        actor=request.user, within=scope(request), data=data, filename=upload.name
                    )
                    return redirect("web:job", job_id=job.pk)
                report = imports.case_line_list_import(
                    actor=request.user, within=scope(request), data=data, filename=upload.name
                ).as_dict()
            except ApplicationError as exc:
                if exc.code == ErrorCode.PERMISSION_DENIED:
                    raise
                form.add_error("file", exc.message)
    else:
        form = UploadForm()
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
