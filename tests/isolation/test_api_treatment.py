"""Capacity and treatment over the API: capacity with each figure's time and the forecast; admit an F0, record,
transfer tier 1 → 2, criteria, discharge; permissions (a tracer may read, not treat) and jurisdiction (another
district's officer gets 404, never the record)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from chihuy.accounts.roles import Role
from chihuy.cases import services as case_services
from chihuy.isolation.models import Facility
from tests.conftest import BAN_GIANG, PHONG_THO
from tests.isolation.fixtures import free_beds
from tests.labs.fixtures import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def f0(make_person: Any, commune_officer: Any) -> Any:
    person = make_person(full_name="Lò Văn Pằn", sex="M", birth_year=1980)
    case_services.case_report(
        actor=commune_officer,
        person=person,
        detection_way="community",
        detected_at=at(8),
        sample_date=dt.date(2021, 11, 7),
    )
    return person


def test_capacity_with_figures_at_and_forecast(
    treatment_facilities: dict[int, Facility],
    quarantine: Facility,
    admit_f1: Any,
    make_person: Any,
    manager: Any,
    api_client: Any,
    pinned_clock: Any,
):
    people = [make_person(full_name=f"Lò Văn {i}", sex="M") for i in range(4)]
    pinned_clock.move_to(at(10, 9, 30))
    admit_f1(quarantine, "101", people, dt.date(2021, 11, 9))
    pinned_clock.move_to(at(10, 10))
    body = api_client(manager).get("/api/isolation/capacity").json()
    assert body["figures_at"] == "2021-11-10T02:30:00Z"  # 09:30 +07
    assert (body["total"]["total"], body["total"]["occupied"], body["total"]["free"]) == (44, 4, 40)
    tier_keys = [r["key"] for r in body["by_tier"]]
    assert tier_keys == ["quarantine", "tier1", "tier2"]
    q = next(r for r in body["facilities"] if r["facility_id"] == quarantine.pk)
    # 4 admissions in the last 7 days: 4/7 beds a day; 18 free → ~31.5 days.
    assert (q["free"], q["percent"], q["days_until_full"]) == (18, 18, 31.5)
    assert body["alert_percents"] == [80, 95]
    only = api_client(manager).get("/api/isolation/capacity", {"kind": "treatment"}).json()
    assert [r["key"] for r in only["by_tier"]] == ["tier1", "tier2"]


def test_treatment_flow_over_the_api(
    treatment_facilities: dict[int, Facility], f0: Any, commune_officer: Any, api_client: Any
):
    client = api_client(commune_officer)
    tier1, tier2 = treatment_facilities[1], treatment_facilities[2]
    bed = free_beds(tier1, "T1-01")[0]
    bad = client.post(
        "/api/isolation/treatment/admissions",
        {"person_id": f0.pk, "facility_id": tier1.pk, "bed_id": 999999, "clinical_state": "mild"},
    )
    assert bad.status_code == 422 and bad.json()["details"][0]["field"] == "bed_id"
    created = client.post(
        "/api/isolation/treatment/admissions",
        {"person_id": f0.pk, "facility_id": tier1.pk, "bed_id": bed.pk, "clinical_state": "mild", "spo2": 97},
    )
    assert created.status_code == 201, created.content
    out = created.json()
    stay_id = out["stay"]["id"]
    assert (out["stay"]["tier"], out["stay"]["bed_code"], out["case_updated"]) == (1, bed.code, True)
    record = client.post(
        f"/api/isolation/treatment/stays/{stay_id}/records",
        {"clinical_state": "moderate", "oxygen_mode": "mask", "spo2": 93},
    )
    assert record.status_code == 201 and record.json()["on"] == "2021-11-10"
    wrong = client.post(f"/api/isolation/treatment/stays/{stay_id}/records", {"clinical_state": "sick"})
    assert wrong.status_code == 422 and wrong.json()["details"][0]["field"] == "clinical_state"
    moved = client.post(
        f"/api/isolation/treatment/stays/{stay_id}/transfer",
        {"facility_id": tier2.pk, "bed_id": free_beds(tier2, "T2-01")[0].pk, "reason": "SpO2 93 %", "tier": 2},
    )
    assert moved.status_code == 201, moved.content
    new = moved.json()
    assert (new["tier"], new["previous_id"], new["oxygen_mode"], new["transfer_reason"]) == (
        2,
        stay_id,
        "mask",
        "SpO2 93 %",
    )
    records = client.get(f"/api/isolation/treatment/stays/{new['id']}/records").json()
    assert [(r["stay_id"], r["oxygen_mode"]) for r in records] == [(stay_id, "mask")]
    listing = client.get("/api/isolation/treatment/stays", {"oxygen_mode": "mask"}).json()
    assert [s["id"] for s in listing["items"]] == [new["id"]]
    criteria = client.get(f"/api/isolation/treatment/stays/{new['id']}/discharge-criteria").json()
    assert criteria["met"] is False and criteria["day"] == 0
    assert "đủ 10 ngày điều trị" in criteria["missing"]
    refused = client.post(f"/api/isolation/treatment/stays/{new['id']}/discharge", {"outcome": "recovered"})
    assert refused.status_code == 409 and refused.json()["details"][0]["field"] == "outcome"
    died = client.post(
        f"/api/isolation/treatment/stays/{new['id']}/discharge", {"outcome": "died", "reason": "Suy hô hấp"}
    )
    assert died.status_code == 200 and died.json()["stay"]["status"] == "died"
    assert died.json()["case_updated"] is True


def test_permissions_and_jurisdiction(
    treatment_facilities: dict[int, Facility], f0: Any, commune_officer: Any, make_user: Any, api_client: Any
):
    tier1 = treatment_facilities[1]
    body = {
        "person_id": f0.pk,
        "facility_id": tier1.pk,
        "bed_id": free_beds(tier1, "T1-01")[0].pk,
        "clinical_state": "mild",
    }
    tracer = api_client(make_user(Role.TRACER, BAN_GIANG))
    assert tracer.post("/api/isolation/treatment/admissions", body).status_code == 403
    assert tracer.get("/api/isolation/capacity").status_code == 200
    stay_id = api_client(commune_officer).post("/api/isolation/treatment/admissions", body).json()["stay"]["id"]
    assert tracer.get(f"/api/isolation/treatment/stays/{stay_id}").status_code == 200
    assert (
        tracer.post(f"/api/isolation/treatment/stays/{stay_id}/records", {"clinical_state": "mild"}).status_code == 403
    )
    stranger = api_client(make_user(Role.HEALTH_OFFICER, PHONG_THO))
    assert stranger.get(f"/api/isolation/treatment/stays/{stay_id}").status_code == 404
    assert stranger.get(f"/api/isolation/treatment/stays/{stay_id}/records").status_code == 404
    assert (
        stranger.post(f"/api/isolation/treatment/stays/{stay_id}/records", {"clinical_state": "mild"}).status_code
        == 404
    )
    assert stranger.get("/api/isolation/capacity").json()["facilities"] == []
    assert stranger.get("/api/isolation/treatment/stays").json()["items"] == []
