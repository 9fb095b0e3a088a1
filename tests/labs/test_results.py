"""Results by form (response.labs.result_record): the tubes a technician may not result, the result table,
the Ct rules, follow-ups of pools and inconclusive tubes, and an individual positive becoming an F0 with its
contacts cascaded and the person and the commune told — through the real services, clock pinned."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from chihuy.accounts.roles import Role
from chihuy.cases import services as case_services
from chihuy.cases.enums import DetectionWay, Setting, TraceStatus
from chihuy.cases.models import Case, Classification
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.labs import services
from chihuy.labs.enums import CampaignKind, Result, SampleStatus, TargetReason, TargetStatus
from chihuy.labs.models import CampaignTarget, Lab, Sample
from chihuy.notify.models import Delivery, Message
from chihuy.places.enums import SiteKind
from chihuy.places.models import Site, Unit
from chihuy.response import labs as response
from tests.conftest import LAI_CHAU
from tests.labs.conftest import NOW, at

pytestmark = pytest.mark.django_db


def fails(call: Callable[[], Any], code: str, field: str) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        call()
    assert (caught.value.code, [d["field"] for d in caught.value.details]) == (code, [field])
    return caught.value


@pytest.fixture
def tube(officer: Any, ship_and_receive: Callable[..., Any]) -> Callable[..., Sample]:
    """A tube taken, shipped to the lab and received there."""

    def make(code: str, people: list[Any], campaign: Any = None) -> Sample:
        services.sample_take(actor=officer, code=code, person_ids=[p.pk for p in people], campaign=campaign)
        ship_and_receive([code])
        return Sample.objects.get(code=code)

    return make


def state(code: str) -> tuple[str, str, dict[str, float], str]:
    sample = Sample.objects.get(code=code)
    return sample.status, sample.result, sample.ct_values, sample.case_number


# --- tubes the technician may not result ----------------------------------------------------------------


def test_a_tube_never_received_is_refused_on_code(officer, technician, lab, residents) -> None:
    services.sample_take(actor=officer, code="BG-N001", person_ids=[residents[0].pk])
    services.sample_take(actor=officer, code="BG-N002", person_ids=[residents[1].pk])
    services.shipment_create(actor=officer, lab=lab, sample_codes=["BG-N002"])
    for code in ("BG-N001", "BG-N002"):
        fails(
            lambda code=code: response.result_record(
                actor=technician, sample=Sample.objects.get(code=code), result=Result.NEGATIVE
            ),
            ErrorCode.VALIDATION,
            "code",
        )
    assert state("BG-N002") == (SampleStatus.SHIPPED, Result.PENDING, {}, "")
    assert Message.objects.count() == 0


def test_a_tube_of_another_lab_is_not_found(technician, residents, tube, make_user, admin_user) -> None:
    sample = tube("BG-L001", [residents[0]])
    other = make_user(Role.LAB_TECHNICIAN, LAI_CHAU)
    site = Site.objects.create(
        kind=SiteKind.LAB, name="Phòng xét nghiệm BVĐK", unit=Unit.objects.get(path=LAI_CHAU), unit_path=LAI_CHAU
    )
    services.lab_upsert(actor=admin_user, site=site, daily_capacity=500, member_ids=[other.pk])
    assert Lab.objects.count() == 2
    fails(
        lambda: response.result_record(actor=other, sample=sample, result=Result.POSITIVE),
        ErrorCode.NOT_FOUND,
        "code",
    )
    assert state("BG-L001") == (SampleStatus.RECEIVED, Result.PENDING, {}, "")


# --- the result table -------------------------------------------------------------------------------------


def test_negative_after_positive_is_a_conflict_and_the_tube_is_unchanged(technician, residents, tube) -> None:
    sample = tube("BG-C001", residents[:2])  # a pool: no case
    response.result_record(actor=technician, sample=sample, result=Result.POSITIVE, ct_values={"E": 30})
    before = state("BG-C001")
    messages = Message.objects.count()
    error = fails(
        lambda: response.result_record(actor=technician, sample=sample, result=Result.NEGATIVE),
        ErrorCode.CONFLICT,
        "result",
    )
    assert "dương tính" in error.message
    assert state("BG-C001") == before == (SampleStatus.RESULTED, Result.POSITIVE, {"E": 30.0}, "")
    assert Message.objects.count() == messages


def test_inconclusive_then_positive_is_allowed(technician, residents, tube) -> None:
    sample = tube("BG-C002", residents[:3])
    first = response.result_record(actor=technician, sample=sample, result="không xác định")
    assert (first.changed, first.sample.result) == (True, Result.INCONCLUSIVE)
    second = response.result_record(actor=technician, sample=sample, result=Result.POSITIVE, ct_values={"N": "28,5"})
    assert (second.changed, second.sample.result, second.sample.ct_min) == (True, Result.POSITIVE, 28.5)


def test_the_same_result_twice_changes_nothing_and_tells_nobody_again(technician, residents, tube) -> None:
    sample = tube("BG-C003", [residents[0]])
    first = response.result_record(actor=technician, sample=sample, result=Result.NEGATIVE)
    assert first.changed is True
    assert Message.objects.filter(template="labs.result_person").count() == 1
    resulted_at = Sample.objects.get(code="BG-C003").resulted_at
    again = response.result_record(actor=technician, sample=sample, result="âm tính")
    assert (again.changed, again.case_numbers, again.follow_ups) == (False, [], 0)
    assert Message.objects.filter(template="labs.result_person").count() == 1
    assert Sample.objects.get(code="BG-C003").resulted_at == resulted_at


# --- Ct -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("result", "ct", "field"),
    [
        (Result.POSITIVE, {"E": 46}, "ct.E"),
        (Result.POSITIVE, {"E": 0}, "ct.E"),
        (Result.POSITIVE, {"E": "abc"}, "ct.E"),
        (Result.POSITIVE, {"X": 20}, "ct.X"),
        (Result.NEGATIVE, {"N": 30}, "ct"),
    ],
)
def test_ct_rules(technician, residents, tube, result, ct, field) -> None:
    sample = tube("BG-CT01", residents[:2])
    fails(
        lambda: response.result_record(actor=technician, sample=sample, result=result, ct_values=ct),
        ErrorCode.VALIDATION,
        field,
    )
    assert state("BG-CT01") == (SampleStatus.RECEIVED, Result.PENDING, {}, "")


# --- follow-ups --------------------------------------------------------------------------------------


def test_positive_pool_gives_one_retest_per_member(officer, technician, lab, village, residents, tube) -> None:
    campaign = services.campaign_create(
        actor=officer, name="Bản", kind=CampaignKind.VILLAGE, unit=village, planned_on=NOW.date(), pool_size=5, lab=lab
    )
    sample = tube("BG-F001", residents[:4], campaign)
    outcome = response.result_record(actor=technician, sample=sample, result=Result.POSITIVE, ct_values={"E": 31})
    assert (outcome.follow_ups, outcome.case_numbers) == (4, [])
    retests = CampaignTarget.objects.filter(reason=TargetReason.RETEST).order_by("person_id")
    assert list(retests.values_list("person_id", "status", "source_sample_id", "campaign_id")) == [
        (p.pk, TargetStatus.PENDING, sample.pk, campaign.pk) for p in sorted(residents[:4], key=lambda p: p.pk)
    ]
    assert Case.objects.count() == 0


def test_inconclusive_single_gives_a_repeat(technician, residents, tube) -> None:
    sample = tube("BG-F002", [residents[0]])
    outcome = response.result_record(actor=technician, sample=sample, result=Result.INCONCLUSIVE)
    assert outcome.follow_ups == 1
    target = CampaignTarget.objects.get()
    assert (target.person_id, target.reason, target.status, target.source_sample_id) == (
        residents[0].pk,
        TargetReason.INCONCLUSIVE,
        TargetStatus.PENDING,
        sample.pk,
    )
    assert Case.objects.count() == 0


# --- individual positives into 5S ----------------------------------------------------------------------


def contact(officer: Any, source: Any, person: Any) -> Any:
    return case_services.contact_add(
        actor=officer,
        source_person=source,
        contact_person=person,
        exposure_at=at(8),
        setting=Setting.WORKPLACE,
        distance_m=1,
        masked=False,
    )


def test_single_positive_becomes_an_f0_with_contacts_cascaded(officer, technician, residents, tube) -> None:
    contact(officer, residents[0], residents[1])
    sample = tube("BG-P001", [residents[0]])
    outcome = response.result_record(
        actor=technician, sample=sample, result=Result.POSITIVE, ct_values={"E": 24.5, "N": 22.25}
    )
    case = Case.objects.get(person=residents[0])
    assert outcome.case_numbers == [case.number]
    assert (case.result_ref, case.sample_date, case.detection_way, case.test_type, case.ct_value) == (
        "BG-P001",
        NOW.date(),
        DetectionWay.COMMUNITY,
        "rt_pcr",
        22.25,
    )
    assert state("BG-P001") == (SampleStatus.RESULTED, Result.POSITIVE, {"E": 24.5, "N": 22.25}, case.number)
    assert Classification.objects.get(person=residents[0]).level == 0
    f1 = Classification.objects.get(person=residents[1])
    assert (f1.level, f1.root_case_id) == (1, case.pk)


def test_positive_tells_the_person_and_the_commune(officer, technician, residents, tube) -> None:
    sample = tube("BG-P002", [residents[3]])
    response.result_record(actor=technician, sample=sample, result=Result.POSITIVE, ct_values={"E": 20})
    person_msg = Message.objects.get(template="labs.result_person")
    assert person_msg.urgent is True and "BG-P002" in person_msg.subject and "DƯƠNG TÍNH" in person_msg.subject
    assert list(Delivery.objects.filter(message=person_msg).values_list("channel", "address")) == [
        ("sms", residents[3].phone)
    ]
    commune_msg = Message.objects.get(template="labs.positive_commune")
    assert commune_msg.urgent is True and commune_msg.unit_path == officer.unit_path
    assert set(Delivery.objects.filter(message=commune_msg).values_list("user_id", flat=True)) == {officer.pk}


def test_positive_in_a_facility_campaign_is_found_in_quarantine(officer, technician, lab, village, residents, tube):
    campaign = services.campaign_create(
        actor=officer,
        name="Khu cách ly",
        kind=CampaignKind.FACILITY,
        unit=village,
        planned_on=NOW.date(),
        lab=lab,
        person_ids=[residents[2].pk],
    )
    sample = tube("BG-P003", [residents[2]], campaign)
    response.result_record(actor=technician, sample=sample, result=Result.POSITIVE)
    assert Case.objects.get(person=residents[2]).detection_way == DetectionWay.QUARANTINE


def test_positive_of_a_quarantined_f1_is_found_in_quarantine(officer, technician, residents, tube) -> None:
    index = case_services.case_report(
        actor=officer,
        person=residents[0],
        detection_way=DetectionWay.COMMUNITY,
        detected_at=at(9, 8),
        sample_date=at(9, 8).date(),
    )
    contact(officer, residents[0], residents[4])
    f1 = Classification.objects.get(person=residents[4])
    assert f1.level == 1
    case_services.trace_attempt_record(actor=officer, classification=f1, outcome=TraceStatus.QUARANTINED)
    sample = tube("BG-P004", [residents[4]])
    outcome = response.result_record(actor=technician, sample=sample, result=Result.POSITIVE)
    case = Case.objects.get(person=residents[4])
    assert outcome.case_numbers == [case.number] and case.number != index.number
    assert case.detection_way == DetectionWay.QUARANTINE


def test_an_active_f0_gets_no_second_case(officer, technician, residents, tube) -> None:
    index = case_services.case_report(
        actor=officer,
        person=residents[0],
        detection_way=DetectionWay.COMMUNITY,
        detected_at=at(9, 8),
        sample_date=at(9, 8).date(),
    )
    sample = tube("BG-P005", [residents[0]])
    outcome = response.result_record(actor=technician, sample=sample, result=Result.POSITIVE)
    assert outcome.case_numbers == []
    assert Case.objects.filter(person=residents[0]).count() == 1
    assert Sample.objects.get(code="BG-P005").case_number == index.number


def test_inconclusive_single_then_positive_answers_the_repeat(technician, residents, tube) -> None:
    sample = tube("BG-F004", [residents[0]])
    response.result_record(actor=technician, sample=sample, result=Result.INCONCLUSIVE)
    assert CampaignTarget.objects.get().status == TargetStatus.PENDING
    outcome = response.result_record(actor=technician, sample=sample, result=Result.POSITIVE, ct_values={"E": 27})
    assert len(outcome.case_numbers) == 1
    # An F0 is not asked for a repeat tube: the positive answers it.
    repeat = CampaignTarget.objects.get()
    assert (repeat.reason, repeat.status, repeat.sample_id) == (
        TargetReason.INCONCLUSIVE,
        TargetStatus.SAMPLED,
        sample.pk,
    )


def test_inconclusive_pool_then_positive_counts_no_second_retests(technician, residents, tube) -> None:
    sample = tube("BG-F003", residents[:2])
    first = response.result_record(actor=technician, sample=sample, result=Result.INCONCLUSIVE)
    assert first.follow_ups == 2
    second = response.result_record(actor=technician, sample=sample, result=Result.POSITIVE, ct_values={"E": 30})
    # The two retests asked by the inconclusive result stand; none is added or counted twice.
    assert second.follow_ups == 0
    assert CampaignTarget.objects.filter(source_sample=sample, reason=TargetReason.RETEST).count() == 2


def test_a_tube_of_a_merged_record_confirms_the_surviving_record(
    officer, technician, residents, tube, make_person, village, admin_user
) -> None:
    from chihuy.people.services import person_merge

    twin = make_person(full_name="Lò Văn An", unit=village, birth_year=1980, phone="0913999999")
    sample = tube("BG-M001", [twin])
    person_merge(actor=admin_user, source=twin, target=residents[0], reason="Trùng hồ sơ")
    outcome = response.result_record(actor=technician, sample=sample, result=Result.POSITIVE)
    case = Case.objects.get()
    assert (case.person_id, outcome.case_numbers, outcome.not_confirmed) == (residents[0].pk, [case.number], [])


def test_a_tube_of_a_deactivated_record_is_reported_not_lost(officer, technician, residents, tube, admin_user) -> None:
    from chihuy.people.services import person_deactivate

    sample = tube("BG-M002", [residents[5]])
    person_deactivate(actor=admin_user, person=residents[5], reason="Nhập nhầm")
    outcome = response.result_record(actor=technician, sample=sample, result=Result.POSITIVE)
    assert outcome.case_numbers == [] and Case.objects.count() == 0
    assert [(r["code"], r["person_id"]) for r in outcome.not_confirmed] == [("BG-M002", residents[5].pk)]
    assert state("BG-M002")[1] == Result.POSITIVE
    # The commune is still told of the positive tube.
    assert Message.objects.filter(template="labs.positive_commune").count() == 1


def test_a_positive_from_another_commune_tells_where_the_person_lives_too(
    technician, lab, residents, make_user, make_person, ship_and_receive
) -> None:
    """A district team samples the F1 of a Bản Giang cluster, one of whom lives in Bình Lư: both communes hear."""
    from tests.conftest import BAN_GIANG, BINH_LU, TAM_DUONG

    district = make_user(Role.HEALTH_OFFICER, TAM_DUONG)
    binh_lu_officer = make_user(Role.HEALTH_OFFICER, BINH_LU, phone="0912000099")
    ban_giang = Unit.objects.get(path=BAN_GIANG)
    outsider = make_person(full_name="Sùng A Páo", unit=Unit.objects.get(path=BINH_LU), phone="0913999001")
    campaign = services.campaign_create(
        actor=district,
        name="F1 ổ dịch Bản Giang",
        kind=CampaignKind.LIST,
        unit=ban_giang,
        planned_on=NOW.date(),
        person_ids=[residents[0].pk, outsider.pk],
        lab=lab,
    )
    services.sample_take(actor=district, code="F1-002", person_ids=[outsider.pk], campaign=campaign)
    services.shipment_create(actor=district, lab=lab, sample_codes=["F1-002"])
    shipment = Sample.objects.get(code="F1-002").shipment
    services.shipment_receive(actor=technician, shipment=shipment, scanned_codes=["F1-002"])

    response.result_record(actor=technician, sample=Sample.objects.get(code="F1-002"), result=Result.POSITIVE)

    told = Message.objects.filter(template="labs.positive_commune")
    assert sorted(told.values_list("unit_path", flat=True)) == [BINH_LU, BAN_GIANG]
    assert set(Delivery.objects.filter(message__in=told, unit_path=BINH_LU).values_list("user_id", flat=True)) == {
        binh_lu_officer.pk
    }
