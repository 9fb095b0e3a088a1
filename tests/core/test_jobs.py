"""The worker's run of a queued file import (core.jobs.import_job_run), shared by the people, case line-list and
dose imports: the importer gets the job's file and area; row errors, refusals and crashes each end the job with why."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from chihuy.core.errors import ApplicationError
from chihuy.core.jobs import import_job_run, job_create
from chihuy.core.models import Job, JobStatus

pytestmark = pytest.mark.django_db


@dataclass
class Report:
    errors: list[dict[str, Any]] = field(default_factory=list)
    seen: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"errors": self.errors, **self.seen}


def queued() -> Job:
    return job_create(kind="test.import", actor=None, unit_path="12/", payload=b"a,b\n1,2\n", input_name="x.csv")


def test_the_importer_gets_the_jobs_file_and_its_report_is_kept() -> None:
    job = queued()

    def importer(**kwargs: Any) -> Report:
        kwargs["progress"](1, 1)
        return Report(seen={"within": kwargs["within"], "data": kwargs["data"].decode(), "job": kwargs["job_id"]})

    import_job_run(job.pk, importer, pass_job_id=True)

    job.refresh_from_db()
    assert (job.status, job.result, job.payload) == (
        JobStatus.SUCCEEDED,
        {"errors": [], "within": "12/", "data": "a,b\n1,2\n", "job": job.pk},
        None,
    )


def test_row_errors_a_refusal_and_a_crash_each_fail_the_job_with_why() -> None:
    with_errors, refused, crashed = queued(), queued(), queued()

    import_job_run(with_errors.pk, lambda **_kw: Report(errors=[{"row": 2}, {"row": 3}]))
    import_job_run(refused.pk, lambda **_kw: (_ for _ in ()).throw(ApplicationError("invalid", "Tệp rỗng.")))
    with pytest.raises(RuntimeError):
        import_job_run(crashed.pk, lambda **_kw: (_ for _ in ()).throw(RuntimeError("boom")))

    rows = {j.pk: (j.status, j.error) for j in Job.objects.all()}
    assert rows == {
        with_errors.pk: (JobStatus.FAILED, "2 lỗi; không dòng nào được ghi."),
        refused.pk: (JobStatus.FAILED, "Tệp rỗng."),
        crashed.pk: (JobStatus.FAILED, "Lỗi hệ thống: RuntimeError"),
    }


def test_a_job_already_taken_is_not_run_twice() -> None:
    job = queued()
    calls: list[int] = []
    import_job_run(job.pk, lambda **_kw: calls.append(1) or Report())
    import_job_run(job.pk, lambda **_kw: calls.append(1) or Report())
    assert calls == [1]
