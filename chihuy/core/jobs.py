"""Background jobs: create one in the request, run it in a worker task, report progress as it goes.

Progress writes use `.update()` outside the job's own transaction so that a watcher sees them while
the work itself is still uncommitted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

from chihuy.core import clock
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
