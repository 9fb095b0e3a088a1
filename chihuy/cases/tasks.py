"""Background tasks of the cases domain: thin, idempotent, called with ids, enqueued on commit."""

from __future__ import annotations

from django_tasks import task

from chihuy.core.jobs import import_job_run


@task()
def case_import_task(job_id: int) -> None:
    """Run a queued line-list import (chihuy.cases.imports) and record its report on the job."""
    from chihuy.cases.imports import case_line_list_import

    import_job_run(job_id, case_line_list_import)


@task()
def cluster_close_stale_task() -> list[int]:
    """The daily sweep: close clusters with no new case for the policy's days (idempotent: a closed cluster
    stays closed, a second run the same day closes nothing more)."""
    from chihuy.cases.services import cluster_close_stale

    return cluster_close_stale()
