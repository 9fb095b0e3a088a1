"""The reads the isolation screens used to make themselves, now selectors: the F0 counts of the treatment list per
tier and oxygen modality in one grouped query, a person's holding stay, the people of the area by id, a facility's
beds by id, a stay's last move."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chihuy.accounts.roles import Role
from chihuy.isolation import selectors, selectors_facilities, selectors_treatment
from chihuy.isolation.enums import Cohort, StayKind, StayStatus
from chihuy.isolation.models import Facility, Stay
from chihuy.isolation.services import admissions
from chihuy.isolation.services.stays import Admission, stays_admit
from tests.conftest import MUONG_SO, PHONG_THO
from tests.isolation.fixtures import free_beds

pytestmark = pytest.mark.django_db

D = dt.date


def _treat(manager: Any, facility: Facility, room_code: str, people: list[Any]) -> list[Stay]:
    beds = free_beds(facility, room_code)
    return stays_admit(
        actor=manager,
        kind=StayKind.TREATMENT,
        admissions=[
            Admission(person=p, cohort=Cohort.F0, cohort_on=D(2021, 11, 8), bed=beds[i], tier=facility.tier)
            for i, p in enumerate(people)
        ],
        facility=facility,
    )


def test_treatment_counts_per_tier_and_oxygen_in_one_query(
    treatment_facilities: dict[int, Facility], manager: Any, make_person: Any, make_user: Any
):
    people = [make_person(full_name=f"Người {i}", sex="M") for i in range(5)]
    one = _treat(manager, treatment_facilities[1], "T1-01", people[:3])
    two = _treat(manager, treatment_facilities[2], "T2-01", people[3:])
    Stay.objects.filter(pk__in=[one[0].pk, two[0].pk]).update(oxygen_mode="mask")
    Stay.objects.filter(pk=two[1].pk).update(oxygen_mode="hfnc")
    Stay.objects.filter(pk=one[2].pk).update(status=StayStatus.DISCHARGED)  # no longer under treatment
    with CaptureQueriesContext(connection) as queries:
        by_tier, by_oxygen = selectors_treatment.treatment_counts(actor=manager)
    assert sum(1 for q in queries.captured_queries if "isolation_stay" in q["sql"]) == 1
    assert by_tier == {1: 2, 2: 2, 3: 0}
    assert by_oxygen == {"mask": 2, "hfnc": 1, "non_invasive": 0, "invasive": 0, "ecmo": 0}
    other = selectors_treatment.treatment_counts(actor=make_user(Role.FACILITY_MANAGER, PHONG_THO))
    assert other == ({1: 0, 2: 0, 3: 0}, dict.fromkeys(by_oxygen, 0))


def test_holding_stay_and_people_holding(quarantine: Facility, admit_f1: Any, make_person: Any):
    held, free = make_person(full_name="Đang Giữ", sex="M"), make_person(full_name="Chưa Giữ", sex="M")
    (stay,) = admit_f1(quarantine, "101", [held], D(2021, 11, 8))
    found = selectors.holding_stay(held)
    assert found is not None and found.pk == stay.pk and found.facility.pk == quarantine.pk
    assert selectors.holding_stay(free) is None
    assert selectors.people_holding([held.pk, free.pk]) == {held.pk}
    Stay.objects.filter(pk=stay.pk).update(status=StayStatus.RELEASED)
    assert selectors.holding_stay(held) is None
    assert selectors.people_holding([held.pk]) == set()


def test_people_in_area_by_name_and_out_of_area_left_out(manager: Any, make_user: Any, make_person: Any):
    b, a = make_person(full_name="Lò Thị B", sex="F"), make_person(full_name="Lò Thị A", sex="F")
    far = make_person(full_name="Ở Xa", sex="M", unit_path=MUONG_SO)
    got = selectors.people_in_area(actor=manager, ids=[b.pk, a.pk, far.pk, 999999])
    assert [p.pk for p in got] == [a.pk, b.pk]
    other = make_user(Role.FACILITY_MANAGER, PHONG_THO)
    assert [p.pk for p in selectors.people_in_area(actor=other, ids=[a.pk, far.pk])] == [far.pk]


def test_beds_by_id_keeps_the_facility_beds_only(quarantine: Facility, treatment_facilities: dict[int, Facility]):
    mine = free_beds(quarantine, "101")[:2]
    theirs = free_beds(treatment_facilities[1], "T1-01")[0]
    got = selectors_facilities.beds_by_id(facility=quarantine, bed_ids=[b.pk for b in mine] + [theirs.pk])
    assert sorted(got) == sorted(b.pk for b in mine)
    assert got[mine[0].pk].room_id == mine[0].room_id


def test_last_move_is_the_latest_moved_event(quarantine: Facility, admit_f1: Any, make_person: Any, manager: Any):
    person = make_person(full_name="Người Chuyển", sex="M")
    (stay,) = admit_f1(quarantine, "101", [person], D(2021, 11, 8))
    assert selectors_facilities.last_move(stay) is None
    target = free_beds(quarantine, "102")[0]
    moved = admissions.stay_move(actor=manager, stay=stay, bed=target)
    last = selectors_facilities.last_move(moved)
    assert last is not None and last.to_bed_id == target.pk and last.flagged is False
