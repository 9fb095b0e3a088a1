"""Bulk import in the background: a job with progress and the same report; jobs are private to their owner."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from chihuy.core import clock
from chihuy.core.models import Job, JobStatus
from chihuy.people.models import Person
from tests.conftest import BAN_GIANG, TAM_DUONG

GOOD = (
    "ho_ten,nam_sinh,gioi_tinh,ma_don_vi\n"
    "Lò Văn Một,1970,Nam,03418\n"
    "Lò Thị Hai,1972,Nữ,03418\n"
    "Tòng Văn Ba,1990,Nam,03418\n"
).encode()


def upload(client: Any, data: bytes, name: str = "ds.csv") -> Any:
    return client.post("/api/people/import?background=true", {"file": SimpleUploadedFile(name, data)})


def test_background_import_reports_progress_and_result(
    make_user: Any, api_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    officer = make_user("health_officer", BAN_GIANG)
    client = api_client(officer)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = upload(client, GOOD)
    assert len(callbacks) == 1  # the task is enqueued only once the job row is committed
    assert response.status_code == 202, response.content
    job_id = response.json()["job_id"]
    status = client.get(f"/api/jobs/{job_id}")
    assert status.status_code == 200
    body = status.json()
    assert body["status"] == JobStatus.SUCCEEDED
    assert (body["done"], body["total"], body["percent"]) == (3, 3, 100)
    assert body["result"]["created"] == 3
    assert Person.objects.filter(unit_path__under=BAN_GIANG).count() == 3
    assert Job.objects.get(pk=job_id).payload is None  # the file is not kept after the job


def test_background_import_with_a_bad_row_fails_and_writes_nothing(
    make_user: Any, api_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    officer = make_user("health_officer", BAN_GIANG)
    client = api_client(officer)
    bad = GOOD + "Hà Văn Bốn,2099,Nam,03418\n".encode()
    with django_capture_on_commit_callbacks(execute=True):
        job_id = upload(client, bad).json()["job_id"]
    body = client.get(f"/api/jobs/{job_id}").json()
    assert body["status"] == JobStatus.FAILED
    assert body["result"]["errors"] == [
        {"row": 5, "field": "birth_year", "message": f"Năm sinh phải từ 1900 đến {clock.today().year}."}
    ]
    assert not Person.objects.exists()


def test_a_file_of_the_wrong_kind_is_refused_before_queueing(make_user: Any, api_client: Any) -> None:
    officer = make_user("health_officer", BAN_GIANG)
    response = upload(api_client(officer), b"%PDF-1.4", name="ds.pdf")
    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "file"
    assert not Job.objects.exists()


def test_someone_elses_job_is_not_found(make_user: Any, api_client: Any) -> None:
    owner = make_user("health_officer", BAN_GIANG)
    job_id = upload(api_client(owner), GOOD).json()["job_id"]
    colleague = make_user("health_officer", BAN_GIANG)
    assert api_client(colleague).get(f"/api/jobs/{job_id}").status_code == 404
    district_admin = make_user("sysadmin", TAM_DUONG)
    assert api_client(district_admin).get(f"/api/jobs/{job_id}").status_code == 200
