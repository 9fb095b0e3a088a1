"""Background tasks of response: thin, idempotent, called with ids, enqueued on commit."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django_tasks import task

from chihuy.core.errors import ApplicationError
from chihuy.core.jobs import job_fail, job_finish, job_progress, job_start
from chihuy.core.models import Job


@task()
def results_import_task(job_id: int) -> None:
    """Run a queued lab result file (chihuy.response.labs.results_import) and record its report on the job. A
    file with wrong rows still applies its valid rows: the job succeeds and its report lists the errors."""
    from chihuy.labs.models import Lab
    from chihuy.response.labs import results_import

    job = Job.objects.select_related("created_by").get(pk=job_id)
    if not job_start(job):
        return
    try:
        lab = Lab.objects.get(pk=job.params["lab_id"])
        report = results_import(
            actor=job.created_by,
            lab=lab,
            data=bytes(job.payload or b""),
            filename=job.input_name,
            progress=job_progress(job),
            source=f"file:job#{job.pk}",
        )
    except ApplicationError as exc:
        job_fail(job, exc.message, {"code": exc.code, "details": exc.details})
        return
    except Exception as exc:  # a worker must record why a job died, whatever it was
        job_fail(job, _("Lỗi hệ thống: %(err)s") % {"err": exc.__class__.__name__})
        raise
    job_finish(job, report.as_dict())


@task()
def labs_overdue_task() -> int:
    """The turnaround sweep (every few minutes): alert each overdue tube once."""
    from chihuy.labs.services import overdue_alert

    return overdue_alert()


@task()
def exposures_batch_task(job_id: int) -> None:
    """Run a queued batch of exposure searches (chihuy.response.exposure.exposures_batch) with progress."""
    from chihuy.response.exposure import exposures_batch

    job = Job.objects.select_related("created_by").get(pk=job_id)
    if not job_start(job):
        return
    try:
        run = exposures_batch(actor=job.created_by, within=job.params["within"], progress=job_progress(job))
    except ApplicationError as exc:
        job_fail(job, exc.message, {"code": exc.code, "details": exc.details})
        return
    except Exception as exc:  # a worker must record why a job died, whatever it was
        job_fail(job, _("Lỗi hệ thống: %(err)s") % {"err": exc.__class__.__name__})
        raise
    job_finish(
        job,
        {
            "run_id": run.pk,
            "sources": run.sources,
            "visits": run.visits,
            "hits": run.hits,
            "new_candidates": run.new_candidates,
            "elapsed_ms": run.elapsed_ms,
        },
    )
