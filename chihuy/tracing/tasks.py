"""Background tasks of tracing: thin and idempotent (a second run the same day deletes nothing more)."""

from __future__ import annotations

from django_tasks import task


@task()
def checkins_purge_task() -> int:
    """The daily privacy job: delete the check-ins older than the policy's retention; returns how many."""
    from chihuy.tracing.services.retention import checkins_purge

    return checkins_purge()
