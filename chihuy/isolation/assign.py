"""The bed proposer of issue 6 §2: pure Python over plain dataclasses (no ORM), so the service, the move check and
the bench share one set of rules.

Rules (DOMAIN.md "Quarantine and testing", facility cohorting) and the choices made where the rules are silent:

- ``f0_with_f1``: an F0 never shares a room with F1 or arrivals (nor the reverse).
- ``cohort_kind``: F1 and arrivals (nhập cảnh) never share a room.
- ``cohort_window``: in an F1 or arrival room every ``cohort_on`` lies within ``window_days`` of the room's anchor,
  the earliest ``cohort_on`` in the room (the occupants count with ``occupant_cohort_on``). F0 rooms have no window
  (each F0's treatment clock is their own). The proposer is stricter than the checker in one way: it never puts
  into an occupied room a person whose date is earlier than the occupants' anchor, because only the occupants'
  earliest date is known and moving the anchor back could push a later occupant out of the window.
- ``gender``: a non-family room holds one sex; a "male"/"female" room only that sex. Sex "U" (unknown) is
  compatible only with being alone in a non-family room of gender "any", or with a family room (its own
  household, or alone). A "U" person in a gendered room is a violation: the room's sex cannot be vouched for.
  Family rooms have no gender rule (a household lives together).
- ``family_mixed``: a family room holds one household; a person without a household may use a family room only
  alone. Occupants without a recorded household count as one "other" household.
- ``household_split``: the placed members of one household sit in different rooms although some room (in the
  final state, without them) could hold them all without breaking a rule.
- ``oxygen``: a vulnerable person sits in a room without an oxygen point although a room with an oxygen point
  still has a free bed that could take them (with the members of their household in the same room) without
  breaking a rule.
- ``overfull``: more people than beds in a room, a bed given twice, or a bed that was not free.

``propose`` places whole households first (family rooms, else one single-sex room), then single people sorted by
cohort, sex and date, always filling compatible partly filled rooms first (best fit) and opening the smallest
empty room that takes the rest of the group; groups with a vulnerable member go first and try every oxygen room
before any other. Whatever it cannot place without breaking a rule is returned in ``unplaced`` with the reason;
its result is re-checked with ``check`` and anything flagged is moved to ``unplaced`` (never placed wrong).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from chihuy.isolation.enums import Cohort, RoomGender
from chihuy.people.enums import Sex

ANY, MALE, FEMALE = RoomGender.ANY.value, RoomGender.MALE.value, RoomGender.FEMALE.value
F0, F1, ARRIVAL = Cohort.F0.value, Cohort.F1.value, Cohort.ARRIVAL.value
SEX_M, SEX_F, SEX_U = Sex.MALE.value, Sex.FEMALE.value, Sex.UNKNOWN.value

RULE_F0_WITH_F1 = "f0_with_f1"
RULE_COHORT_KIND = "cohort_kind"
RULE_COHORT_WINDOW = "cohort_window"
RULE_GENDER = "gender"
RULE_HOUSEHOLD_SPLIT = "household_split"
RULE_FAMILY_MIXED = "family_mixed"
RULE_OXYGEN = "oxygen"
RULE_OVERFULL = "overfull"
RULES = (
    RULE_F0_WITH_F1,
    RULE_COHORT_KIND,
    RULE_COHORT_WINDOW,
    RULE_GENDER,
    RULE_HOUSEHOLD_SPLIT,
    RULE_FAMILY_MIXED,
    RULE_OXYGEN,
    RULE_OVERFULL,
)

_DATED = (F1, ARRIVAL)
_OTHERS = "occupants"  # the household "unit" of occupants whose household is not recorded


@dataclass(frozen=True, slots=True)
class RoomSlot:
    room_id: int
    zone_id: int
    code: str
    gender: str
    is_family: bool
    oxygen_point: bool
    free_beds: tuple[int, ...]
    capacity: int
    occupied: int
    occupant_cohort: str | None
    occupant_cohort_on: date | None
    occupant_sexes: frozenset[str]
    occupant_households: frozenset[int]
    position: int


@dataclass(frozen=True, slots=True)
class Arrival:
    key: int
    sex: str
    cohort: str
    cohort_on: date
    household_id: int | None
    vulnerable: bool


@dataclass(frozen=True, slots=True)
class Placement:
    key: int
    room_id: int
    bed_id: int


@dataclass(frozen=True, slots=True)
class Violation:
    key: int
    room_id: int
    rule: str
    message: str


@dataclass(frozen=True, slots=True)
class Proposal:
    placements: list[Placement]
    unplaced: list[tuple[int, str]]
    rooms_opened: int
    violations: list[Violation]


def rule_message(rule: str, *, window_days: int = 0) -> str:
    """The Vietnamese explanation of a rule, for violations and for the manager's move form."""
    if rule == RULE_F0_WITH_F1:
        return _("F0 không được ở chung phòng với F1 hoặc người nhập cảnh.")
    if rule == RULE_COHORT_KIND:
        return _("F1 không được ở chung phòng với người nhập cảnh.")
    if rule == RULE_COHORT_WINDOW:
        return _("Ngày bắt đầu cách ly lệch quá %(days)s ngày so với người vào phòng sớm nhất.") % {"days": window_days}
    if rule == RULE_GENDER:
        return _("Phòng không phải phòng gia đình chỉ được xếp người cùng giới (người chưa rõ giới tính ở riêng).")
    if rule == RULE_HOUSEHOLD_SPLIT:
        return _("Thành viên cùng hộ bị xếp ở nhiều phòng trong khi có phòng đủ chỗ cho cả hộ.")
    if rule == RULE_FAMILY_MIXED:
        return _("Phòng gia đình chỉ dành cho một hộ.")
    if rule == RULE_OXYGEN:
        return _("Người có nguy cơ cao ở phòng không có điểm oxy trong khi phòng có oxy vẫn còn giường phù hợp.")
    if rule == RULE_OVERFULL:
        return _("Phòng không đủ giường cho số người được xếp.")
    raise ValueError(rule)


