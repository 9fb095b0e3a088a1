"""Background jobs: create one in the request, run it in a worker task, report progress as it goes.

Progress writes use `.update()` outside the job's own transaction so that a watcher sees them while
the work itself is still uncommitted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from django.db import transaction
from django.utils.translation import gettext as _

from chihuy.core import clock
from chihuy.core.errors import ApplicationError
from chihuy.core.models import Job, JobStatus


@transaction.atomic
def job_create(
    *,
    kind: str,
    actor: Any,
    unit_path: str,
    payload: bytes | None = None,
    input_name: str = "",
    params: dict[str, Any] | None = None,
) -> Job:
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return Job.objects.create(
        kind=kind,
        created_by=actor if is_user else None,
        unit_path=unit_path,
        payload=payload,
        input_name=input_name[:255],
        params=params or {},
    )


def job_start(job: Job) -> bool:
    """Mark the job running; False if another worker already took it (tasks may be delivered twice)."""
    taken = Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=clock.now()
    )
    return bool(taken)


def job_progress(job: Job) -> Callable[[int, int], None]:
    """A callback `(done, total)` that records progress at most every 1% (and at the end)."""
    last = {"pct": -1}

    def report(done: int, total: int) -> None:
        pct = int(100 * done / total) if total else 100
        if pct != last["pct"] or done == total:
            last["pct"] = pct
            Job.objects.filter(pk=job.pk).update(done=done, total=total)

    return report


def job_finish(job: Job, result: dict[str, Any]) -> None:
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.SUCCEEDED, result=result, finished_at=clock.now(), payload=None
    )


def job_fail(job: Job, message: str, result: dict[str, Any] | None = None) -> None:
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.FAILED, error=message[:2000], result=result, finished_at=clock.now(), payload=None
    )


class ImportReport(Protocol):
    @property
    def errors(self) -> Sequence[Any]: ...

    def as_dict(self) -> dict[str, Any]: ...


def import_job_run(job_id: int, importer: Callable[..., ImportReport], *, pass_job_id: bool = False) -> None:
    """Run a queued file import (people, case line lists, doses …) in the worker: the importer gets the job's
    actor, area, file and a progress callback (and the job's id if it records it on rows). A report with row errors
    fails the job with nothing written; an ApplicationError fails it with its message; anything else is recorded
    on the job and raised again for the worker's log."""
    job = Job.objects.select_related("created_by").get(pk=job_id)
    if not job_start(job):
        return
    extra = {"job_id": job.pk} if pass_job_id else {}
    try:
        report = importer(
            actor=job.created_by,
            within=job.unit_path,
            data=bytes(job.payload or b""),
            filename=job.input_name,
            progress=job_progress(job),
            **extra,
        )
    except ApplicationError as exc:
        job_fail(job, exc.message, {"code": exc.code, "details": exc.details})
        return
    except Exception as exc:  # a worker must record why a job died, whatever it was
        job_fail(job, _("Lỗi hệ thống: %(err)s") % {"err": exc.__class__.__name__})
        raise
    if report.errors:
        job_fail(job, _("%(n)s lỗi; không dòng nào được ghi.") % {"n": len(report.errors)}, report.as_dict())
    else:
        job_finish(job, report.as_dict())
