"""Background tasks of the vaccination domain: thin, idempotent, called with ids, enqueued on commit."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django_tasks import task

from chihuy.core.errors import ApplicationError
from chihuy.core.jobs import job_fail, job_finish, job_progress, job_start
from chihuy.core.models import Job


@task()
def dose_import_task(job_id: int) -> None:
    """Run a queued dose import (chihuy.vaccination.imports) and record its report on the job."""
    from chihuy.vaccination.imports import dose_import

    job = Job.objects.select_related("created_by").get(pk=job_id)
    if not job_start(job):
        return
    try:
        report = dose_import(
            actor=job.created_by,
            within=job.unit_path,
            data=bytes(job.payload or b""),
            filename=job.input_name,
            progress=job_progress(job),
            job_id=job.pk,
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
