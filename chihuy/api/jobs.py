"""Background jobs: status, progress and report of long work the user started."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from chihuy.accounts.selectors import job_get

router = Router(tags=["jobs"])


class JobOut(Schema):
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


@router.get("/{int:job_id}", response=JobOut, summary="Tiến độ và kết quả một công việc chạy nền")
def get_job(request: HttpRequest, job_id: int) -> Any:
    return job_get(actor=request.auth, job_id=job_id)  # type: ignore[attr-defined]