# --- room state shared by the proposer and the checker ------------------------------------------------------


class _Room:
    """A room while people are being added: what is in it, reduced to what the rules look at."""

    __slots__ = ("fixed_lo", "free_n", "hi", "kinds", "lo", "n", "next_bed", "sexes", "slot", "units", "unknown")

    def __init__(self, slot: RoomSlot) -> None:
        self.slot = slot
        self.next_bed = 0
        self.free_n = len(slot.free_beds)
        self.n = slot.occupied
        self.kinds: set[str] = set()
        self.lo: int | None = None
        self.hi: int | None = None
        self.fixed_lo: int | None = None
        self.sexes: set[str] = set()
        self.units: set[object] = set()
        self.unknown = False
        if slot.occupied:
            if slot.occupant_cohort is None:
                self.unknown = True
            else:
                self.kinds.add(slot.occupant_cohort)
                if slot.occupant_cohort in _DATED and slot.occupant_cohort_on is not None:
                    self.lo = self.hi = self.fixed_lo = slot.occupant_cohort_on.toordinal()
            self.sexes.update(slot.occupant_sexes)
            if not slot.occupant_sexes and not slot.is_family:
                self.unknown = True
            if slot.occupant_households:
                self.units.update(slot.occupant_households)
            else:
                self.units.add(_OTHERS)

    def add(self, group: _Group) -> None:
        self.free_n -= group.size
        self.n += group.size
        self.kinds |= group.kinds
        if group.lo is not None and group.hi is not None:
            self.lo = group.lo if self.lo is None else min(self.lo, group.lo)
            self.hi = group.hi if self.hi is None else max(self.hi, group.hi)
        self.sexes |= group.sexes
        self.units |= group.units


