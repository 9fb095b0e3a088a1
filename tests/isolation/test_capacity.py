"""Capacity figures: what each facility keeps equals a recount from beds and stays after a sequence of
admissions, a reservation and its arrival, a transfer, ends and a disinfection; the threshold alert goes once
when occupancy crosses 80 %, and again only after falling below; the forecast reads the last week's admissions
and departures."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from chihuy.isolation import selectors
from chihuy.isolation.enums import Cohort, StayKind, StayStatus
from chihuy.isolation.models import Facility, Room, Stay
from chihuy.isolation.services import capacity
from chihuy.isolation.services.facilities import room_cleaned
from chihuy.isolation.services.stays import Admission, stay_activate, stay_end, stays_admit
from chihuy.isolation.services.treatment import treatment_transfer
from chihuy.notify.models import Message
from tests.isolation.fixtures import free_beds
from tests.labs.fixtures import at

pytestmark = pytest.mark.django_db

D = dt.date


def kept(*facilities: Facility) -> dict[int, tuple[int, int, int, int]]:
    out = {}
    for f in Facility.objects.filter(pk__in=[x.pk for x in facilities]):
        out[f.pk] = (f.beds_total, f.beds_occupied, f.beds_reserved, f.beds_cleaning)
    return out


def admit_f0(manager: Any, facility: Facility, room: str, people: list[Any], **kw: Any) -> list[Stay]:
    beds = free_beds(facility, room)
    return stays_admit(
        actor=manager,
        kind=StayKind.TREATMENT,
        facility=facility,
        admissions=[
            Admission(person=p, cohort=Cohort.F0, cohort_on=D(2021, 11, 8), bed=beds[i], tier=facility.tier)
            for i, p in enumerate(people)
        ],
        **kw,
    )


def test_figures_equal_a_recount_after_every_change(
    quarantine: Facility,
    treatment_facilities: dict[int, Facility],
    admit_f1: Any,
    make_person: Any,
    manager: Any,
    pinned_clock: Any,
):
    tier1, tier2 = treatment_facilities[1], treatment_facilities[2]
    every = (quarantine, tier1, tier2)

    def check() -> None:
        assert kept(*every) == selectors.capacity_recount(facility_ids=[f.pk for f in every])

    men = [make_person(full_name=f"Lò Văn {i}", sex="M") for i in range(6)]
    f1 = admit_f1(quarantine, "101", men[:3], D(2021, 11, 9))
    check()
    (reserved,) = stays_admit(
        actor=manager,
        kind=StayKind.FACILITY,
        facility=quarantine,
        admissions=[
            Admission(person=men[3], cohort=Cohort.F1, cohort_on=D(2021, 11, 9), bed=free_beds(quarantine, "101")[0])
        ],
        reserve=True,
    )
    assert kept(quarantine)[quarantine.pk] == (22, 3, 1, 0)
    check()
    stay_activate(actor=manager, stay=reserved)
    check()
    (patient,) = admit_f0(manager, tier1, "T1-01", [men[4]])
    check()
    pinned_clock.move_to(at(11, 9))
    moved = treatment_transfer(
        actor=manager, stay=patient, facility=tier2, bed=free_beds(tier2, "T2-01")[0], reason="cần oxy"
    )
    # T1-01 emptied: its 4 beds are being disinfected.
    assert kept(tier1, tier2) == {tier1.pk: (16, 0, 0, 4), tier2.pk: (6, 1, 0, 0)}
    check()
    room_cleaned(actor=manager, room=Room.objects.get(facility=tier1, code="T1-01"))
    check()
    for stay in [*f1, reserved]:
        stay_end(actor=manager, stay=stay, status=StayStatus.CANCELLED, reason="nhập nhầm")
    assert kept(quarantine)[quarantine.pk] == (22, 0, 0, 4)
    check()
    stay_end(actor=manager, stay=moved, status=StayStatus.DIED, reason="suy hô hấp", perm="treatment.record")
    check()


def test_threshold_alert_sent_once_at_80_percent(
    treatment_facilities: dict[int, Facility], make_person: Any, manager: Any
):
    tier2 = treatment_facilities[2]  # 3 rooms × 2 beds
    alerts = Message.objects.filter(template="isolation.capacity", source=f"isolation.facility:{tier2.pk}")
    people = [make_person(full_name=f"Lò Văn {i}", sex="M") for i in range(6)]
    admit_f0(manager, tier2, "T2-01", people[:2])
    stays = admit_f0(manager, tier2, "T2-02", people[2:4])
    assert alerts.count() == 0  # 4/6 = 67 %
    admit_f0(manager, tier2, "T2-03", people[4:5])  # 5/6 = 83 %
    assert alerts.count() == 1
    message = alerts.get()
    assert "83 %" in message.subject
    assert "ngưỡng cảnh báo 80 %" in message.body and "còn trống 1" in message.body
    capacity.facility_refresh([tier2.pk])
    tier2.refresh_from_db()
    assert (alerts.count(), tier2.alert_percent) == (1, 80)
    # Below the threshold re-arms it; crossing again alerts again.
    stay_end(actor=manager, stay=stays[0], status=StayStatus.CANCELLED, reason="nhập nhầm")
    tier2.refresh_from_db()
    assert (alerts.count(), tier2.alert_percent) == (1, 0)
    admit_f0(manager, tier2, "T2-03", people[5:6])
    assert alerts.count() == 2


def test_forecast_reads_the_last_weeks_admissions_and_departures(
    quarantine: Facility, admit_f1: Any, make_person: Any, manager: Any, pinned_clock: Any
):
    people = [make_person(full_name=f"Lò Văn {i}", sex="M") for i in range(5)]
    pinned_clock.move_to(at(2, 9))  # 8 days ago: outside the week
    old = admit_f1(quarantine, "101", people[:2], D(2021, 11, 1))
    pinned_clock.move_to(at(8, 9))
    admit_f1(quarantine, "102", people[2:5], D(2021, 11, 7))
    pinned_clock.move_to(at(9, 9))
    stay_end(actor=manager, stay=old[0], status=StayStatus.CANCELLED, reason="chuyển đi")
    pinned_clock.move_to(at(10, 9))
    # 3 admitted and 1 left in the week: 2/7 bed a day; 22 beds − 4 held = 18 free → 63 days.
    assert capacity.admission_rate([quarantine.pk]) == {quarantine.pk: pytest.approx(2 / 7)}
    overview = selectors.capacity_overview(actor=manager)
    (row,) = overview.facilities
    assert (row.free, row.days_until_full) == (18, 63.0)
    assert overview.total.days_until_full == 63.0
