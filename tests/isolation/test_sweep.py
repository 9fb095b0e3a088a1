"""`manage.py isolation_sweep`: test days due become labs targets (one facility campaign per quarantine area and day,
one list campaign per commune for home isolation), each test day "requested" with its target; idempotent; without
an actor the dispatch is skipped and said so."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
from django.core.management import call_command

from chihuy.accounts.roles import Role
from chihuy.isolation.enums import Cohort, StayKind
from chihuy.isolation.enums import TestTaskStatus as TaskStatus
from chihuy.isolation.models import Facility, HomeIsolation, StayTest
from chihuy.isolation.services.stays import Admission, stays_admit
from chihuy.labs.enums import CampaignKind
from chihuy.labs.models import Campaign, CampaignTarget
from chihuy.places.models import Unit
from tests.conftest import BAN_GIANG, LAI_CHAU

pytestmark = pytest.mark.django_db

D = dt.date


def _sweep(*args: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("isolation_sweep", *args, stdout=out)
    return json.loads(out.getvalue())


def test_due_test_days_become_labs_targets_once(
    quarantine: Facility, admit_f1: Any, make_person: Any, make_user: Any, commune_officer: Any
):
    province = make_user(Role.HEALTH_OFFICER, LAI_CHAU)
    a = make_person(full_name="Lò Văn An", sex="M", phone="0913000001")
    b = make_person(full_name="Lò Văn Bình", sex="M", phone="0913000002")
    stays = admit_f1(quarantine, "101", [a, b], D(2021, 11, 9))
    unit = Unit.objects.get(path=BAN_GIANG)
    home = HomeIsolation.objects.create(
        code="CLN-2021-0001",
        unit=unit,
        unit_path=unit.path,
        address="Bản Giang",
        token="x" * 32,
        started_on=D(2021, 11, 10),
    )
    (home_stay,) = stays_admit(
        actor=commune_officer,
        kind=StayKind.HOME,
        home=home,
        admissions=[
            Admission(person=make_person(full_name="Tao Thị Cúc", sex="F"), cohort=Cohort.F1, cohort_on=D(2021, 11, 9))
        ],
    )

    result = _sweep("--actor", province.username)
    assert result["tests_dispatched"] == 3 and result["dispatch_skipped"] == []
    facility_campaign = Campaign.objects.get(kind=CampaignKind.FACILITY)
    list_campaign = Campaign.objects.get(kind=CampaignKind.LIST)
    assert sorted(result["campaigns"]) == sorted([facility_campaign.code, list_campaign.code])
    assert facility_campaign.name == "Xét nghiệm theo lịch cách ly — Khu cách ly tập trung Tam Đường — 10/11/2021"
    assert (facility_campaign.unit_path, facility_campaign.planned_on, facility_campaign.pool_size) == (
        quarantine.unit_path,
        D(2021, 11, 10),
        1,
    )
    assert list_campaign.unit_path == BAN_GIANG
    for stay in [*stays, home_stay]:
        test = StayTest.objects.get(stay=stay, day=1)
        assert test.status == TaskStatus.REQUESTED
        target = CampaignTarget.objects.get(pk=test.target_id)
        assert target.person_id == stay.person_id
    assert StayTest.objects.filter(day=7, status=TaskStatus.PENDING).count() == 3

    again = _sweep("--actor", province.username)
    assert (again["tests_dispatched"], again["campaigns"]) == (0, [])
    assert Campaign.objects.count() == 2 and CampaignTarget.objects.count() == 3


def test_without_an_actor_the_dispatch_is_skipped(quarantine: Facility, admit_f1: Any, make_person: Any):
    admit_f1(quarantine, "101", [make_person(full_name="Lò Văn An", sex="M")], D(2021, 11, 9))
    result = _sweep()
    assert result["tests_dispatched"] is None and result["monitorings_ended"] == 0
    assert result["missed_checkins_alerted"] == 0
    assert not Campaign.objects.exists()
    assert StayTest.objects.filter(status=TaskStatus.PENDING).count() == 3


def test_dispatch_from_the_api_and_the_stays_screen(
    quarantine: Facility, admit_f1: Any, make_person: Any, make_user: Any, api_client: Any, manager: Any
):
    from tests.conftest import session_client

    admit_f1(quarantine, "101", [make_person(full_name="Lò Văn An", sex="M")], D(2021, 11, 9))
    assert api_client(manager).post("/api/isolation/stays/tests-dispatch", {}).status_code == 403
    district = make_user(Role.HEALTH_OFFICER, "12/106/")
    r = api_client(district).post("/api/isolation/stays/tests-dispatch", {})
    assert r.status_code == 200
    assert r.json()["tests"] == 1 and r.json()["skipped"] == [] and len(r.json()["campaigns"]) == 1

    admit_f1(quarantine, "101", [make_person(full_name="Lò Văn Bình", sex="M")], D(2021, 11, 9))
    client = session_client(district)
    assert 'id="dispatch-form"' in client.get("/cach-ly/luot/").content.decode()
    html = client.post("/cach-ly/luot/giao-xet-nghiem/", follow=True).content.decode()
    assert f"Đã giao lấy mẫu 1 lượt xét nghiệm đến hạn (đợt {r.json()['campaigns'][0]})." in html
    assert Campaign.objects.get().targets.count() == 2
    assert session_client(manager).post("/cach-ly/luot/giao-xet-nghiem/").status_code == 403
