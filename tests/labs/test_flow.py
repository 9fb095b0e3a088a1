"""The 5S chain of a result: campaign → pooled tubes → lab file with a positive pool → single retests → an
individual positive → F0 with tracing started, the people and the commune told."""

from __future__ import annotations

import pytest

from chihuy.cases.models import Case, Classification
from chihuy.labs import services
from chihuy.labs.enums import CampaignKind, Result, SampleStatus, TargetReason, TargetStatus
from chihuy.labs.models import CampaignTarget, Sample
from chihuy.notify.models import Message
from chihuy.response import labs as response
from tests.labs.conftest import NOW

pytestmark = pytest.mark.django_db


def _file(rows: list[str]) -> bytes:
    return ("ma_mau,ket_qua,so_mau_gop,ct_e,ct_n\n" + "\n".join(rows) + "\n").encode()


def test_positive_pool_then_retest_then_f0(officer, technician, lab, village, residents, ship_and_receive) -> None:
    campaign = services.campaign_create(
        actor=officer,
        name="Sàng lọc bản Bản Giang",
        kind=CampaignKind.VILLAGE,
        unit=village,
        planned_on=NOW.date(),
        pool_size=5,
        lab=lab,
    )
    assert campaign.targets.count() == 6
    a = services.sample_take(actor=officer, code="BG-0001", person_ids=[p.pk for p in residents[:5]], campaign=campaign)
    b = services.sample_take(actor=officer, code="BG-0002", person_ids=[residents[5].pk], campaign=campaign)
    assert a.kind == "pooled" and b.kind == "pooled"
    ship_and_receive(["BG-0001", "BG-0002"])

    report = response.results_import(
        actor=technician,
        lab=lab,
        data=_file(["BG-0001,dương tính,5,24.1,25.3", "BG-0002,âm tính,1,,"]),
        filename="ket_qua.csv",
    )
    assert report.errors == [] and report.applied == 2 and report.cases == []
    retests = CampaignTarget.objects.filter(reason=TargetReason.RETEST, status=TargetStatus.PENDING)
    assert sorted(retests.values_list("person_id", flat=True)) == sorted(p.pk for p in residents[:5])

    # Re-uploading the same file changes nothing.
    again = response.results_import(
        actor=technician,
        lab=lab,
        data=_file(["BG-0001,dương tính,5,24.1,25.3", "BG-0002,âm tính,1,,"]),
        filename="ket_qua.csv",
    )
    assert (again.applied, again.unchanged, again.errors) == (0, 2, [])

    for i, person in enumerate(residents[:5]):
        services.sample_take(actor=officer, code=f"BG-R{i}", person_ids=[person.pk], campaign=campaign)
    assert not CampaignTarget.objects.filter(reason=TargetReason.RETEST, status=TargetStatus.PENDING).exists()
    ship_and_receive([f"BG-R{i}" for i in range(5)])
    outcome = response.result_record(
        actor=technician, sample=Sample.objects.get(code="BG-R2"), result=Result.POSITIVE, ct_values={"E": 22.0}
    )
    case = Case.objects.get(person=residents[2])
    assert outcome.case_numbers == [case.number]
    assert case.result_ref == "BG-R2" and case.ct_value == 22.0 and case.sample_date == NOW.date()
    assert Classification.objects.get(person=residents[2]).level == 0
    assert Sample.objects.get(code="BG-R2").case_number == case.number
    assert Message.objects.filter(template="labs.positive_commune").count() == 2
    assert Message.objects.filter(template="labs.result_person").exists()


def test_wrong_rows_reported_valid_rows_applied(officer, technician, lab, residents, ship_and_receive) -> None:
    services.sample_take(actor=officer, code="X-001", person_ids=[residents[0].pk])
    services.sample_take(actor=officer, code="X-002", person_ids=[residents[1].pk, residents[2].pk])
    services.sample_take(actor=officer, code="X-003", person_ids=[residents[3].pk])
    ship_and_receive(["X-001", "X-002"])
    report = response.results_import(
        actor=technician,
        lab=lab,
        data=_file(
            ["X-001,âm tính,,,", "X-002,âm tính,5,,", "X-003,âm tính,,,", "NOPE-1,âm tính,,,", "X-001,âm tính,,,"]
        ),
        filename="kq.csv",
    )
    assert report.applied == 1
    assert [(e["row"], e["field"]) for e in report.errors] == [
        (3, "so_mau_gop"),
        (4, "ma_mau"),
        (5, "ma_mau"),
        (6, "ma_mau"),
    ]
    assert Sample.objects.get(code="X-001").status == SampleStatus.RESULTED
    assert Sample.objects.get(code="X-002").result == Result.PENDING
