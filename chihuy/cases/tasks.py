"""Background tasks of the cases domain: thin, idempotent, called with ids, enqueued on commit."""

from __future__ import annotations

from django_tasks import task


@task()
def cluster_close_stale_task() -> list[int]:
    """The daily sweep: close clusters with no new case for the policy's days (idempotent: a closed cluster
    stays closed, a second run the same day closes nothing more)."""
    from chihuy.cases.services import cluster_close_stale

    return cluster_close_stale()