class _Group:
    """People who go into one room together (a household, part of one, or one person)."""

    __slots__ = ("hi", "household", "kinds", "lo", "members", "order", "sexes", "size", "units", "vulnerable")

    def __init__(self, members: Sequence[Arrival], order: int = 0) -> None:
        self.members = list(members)
        self.size = len(self.members)
        self.kinds = {a.cohort for a in self.members}
        dates = [a.cohort_on.toordinal() for a in self.members if a.cohort in _DATED]
        self.lo = min(dates) if dates else None
        self.hi = max(dates) if dates else None
        self.sexes = {a.sex for a in self.members}
        self.units: set[object] = {a.household_id if a.household_id is not None else ("p", a.key) for a in members}
        self.vulnerable = any(a.vulnerable for a in self.members)
        households = {a.household_id for a in self.members}
        self.household = next(iter(households)) if len(households) == 1 else None
        self.order = order


def _accepts(room: _Room, group: _Group, window: int) -> bool:
    """Whether the group can join the room without breaking a rule (the proposer's test, and "could hold")."""
    if room.unknown or room.free_n < group.size:
        return False
    kinds = room.kinds | group.kinds
    if F0 in kinds and len(kinds) > 1:
        return False
    if F1 in kinds and ARRIVAL in kinds:
        return False
    if group.lo is not None and group.hi is not None:
        lo = group.lo if room.lo is None else min(room.lo, group.lo)
        hi = group.hi if room.hi is None else max(room.hi, group.hi)
        if hi - lo > window:
            return False
        if room.fixed_lo is not None and group.lo < room.fixed_lo:
            return False
    if room.slot.is_family:
        return len(room.units | group.units) <= 1
    sexes = room.sexes | group.sexes
    if len(sexes) != 1:
        return False
    sex = next(iter(sexes))
    if sex == SEX_U:
        return room.slot.gender == ANY and room.n + group.size == 1
    gender = room.slot.gender
    return not ((gender == MALE and sex != SEX_M) or (gender == FEMALE and sex != SEX_F))


# --- the checker --------------------------------------------------------------------------------------------


def check(
    placements: Iterable[Placement], arrivals: Iterable[Arrival], rooms: Iterable[RoomSlot], *, window_days: int
) -> list[Violation]:
    """Every rule broken by the final state: the rooms' occupants plus the placements (sorted by key, rule)."""
    by_key = {a.key: a for a in arrivals}
    slots = {r.room_id: r for r in rooms}
    placed: dict[int, list[Arrival]] = defaultdict(list)
    beds_of: dict[int, list[int]] = defaultdict(list)
    room_of: dict[int, int] = {}
    for p in placements:
        if p.room_id not in slots:
            raise ValueError(f"room {p.room_id} is not among the rooms")
        if p.key not in by_key:
            raise ValueError(f"arrival {p.key} is not among the arrivals")
        placed[p.room_id].append(by_key[p.key])
        beds_of[p.room_id].append(p.bed_id)
        room_of[p.key] = p.room_id
    found: list[Violation] = []

    def flag(a: Arrival, room_id: int, rule: str) -> None:
        found.append(Violation(a.key, room_id, rule, rule_message(rule, window_days=window_days)))

    for room_id, people in placed.items():
        _check_room(slots[room_id], people, beds_of[room_id], window_days, flag)

    by_free = sorted(
        (_final_room(slot, placed.get(slot.room_id, ())) for slot in slots.values()),
        key=lambda r: (-r.free_n, r.slot.position, r.slot.room_id),
    )

    households: dict[int, list[Arrival]] = defaultdict(list)
    for key in room_of:
        a = by_key[key]
        if a.household_id is not None:
            households[a.household_id].append(a)
    for household_id, members in households.items():
        rooms_used = {room_of[a.key] for a in members}
        if len(rooms_used) < 2:
            continue
        group = _Group(members)
        if _could_hold(group, rooms_used, by_free, slots, placed, household_id, window_days):
            for a in members:
                flag(a, room_of[a.key], RULE_HOUSEHOLD_SPLIT)

    oxygen_rooms = [r for r in by_free if r.slot.oxygen_point and r.free_n > 0]
    if oxygen_rooms:
        for key, room_id in room_of.items():
            a = by_key[key]
            if not a.vulnerable or slots[room_id].oxygen_point:
                continue
            unit = (
                [b for b in placed[room_id] if b.household_id == a.household_id] if a.household_id is not None else [a]
            )
            group = _Group(unit)
            for room in oxygen_rooms:
                if room.free_n < group.size:
                    break
                if _accepts(room, group, window_days):
                    flag(a, room_id, RULE_OXYGEN)
                    break
    found.sort(key=lambda v: (v.key, RULES.index(v.rule), v.room_id))
    return found


