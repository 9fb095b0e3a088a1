"""Admitting groups and people as the manager does: a proposal for 24 F1 off one bus that never mixes cohorts,
keeps households together and puts the vulnerable at oxygen; F0 never with F1; a move breaking a rule needs a
reason and is flagged; a bed is never booked twice (also under two parallel requests on PostgreSQL); closed and
disinfecting rooms refused; a group bigger than the free beds is told who did not fit."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest

from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.isolation import selectors
from chihuy.isolation.enums import Cohort, RoomState, StayEventKind, StayStatus
from chihuy.isolation.models import Bed, Facility, Room, Stay, StayEvent
from chihuy.isolation.services import facilities as facility_services
from chihuy.isolation.services.admissions import (
    PersonSpec,
    admit_one,
    group_admit,
    group_propose,
    stay_move,
    stays_arrive,
)
from chihuy.isolation.services.stays import Admission
from tests.conftest import BAN_GIANG
from tests.isolation.bus import EXPOSED_ON, make_bus
from tests.isolation.fixtures import free_beds

D = dt.date
OLD_COHORT = D(2021, 10, 30)  # nine days before the bus: outside the 2-day window


@pytest.fixture
def nha_b(quarantine: Facility, manager: Any) -> Facility:
    """A second zone "Nhà B": rooms 201–206, 4 beds each (the quarantine area holds 46 beds)."""
    zone = facility_services.zone_create(actor=manager, facility=quarantine, name="Nhà B")
    facility_services.rooms_bulk_create(actor=manager, zone=zone, first=201, last=206, beds_per_room=4, floor=2)
    quarantine.refresh_from_db()
    return quarantine


def _specs(people: list[Any], on: dt.date = EXPOSED_ON, cohort: str = Cohort.F1) -> list[PersonSpec]:
    return [PersonSpec(person=p, cohort=cohort, cohort_on=on) for p in people]


def _admissions(proposal: Any) -> list[Admission]:
    return [Admission(person=r.person, cohort=r.cohort, cohort_on=r.cohort_on, bed=r.bed) for r in proposal.placed]


def test_24_f1_off_one_bus_are_placed_without_mixing_cohorts(
    nha_b: Facility, admit_f1: Any, make_person: Any, manager: Any, admin_user: Any
):
    old = [make_person(full_name="Lò Văn Cũ", sex="M"), make_person(full_name="Lò Văn Xưa", sex="M")]
    admit_f1(nha_b, "101", old, OLD_COHORT)
    bus = make_bus(admin_user, BAN_GIANG)

    proposal = group_propose(actor=manager, facility=nha_b, people=_specs(bus.people))

    assert [r.person.full_name for r in proposal.unplaced] == []
    rooms = {r.person.pk: r.bed.room.code for r in proposal.placed if r.bed}
    assert len(rooms) == 24 and len({r.bed.pk for r in proposal.placed if r.bed}) == 24
    assert "101" not in rooms.values()  # the earlier cohort's room takes nobody off the bus
    assert {rooms[p.pk] for p in bus.family} == {"105"}  # the family room
    assert len({rooms[p.pk] for p in bus.brothers}) == 1
    assert rooms[bus.elder.pk] == "106"  # the oxygen room
    sexes: dict[str, set[str]] = {}
    for p in bus.people:
        if rooms[p.pk] != "105":
            sexes.setdefault(rooms[p.pk], set()).add(p.sex)
    assert all(len(s) == 1 for s in sexes.values()), sexes
    # 13 men and 7 women outside the family room: 105, 106 (2 men), 3 rooms of men, 2 of women.
    assert proposal.rooms_opened == 7

    stays = group_admit(actor=manager, facility=nha_b, admissions=_admissions(proposal))

    assert len(stays) == 24 and all(s.status == StayStatus.ACTIVE and not s.flagged for s in stays)
    nha_b.refresh_from_db()
    assert (nha_b.beds_total, nha_b.beds_occupied, nha_b.beds_free) == (46, 26, 20)
    for room in Room.objects.filter(facility=nha_b):
        dates = set(Stay.objects.filter(room=room, status__in=["active"]).values_list("cohort_on", flat=True))
        assert len(dates) <= 1, (room.code, dates)
    tiles = {t.room.code: t for z in nha_b.zones.all() for t in selectors.zone_map(actor=manager, zone=z)}
    assert (tiles["101"].state, tiles["101"].held, tiles["105"].held, tiles["106"].held) == (RoomState.F1, 2, 4, 2)


def test_changing_a_proposed_bed_into_another_cohort_needs_a_reason_and_is_flagged(
    nha_b: Facility, admit_f1: Any, make_person: Any, manager: Any
):
    admit_f1(nha_b, "101", [make_person(full_name="Lò Văn Cũ", sex="M")], OLD_COHORT)
    people = [make_person(full_name=f"Lò Văn Xe {i}", sex="M") for i in range(3)]
    proposal = group_propose(actor=manager, facility=nha_b, people=_specs(people))
    admissions = _admissions(proposal)
    admissions[2] = Admission(person=people[2], cohort=Cohort.F1, cohort_on=EXPOSED_ON, bed=free_beds(nha_b, "101")[0])
    with pytest.raises(ApplicationError) as exc:
        group_admit(actor=manager, facility=nha_b, admissions=admissions)
    assert exc.value.code == ErrorCode.CONFLICT
    assert exc.value.details[0]["field"] == "admissions[2].bed"
    assert "Ghi lý do" in exc.value.details[0]["message"]
    assert Stay.objects.count() == 1  # nothing half-written

    admissions[2] = Admission(
        person=people[2], cohort=Cohort.F1, cohort_on=EXPOSED_ON, bed=admissions[2].bed, flag_reason="Ở cùng bố"
    )
    stays = group_admit(actor=manager, facility=nha_b, admissions=admissions)
    assert [s.flagged for s in stays] == [False, False, True]
    assert stays[2].flag_reason.endswith("— Ở cùng bố")


def test_f0_is_never_proposed_with_f1(
    quarantine: Facility, treatment_facilities: Any, admit_f1: Any, make_person: Any, manager: Any
):
    admit_f1(quarantine, "101", [make_person(full_name="Lò Văn An", sex="M")], D(2021, 11, 9))
    f0 = make_person(full_name="Lò Văn Dương", sex="M")
    proposal = group_propose(
        actor=manager, facility=quarantine, people=[PersonSpec(person=f0, cohort=Cohort.F0, cohort_on=D(2021, 11, 10))]
    )
    assert proposal.placed == []
    assert "cơ sở điều trị" in proposal.unplaced[0].reason
    with pytest.raises(ApplicationError) as exc:
        group_admit(
            actor=manager,
            facility=quarantine,
            admissions=[
                Admission(person=f0, cohort=Cohort.F0, cohort_on=D(2021, 11, 10), bed=free_beds(quarantine, "101")[0])
            ],
        )
    assert exc.value.details[0]["field"] == "admissions[0].bed"
    assert "F0 không được ở chung phòng" in exc.value.details[0]["message"]
    # In a treatment facility the F1 is refused outright, the F0 gets a bed.
    tier1 = treatment_facilities[1]
    f1 = make_person(full_name="Lò Thị Én", sex="F")
    proposal = group_propose(
        actor=manager,
        facility=tier1,
        people=[
            PersonSpec(person=f0, cohort=Cohort.F0, cohort_on=D(2021, 11, 10)),
            PersonSpec(person=f1, cohort=Cohort.F1, cohort_on=D(2021, 11, 9)),
        ],
    )
    assert [r.person.pk for r in proposal.placed] == [f0.pk]
    assert proposal.unplaced[0].reason == "Chỉ F0 được tiếp nhận điều trị."
    stay = admit_one(actor=manager, facility=tier1, person=f0, cohort=Cohort.F0, cohort_on=D(2021, 11, 10))
    assert (stay.kind, stay.tier, stay.release_on) == ("treatment", 1, None)


def test_a_move_breaking_a_rule_needs_a_reason_and_is_flagged(
    nha_b: Facility, admit_f1: Any, make_person: Any, manager: Any
):
    admit_f1(nha_b, "101", [make_person(full_name="Lò Văn Cũ", sex="M")], OLD_COHORT)
    (stay,) = admit_f1(nha_b, "102", [make_person(full_name="Lò Văn Mới", sex="M")], EXPOSED_ON)
    target = free_beds(nha_b, "101")[0]
    with pytest.raises(ApplicationError) as exc:
        stay_move(actor=manager, stay=stay, bed=target)
    assert exc.value.details[0]["field"] == "reason"
    assert "lệch quá 2 ngày" in exc.value.details[0]["message"]
    assert Stay.objects.get(pk=stay.pk).room.code == "102"

    moved = stay_move(actor=manager, stay=stay, bed=target, reason="Phòng 102 hỏng điều hòa")

    assert (moved.room.code, moved.bed_id, moved.flagged) == ("101", target.pk, True)
    assert moved.flag_reason.endswith("— Phòng 102 hỏng điều hòa")
    event = StayEvent.objects.get(stay=stay, kind=StayEventKind.MOVED)
    assert (event.flagged, event.to_bed_id, event.from_bed.room.code) == (True, target.pk, "102")
    assert Room.objects.get(facility=nha_b, code="102").cleaning_since is not None  # emptied: to disinfection
    nha_b.refresh_from_db()
    assert (nha_b.beds_occupied, nha_b.beds_cleaning) == (2, 4)
    assert selectors.capacity_recount(facility_ids=[nha_b.pk])[nha_b.pk] == (46, 2, 0, 4)


def test_a_move_within_the_rules_needs_no_reason(nha_b: Facility, admit_f1: Any, make_person: Any, manager: Any):
    a, b = make_person(full_name="Lò Văn A", sex="M"), make_person(full_name="Lò Văn B", sex="M")
    admit_f1(nha_b, "101", [a], EXPOSED_ON)
    (stay,) = admit_f1(nha_b, "201", [b], EXPOSED_ON)
    moved = stay_move(actor=manager, stay=stay, bed=free_beds(nha_b, "101")[0])
    assert (moved.room.code, moved.flagged) == ("101", False)
    with pytest.raises(ApplicationError) as exc:  # a bed already held
        stay_move(actor=manager, stay=moved, bed=Stay.objects.get(person=a).bed)
    assert exc.value.code == ErrorCode.CONFLICT and exc.value.details[0]["field"] == "bed"


def test_a_bed_is_never_booked_twice(quarantine: Facility, admit_f1: Any, make_person: Any, manager: Any):
    a, b, c = (make_person(full_name=f"Lò Văn {n}", sex="M") for n in ("An", "Bình", "Cường"))
    bed = free_beds(quarantine, "102")[0]
    with pytest.raises(ApplicationError) as exc:
        group_admit(
            actor=manager,
            facility=quarantine,
            admissions=[
                Admission(person=a, cohort=Cohort.F1, cohort_on=EXPOSED_ON, bed=bed),
                Admission(person=b, cohort=Cohort.F1, cohort_on=EXPOSED_ON, bed=bed),
            ],
        )
    assert exc.value.details[0]["field"] == "admissions[1].bed"
    assert Stay.objects.count() == 0
    admit_one(actor=manager, facility=quarantine, person=a, cohort_on=EXPOSED_ON, bed=bed)
    with pytest.raises(ApplicationError) as exc:
        admit_one(actor=manager, facility=quarantine, person=c, cohort_on=EXPOSED_ON, bed=bed)
    assert exc.value.code == ErrorCode.CONFLICT
    assert exc.value.details[0] == {
        "field": "admissions[0].bed",
        "message": "Giường 102-1 đã có người hoặc đã được giữ.",
    }
    with pytest.raises(ApplicationError) as exc:  # the same person twice
        admit_one(actor=manager, facility=quarantine, person=a, cohort_on=EXPOSED_ON)
    assert exc.value.details[0]["field"] == "person" and "đang cách ly" in exc.value.details[0]["message"]


def test_closed_and_disinfecting_rooms_take_nobody(quarantine: Facility, admit_f1: Any, make_person: Any, manager: Any):
    room_103 = Room.objects.get(facility=quarantine, code="103")
    facility_services.room_update(actor=manager, room=room_103, is_closed=True)
    (stay,) = admit_f1(quarantine, "104", [make_person(full_name="Lò Văn An", sex="M")], EXPOSED_ON)
    from chihuy.isolation.services.stays import stay_end

    stay_end(actor=manager, stay=stay, status=StayStatus.CANCELLED, reason="Nhập nhầm")
    person = make_person(full_name="Lò Văn Bình", sex="M")
    for code, message in (("103", "đang đóng"), ("104", "đang khử khuẩn")):
        bed = Bed.objects.filter(room__facility=quarantine, room__code=code).first()
        with pytest.raises(ApplicationError) as exc:
            admit_one(actor=manager, facility=quarantine, person=person, cohort_on=EXPOSED_ON, bed=bed)
        assert message in exc.value.details[0]["message"]
    proposal = group_propose(
        actor=manager,
        facility=quarantine,
        people=_specs([make_person(full_name=f"Lò Văn Số {i}", sex="M") for i in range(12)]),
    )
    # 101, 102 (4 each), 106 (2) and the family room 105 (one person without a household, alone): 11 for 12 men.
    assert {r.bed.room.code for r in proposal.placed if r.bed} == {"101", "102", "105", "106"}
    assert len(proposal.unplaced) == 1 and proposal.unplaced[0].reason


def test_a_group_bigger_than_the_free_beds_is_told_who_did_not_fit(
    treatment_facilities: Any, make_person: Any, manager: Any
):
    tier2 = treatment_facilities[2]
    people = [make_person(full_name=f"Lò Văn F0 {i}", sex="M") for i in range(8)]
    proposal = group_propose(actor=manager, facility=tier2, people=_specs(people, D(2021, 11, 9), Cohort.F0))
    assert len(proposal.placed) == 6
    assert [r.person.pk for r in proposal.unplaced] == [p.pk for p in people[6:]]
    assert proposal.beds_free == 6
    assert Stay.objects.count() == 0  # a proposal writes nothing
    group_admit(actor=manager, facility=tier2, admissions=_admissions(proposal))
    with pytest.raises(ApplicationError) as exc:
        admit_one(actor=manager, facility=tier2, person=people[7], cohort=Cohort.F0, cohort_on=D(2021, 11, 9))
    assert exc.value.details[0]["field"] == "bed" and "Không có giường phù hợp" in exc.value.details[0]["message"]


def test_reserved_beds_for_a_group_and_its_arrival(nha_b: Facility, make_person: Any, manager: Any, pinned_clock: Any):
    people = [make_person(full_name=f"Lò Thị Xe {i}", sex="F") for i in range(5)]
    proposal = group_propose(actor=manager, facility=nha_b, people=_specs(people))
    stays = group_admit(actor=manager, facility=nha_b, admissions=_admissions(proposal), reserve=True)
    assert {s.status for s in stays} == {StayStatus.RESERVED}
    nha_b.refresh_from_db()
    assert (nha_b.beds_reserved, nha_b.beds_occupied) == (5, 0)
    pinned_clock.move_to(dt.datetime(2021, 11, 11, 7, 0, tzinfo=dt.timezone(dt.timedelta(hours=7))))
    arrived = stays_arrive(actor=manager, stays=stays)
    assert {(s.status, s.clock_start_on, s.release_on) for s in arrived} == {
        (StayStatus.ACTIVE, D(2021, 11, 11), D(2021, 11, 25))
    }
    with pytest.raises(ApplicationError) as exc:
        stays_arrive(actor=manager, stays=[Stay.objects.get(pk=stays[0].pk)])
    assert exc.value.details[0]["field"] == "stays[0]"
    nha_b.refresh_from_db()
    assert (nha_b.beds_reserved, nha_b.beds_occupied) == (0, 5)


def test_another_districts_manager_cannot_admit(quarantine: Facility, make_person: Any, make_user: Any):
    from chihuy.accounts.roles import Role
    from tests.conftest import PHONG_THO

    other = make_user(Role.FACILITY_MANAGER, PHONG_THO)
    with pytest.raises(ApplicationError) as exc:
        group_propose(actor=other, facility=quarantine, people=_specs([make_person(full_name="Lò Văn An")]))
    assert exc.value.code == ErrorCode.NOT_FOUND


# --- PostgreSQL: two parallel admissions to one bed --------------------------------------------------


@pytest.fixture
def reloaded(transactional_db: Any) -> None:
    from chihuy.places.models import Unit
    from chihuy.places.services import units_load_province
    from tests.browser.conftest import seed_policies

    if not Unit.objects.exists():
        units_load_province(province="Lai Châu")
    seed_policies()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_parallel_admissions_to_one_bed_one_wins(reloaded: Any, make_user: Any, make_person: Any):
    from django.db import connection

    from chihuy.accounts.roles import Role
    from tests.conftest import TAM_DUONG
    from tests.isolation.fixtures import _site

    manager = make_user(Role.FACILITY_MANAGER, TAM_DUONG)
    facility = facility_services.facility_create(
        actor=manager, site=_site("Khu cách ly thử song song", "quarantine_facility"), kind="quarantine"
    )
    zone = facility_services.zone_create(actor=manager, facility=facility, name="Nhà A")
    facility_services.rooms_bulk_create(actor=manager, zone=zone, first=101, last=101, beds_per_room=2)
    bed = Bed.objects.get(room__facility=facility, code="101-1")
    people = [make_person(full_name="Lò Văn Một", sex="M"), make_person(full_name="Lò Văn Hai", sex="M")]
    barrier = threading.Barrier(2)
    outcomes: list[Any] = [None, None]

    def admit(i: int) -> None:
        try:
            barrier.wait()
            outcomes[i] = admit_one(actor=manager, facility=facility, person=people[i], cohort_on=EXPOSED_ON, bed=bed)
        except ApplicationError as exc:
            outcomes[i] = exc
        finally:
            from django.db import connection as thread_connection

            thread_connection.close()

    threads = [threading.Thread(target=admit, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert connection.vendor == "postgresql"
    won = [o for o in outcomes if isinstance(o, Stay)]
    lost = [o for o in outcomes if isinstance(o, ApplicationError)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert lost[0].code == ErrorCode.CONFLICT
    assert lost[0].details[0]["field"] in ("admissions[0].bed", "bed")
    assert Stay.objects.filter(bed=bed, status="active").count() == 1
