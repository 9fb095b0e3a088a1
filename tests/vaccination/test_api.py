"""The vaccination API beyond permissions: errors name the field, a person's doses, the import job with its
report at /api/jobs/{id} and the review queue resolved, coverage with problems, the priority list paginated."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from chihuy.places.enums import AgeBand
from chihuy.places.services import population_set
from chihuy.reports.facts import facts_rebuild
from chihuy.vaccination.models import Dose, DoseReview
from tests.conftest import BAN_GIANG, unit
from tests.vaccination.conftest import D

pytestmark = pytest.mark.django_db


def test_create_dose_errors_name_the_field(vaccinator: Any, make_person: Any, api_client: Any) -> None:
    client = api_client(vaccinator)
    person = make_person(birth_year=1950)
    bad = client.post(
        "/api/vaccination/doses", {"person_id": person.pk, "dose_number": 2, "vaccine": "AZ", "given_on": "2021-10-01"}
    )
    assert bad.status_code == 422
    assert bad.json()["details"] == [{"field": "dose_number", "message": bad.json()["message"]}]
    assert "mũi 2 trước mũi 1" in bad.json()["message"]
    unknown = client.post(
        "/api/vaccination/doses",
        {"person_id": person.pk, "dose_number": 1, "vaccine": "Nanocovax", "given_on": "2021-10-01"},
    )
    assert (unknown.status_code, unknown.json()["details"][0]["field"]) == (422, "vaccine")
    ok = client.post(
        "/api/vaccination/doses",
        {"person_id": person.pk, "dose_number": 1, "vaccine": "Vero Cell", "given_on": "2021-10-01", "lot": "S1"},
    )
    assert ok.status_code == 201
    body = ok.json()
    assert (body["vaccine_code"], body["age_band"], body["lot"], body["completes_primary"]) == (
        "SINOPHARM",
        AgeBand.A65,
        "S1",
        False,
    )
    listed = client.get(f"/api/vaccination/doses?person_id={person.pk}").json()
    assert [d["id"] for d in listed["items"]] == [body["id"]]
    missing = client.get("/api/vaccination/doses?person_id=999999")
    assert (missing.status_code, missing.json()["details"][0]["field"]) == (404, "person_id")


def test_import_job_and_review_over_the_api(
    vaccinator: Any, make_person: Any, api_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = api_client(vaccinator)
    an1 = make_person(full_name="Nguyễn Văn An", birth_year=1980)
    make_person(full_name="Nguyễn Văn An", birth_year=1980)
    data = "Họ và tên,Ngày sinh,Mũi tiêm,Loại vắc xin,Ngày tiêm\nNguyễn Văn An,1980,1,Moderna,05/10/2021\n".encode()
    with django_capture_on_commit_callbacks(execute=True):
        queued = client.post("/api/vaccination/imports", {"file": SimpleUploadedFile("tiem.csv", data)})
    assert queued.status_code == 202
    job = client.get(queued.json()["status_url"]).json()
    assert (job["status"], job["result"]["created"], len(job["result"]["queued"])) == ("succeeded", 0, 1)
    reviews = client.get("/api/vaccination/reviews").json()["items"]
    assert [(r["reason"], sorted(r["candidates"])) for r in reviews] == [
        ("ambiguous", sorted(reviews[0]["candidates"]))
    ]
    assert len(reviews[0]["candidates"]) == 2
    resolved = client.post(f"/api/vaccination/reviews/{reviews[0]['id']}/resolve", {"person_id": an1.pk})
    assert (resolved.status_code, resolved.json()["status"]) == (200, "resolved")
    assert Dose.objects.get(person=an1).given_on == D(2021, 10, 5)
    again = client.post(f"/api/vaccination/reviews/{reviews[0]['id']}/resolve", {"person_id": an1.pk})
    assert again.status_code == 409
    assert DoseReview.objects.get().dose_id == resolved.json()["dose_id"]


def test_coverage_and_priority(vaccinator: Any, make_person: Any, api_client: Any) -> None:
    client = api_client(vaccinator)
    people = [make_person(full_name=f"Người {i}", birth_year=1940 + i) for i in range(5)]
    client.post(
        "/api/vaccination/doses",
        {"person_id": people[0].pk, "dose_number": 1, "vaccine": "AZ", "given_on": "2021-09-01"},
    )
    population_set(
        unit=unit(BAN_GIANG), year=2021, counts={AgeBand.A50_64: 2, AgeBand.A65: 3}, is_estimate=True, source="t"
    )
    facts_rebuild()
    coverage = client.get("/api/vaccination/coverage").json()
    own = coverage["units"][0]
    groups = {g["group"]: g for g in own["groups"]}
    assert (own["unit_name"], groups["50+"]["population"], groups["50+"]["first"]) == (
        unit(BAN_GIANG).name,
        5,
        {"people": 1, "pct": 20.0},
    )
    assert own["problems"] == []
    first = client.get("/api/vaccination/priority?limit=2").json()
    assert [p["full_name"] for p in first["items"]] == ["Người 1", "Người 2"]
    second = client.get(f"/api/vaccination/priority?limit=2&cursor={first['next_cursor']}").json()
    assert ([p["full_name"] for p in second["items"]], second["next_cursor"]) == (["Người 3", "Người 4"], None)