def _final_room(slot: RoomSlot, people: Iterable[Arrival]) -> _Room:
    room = _Room(slot)
    for a in people:
        room.add(_Group([a]))
    return room


def _could_hold(
    group: _Group,
    rooms_used: set[int],
    by_free: list[_Room],
    slots: dict[int, RoomSlot],
    placed: dict[int, list[Arrival]],
    household_id: int,
    window: int,
) -> bool:
    """Whether some room, in the final state without the group's people, could take the whole group."""
    for room_id in rooms_used:
        others = [b for b in placed[room_id] if b.household_id != household_id]
        if _accepts(_final_room(slots[room_id], others), group, window):
            return True
    for room in by_free:
        if room.free_n < group.size:
            break
        if room.slot.room_id not in rooms_used and _accepts(room, group, window):
            return True
    return False


def _check_room(
    slot: RoomSlot,
    people: list[Arrival],
    beds: list[int],
    window: int,
    flag: Callable[[Arrival, int, str], None],
) -> None:
    kinds = {a.cohort for a in people}
    if slot.occupied and slot.occupant_cohort is not None:
        kinds.add(slot.occupant_cohort)
    occupant_on = (
        slot.occupant_cohort_on.toordinal()
        if slot.occupied and slot.occupant_cohort in _DATED and slot.occupant_cohort_on is not None
        else None
    )
    dates = [a.cohort_on.toordinal() for a in people if a.cohort in _DATED]
    if occupant_on is not None:
        dates.append(occupant_on)
    anchor = min(dates) if dates else None
    sexes = {a.sex for a in people}
    if slot.occupied:
        sexes |= slot.occupant_sexes
    total = slot.occupied + len(people)
    units: set[object] = {a.household_id if a.household_id is not None else ("p", a.key) for a in people}
    if slot.occupied:
        units |= set(slot.occupant_households) if slot.occupant_households else {_OTHERS}
    free = set(slot.free_beds)
    seen: set[int] = set()
    for a, bed in zip(people, beds, strict=True):
        if (a.cohort == F0 and kinds - {F0}) or (a.cohort != F0 and F0 in kinds):
            flag(a, slot.room_id, RULE_F0_WITH_F1)
        if (a.cohort == F1 and ARRIVAL in kinds) or (a.cohort == ARRIVAL and F1 in kinds):
            flag(a, slot.room_id, RULE_COHORT_KIND)
        if a.cohort in _DATED and anchor is not None:
            day = a.cohort_on.toordinal()
            if day > anchor + window or (occupant_on is not None and day < occupant_on - window):
                flag(a, slot.room_id, RULE_COHORT_WINDOW)
        if slot.is_family:
            if len(units) > 1:
                flag(a, slot.room_id, RULE_FAMILY_MIXED)
        elif (
            (a.sex == SEX_U and (total > 1 or slot.gender != ANY))
            or (sexes - {a.sex})
            or (slot.gender == MALE and a.sex != SEX_M)
            or (slot.gender == FEMALE and a.sex != SEX_F)
        ):
            flag(a, slot.room_id, RULE_GENDER)
        if bed in seen or bed not in free or total > slot.capacity:
            flag(a, slot.room_id, RULE_OVERFULL)
        seen.add(bed)


# --- the proposer -------------------------------------------------------------------------------------------


