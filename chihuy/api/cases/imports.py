"""Line-list import of historical cases over the API: upload a CSV/Excel file, get a job, watch its progress.

Every upload runs as a background job (the report of a large national list takes a while); the job's result
holds the same report as the web screen: created, skipped, links, clusters, duplicates, row errors.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import File, Router, Schema, Status, UploadedFile

from chihuy.accounts.selectors import job_get
from chihuy.cases import imports
from chihuy.core.errors import not_found

router = Router(tags=["case-imports"])


class CaseImportQueuedOut(Schema):
    job_id: int
    status_url: str


class CaseImportJobOut(Schema):
    """The job as /api/jobs shows it (the cases layer may not import the API layer's schema)."""

    id: int
    kind: str
    status: str
    input_name: str
    done: int
    total: int
    percent: int
    result: dict[str, Any] | None
    error: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


@router.post(
    "",
    response={202: CaseImportQueuedOut},
    summary="Nhập danh sách ca bệnh (CSV/Excel): kiểm tra mọi dòng trước, dựng lại chuỗi lây và ổ dịch; chạy nền",
)
def upload_case_list(request: HttpRequest, file: File[UploadedFile]) -> Any:
    actor = request.auth  # type: ignore[attr-defined]
    job = imports.case_import_enqueue(
        actor=actor, within=actor.unit_path, data=file.read(), filename=file.name or "upload.csv"
    )
    return Status(202, {"job_id": job.pk, "status_url": f"/api/case-imports/{job.pk}"})


@router.get("/{int:job_id}", response=CaseImportJobOut, summary="Tiến độ và kết quả một lượt nhập danh sách ca")
def get_case_import(request: HttpRequest, job_id: int) -> Any:
    job = job_get(actor=request.auth, job_id=job_id)  # type: ignore[attr-defined]
    if job.kind != imports.CASE_IMPORT:
        raise not_found()
    return job
