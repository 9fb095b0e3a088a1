"""Background tasks of the vaccination domain: thin, idempotent, called with ids, enqueued on commit."""

from __future__ import annotations

from django_tasks import task

from chihuy.core.jobs import import_job_run


@task()
def dose_import_task(job_id: int) -> None:
    """Run a queued dose import (chihuy.vaccination.imports) and record its report on the job."""
    from chihuy.vaccination.imports import dose_import

    import_job_run(job_id, dose_import, pass_job_id=True)
