"""The core of a stay: admission with its clock from the rule in force, the database holding one stay per bed and
per person, cohort rules on admission, clock restarts with their reason, the end freeing the bed, capacity kept."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from chihuy.core.errors import ApplicationError
from chihuy.isolation import selectors
from chihuy.isolation.enums import Cohort, RoomState, StayEventKind, StayKind, StayStatus
from chihuy.isolation.models import Facility, Stay, StayTest
from chihuy.isolation.services.stays import Admission, clocks_restart, stay_end, stays_admit
from tests.isolation.fixtures import free_beds, zone_of

pytestmark = pytest.mark.django_db

D = dt.date


def test_admission_takes_the_5599_clock_and_its_test_days(quarantine: Facility, admit_f1: Any, make_person: Any):
    person = make_person(full_name="Lò Văn An", sex="M", birth_year=1990)
    (stay,) = admit_f1(quarantine, "101", [person], D(2021, 11, 9))
    assert stay.status == StayStatus.ACTIVE
    assert stay.clock_start_on == D(2021, 11, 10)
    assert stay.release_on == D(2021, 11, 24)
    assert stay.test_days == [1, 7, 14]
    assert stay.monitoring_days == 14
    assert "5599" in stay.rule_source
    tests = list(StayTest.objects.filter(stay=stay).values_list("day", "due_on"))
    assert tests == [(1, D(2021, 11, 10)), (7, D(2021, 11, 16)), (14, D(2021, 11, 23))]
    quarantine.refresh_from_db()
    assert (quarantine.beds_total, quarantine.beds_occupied, quarantine.beds_free) == (22, 1, 21)


def test_fully_vaccinated_under_10696_get_seven_days(
    quarantine: Facility, admit_f1: Any, make_person: Any, pinned_clock: Any, manager: Any
):
    pinned_clock.move_to(dt.datetime(2021, 12, 20, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7))))
    person = make_person(full_name="Tao Thị Bình", sex="F", birth_year=1992)
    bed = free_beds(quarantine, "102")[0]
    (stay,) = stays_admit(
        actor=manager,
        kind=StayKind.FACILITY,
        facility=quarantine,
        admissions=[
            Admission(person=person, cohort=Cohort.F1, cohort_on=D(2021, 12, 19), bed=bed, fully_vaccinated=True)
        ],
    )
    assert (stay.release_on, stay.test_days, stay.monitoring_days) == (D(2021, 12, 27), [1, 7], 7)
    assert "10696" in stay.rule_source


def test_a_bed_and_a_person_are_held_once(quarantine: Facility, admit_f1: Any, make_person: Any, manager: Any):
    a, b = make_person(full_name="Lò Văn An", sex="M"), make_person(full_name="Lò Văn Cường", sex="M")
    (first,) = admit_f1(quarantine, "101", [a], D(2021, 11, 9))
    with pytest.raises(ApplicationError) as exc:
        stays_admit(
            actor=manager,
            kind=StayKind.FACILITY,
            facility=quarantine,
            admissions=[Admission(person=b, cohort=Cohort.F1, cohort_on=D(2021, 11, 9), bed=first.bed)],
        )
    assert exc.value.details[0]["field"] == "admissions[0].bed"
    with pytest.raises(ApplicationError) as exc:
        admit_f1(quarantine, "102", [a], D(2021, 11, 9))
    assert exc.value.details[0]["field"] == "admissions[0].person"
    assert Stay.objects.count() == 1


def test_f0_never_placed_with_f1_without_a_reason(quarantine: Facility, admit_f1: Any, make_person: Any, manager: Any):
    admit_f1(quarantine, "101", [make_person(full_name="Lò Văn An", sex="M")], D(2021, 11, 9))
    bed = free_beds(quarantine, "101")[0]
    f0 = make_person(full_name="Lò Văn Dũng", sex="M")
    with pytest.raises(ApplicationError) as exc:
        stays_admit(
            actor=manager,
            kind=StayKind.FACILITY,
            facility=quarantine,
            admissions=[Admission(person=f0, cohort=Cohort.F0, cohort_on=D(2021, 11, 10), bed=bed)],
        )
    assert "Ghi lý do" in exc.value.details[0]["message"]
    (stay,) = stays_admit(
        actor=manager,
        kind=StayKind.FACILITY,
        facility=quarantine,
        admissions=[
            Admission(
                person=f0, cohort=Cohort.F0, cohort_on=D(2021, 11, 10), bed=bed, flag_reason="Chờ xe chuyển tầng 1"
            )
        ],
    )
    assert stay.flagged and "Chờ xe chuyển tầng 1" in stay.flag_reason
    assert stay.events.get().flagged


def test_clock_restart_keeps_the_reason_and_replaces_test_days(
    quarantine: Facility, admit_f1: Any, make_person: Any, manager: Any
):
    people = [make_person(full_name=f"Người {i}", sex="M") for i in range(3)]
    stays = admit_f1(quarantine, "103", people, D(2021, 11, 9))
    changed = clocks_restart(actor=manager, stays=stays, start_on=D(2021, 11, 13), reason="Cùng phòng có F0")
    assert len(changed) == 3
    stay = Stay.objects.get(pk=stays[0].pk)
    assert (stay.clock_start_on, stay.release_on) == (D(2021, 11, 13), D(2021, 11, 27))
    assert list(stay.tests.values_list("due_on", flat=True)) == [D(2021, 11, 13), D(2021, 11, 19), D(2021, 11, 26)]
    assert stay.events.filter(kind=StayEventKind.CLOCK_RESTARTED, reason="Cùng phòng có F0").count() == 1


def test_ending_the_last_stay_sends_the_room_to_cleaning(
    quarantine: Facility, admit_f1: Any, make_person: Any, manager: Any
):
    (stay,) = admit_f1(quarantine, "104", [make_person(full_name="Lò Văn An", sex="M")], D(2021, 11, 9))
    tiles = {t.room.code: t for t in selectors.zone_map(actor=manager, zone=zone_of(quarantine))}
    assert (tiles["104"].state, tiles["104"].day, tiles["101"].state) == (RoomState.F1, 1, RoomState.EMPTY)
    stay_end(actor=manager, stay=stay, status=StayStatus.CANCELLED, reason="Nhập nhầm người")
    tiles = {t.room.code: t for t in selectors.zone_map(actor=manager, zone=zone_of(quarantine))}
    assert tiles["104"].state == RoomState.CLEANING
    quarantine.refresh_from_db()
    assert (quarantine.beds_occupied, quarantine.beds_cleaning, quarantine.beds_free) == (0, 4, 18)
    assert selectors.capacity_recount(facility_ids=[quarantine.pk])[quarantine.pk] == (22, 0, 0, 4)


def test_capacity_overview_groups_by_tier_and_district(
    quarantine: Facility, treatment_facilities: Any, admit_f1: Any, make_person: Any, admin_user: Any
):
    admit_f1(quarantine, "101", [make_person(full_name="Lò Văn An", sex="M")], D(2021, 11, 9))
    overview = selectors.capacity_overview(actor=admin_user)
    assert [r.key for r in overview.by_tier] == ["quarantine", "tier1", "tier2"]
    assert [(r.total, r.occupied, r.free) for r in overview.by_tier] == [(22, 1, 21), (16, 0, 16), (6, 0, 6)]
    assert overview.total.total == 44 and overview.total.free == 43
    assert [r.label for r in overview.by_district] == ["Huyện Tam Đường"]
    assert overview.total.figures_at is not None


def test_admission_closes_the_f1_isolated_step_of_tracing(
    quarantine: Facility, admit_f1: Any, make_person: Any, manager: Any, make_user: Any
):
    from chihuy.accounts.roles import Role
    from chihuy.cases import services as case_services
    from chihuy.cases.enums import DetectionWay, TraceStatus
    from chihuy.cases.models import Case, Classification
    from chihuy.response.isolation import stays_admitted
    from tests.conftest import BAN_GIANG
    from tests.labs.fixtures import at

    officer = make_user(Role.HEALTH_OFFICER, BAN_GIANG)
    f0 = make_person(full_name="Lò Văn Dũng", sex="M")
    f1 = make_person(full_name="Lò Thị Én", sex="F")
    case = case_services.case_report(
        actor=officer, person=f0, detection_way=DetectionWay.COMMUNITY, detected_at=at(9), sample_date=D(2021, 11, 9)
    )
    case_services.contact_add(
        actor=officer,
        source_person=f0,
        contact_person=f1,
        setting="household",
        exposure_at=at(8),
        physical_contact=True,
    )
    stays = admit_f1(quarantine, "101", [f1], D(2021, 11, 8))
    assert stays_admitted(actor=manager, stays=stays) == 1
    item = Classification.objects.get(person=f1)
    assert item.trace_status == TraceStatus.QUARANTINED and item.isolated_at is not None
    assert Case.objects.get(pk=case.pk).f1_isolated_at is not None
    assert stays_admitted(actor=manager, stays=stays) == 0


def test_a_household_split_across_rooms_needs_a_reason(quarantine: Facility, make_person: Any, manager: Any):
    from chihuy.people.models import Household
    from chihuy.places.models import Unit
    from tests.conftest import BAN_GIANG

    home = Household.objects.create(unit=Unit.objects.get(path=BAN_GIANG), unit_path=BAN_GIANG, address="Bản Giang")
    father = make_person(full_name="Lò Văn Bố", sex="M", household=home)
    son = make_person(full_name="Lò Văn Con", sex="M", household=home)
    split = [
        Admission(person=father, cohort=Cohort.F1, cohort_on=D(2021, 11, 9), bed=free_beds(quarantine, "101")[0]),
        Admission(person=son, cohort=Cohort.F1, cohort_on=D(2021, 11, 9), bed=free_beds(quarantine, "102")[0]),
    ]
    with pytest.raises(ApplicationError) as exc:
        stays_admit(actor=manager, kind=StayKind.FACILITY, facility=quarantine, admissions=split)
    assert exc.value.details[0]["field"] in ("admissions[0].bed", "admissions[1].bed")
    assert Stay.objects.count() == 0
    # One reason, written on the member moved, covers the split household.
    split[0] = Admission(
        person=father, cohort=Cohort.F1, cohort_on=D(2021, 11, 9), bed=split[0].bed, flag_reason="Bố cần phòng riêng"
    )
    stays = stays_admit(actor=manager, kind=StayKind.FACILITY, facility=quarantine, admissions=split)
    assert all(s.flagged and "Bố cần phòng riêng" in s.flag_reason for s in stays)


def test_a_room_past_its_release_day_says_so_instead_of_counting(
    quarantine: Facility, admit_f1: Any, make_person: Any, manager: Any, pinned_clock: Any
):
    admit_f1(quarantine, "101", [make_person(full_name="Lò Văn An", sex="M")], D(2021, 11, 9))
    pinned_clock.move_to(dt.datetime(2021, 11, 23, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7))))
    tile = next(t for t in selectors.zone_map(actor=manager, zone=zone_of(quarantine)) if t.room.code == "101")
    assert (tile.day, tile.release_due) == (14, False)
    pinned_clock.move_to(dt.datetime(2021, 11, 24, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7))))
    tile = next(t for t in selectors.zone_map(actor=manager, zone=zone_of(quarantine)) if t.room.code == "101")
    assert (tile.release_on, tile.release_due) == (D(2021, 11, 24), True)


def test_the_commune_of_residence_follows_a_stay_but_only_the_place_writes(
    quarantine: Facility, admit_f1: Any, make_person: Any, make_user: Any, manager: Any, api_client: Any
):
    """A Bình Lư resident held in the Tam Đường area (site in Bản Giang): Bình Lư's health officer reads the stay,
    and is refused writing on it (403, nothing written); the district's facility manager writes."""
    from chihuy.accounts.roles import Role
    from chihuy.isolation.models import CheckIn
    from tests.conftest import BINH_LU

    person = make_person(full_name="Giàng Văn Lử", sex="M", unit_path=BINH_LU)
    (stay,) = admit_f1(quarantine, "101", [person], D(2021, 11, 9))
    residence = api_client(make_user(Role.HEALTH_OFFICER, BINH_LU))
    assert residence.get(f"/api/isolation/stays/{stay.pk}").status_code == 200
    refused = residence.post(f"/api/isolation/stays/{stay.pk}/checkins", {"source": "call", "spo2": 98})
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    with pytest.raises(ApplicationError) as exc:
        stay_end(actor=make_user(Role.HEALTH_OFFICER, BINH_LU), stay=stay, status=StayStatus.CANCELLED, reason="x")
    assert exc.value.code == "permission_denied"
    assert CheckIn.objects.count() == 0 and Stay.objects.get(pk=stay.pk).status == StayStatus.ACTIVE
    assert (
        api_client(manager).post(f"/api/isolation/stays/{stay.pk}/checkins", {"source": "call", "spo2": 98}).status_code
        == 201
    )
