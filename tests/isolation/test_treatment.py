"""Treatment of an F0: admission needs an active case and ends the quarantine they held; one clinical record per
day (a later entry corrects it); a transfer from tier 1 to tier 2 with oxygen keeps the chain, the case number
and the reason; discharge before the policy's criteria is refused naming what is missing; the outcome moves the
case and starts post-discharge monitoring."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from chihuy.cases import services as case_services
from chihuy.cases.enums import CaseStatus, ClinicalState
from chihuy.cases.models import Case
from chihuy.core.audit import AuditEvent
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.isolation.enums import MonitoringReason, OxygenMode, StayStatus
from chihuy.isolation.models import Facility, Monitoring, Stay, TreatmentRecord
from chihuy.isolation.services import treatment as services
from chihuy.labs import services as lab_services
from chihuy.labs.enums import Result
from chihuy.response import treatment as response
from tests.isolation.fixtures import free_beds
from tests.labs.fixtures import at

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def f0(make_person: Any, commune_officer: Any) -> Any:
    person = make_person(full_name="Lò Văn Pằn", sex="M", birth_year=1980)
    case_services.case_report(
        actor=commune_officer,
        person=person,
        detection_way="community",
        detected_at=at(8),
        sample_date=D(2021, 11, 7),
    )
    return person


def admit(officer: Any, person: Any, facility: Facility, room: str, **kw: Any) -> response.Admitted:
    return response.treatment_admit(
        actor=officer,
        person=person,
        facility=facility,
        bed=free_beds(facility, room)[0],
        clinical_state=kw.pop("clinical_state", ClinicalState.MILD),
        **kw,
    )


def test_clinical_states_match_cases() -> None:
    assert tuple(ClinicalState.values) == services.CLINICAL_STATES


def test_admission_needs_an_active_case(
    treatment_facilities: dict[int, Facility], commune_officer: Any, make_person: Any
):
    person = make_person(full_name="Tao Văn Khỏe", sex="M")
    with pytest.raises(ApplicationError) as exc:
        admit(commune_officer, person, treatment_facilities[1], "T1-01")
    assert exc.value.details[0]["field"] == "person"
    assert "không có ca F0" in exc.value.message
    assert not Stay.objects.filter(person=person).exists()


def test_admission_ends_the_quarantine_and_sets_the_case_treatment_place(
    treatment_facilities: dict[int, Facility], quarantine: Facility, admit_f1: Any, f0: Any, commune_officer: Any
):
    (quarantined,) = admit_f1(quarantine, "101", [f0], D(2021, 11, 6))
    out = admit(commune_officer, f0, treatment_facilities[1], "T1-01", oxygen_mode=OxygenMode.NONE, spo2=97)
    quarantined.refresh_from_db()
    assert quarantined.status == StayStatus.POSITIVE
    assert out.ended == [quarantined]
    stay = out.stay
    assert (stay.kind, stay.cohort, stay.tier, stay.case_number) == ("treatment", "f0", 1, out.case_number)
    assert stay.previous_id == quarantined.pk
    assert (stay.clinical_state, stay.oxygen_mode) == ("mild", "none")
    assert list(TreatmentRecord.objects.filter(stay=stay).values_list("on", "spo2")) == [(D(2021, 11, 10), 97)]
    case = Case.objects.get(number=out.case_number)
    assert out.case_updated is True
    assert case.treatment_place == treatment_facilities[1].name
    assert case.treatment_at is not None
    treatment_facilities[1].refresh_from_db()
    assert treatment_facilities[1].beds_occupied == 1


def test_a_facility_manager_admits_and_the_case_follows(
    treatment_facilities: dict[int, Facility], f0: Any, manager: Any
):
    """The manager holds no case.report: the admission itself authorises the case's treatment place and the 5S
    step "F0 in treatment", audited as the manager."""
    out = admit(manager, f0, treatment_facilities[1], "T1-01")
    assert out.stay.status == StayStatus.ACTIVE
    assert out.case_updated is True
    case = Case.objects.get(number=out.case_number)
    assert case.treatment_place == treatment_facilities[1].name and case.treatment_at is not None
    event = AuditEvent.objects.filter(object_type="cases.case", object_id=str(case.pk)).order_by("-id").first()
    assert event is not None and event.actor == manager and event.after["treatment_place"] == case.treatment_place


def test_admitting_a_quarantined_f0_restarts_the_roommates_clocks(
    treatment_facilities: dict[int, Facility],
    quarantine: Facility,
    admit_f1: Any,
    f0: Any,
    make_person: Any,
    manager: Any,
    pinned_clock: Any,
):
    roommate = make_person(full_name="Lò Văn Sáu", sex="M")
    (_own, mate) = admit_f1(quarantine, "102", [f0, roommate], D(2021, 11, 6))
    pinned_clock.move_to(dt.datetime(2021, 11, 12, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7))))
    admit(manager, f0, treatment_facilities[1], "T1-01")
    mate.refresh_from_db()
    assert (mate.clock_start_on, mate.release_on) == (D(2021, 11, 12), D(2021, 11, 26))


def test_one_record_per_day_a_later_entry_corrects_it(
    treatment_facilities: dict[int, Facility], f0: Any, commune_officer: Any, pinned_clock: Any
):
    stay = admit(commune_officer, f0, treatment_facilities[1], "T1-01").stay
    services.treatment_record(
        actor=commune_officer, stay=stay, clinical_state="moderate", oxygen_mode="mask", spo2=94, note="khó thở nhẹ"
    )
    records = TreatmentRecord.objects.filter(stay=stay)
    assert list(records.values_list("on", "clinical_state", "oxygen_mode", "spo2")) == [
        (D(2021, 11, 10), "moderate", "mask", 94)
    ]
    assert AuditEvent.objects.filter(
        object_type__endswith="treatmentrecord", action="update", details__correction_of="2021-11-10"
    ).exists()
    pinned_clock.move_to(at(11, 8))
    services.treatment_record(actor=commune_officer, stay=stay, clinical_state="mild", oxygen_mode="none", spo2=97)
    assert records.count() == 2
    # A late entry for yesterday does not overwrite today's state on the stay.
    services.treatment_record(
        actor=commune_officer, stay=stay, clinical_state="severe", oxygen_mode="hfnc", on=D(2021, 11, 10)
    )
    stay.refresh_from_db()
    assert (stay.clinical_state, stay.oxygen_mode) == ("mild", "none")
    for bad, field in (
        ({"clinical_state": "sick"}, "clinical_state"),
        ({"clinical_state": "mild", "oxygen_mode": "tent"}, "oxygen_mode"),
        ({"clinical_state": "mild", "spo2": 130}, "spo2"),
        ({"clinical_state": "mild", "on": D(2021, 11, 12)}, "on"),
        ({"clinical_state": "mild", "on": D(2021, 11, 9)}, "on"),
    ):
        with pytest.raises(ApplicationError) as exc:
            services.treatment_record(actor=commune_officer, stay=stay, **bad)
        assert exc.value.details[0]["field"] == field


def test_transfer_tier_1_to_2_with_oxygen_keeps_the_chain_and_the_reason(
    treatment_facilities: dict[int, Facility], f0: Any, commune_officer: Any, pinned_clock: Any, quarantine: Facility
):
    first = admit(commune_officer, f0, treatment_facilities[1], "T1-01").stay
    pinned_clock.move_to(at(12, 10))
    services.treatment_record(actor=commune_officer, stay=first, clinical_state="moderate", oxygen_mode="mask", spo2=93)
    tier2 = treatment_facilities[2]
    with pytest.raises(ApplicationError) as exc:
        services.treatment_transfer(
            actor=commune_officer, stay=first, facility=tier2, bed=free_beds(tier2, "T2-01")[0], reason=" "
        )
    assert exc.value.details[0]["field"] == "reason"
    with pytest.raises(ApplicationError) as exc:
        services.treatment_transfer(
            actor=commune_officer, stay=first, facility=treatment_facilities[1], bed=first.bed, reason="đổi giường"
        )
    assert exc.value.details[0]["field"] == "bed"
    with pytest.raises(ApplicationError) as exc:
        services.treatment_transfer(
            actor=commune_officer,
            stay=first,
            facility=quarantine,
            bed=free_beds(quarantine, "101")[0],
            reason="nhầm",
        )
    assert exc.value.details[0]["field"] == "facility"
    new = services.treatment_transfer(
        actor=commune_officer,
        stay=first,
        facility=tier2,
        bed=free_beds(tier2, "T2-01")[0],
        tier=2,
        reason="SpO2 93 %, cần thở oxy",
    )
    first.refresh_from_db()
    assert (first.status, first.end_reason) == (StayStatus.TRANSFERRED, "SpO2 93 %, cần thở oxy")
    assert (new.status, new.tier, new.facility_id, new.previous_id) == ("active", 2, tier2.pk, first.pk)
    assert (new.case_number, new.clinical_state, new.oxygen_mode) == (first.case_number, "moderate", "mask")
    assert new.transfer_reason == "SpO2 93 %, cần thở oxy"
    assert services.chain_ids(new) == [first.pk, new.pk]
    assert services.chain_start(new) == D(2021, 11, 10)
    treatment_facilities[1].refresh_from_db()
    tier2.refresh_from_db()
    assert (treatment_facilities[1].beds_occupied, tier2.beds_occupied) == (0, 1)


def test_discharge_before_the_criteria_is_refused_naming_what_is_missing(
    treatment_facilities: dict[int, Facility], f0: Any, commune_officer: Any
):
    stay = admit(commune_officer, f0, treatment_facilities[1], "T1-01").stay
    with pytest.raises(ApplicationError) as exc:
        response.treatment_discharge(actor=commune_officer, stay=stay, outcome="recovered")
    assert exc.value.code == ErrorCode.INVALID_TRANSITION
    assert exc.value.details[0]["field"] == "outcome"
    assert "đủ 10 ngày điều trị" in exc.value.message
    assert "xét nghiệm âm tính (hoặc RT-PCR Ct ≥ 30) từ ngày thứ 7" in exc.value.message
    stay.refresh_from_db()
    assert stay.status == StayStatus.ACTIVE


def test_recovered_with_a_negative_test_moves_the_case_and_starts_monitoring(
    treatment_facilities: dict[int, Facility], f0: Any, commune_officer: Any, pinned_clock: Any
):
    stay = admit(commune_officer, f0, treatment_facilities[1], "T1-01").stay
    pinned_clock.move_to(at(18, 9))
    lab_services.rapid_test_take(actor=commune_officer, person=f0, result=Result.NEGATIVE)
    status = response.discharge_status(stay)
    assert [c.met for c in status.by_test] == [False, True]  # 8 days, a negative from day 7
    pinned_clock.move_to(at(20, 10))
    status = response.discharge_status(stay)
    assert status.day == 10 and status.met
    out = response.treatment_discharge(actor=commune_officer, stay=stay, outcome="recovered")
    assert out.stay.status == StayStatus.DISCHARGED
    assert "đủ 10 ngày điều trị" in out.stay.end_reason
    case = Case.objects.get(number=stay.case_number)
    assert case.status == CaseStatus.RECOVERED
    monitoring = Monitoring.objects.get(stay=stay)
    assert (monitoring.reason, monitoring.starts_on, monitoring.ends_on) == (
        MonitoringReason.AFTER_TREATMENT,
        D(2021, 11, 21),
        D(2021, 11, 27),
    )


def test_a_high_ct_rt_pcr_counts_like_a_negative_but_a_low_one_or_a_pool_does_not(
    treatment_facilities: dict[int, Facility], f0: Any, commune_officer: Any, pinned_clock: Any
):
    from chihuy.labs.models import Sample, SampleMember

    stay = admit(commune_officer, f0, treatment_facilities[1], "T1-01").stay

    def positive(code: str, day: int, ct: float, kind: str = "single") -> None:
        taken = at(day, 8)
        sample = Sample.objects.create(
            code=code,
            kind=kind,
            unit=f0.unit,
            unit_path=f0.unit_path,
            collected_at=taken,
            due_at=taken,
            result="positive",
            ct_min=ct,
            resulted_at=taken,
            status="resulted",
        )
        SampleMember.objects.create(sample=sample, person=f0, unit_path=f0.unit_path)

    positive("CT-LOW-1", 18, 24.5)
    positive("CT-POOL-1", 18, 33.0, kind="pooled")
    pinned_clock.move_to(at(20, 10))
    assert not response.discharge_status(stay).met
    positive("CT-HIGH-1", 19, 31.2)
    status = response.discharge_status(stay)
    assert status.met and status.by_test[1].detail == "19/11/2021"


def test_discharge_by_time_needs_symptom_free_records(
    treatment_facilities: dict[int, Facility], f0: Any, commune_officer: Any, pinned_clock: Any
):
    stay = admit(commune_officer, f0, treatment_facilities[1], "T1-01").stay
    for day in (22, 23):
        pinned_clock.move_to(at(day, 9))
        services.treatment_record(actor=commune_officer, stay=stay, clinical_state="asymptomatic")
    pinned_clock.move_to(at(24, 9))
    with pytest.raises(ApplicationError) as exc:
        response.treatment_discharge(actor=commune_officer, stay=stay, outcome="recovered")
    assert "3 ngày gần nhất" in exc.value.message
    services.treatment_record(actor=commune_officer, stay=stay, clinical_state="asymptomatic")
    out = response.treatment_discharge(actor=commune_officer, stay=stay, outcome="recovered")
    assert out.stay.status == StayStatus.DISCHARGED


def test_death_moves_the_case_and_needs_a_reason(
    treatment_facilities: dict[int, Facility], f0: Any, commune_officer: Any
):
    stay = admit(commune_officer, f0, treatment_facilities[1], "T1-01").stay
    with pytest.raises(ApplicationError) as exc:
        response.treatment_discharge(actor=commune_officer, stay=stay, outcome="died")
    assert exc.value.details[0]["field"] == "reason"
    out = response.treatment_discharge(
        actor=commune_officer, stay=stay, outcome="died", reason="Suy hô hấp", died_on=D(2021, 11, 10)
    )
    assert out.stay.status == StayStatus.DIED
    case = Case.objects.get(number=stay.case_number)
    assert (case.status, case.died_on) == (CaseStatus.DIED, D(2021, 11, 10))
    assert out.monitoring is None


def test_transferred_out_keeps_the_case_active(
    treatment_facilities: dict[int, Facility], f0: Any, commune_officer: Any
):
    stay = admit(commune_officer, f0, treatment_facilities[1], "T1-01").stay
    out = response.treatment_discharge(
        actor=commune_officer, stay=stay, outcome="transferred_out", reason="Chuyển BV Bạch Mai"
    )
    assert out.stay.status == StayStatus.TRANSFERRED_OUT
    assert Case.objects.get(number=stay.case_number).status == CaseStatus.ACTIVE
    with pytest.raises(ApplicationError):
        services.treatment_record(actor=commune_officer, stay=out.stay, clinical_state="mild")


def test_a_change_of_bed_inside_the_room_keeps_the_room_open(
    treatment_facilities: dict[int, Facility], f0: Any, commune_officer: Any
):
    tier1 = treatment_facilities[1]
    first = admit(commune_officer, f0, tier1, "T1-01").stay
    other = free_beds(tier1, "T1-01")[0]
    new = services.treatment_transfer(
        actor=commune_officer, stay=first, facility=tier1, bed=other, reason="Giường gần cửa sổ"
    )
    assert (new.bed_id, new.room_id, new.tier) == (other.pk, first.room_id, 1)
    tier1.refresh_from_db()
    assert (tier1.beds_occupied, tier1.beds_cleaning) == (1, 0)
