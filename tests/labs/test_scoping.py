"""Who sees what: a commune officer their campaigns and tubes (not another district's), a district officer the
commune's, a lab technician the tubes sent to their lab and nothing else; a person's tests and the daily
numbers count only visible tubes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from chihuy.accounts.roles import Role
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.labs import selectors, services
from chihuy.labs.enums import CampaignKind, Result
from chihuy.labs.models import Campaign, Sample
from chihuy.places.models import Unit
from chihuy.response import labs as response
from tests.conftest import MUONG_SO, TAM_DUONG
from tests.labs.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(officer, technician, lab, village, residents, make_user, make_person, ship_and_receive) -> dict[str, Any]:
    """Bản Giang: a village campaign with BG-1 (shipped to the lab) and BG-2 (not shipped) and a rapid test.
    Mường So (Phong Thổ, another district): a commune campaign with MS-1 shipped to the same lab, MS-2 not."""
    far_officer = make_user(Role.HEALTH_OFFICER, MUONG_SO)
    far_people = [
        make_person(full_name=f"Giàng A {n}", unit_path=MUONG_SO, birth_year=1970 + i)
        for i, n in enumerate(["Sử", "Páo"])
    ]
    near = services.campaign_create(
        actor=officer, name="Bản Giang", kind=CampaignKind.VILLAGE, unit=village, planned_on=NOW.date(), lab=lab
    )
    far = services.campaign_create(
        actor=far_officer,
        name="Mường So",
        kind=CampaignKind.COMMUNE,
        unit=Unit.objects.get(path=MUONG_SO),
        planned_on=NOW.date(),
        lab=lab,
    )
    services.sample_take(actor=officer, code="BG-1", person_ids=[residents[0].pk], campaign=near)
    services.sample_take(actor=officer, code="BG-2", person_ids=[residents[1].pk], campaign=near)
    response.rapid_test_record(actor=officer, person=residents[2], result=Result.NEGATIVE, code="TN-BG-1")
    services.sample_take(actor=far_officer, code="MS-1", person_ids=[far_people[0].pk], campaign=far)
    services.sample_take(actor=far_officer, code="MS-2", person_ids=[far_people[1].pk], campaign=far)
    ship_and_receive(["BG-1"])
    far_shipment = services.shipment_create(actor=far_officer, lab=lab, sample_codes=["MS-1"])
    services.shipment_receive(actor=technician, shipment=far_shipment, scanned_codes=["MS-1"])
    return {"near": near, "far": far, "far_officer": far_officer, "far_people": far_people}


def codes(qs: Any) -> list[str]:
    return sorted(s.code for s in qs)


def test_a_commune_officer_sees_their_campaigns_and_tubes_only(officer, scene) -> None:
    assert [c.pk for c in selectors.campaign_list(actor=officer)] == [scene["near"].pk]
    assert codes(selectors.sample_list(actor=officer)) == ["BG-1", "BG-2", "TN-BG-1"]
    with pytest.raises(ApplicationError) as caught:
        selectors.campaign_get(actor=officer, campaign_id=scene["far"].pk)
    assert caught.value.code == ErrorCode.NOT_FOUND
    with pytest.raises(ApplicationError) as caught:
        selectors.sample_get_by_code(actor=officer, code="MS-1")
    assert caught.value.code == ErrorCode.NOT_FOUND
    assert selectors.sample_get_by_code(actor=officer, code=" bg-1 ").code == "BG-1"


def test_a_district_officer_sees_the_communes(make_user, scene) -> None:
    district = make_user(Role.HEALTH_OFFICER, TAM_DUONG)
    assert [c.pk for c in selectors.campaign_list(actor=district)] == [scene["near"].pk]
    assert codes(selectors.sample_list(actor=district)) == ["BG-1", "BG-2", "TN-BG-1"]
    assert selectors.campaign_get(actor=district, campaign_id=scene["near"].pk).pk == scene["near"].pk


def test_a_technician_sees_the_tubes_sent_to_their_lab_and_no_others(technician, lab, make_user, scene) -> None:
    assert codes(selectors.sample_list(actor=technician)) == ["BG-1", "MS-1"]
    assert codes(selectors.sample_list(actor=technician, lab=lab)) == ["BG-1", "MS-1"]
    for code in ("BG-2", "MS-2", "TN-BG-1"):
        with pytest.raises(ApplicationError) as caught:
            selectors.sample_get_by_code(actor=technician, code=code)
        assert caught.value.code == ErrorCode.NOT_FOUND
    assert sorted(s.code for s in selectors.shipment_list(actor=technician)) == sorted(
        Sample.objects.filter(code__in=["BG-1", "MS-1"]).values_list("shipment__code", flat=True)
    )
    # A technician of the province who is not a member of the lab sees none of them.
    outsider = make_user(Role.LAB_TECHNICIAN, "12/")
    assert codes(selectors.sample_list(actor=outsider)) == []


def test_person_tests_lists_only_visible_tubes(officer, technician, residents, scene) -> None:
    rows = selectors.person_tests(actor=officer, person_id=residents[0].pk)
    assert [r.sample.code for r in rows] == ["BG-1"]
    assert [r.sample.code for r in selectors.person_tests(actor=officer, person_id=residents[2].pk)] == ["TN-BG-1"]
    # Mường So's person: none of their tubes is visible to Bản Giang.
    assert selectors.person_tests(actor=officer, person_id=scene["far_people"][0].pk) == []
    # The technician sees a person's tubes that reached the lab, not the others.
    assert [r.sample.code for r in selectors.person_tests(actor=technician, person_id=residents[0].pk)] == ["BG-1"]
    assert selectors.person_tests(actor=technician, person_id=residents[1].pk) == []


def test_sample_numbers_count_a_window(officer, technician, make_user, scene, residents) -> None:
    response.result_record(actor=technician, sample=Sample.objects.get(code="BG-1"), result=Result.NEGATIVE)
    # An earlier tube of the day before, outside the window.
    services.sample_take(
        actor=officer, code="BG-0", person_ids=[residents[3].pk], collected_at=NOW - dt.timedelta(days=1)
    )
    start, end = NOW - dt.timedelta(hours=6), NOW + dt.timedelta(hours=1)
    numbers = selectors.sample_numbers(actor=officer, within=None, start=start, end=end)
    assert (
        numbers.taken_pcr,
        numbers.taken_rapid,
        numbers.people_tested,
        numbers.positive,
        numbers.negative,
        numbers.pending,
        numbers.within_target_pct,
    ) == (2, 1, 3, 0, 2, 1, 100.0)
    province = make_user(Role.HEALTH_OFFICER, "12/")
    wide = selectors.sample_numbers(actor=province, within=None, start=start, end=end)
    assert (wide.taken_pcr, wide.taken_rapid, wide.people_tested, wide.pending) == (4, 1, 5, 3)
    narrowed = selectors.sample_numbers(actor=province, within=MUONG_SO, start=start, end=end)
    assert (narrowed.taken_pcr, narrowed.taken_rapid, narrowed.pending) == (2, 0, 2)
    assert Campaign.objects.count() == 2


def test_negative_tests_since_count_pools_for_each_person(officer, technician, lab, residents, ship_and_receive):
    """What a quarantine's release rule will count (issue 6): negatives since a day, a pool counting for each."""
    from chihuy.labs.selectors import negative_tests
    from chihuy.response import labs as response
    from tests.labs.conftest import at

    services.sample_take(
        actor=officer, code="NG-001", person_ids=[residents[0].pk, residents[1].pk], collected_at=at(9)
    )
    services.sample_take(actor=officer, code="NG-002", person_ids=[residents[0].pk])
    services.sample_take(actor=officer, code="NG-003", person_ids=[residents[2].pk])
    ship_and_receive(["NG-001", "NG-002", "NG-003"])
    for code, result in [("NG-001", "negative"), ("NG-002", "negative"), ("NG-003", "positive")]:
        response.result_record(actor=technician, sample=Sample.objects.get(code=code), result=result)

    found = negative_tests(person_ids=[residents[0].pk, residents[1].pk, residents[2].pk], since=at(9, 8))
    assert {pid: [t for t, _m in rows] for pid, rows in found.items()} == {
        residents[0].pk: [at(9), NOW],
        residents[1].pk: [at(9)],
    }
    assert negative_tests(person_ids=[residents[0].pk], since=at(9, 10)) == {residents[0].pk: [(NOW, "rt_pcr")]}
