"""The bed proposer (chihuy.isolation.assign): cohort rules, fewest rooms opened, the first-fit baseline and the
rule checker — pure Python, no database."""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from chihuy.isolation.assign import (
    Arrival,
    Placement,
    RoomSlot,
    check,
    first_fit,
    propose,
)

D = date(2021, 11, 8)
WINDOW = 2


def room(
    room_id: int,
    *,
    beds: int = 4,
    gender: str = "any",
    family: bool = False,
    oxygen: bool = False,
    occupied: int = 0,
    cohort: str | None = None,
    cohort_on: date | None = None,
    sexes: tuple[str, ...] = (),
    households: tuple[int, ...] = (),
    position: int | None = None,
) -> RoomSlot:
    return RoomSlot(
        room_id=room_id,
        zone_id=1,
        code=f"P{room_id:03d}",
        gender=gender,
        is_family=family,
        oxygen_point=oxygen,
        free_beds=tuple(room_id * 100 + i for i in range(occupied, beds)),
        capacity=beds,
        occupied=occupied,
        occupant_cohort=cohort,
        occupant_cohort_on=cohort_on,
        occupant_sexes=frozenset(sexes),
        occupant_households=frozenset(households),
        position=room_id if position is None else position,
    )


def person(
    key: int,
    sex: str = "M",
    cohort: str = "f1",
    on: date = D,
    household: int | None = None,
    vulnerable: bool = False,
) -> Arrival:
    return Arrival(key=key, sex=sex, cohort=cohort, cohort_on=on, household_id=household, vulnerable=vulnerable)


def room_of(placements: list[Placement]) -> dict[int, int]:
    return {p.key: p.room_id for p in placements}


def bus() -> tuple[list[Arrival], list[RoomSlot]]:
    """24 F1 from one bus: two households of three (mixed sexes), 10 single men (one vulnerable), 8 single women;
    a zone of 4-bed rooms: 4 family rooms, 2 oxygen rooms, 14 ordinary rooms."""
    arrivals = [
        person(1, "M", household=501),
        person(2, "F", household=501),
        person(3, "F", household=501),
        person(4, "M", household=502),
        person(5, "M", household=502),
        person(6, "F", household=502),
        *[person(k, "M", vulnerable=k == 7) for k in range(7, 17)],
        *[person(k, "F") for k in range(17, 25)],
    ]
    rooms = [
        *[room(i, family=True) for i in range(1, 5)],
        *[room(i, oxygen=True) for i in range(5, 7)],
        *[room(i) for i in range(7, 21)],
    ]
    return arrivals, rooms


def test_a_bus_of_24_f1_is_placed_without_violations_in_the_fewest_rooms() -> None:
    arrivals, rooms = bus()
    proposal = propose(arrivals, rooms, window_days=WINDOW)

    assert proposal.unplaced == []
    assert proposal.violations == []
    assert check(proposal.placements, arrivals, rooms, window_days=WINDOW) == []
    assert sorted(p.key for p in proposal.placements) == list(range(1, 25))
    where = room_of(proposal.placements)
    slots = {r.room_id: r for r in rooms}
    # households together, each in a family room
    for members in ((1, 2, 3), (4, 5, 6)):
        assert len({where[k] for k in members}) == 1
        assert slots[where[members[0]]].is_family
    assert where[1] != where[4]
    # the vulnerable man next to an oxygen point
    assert slots[where[7]].oxygen_point
    # single people only with their own sex
    for k in range(7, 17):
        assert {a.sex for a in arrivals if where.get(a.key) == where[k]} == {"M"}
    for k in range(17, 25):
        assert {a.sex for a in arrivals if where.get(a.key) == where[k]} == {"F"}
    # the lower bound: one room per household, then single people of each sex packed by four
    lower_bound = 2 + math.ceil(10 / 4) + math.ceil(8 / 4)
    assert lower_bound == 7
    assert proposal.rooms_opened == lower_bound
    assert len({p.room_id for p in proposal.placements}) == lower_bound
    # every bed once, each a free bed of its room
    beds = [p.bed_id for p in proposal.placements]
    assert len(beds) == len(set(beds))
    assert all(p.bed_id in slots[p.room_id].free_beds for p in proposal.placements)