def propose(arrivals: Sequence[Arrival], rooms: Sequence[RoomSlot], *, window_days: int) -> Proposal:
    """Beds for the arrivals that break no rule, opening as few empty rooms as possible; deterministic."""
    arrivals = list(arrivals)
    keys = [a.key for a in arrivals]
    if len(set(keys)) != len(keys):
        raise ValueError("arrival keys must be unique")
    proposer = _Proposer(rooms, window_days)
    proposer.run(arrivals)
    order = {a.key: i for i, a in enumerate(arrivals)}
    placements = sorted(proposer.placements, key=lambda p: order[p.key])
    unplaced = dict(proposer.unplaced)
    violations = check(placements, arrivals, rooms, window_days=window_days)
    while violations:  # a safety net: nothing leaves the proposer placed against a rule
        for v in violations:
            unplaced.setdefault(v.key, v.message)
        placements = [p for p in placements if p.key not in unplaced]
        violations = check(placements, arrivals, rooms, window_days=window_days)
    was_empty = {r.room_id for r in rooms if r.occupied == 0}
    opened = len({p.room_id for p in placements} & was_empty)
    return Proposal(
        placements=placements,
        unplaced=sorted(unplaced.items(), key=lambda item: order[item[0]]),
        rooms_opened=opened,
        violations=[],
    )


def first_fit(arrivals: Sequence[Arrival], rooms: Sequence[RoomSlot], *, window_days: int) -> Proposal:
    """The baseline: each arrival in input order to the first free bed in room order, rules ignored."""
    beds = [
        (slot.room_id, bed) for slot in sorted(rooms, key=lambda r: (r.position, r.room_id)) for bed in slot.free_beds
    ]
    placements = [Placement(a.key, room_id, bed) for a, (room_id, bed) in zip(arrivals, beds, strict=False)]
    unplaced = [(a.key, _("Hết giường trống.")) for a in list(arrivals)[len(beds) :]]
    was_empty = {r.room_id for r in rooms if r.occupied == 0}
    return Proposal(
        placements=placements,
        unplaced=unplaced,
        rooms_opened=len({p.room_id for p in placements} & was_empty),
        violations=check(placements, arrivals, rooms, window_days=window_days),
    )


