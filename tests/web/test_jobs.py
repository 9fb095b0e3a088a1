"""Large imports go to the worker: the user is sent to the job page, which shows progress and the report."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from chihuy.core.models import Job, JobStatus
from chihuy.people.models import Person
from tests.conftest import BAN_GIANG


def officer_client(make_user: Any) -> tuple[Any, Client]:
    user = make_user("health_officer", BAN_GIANG)
    client = Client()
    client.force_login(user)
    return user, client


def test_background_import_redirects_to_the_job_page_with_the_report(
    make_user: Any, make_person: Any, django_capture_on_commit_callbacks: Any
) -> None:
    existing = make_person(full_name="Lò Văn Một", birth_year=1970)
    _user, client = officer_client(make_user)
    data = "ho_ten,nam_sinh,gioi_tinh,ma_don_vi\nLò Văn Một,1970,Nam,03418\nTòng Thị Hai,1985,Nữ,03418\n".encode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/people/import/", {"file": SimpleUploadedFile("ds.csv", data), "background": "1"})
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/jobs/{job.pk}/"
    page = client.get(f"/jobs/{job.pk}/")
    body = page.content.decode()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert 'id="import-created">1<' in body
    assert "Cùng họ tên, năm sinh và xã" in body
    assert f'href="/people/{existing.pk}/"' in body
    assert "hx-trigger" not in body  # finished: no more polling
    assert Person.objects.filter(full_name="Tòng Thị Hai").count() == 1


def test_a_queued_job_polls_and_htmx_gets_the_fragment(make_user: Any) -> None:
    user, client = officer_client(make_user)
    job = Job.objects.create(
        kind="people.import", created_by=user, unit_path=BAN_GIANG, total=10, done=4, status=JobStatus.RUNNING
    )
    page = client.get(f"/jobs/{job.pk}/")
    assert 'hx-trigger="every 1s"' in page.content.decode()
    fragment = client.get(f"/jobs/{job.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert fragment.lstrip().startswith('<div id="job-progress"')
    assert "40%" in fragment


def test_another_users_job_is_not_found(make_user: Any) -> None:
    owner, _ = officer_client(make_user)
    job = Job.objects.create(kind="people.import", created_by=owner, unit_path=BAN_GIANG)
    _other, client = officer_client(make_user)
    assert client.get(f"/jobs/{job.pk}/").status_code == 404