def test_first_fit_on_the_same_bus_breaks_the_family_rooms() -> None:
    arrivals, rooms = bus()
    baseline = first_fit(arrivals, rooms, window_days=WINDOW)

    assert baseline.unplaced == []
    assert room_of(baseline.placements) == {k: (k - 1) // 4 + 1 for k in range(1, 25)}
    assert baseline.rooms_opened == 6
    # rooms 1–4 (family) mix households and strangers; rooms 5–6 hold 8 women, which is fine
    assert [(v.key, v.room_id, v.rule) for v in baseline.violations] == [
        (k, (k - 1) // 4 + 1, "family_mixed") for k in range(1, 17)
    ]
    assert check(baseline.placements, arrivals, rooms, window_days=WINDOW) == baseline.violations


def test_f0_never_shares_a_room_with_f1() -> None:
    rooms = [
        room(1, occupied=2, cohort="f0", cohort_on=D, sexes=("M",)),
        room(2, occupied=2, cohort="f1", cohort_on=D, sexes=("M",)),
    ]
    arrivals = [person(1, cohort="f1"), person(2, cohort="f0"), person(3, cohort="f1"), person(4, cohort="f0")]
    proposal = propose(arrivals, rooms, window_days=WINDOW)

    assert room_of(proposal.placements) == {1: 2, 2: 1, 3: 2, 4: 1}
    assert proposal.rooms_opened == 0
    assert proposal.unplaced == []
    baseline = first_fit(arrivals, rooms, window_days=WINDOW)
    # room 1 (F0) gets people 1 (F1) and 2 (F0), room 2 (F1) gets 3 (F1) and 4 (F0): everyone is mixed
    assert [(v.key, v.room_id, v.rule) for v in baseline.violations] == [
        (1, 1, "f0_with_f1"),
        (2, 1, "f0_with_f1"),
        (3, 2, "f0_with_f1"),
        (4, 2, "f0_with_f1"),
    ]


def test_the_cohort_window_is_kept_against_the_occupants() -> None:
    rooms = [
        room(1, occupied=1, cohort="f1", cohort_on=D, sexes=("M",)),
        room(2),
        room(3),
    ]
    arrivals = [
        person(1, on=D + timedelta(days=2)),  # within the window of the occupant
        person(2, on=D + timedelta(days=3)),  # one day too late for room 1
        person(3, on=D - timedelta(days=1)),  # earlier than the occupant: never moves a room's anchor back
    ]
    proposal = propose(arrivals, rooms, window_days=WINDOW)

    where = room_of(proposal.placements)
    assert where == {1: 1, 3: 2, 2: 3}  # D-1 opens room 2; D+3 is 4 days after it, so room 3
    assert proposal.rooms_opened == 2
    assert check(proposal.placements, arrivals, rooms, window_days=WINDOW) == []
    assert [(v.key, v.rule) for v in check([Placement(3, 1, 101)], arrivals, rooms, window_days=WINDOW)] == []
    assert [(v.key, v.rule) for v in check([Placement(2, 1, 101)], arrivals, rooms, window_days=WINDOW)] == [
        (2, "cohort_window")
    ]


def test_a_partly_filled_compatible_room_is_filled_before_an_empty_one() -> None:
    rooms = [
        room(1),
        room(2, occupied=3, cohort="f1", cohort_on=D, sexes=("F",)),
        room(3, occupied=3, cohort="f1", cohort_on=D, sexes=("M",)),
        room(4, occupied=2, cohort="arrival", cohort_on=D, sexes=("F",)),
    ]
    proposal = propose([person(1, "F", on=D + timedelta(days=1))], rooms, window_days=WINDOW)

    assert proposal.placements == [Placement(key=1, room_id=2, bed_id=203)]
    assert proposal.rooms_opened == 0


def test_people_who_cannot_be_placed_are_listed_with_the_reason() -> None:
    rooms = [
        room(1, occupied=1, cohort="f0", cohort_on=D, sexes=("M",)),
        room(2, occupied=1, cohort="f1", cohort_on=D, sexes=("F",)),
    ]
    arrivals = [person(1, "M", cohort="f1"), person(2, "U", cohort="f1"), person(3, "M", cohort="f0")]
    proposal = propose(arrivals, rooms, window_days=WINDOW)

    assert proposal.placements == [Placement(key=3, room_id=1, bed_id=101)]
    assert proposal.unplaced == [
        (1, "Không còn giường phù hợp (cùng nhóm đối tượng, cùng giới, cùng đợt vào cách ly)."),
        (2, "Không còn phòng trống để xếp riêng người chưa rõ giới tính."),
    ]
    assert proposal.violations == []


def test_a_household_without_a_family_room_is_kept_in_one_single_sex_room() -> None:
    rooms = [room(1, gender="female"), room(2, gender="male", beds=2), room(3, gender="male", beds=6)]
    arrivals = [person(1, "M", household=9), person(2, "M", household=9), person(3, "M", household=9)]
    proposal = propose(arrivals, rooms, window_days=WINDOW)

    assert room_of(proposal.placements) == {1: 3, 2: 3, 3: 3}
    assert proposal.rooms_opened == 1


def test_a_mixed_household_without_a_family_room_is_split_by_sex_without_a_violation() -> None:
    rooms = [room(1), room(2)]
    arrivals = [person(1, "M", household=9), person(2, "F", household=9), person(3, "M", household=9)]
    proposal = propose(arrivals, rooms, window_days=WINDOW)

    # the woman alone, the two men together (sexes in order: F, M)
    assert room_of(proposal.placements) == {1: 2, 2: 1, 3: 2}
    assert check(proposal.placements, arrivals, rooms, window_days=WINDOW) == []


def test_the_checker_names_each_broken_rule() -> None:
    rooms = [
        room(1, gender="male", occupied=1, cohort="f1", cohort_on=D, sexes=("M",)),
        room(2, family=True, occupied=2, cohort="f1", cohort_on=D, households=(70,)),
        room(3, beds=3),
        room(4, oxygen=True),
        room(5, beds=1),
        room(6, occupied=1, cohort="f0", cohort_on=D, sexes=("M",)),
        room(7, beds=2, occupied=1, cohort="arrival", cohort_on=D, sexes=("M",)),
    ]
    arrivals = [
        person(1, "F"),  # a woman in a men's room
        person(2, "M", on=D + timedelta(days=3)),  # outside the window of room 1
        person(3, "M", household=71),  # a stranger in household 70's family room
        person(4, "M", household=72),  # household 72 split while room 4 could hold both
        person(5, "M", household=72),
        person(6, "M", vulnerable=True),  # vulnerable without oxygen while room 4 has beds
        person(7, "M"),  # an F1 with an arrival, in a room of 2 beds given to 2 more people
        person(8, "M", cohort="arrival"),
        person(9, "M", cohort="f1"),  # an F1 with F0
    ]
    placements = [
        Placement(1, 1, 101),
        Placement(2, 1, 102),
        Placement(3, 2, 202),
        Placement(4, 3, 300),
        Placement(5, 5, 500),
        Placement(6, 3, 301),
        Placement(7, 7, 701),
        Placement(8, 7, 701),
        Placement(9, 6, 601),
    ]
    found = [(v.key, v.room_id, v.rule) for v in check(placements, arrivals, rooms, window_days=WINDOW)]

    assert found == [
        (1, 1, "gender"),
        (2, 1, "cohort_window"),
        (2, 1, "gender"),  # a woman is in the room with him
        (3, 2, "family_mixed"),
        (4, 3, "household_split"),
        (5, 5, "household_split"),
        (6, 3, "oxygen"),
        (7, 7, "cohort_kind"),
        (7, 7, "overfull"),
        (8, 7, "cohort_kind"),
        (8, 7, "overfull"),
        (9, 6, "f0_with_f1"),
    ]
    assert {v.message for v in check(placements, arrivals, rooms, window_days=WINDOW) if v.rule == "cohort_window"} == {
        "Ngày bắt đầu cách ly lệch quá 2 ngày so với người vào phòng sớm nhất."
    }


def test_unknown_sex_is_alone_in_an_ordinary_room_or_with_the_household_in_a_family_room() -> None:
    rooms = [room(1, gender="male"), room(2), room(3, family=True)]
    arrivals = [person(1, "U"), person(2, "U", household=5), person(3, "F", household=5)]

    assert room_of(propose(arrivals, rooms, window_days=WINDOW).placements) == {1: 2, 2: 3, 3: 3}
    together = [Placement(1, 2, 200), Placement(2, 2, 201), Placement(3, 3, 300)]
    assert [(v.key, v.rule) for v in check(together, arrivals, rooms, window_days=WINDOW)] == [
        (1, "gender"),
        (2, "gender"),
        (2, "household_split"),  # room 3 (family) could hold the whole household 5
        (3, "household_split"),
    ]
    in_mens_room = [Placement(1, 1, 100)]
    assert [(v.key, v.rule) for v in check(in_mens_room, arrivals, rooms, window_days=WINDOW)] == [(1, "gender")]


def test_the_proposal_is_deterministic_whatever_the_order_of_the_rooms() -> None:
    arrivals, rooms = bus()
    first = propose(arrivals, rooms, window_days=WINDOW)
    shuffled = list(rooms)
    random.Random(6).shuffle(shuffled)

    assert propose(arrivals, shuffled, window_days=WINDOW) == first


# --- properties ---------------------------------------------------------------------------------------------

SEXES = st.sampled_from(["M", "F", "U"])
COHORTS = st.sampled_from(["f0", "f1", "arrival"])
DAYS = st.integers(min_value=0, max_value=5).map(lambda n: D + timedelta(days=n))


@st.composite
def room_lists(draw: st.DrawFn) -> list[RoomSlot]:
    count = draw(st.integers(min_value=0, max_value=8))
    rooms = []
    for i in range(1, count + 1):
        beds = draw(st.integers(min_value=1, max_value=5))
        occupied = draw(st.integers(min_value=0, max_value=beds))
        rooms.append(
            room(
                i,
                beds=beds,
                gender=draw(st.sampled_from(["any", "male", "female"])),
                family=draw(st.booleans()),
                oxygen=draw(st.booleans()),
                occupied=occupied,
                cohort=draw(COHORTS) if occupied else None,
                cohort_on=draw(DAYS) if occupied else None,
                sexes=tuple(draw(st.sets(SEXES, min_size=1, max_size=2))) if occupied else (),
                households=tuple(draw(st.sets(st.integers(1, 3), max_size=2))) if occupied else (),
                position=draw(st.integers(min_value=0, max_value=3)),
            )
        )
    return rooms


@st.composite
def arrival_lists(draw: st.DrawFn) -> list[Arrival]:
    count = draw(st.integers(min_value=0, max_value=16))
    return [
        person(
            k,
            sex=draw(SEXES),
            cohort=draw(COHORTS),
            on=draw(DAYS),
            household=draw(st.one_of(st.none(), st.integers(1, 4))),
            vulnerable=draw(st.booleans()),
        )
        for k in range(1, count + 1)
    ]


@settings(max_examples=300, deadline=None)
@given(arrivals=arrival_lists(), rooms=room_lists(), window=st.integers(min_value=0, max_value=3))
def test_any_proposal_breaks_no_rule_and_accounts_for_everyone(
    arrivals: list[Arrival], rooms: list[RoomSlot], window: int
) -> None:
    proposal = propose(arrivals, rooms, window_days=window)

    assert check(proposal.placements, arrivals, rooms, window_days=window) == []
    assert proposal.violations == []
    beds = [(p.room_id, p.bed_id) for p in proposal.placements]
    assert len(beds) == len(set(beds))
    slots = {r.room_id: r for r in rooms}
    assert all(p.bed_id in slots[p.room_id].free_beds for p in proposal.placements)
    assert len(proposal.placements) <= sum(len(r.free_beds) for r in rooms)
    accounted = Counter([p.key for p in proposal.placements] + [key for key, _reason in proposal.unplaced])
    assert accounted == Counter(a.key for a in arrivals)
    assert all(reason for _key, reason in proposal.unplaced)
    opened = {p.room_id for p in proposal.placements if slots[p.room_id].occupied == 0}
    assert proposal.rooms_opened == len(opened)


@settings(max_examples=150, deadline=None)
@given(arrivals=arrival_lists(), rooms=room_lists(), window=st.integers(min_value=0, max_value=3))
def test_the_baseline_places_in_room_order_and_its_violations_are_the_checkers(
    arrivals: list[Arrival], rooms: list[RoomSlot], window: int
) -> None:
    baseline = first_fit(arrivals, rooms, window_days=window)

    free = [(r.room_id, b) for r in sorted(rooms, key=lambda r: (r.position, r.room_id)) for b in r.free_beds]
    assert [(p.room_id, p.bed_id) for p in baseline.placements] == free[: len(arrivals)]
    assert baseline.violations == check(baseline.placements, arrivals, rooms, window_days=window)
    per_room: dict[int, int] = defaultdict(int)
    for p in baseline.placements:
        per_room[p.room_id] += 1
    assert len(baseline.unplaced) == max(0, len(arrivals) - len(free))