class _Proposer:
    def __init__(self, rooms: Sequence[RoomSlot], window: int) -> None:
        self.window = window
        self.placements: list[Placement] = []
        self.unplaced: list[tuple[int, str]] = []
        # open non-family rooms: (cohort, sex, oxygen) -> anchor day (None for F0) -> rooms
        self.open_rooms: dict[tuple[str, str, bool], dict[int | None, list[_Room]]] = defaultdict(
            lambda: defaultdict(list)
        )
        self.open_family: dict[int, list[_Room]] = defaultdict(list)  # household -> its family rooms with beds left
        # empty rooms: (family, gender, oxygen) -> free beds -> rooms, the lowest position last (popped first)
        self.empty: dict[tuple[bool, str, bool], dict[int, list[_Room]]] = defaultdict(lambda: defaultdict(list))
        self.index_of: dict[int, tuple[object, object] | None] = {}
        for slot in sorted(rooms, key=lambda r: (r.position, r.room_id), reverse=True):
            room = _Room(slot)
            if room.free_n <= 0:
                continue
            if slot.occupied == 0:
                self.empty[(slot.is_family, slot.gender, slot.oxygen_point)][room.free_n].append(room)
            else:
                self._index(room)
        # single people waiting, per (cohort, sex): day -> count (a hint of how big a room to open)
        self.waiting: dict[tuple[str, str], dict[int | None, int]] = defaultdict(lambda: defaultdict(int))

    # indexes

    def _index(self, room: _Room) -> None:
        self.index_of[room.slot.room_id] = None
        if room.free_n <= 0 or room.unknown:
            return
        if room.slot.is_family:
            if len(room.units) == 1:
                unit = next(iter(room.units))
                if isinstance(unit, int):
                    self.open_family[unit].append(room)
                    self.index_of[room.slot.room_id] = ("family", unit)
            return
        if len(room.kinds) != 1 or len(room.sexes) != 1:
            return
        kind, sex = next(iter(room.kinds)), next(iter(room.sexes))
        if sex == SEX_U:
            return
        anchor = room.lo if kind in _DATED else None
        self.open_rooms[(kind, sex, room.slot.oxygen_point)][anchor].append(room)
        self.index_of[room.slot.room_id] = ((kind, sex, room.slot.oxygen_point), anchor)

    def _unindex(self, room: _Room) -> None:
        where = self.index_of.pop(room.slot.room_id, None)
        if where is None:
            return
        if where[0] == "family":
            self.open_family[where[1]].remove(room)  # type: ignore[index]
        else:
            self.open_rooms[where[0]][where[1]].remove(room)  # type: ignore[index]

    # lookups

    def _best_open(self, group: _Group, oxygen: tuple[bool, ...]) -> _Room | None:
        if len(group.kinds) != 1 or len(group.sexes) != 1:
            return None
        kind, sex = next(iter(group.kinds)), next(iter(group.sexes))
        if sex == SEX_U:
            return None
        best: _Room | None = None
        for ox in oxygen:
            buckets = self.open_rooms.get((kind, sex, ox))
            if not buckets:
                continue
            if kind in _DATED and group.lo is not None and group.hi is not None:
                anchors: Iterable[int | None] = [*range(group.hi - self.window, group.lo + self.window + 1), None]
            else:
                anchors = list(buckets)
            for anchor in anchors:
                for room in buckets.get(anchor, ()):
                    if (
                        best is None
                        or (room.free_n, room.slot.position, room.slot.room_id)
                        < (best.free_n, best.slot.position, best.slot.room_id)
                    ) and (_accepts(room, group, self.window)):
                        best = room
        return best

    def _best_family(self, group: _Group, oxygen: tuple[bool, ...]) -> _Room | None:
        if group.household is None:
            return None
        best: _Room | None = None
        for room in self.open_family.get(group.household, ()):
            if room.slot.oxygen_point not in oxygen:
                continue
            if (
                best is None
                or (room.free_n, room.slot.position, room.slot.room_id)
                < (best.free_n, best.slot.position, best.slot.room_id)
            ) and _accepts(room, group, self.window):
                best = room
        return best

    def _best_empty(self, group: _Group, family: bool, oxygen: bool, want: int) -> _Room | None:
        if family:
            genders: tuple[str, ...] = (ANY, MALE, FEMALE)
        elif group.sexes == {SEX_M}:
            genders = (MALE, ANY)
        elif group.sexes == {SEX_F}:
            genders = (FEMALE, ANY)
        elif group.sexes == {SEX_U} and group.size == 1:
            genders = (ANY,)
        else:
            return None
        want = max(want, group.size)
        best: tuple[tuple[int, int, int, int], dict[int, list[_Room]], int] | None = None
        for gender in genders:
            by_size = self.empty.get((family, gender, oxygen))
            if not by_size:
                continue
            for size, rooms in by_size.items():
                if not rooms or size < group.size:
                    continue
                room = rooms[-1]
                rank = (
                    (0, size, room.slot.position, room.slot.room_id)
                    if size >= want
                    else (1, -size, room.slot.position, room.slot.room_id)
                )
                if (best is None or rank < best[0]) and _accepts(room, group, self.window):
                    best = (rank, by_size, size)
        if best is None:
            return None
        return best[1][best[2]].pop()

    def _find(self, group: _Group, want: int) -> _Room | None:
        whole_household = group.household is not None and group.size > 1
        both = (False, True)
        if group.vulnerable:
            for ox in (True, False):
                found = (
                    self._best_family(group, (ox,))
                    or (whole_household and self._best_empty(group, True, ox, group.size))
                    or self._best_open(group, (ox,))
                    or self._best_empty(group, False, ox, want)
                    or (not whole_household and self._best_empty(group, True, ox, 1))
                )
                if found:
                    return found
            return None
        if whole_household:
            return (
                self._best_family(group, both)
                or self._best_empty(group, True, False, group.size)
                or self._best_open(group, both)
                or self._best_empty(group, False, False, want)
                or self._best_empty(group, True, True, group.size)
                or self._best_empty(group, False, True, want)
            )
        return (
            self._best_family(group, both)
            or self._best_open(group, both)
            or self._best_empty(group, False, False, want)
            or self._best_empty(group, False, True, want)
            or self._best_empty(group, True, False, 1)
            or self._best_empty(group, True, True, 1)
        )

    def _put(self, room: _Room, group: _Group) -> None:
        self._unindex(room)
        beds = room.slot.free_beds
        for a in group.members:
            self.placements.append(Placement(a.key, room.slot.room_id, beds[room.next_bed]))
            room.next_bed += 1
        room.add(group)
        self._index(room)

    # the run

    def run(self, arrivals: list[Arrival]) -> None:
        households: dict[int, list[Arrival]] = defaultdict(list)
        singles: list[Arrival] = []
        for a in arrivals:
            if a.household_id is None:
                singles.append(a)
            else:
                households[a.household_id].append(a)
        groups: list[_Group] = []
        for members in households.values():
            for part in self._cohort_parts(members):
                if len(part) == 1:
                    singles.append(part[0])
                else:
                    groups.append(_Group(part))
        groups.sort(key=lambda g: (not g.vulnerable, -g.size, min(a.key for a in g.members)))
        singles.sort(key=lambda a: (not a.vulnerable, a.cohort, a.sex, a.cohort_on, a.key))
        for a in singles:
            self.waiting[(a.cohort, a.sex)][self._day(a)] += 1
        vulnerable_groups = [g for g in groups if g.vulnerable]
        other_groups = [g for g in groups if not g.vulnerable]
        vulnerable_singles = [a for a in singles if a.vulnerable]
        other_singles = [a for a in singles if not a.vulnerable]
        for g in vulnerable_groups:
            self._place_household(g)
        for a in vulnerable_singles:
            self._place_single(a)
        for g in other_groups:
            self._place_household(g)
        for a in other_singles:
            self._place_single(a)

    def _day(self, a: Arrival) -> int | None:
        return a.cohort_on.toordinal() if a.cohort in _DATED else None

    def _cohort_parts(self, members: list[Arrival]) -> list[list[Arrival]]:
        """A household cut where no room could hold it anyway: by cohort, then into date windows."""
        parts: list[list[Arrival]] = []
        by_kind: dict[str, list[Arrival]] = defaultdict(list)
        for a in members:
            by_kind[a.cohort].append(a)
        for kind in sorted(by_kind):
            people = sorted(by_kind[kind], key=lambda a: (a.cohort_on, a.key))
            if kind not in _DATED:
                parts.append(people)
                continue
            current: list[Arrival] = []
            for a in people:
                if current and (a.cohort_on - current[0].cohort_on).days > self.window:
                    parts.append(current)
                    current = []
                current.append(a)
            parts.append(current)
        return parts

    def _place_household(self, group: _Group) -> None:
        room = self._find(group, group.size)
        if room is not None:
            self._put(room, group)
            return
        by_sex: dict[str, list[Arrival]] = defaultdict(list)
        for a in group.members:
            by_sex[a.sex].append(a)
        for sex in sorted(by_sex):
            people = by_sex[sex]
            if sex != SEX_U and len(people) > 1:
                part = _Group(sorted(people, key=lambda a: (not a.vulnerable, a.key)))
                room = self._find(part, part.size)
                if room is not None:
                    self._put(room, part)
                    continue
            for a in sorted(people, key=lambda a: (not a.vulnerable, a.key)):
                self._place_one(a, 1)

    def _place_single(self, a: Arrival) -> None:
        waiting = self.waiting[(a.cohort, a.sex)]
        day = self._day(a)
        want = 1
        if a.sex != SEX_U:
            want = waiting[None] if day is None else sum(waiting.get(d, 0) for d in range(day, day + self.window + 1))
        waiting[day] -= 1
        self._place_one(a, max(want, 1))

    def _place_one(self, a: Arrival, want: int) -> None:
        group = _Group([a])
        room = self._find(group, want)
        if room is None:
            self.unplaced.append((a.key, _unplaced_reason(a)))
        else:
            self._put(room, group)


def _unplaced_reason(a: Arrival) -> str:
    if a.sex == SEX_U:
        return _("Không còn phòng trống để xếp riêng người chưa rõ giới tính.")
    if a.cohort == F0:
        return _("Không còn giường phù hợp cho F0 (cùng giới, không chung phòng với F1 hoặc người nhập cảnh).")
    return _("Không còn giường phù hợp (cùng nhóm đối tượng, cùng giới, cùng đợt vào cách ly).")
