"""Background tasks of the people registry: thin, idempotent, called with ids, enqueued on commit."""

from __future__ import annotations

from django_tasks import task

from chihuy.core.jobs import import_job_run

PERSON_IMPORT = "people.import"


@task()
def person_import_task(job_id: int) -> None:
    from chihuy.people.imports import person_import

    import_job_run(job_id, person_import)
