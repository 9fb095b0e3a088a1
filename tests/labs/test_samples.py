"""Tubes and shipments: the refusals of sample_take (each naming its field, nothing written), follow-up tubes,
and shipments sent and received with their discrepancies — through the real services, clock pinned."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from chihuy.accounts.roles import Role
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.labs import services
from chihuy.labs.enums import (
    CampaignKind,
    Result,
    SampleKind,
    SampleStatus,
    ShipmentStatus,
    TargetReason,
    TargetStatus,
)
from chihuy.labs.models import Campaign, CampaignTarget, Sample, SampleMember, Shipment
from chihuy.response import labs as response
from tests.conftest import LAI_CHAU, MUONG_SO
from tests.labs.conftest import NOW

pytestmark = pytest.mark.django_db


def fails(call: Callable[[], Any], code: str, field: str) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        call()
    assert (caught.value.code, [d["field"] for d in caught.value.details]) == (code, [field])
    return caught.value


@pytest.fixture
def campaign(officer: Any, village: Any, residents: list[Any], lab: Any) -> Campaign:
    return services.campaign_create(
        actor=officer,
        name="Sàng lọc bản",
        kind=CampaignKind.VILLAGE,
        unit=village,
        planned_on=NOW.date(),
        pool_size=5,
        lab=lab,
    )


def counts() -> tuple[int, int]:
    return Sample.objects.count(), SampleMember.objects.count()


def ids(people: list[Any]) -> list[int]:
    return [p.pk for p in people]


# --- sample_take --------------------------------------------------------------------------------------


def test_reused_code_is_a_conflict_and_writes_nothing(officer, campaign, residents) -> None:
    services.sample_take(actor=officer, code="bg-0001", person_ids=ids(residents[:2]), campaign=campaign)
    before = counts()
    error = fails(
        lambda: services.sample_take(actor=officer, code="BG-0001", person_ids=ids(residents[2:4]), campaign=campaign),
        ErrorCode.CONFLICT,
        "code",
    )
    assert "BG-0001" in error.message and "09:00 10/11/2021" in error.message
    assert counts() == before == (1, 2)
    assert CampaignTarget.objects.filter(campaign=campaign, status=TargetStatus.SAMPLED).count() == 2


def test_pool_larger_than_the_campaign_pool_size(officer, campaign, residents, make_person, village) -> None:
    sixth = [*residents, make_person(full_name="Lò Văn Giang", unit=village, birth_year=1999)]
    error = fails(
        lambda: services.sample_take(actor=officer, code="BG-0002", person_ids=ids(sixth), campaign=campaign),
        ErrorCode.VALIDATION,
        "person_ids",
    )
    assert "5" in error.message and "7" in error.message
    assert counts() == (0, 0)


def test_the_same_person_twice_in_a_tube(officer, campaign, residents) -> None:
    fails(
        lambda: services.sample_take(
            actor=officer, code="BG-0003", person_ids=[residents[0].pk, residents[1].pk, residents[0].pk]
        ),
        ErrorCode.VALIDATION,
        "person_ids",
    )
    assert counts() == (0, 0)


def test_a_person_already_sampled_in_the_campaign(officer, campaign, residents) -> None:
    services.sample_take(actor=officer, code="BG-0004", person_ids=ids(residents[:3]), campaign=campaign)
    error = fails(
        lambda: services.sample_take(
            actor=officer, code="BG-0005", person_ids=[residents[3].pk, residents[1].pk], campaign=campaign
        ),
        ErrorCode.CONFLICT,
        "person_ids",
    )
    assert residents[1].full_name in error.message and "BG-0004" in error.message
    assert counts() == (1, 3)


def test_collected_in_the_future(officer, campaign, residents) -> None:
    fails(
        lambda: services.sample_take(
            actor=officer,
            code="BG-0006",
            person_ids=[residents[0].pk],
            campaign=campaign,
            collected_at=NOW + dt.timedelta(minutes=6),
        ),
        ErrorCode.VALIDATION,
        "collected_at",
    )
    assert counts() == (0, 0)
    # Five minutes of clock skew is tolerated.
    sample = services.sample_take(
        actor=officer,
        code="BG-0006",
        person_ids=[residents[0].pk],
        campaign=campaign,
        collected_at=NOW + dt.timedelta(minutes=5),
    )
    assert sample.due_at == NOW + dt.timedelta(hours=12, minutes=5)


def test_planned_target_marked_sampled_with_the_tube(officer, campaign, residents) -> None:
    sample = services.sample_take(actor=officer, code="BG-0007", person_ids=ids(residents[:2]), campaign=campaign)
    marked = CampaignTarget.objects.filter(campaign=campaign, status=TargetStatus.SAMPLED).order_by("person_id")
    assert list(marked.values_list("person_id", "sample_id", "done_at")) == [
        (residents[0].pk, sample.pk, NOW),
        (residents[1].pk, sample.pk, NOW),
    ]
    assert CampaignTarget.objects.filter(campaign=campaign, status=TargetStatus.PENDING).count() == 4
    assert (sample.kind, sample.pool_size, sample.status, sample.result) == (
        SampleKind.POOLED,
        5,
        SampleStatus.COLLECTED,
        Result.PENDING,
    )


@pytest.fixture
def positive_pool(officer, technician, lab, campaign, residents, ship_and_receive) -> Sample:
    """A pool of the first three residents, received and positive: each of them now has a pending retest."""
    services.sample_take(actor=officer, code="BG-P001", person_ids=ids(residents[:3]), campaign=campaign)
    ship_and_receive(["BG-P001"])
    response.result_record(
        actor=technician, sample=Sample.objects.get(code="BG-P001"), result=Result.POSITIVE, ct_values={"E": 25}
    )
    assert CampaignTarget.objects.filter(reason=TargetReason.RETEST, status=TargetStatus.PENDING).count() == 3
    return Sample.objects.get(code="BG-P001")


def test_a_follow_up_person_in_a_pool_is_refused(officer, campaign, residents, positive_pool) -> None:
    error = fails(
        lambda: services.sample_take(
            actor=officer, code="BG-R001", person_ids=[residents[3].pk, residents[0].pk], campaign=campaign
        ),
        ErrorCode.VALIDATION,
        "person_ids",
    )
    assert residents[0].full_name in error.message
    assert Sample.objects.filter(code="BG-R001").count() == 0


def test_follow_up_tube_is_single_in_a_pooled_campaign_and_marks_the_retest(
    officer, campaign, residents, positive_pool
) -> None:
    retest = services.sample_take(actor=officer, code="BG-R002", person_ids=[residents[1].pk], campaign=campaign)
    assert (retest.kind, retest.pool_size) == (SampleKind.SINGLE, 1)
    target = CampaignTarget.objects.get(person=residents[1], reason=TargetReason.RETEST)
    assert (target.status, target.sample_id, target.source_sample_id) == (
        TargetStatus.SAMPLED,
        retest.pk,
        positive_pool.pk,
    )
    assert CampaignTarget.objects.filter(reason=TargetReason.RETEST, status=TargetStatus.PENDING).count() == 2
    # A resident not on follow-up, alone in a tube of this pooled campaign, is still a pool of one.
    lone = services.sample_take(actor=officer, code="BG-0010", person_ids=[residents[4].pk], campaign=campaign)
    assert (lone.kind, lone.pool_size) == (SampleKind.POOLED, 5)


# --- shipments ----------------------------------------------------------------------------------------


@pytest.fixture
def elsewhere_tube(make_user, make_person) -> Sample:
    """A tube taken in Mường So (another district) by its own officer."""
    other = make_user(Role.HEALTH_OFFICER, MUONG_SO)
    person = make_person(full_name="Giàng A Sử", unit_path=MUONG_SO, birth_year=1975)
    return services.sample_take(actor=other, code="MS-0001", person_ids=[person.pk])


def test_shipment_names_every_wrong_code_and_ships_nothing(
    officer, lab, residents, elsewhere_tube, ship_and_receive
) -> None:
    services.sample_take(actor=officer, code="BG-S001", person_ids=[residents[0].pk])
    services.sample_take(actor=officer, code="BG-S002", person_ids=[residents[1].pk])
    services.rapid_test_take(actor=officer, person=residents[2], result=Result.NEGATIVE, code="TN-0001")
    ship_and_receive(["BG-S002"])
    with pytest.raises(ApplicationError) as caught:
        services.shipment_create(
            actor=officer, lab=lab, sample_codes=["BG-S001", "MS-0001", "TN-0001", "BG-S002", "bg-s001"]
        )
    error = caught.value
    assert error.code == ErrorCode.VALIDATION
    assert [d["field"] for d in error.details] == [
        "sample_codes.MS-0001",
        "sample_codes.TN-0001",
        "sample_codes.BG-S002",
    ]
    assert error.message.startswith("3 ")
    assert Shipment.objects.count() == 1
    assert Sample.objects.get(code="BG-S001").status == SampleStatus.COLLECTED
    assert Sample.objects.get(code="BG-S001").shipment_id is None
    assert Sample.objects.get(code="MS-0001").status == SampleStatus.COLLECTED


def test_receive_with_discrepancies_then_the_late_tube(officer, technician, lab, residents) -> None:
    for i in range(3):
        services.sample_take(actor=officer, code=f"BG-T00{i}", person_ids=[residents[i].pk])
    shipment = services.shipment_create(actor=officer, lab=lab, sample_codes=["BG-T000", "BG-T001", "BG-T002"])
    assert (shipment.code, shipment.declared_count, shipment.status) == ("VC-20211110-001", 3, "in_transit")
    # Given a box with BG-T002 missing and a stray tube
    first = services.shipment_receive(
        actor=technician, shipment=shipment, scanned_codes=["BG-T000", "BG-T001", "ZZ-9999"]
    )
    assert (first.status, first.received_count, first.missing_codes, first.unexpected_codes) == (
        ShipmentStatus.DISCREPANCY,
        2,
        ["BG-T002"],
        ["ZZ-9999"],
    )
    assert dict(Sample.objects.values_list("code", "status")) == {
        "BG-T000": SampleStatus.RECEIVED,
        "BG-T001": SampleStatus.RECEIVED,
        "BG-T002": SampleStatus.SHIPPED,
    }
    # When the missing tube arrives and is scanned
    second = services.shipment_receive(actor=technician, shipment=shipment, scanned_codes=["BG-T002"])
    # Then it is received; the stray tube stays listed
    assert (second.status, second.received_count, second.missing_codes, second.unexpected_codes) == (
        ShipmentStatus.DISCREPANCY,
        3,
        [],
        ["ZZ-9999"],
    )
    assert Sample.objects.get(code="BG-T002").status == SampleStatus.RECEIVED


def test_a_technician_not_member_of_the_lab_is_not_found(officer, lab, residents, make_user) -> None:
    services.sample_take(actor=officer, code="BG-U001", person_ids=[residents[0].pk])
    shipment = services.shipment_create(actor=officer, lab=lab, sample_codes=["BG-U001"])
    stranger = make_user(Role.LAB_TECHNICIAN, LAI_CHAU)
    fails(
        lambda: services.shipment_receive(actor=stranger, shipment=shipment, scanned_codes=["BG-U001"]),
        ErrorCode.NOT_FOUND,
        "shipment",
    )
    assert Sample.objects.get(code="BG-U001").status == SampleStatus.SHIPPED


def test_receiving_a_fully_received_shipment_is_an_invalid_transition(officer, technician, lab, residents) -> None:
    services.sample_take(actor=officer, code="BG-V001", person_ids=[residents[0].pk])
    shipment = services.shipment_create(actor=officer, lab=lab, sample_codes=["BG-V001"])
    done = services.shipment_receive(actor=technician, shipment=shipment, scanned_codes=["BG-V001"])
    assert (done.status, done.received_count) == (ShipmentStatus.RECEIVED, 1)
    with pytest.raises(ApplicationError) as caught:
        services.shipment_receive(actor=technician, shipment=shipment, scanned_codes=["BG-V001"])
    assert caught.value.code == ErrorCode.INVALID_TRANSITION
