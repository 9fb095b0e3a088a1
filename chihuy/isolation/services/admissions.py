"""Admitting people to a facility as the manager sees it: a proposal of beds for a group (e.g. 24 F1 off one bus)
that keeps the cohort rules, mapped to rooms and beds for the map; the group admitted (or its beds reserved) with
the beds the manager accepted or changed; one person admitted with a bed picked or proposed; a stay moved to
another bed (a move breaking a cohort rule needs a reason and is flagged); reserved stays arriving.

The admissions themselves go through `stays.stays_admit` (all or nothing, facility locked, cohort rules checked);
the web and the API call `chihuy.response.isolation.stays_admitted` afterwards (isolation may not import response).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from chihuy.accounts.access import in_jurisdiction, require_in_jurisdiction, require_perm
from chihuy.accounts.roles import Perm
from chihuy.core import clock
from chihuy.core.audit import audit_record
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.isolation import assign, policies
from chihuy.isolation.enums import HOLDING_STATUSES, Cohort, FacilityKind, StayEventKind, StayKind, StayStatus
from chihuy.isolation.models import Bed, Facility, Room, Stay, StayEvent
from chihuy.isolation.services import capacity
from chihuy.isolation.services._common import require_stay_place
from chihuy.isolation.services.stays import (
    Admission,
    _check_bed,
    _check_person,
    arrival_of,
    lock_facility,
    room_violations,
    stay_activate,
    stays_admit,
)
from chihuy.people.models import Person

MAX_GROUP = 500


@dataclass(frozen=True, slots=True)
class PersonSpec:
    """One person of a group to place: who they are in this stay and their cohort date."""

    person: Person
    cohort: str = Cohort.F1
    cohort_on: dt.date | None = None
    fully_vaccinated: bool = False


@dataclass(slots=True)
class ProposedRow:
    """A person of the proposal with the bed proposed (None: not placed, `reason` says why)."""

    person: Person
    cohort: str
    cohort_on: dt.date
    fully_vaccinated: bool
    vulnerable: bool
    bed: Bed | None = None
    reason: str = ""

    @property
    def room(self) -> Room | None:
        return self.bed.room if self.bed is not None else None


@dataclass(slots=True)
class GroupProposal:
    facility: Facility
    rows: list[ProposedRow]
    rooms_opened: int
    window_days: int
    beds_free: int
    rooms: dict[int, list[ProposedRow]] = field(default_factory=dict)  # room id → people proposed there

    @property
    def placed(self) -> list[ProposedRow]:
        return [r for r in self.rows if r.bed is not None]

    @property
    def unplaced(self) -> list[ProposedRow]:
        return [r for r in self.rows if r.bed is None]


def stay_kind_of(facility: Facility) -> str:
    return StayKind.TREATMENT if facility.kind == FacilityKind.TREATMENT else StayKind.FACILITY


def _require_facility(actor: Any, facility: Facility) -> None:
    require_perm(actor, Perm.STAY_WORK)
    require_in_jurisdiction(actor, facility.unit_path, field="facility")
    if not facility.is_open:
        raise ApplicationError.field("facility", _("%(f)s đã đóng.") % {"f": facility.name}, ErrorCode.CONFLICT)


def group_propose(
    *, actor: Any, facility: Facility, people: Sequence[PersonSpec], zone_ids: Iterable[int] | None = None
) -> GroupProposal:
    """Beds for a group that keep the cohort rules (never F0 with F1, one exposure cohort per room within the
    policy's window, households together, one sex per non-family room, vulnerable people near oxygen), opening as
    few rooms as possible; whoever cannot be placed is listed with the reason. Nothing is written."""
    from chihuy.isolation.selectors import room_slots  # reads of the same app

    _require_facility(actor, facility)
    if not people:
        raise ApplicationError.field("people", _("Chưa có người nào để xếp giường."))
    if len(people) > MAX_GROUP:
        raise ApplicationError.field("people", _("Tối đa %(n)s người mỗi lần.") % {"n": MAX_GROUP})
    today = clock.today()
    window = policies.cohort_window_days(today)
    vulnerable = policies.vulnerable_rule(today)  # read once: one query per person otherwise
    busy = dict(
        Stay.objects.filter(person__in=[s.person for s in people], status__in=HOLDING_STATUSES).values_list(
            "person_id", "facility__name"
        )
    )
    rows: list[ProposedRow] = []
    arrivals: list[assign.Arrival] = []
    seen: set[int] = set()
    for i, spec in enumerate(people):
        if spec.cohort not in Cohort.values:
            raise ApplicationError.field(f"people[{i}].cohort", _("Nhóm đối tượng không hợp lệ."))
        cohort_on = spec.cohort_on or today
        if cohort_on > today:
            raise ApplicationError.field(
                f"people[{i}].cohort_on", _("Ngày phơi nhiễm / nhập cảnh không được ở tương lai.")
            )
        adm = Admission(
            person=spec.person, cohort=spec.cohort, cohort_on=cohort_on, fully_vaccinated=spec.fully_vaccinated
        )
        arrival = arrival_of(adm, today, rule=vulnerable)
        row = ProposedRow(
            person=spec.person,
            cohort=spec.cohort,
            cohort_on=cohort_on,
            fully_vaccinated=spec.fully_vaccinated,
            vulnerable=arrival.vulnerable,
        )
        rows.append(row)
        if spec.person.pk in seen:
            row.reason = _("Có hai lần trong danh sách.")
            continue
        seen.add(spec.person.pk)
        if not spec.person.is_active or spec.person.merged_into_id:
            row.reason = _("Hồ sơ đã ngừng sử dụng hoặc đã gộp.")
            continue
        if spec.person.pk in busy:
            row.reason = _("Đang cách ly/điều trị tại %(f)s.") % {"f": busy[spec.person.pk] or _("nhà")}
            continue
        if facility.kind == FacilityKind.TREATMENT and spec.cohort != Cohort.F0:
            row.reason = _("Chỉ F0 được tiếp nhận điều trị.")
            continue
        if facility.kind == FacilityKind.QUARANTINE and spec.cohort == Cohort.F0:
            row.reason = _("F0 được tiếp nhận ở cơ sở điều trị, không ở khu cách ly.")
            continue
        arrivals.append(arrival)
    slots = room_slots(facility_ids=[facility.pk], zone_ids=list(zone_ids) if zone_ids is not None else None)
    result = assign.propose(arrivals, slots, window_days=window)
    beds = Bed.objects.in_bulk([p.bed_id for p in result.placements])
    rooms = {r.pk: r for r in Room.objects.filter(pk__in={p.room_id for p in result.placements}).select_related("zone")}
    for bed in beds.values():
        bed.room = rooms[bed.room_id]
    by_person = {r.person.pk: r for r in rows if not r.reason}
    for placement in result.placements:
        row = by_person[placement.key]
        row.bed = beds[placement.bed_id]
    for key, reason in result.unplaced:
        by_person[key].reason = reason
    proposal = GroupProposal(
        facility=facility,
        rows=rows,
        rooms_opened=result.rooms_opened,
        window_days=window,
        beds_free=sum(len(s.free_beds) for s in slots),
    )
    for row in proposal.placed:
        assert row.bed is not None
        proposal.rooms.setdefault(row.bed.room_id, []).append(row)
    return proposal


def group_admit(
    *,
    actor: Any,
    facility: Facility,
    admissions: Sequence[Admission],
    reserve: bool = False,
    at: dt.datetime | None = None,
) -> list[Stay]:
    """Admit the group (or reserve their beds for the arrival) with the beds the manager accepted or changed: all
    or nothing; a bed breaking a cohort rule needs the row's `flag_reason` and is flagged."""
    _require_facility(actor, facility)
    kind = stay_kind_of(facility)
    if kind == StayKind.TREATMENT:
        admissions = [
            Admission(
                person=a.person,
                cohort=a.cohort,
                cohort_on=a.cohort_on,
                bed=a.bed,
                fully_vaccinated=a.fully_vaccinated,
                case_number=a.case_number,
                tier=a.tier or facility.tier,
                clinical_state=a.clinical_state,
                flag_reason=a.flag_reason,
            )
            for a in admissions
        ]
    return stays_admit(actor=actor, kind=kind, admissions=admissions, facility=facility, reserve=reserve, at=at)


def admit_one(
    *,
    actor: Any,
    facility: Facility,
    person: Person,
    cohort: str = Cohort.F1,
    cohort_on: dt.date | None = None,
    fully_vaccinated: bool = False,
    bed: Bed | None = None,
    flag_reason: str = "",
    reserve: bool = False,
) -> Stay:
    """Admit one person to the bed picked, or to the bed the proposer picks (an error naming why none fits)."""
    cohort_on = cohort_on or clock.today()
    if bed is None:
        _check_person(person)
        proposal = group_propose(
            actor=actor,
            facility=facility,
            people=[PersonSpec(person=person, cohort=cohort, cohort_on=cohort_on, fully_vaccinated=fully_vaccinated)],
        )
        row = proposal.rows[0]
        if row.bed is None:
            raise ApplicationError.field(
                "bed", _("Không có giường phù hợp: %(why)s") % {"why": row.reason}, ErrorCode.CONFLICT
            )
        bed = row.bed
    (stay,) = group_admit(
        actor=actor,
        facility=facility,
        admissions=[
            Admission(
                person=person,
                cohort=cohort,
                cohort_on=cohort_on,
                bed=bed,
                fully_vaccinated=fully_vaccinated,
                flag_reason=flag_reason,
            )
        ],
        reserve=reserve,
    )
    return stay


def _stay_arrival(stay: Stay, on: dt.date) -> assign.Arrival:
    return arrival_of(
        Admission(
            person=stay.person,
            cohort=stay.cohort,
            cohort_on=stay.cohort_on,
            fully_vaccinated=stay.fully_vaccinated,
        ),
        on,
    )


def move_violations(*, stay: Stay, bed: Bed) -> list[assign.Violation]:
    """The cohort rules moving `stay` into `bed` would break (none for another bed of the same room)."""
    if bed.room_id == stay.room_id:
        return []
    today = clock.today()
    return room_violations(bed.room, [(_stay_arrival(stay, today), bed.pk)], today)


@transaction.atomic
def stay_move(*, actor: Any, stay: Stay, bed: Bed, reason: str = "", at: dt.datetime | None = None) -> Stay:
    """Move a holding stay to another bed of its facility or of another facility of the same kind in the actor's
    area. The target room's cohort rules are checked with its occupants: breaking one needs a reason, and the
    stay and its event are flagged. Facilities are locked in id order; the old room goes to disinfection when it
    empties; capacity is recounted."""
    require_perm(actor, Perm.STAY_WORK)
    require_stay_place(actor, stay)
    if stay.kind == StayKind.HOME or stay.facility_id is None:
        raise ApplicationError.field("stay", _("Lượt cách ly tại nhà không có giường để chuyển."))
    target = bed.facility
    if not in_jurisdiction(actor, target.unit_path):
        raise ApplicationError.field("bed", _("Không tìm thấy giường trong địa bàn của bạn."), ErrorCode.NOT_FOUND)
    for facility_id in sorted({stay.facility_id, target.pk}):
        lock_facility(facility_id)
    stay = Stay.objects.select_for_update().get(pk=stay.pk)  # related rows read after the lock
    target = Facility.objects.get(pk=target.pk)
    if stay.status not in HOLDING_STATUSES:
        raise ApplicationError(
            ErrorCode.INVALID_TRANSITION, _("Chỉ chuyển giường cho lượt đang cách ly/điều trị hoặc đang giữ giường.")
        )
    source = stay.facility
    assert source is not None
    if target.pk != source.pk:
        if target.kind != source.kind:
            raise ApplicationError.field(
                "bed", _("Chỉ chuyển sang nơi cùng loại (khu cách ly ↔ khu cách ly, cơ sở điều trị ↔ cơ sở điều trị).")
            )
        if target.kind == FacilityKind.TREATMENT and target.tier != source.tier:
            raise ApplicationError.field(
                "bed", _("Chuyển tầng điều trị dùng chức năng chuyển tầng (ghi diễn biến lâm sàng).")
            )
        if not target.is_open:
            raise ApplicationError.field("bed", _("%(f)s đã đóng.") % {"f": target.name}, ErrorCode.CONFLICT)
    if bed.pk == stay.bed_id:
        raise ApplicationError.field("bed", _("Người này đang ở giường %(b)s.") % {"b": bed.code})
    bed = Bed.objects.select_related("room").get(pk=bed.pk)
    room = _check_bed(bed, target, "bed")
    broken = move_violations(stay=stay, bed=bed)
    reason = reason.strip()
    if broken and not reason:
        raise ApplicationError.field(
            "reason",
            _("Phòng %(room)s: %(rules)s Ghi lý do nếu vẫn chuyển.")
            % {"room": room.code, "rules": " ".join(dict.fromkeys(v.message for v in broken))},
            ErrorCode.CONFLICT,
        )
    now = at or clock.now()
    old_bed, old_room_id = stay.bed, stay.room_id
    before = {"facility": source.name, "bed": old_bed.code if old_bed else ""}
    stay.facility = target
    stay.room = room
    stay.bed = bed
    stay.place_path = target.unit_path
    if broken:
        stay.flagged = True
        stay.flag_reason = f"{' '.join(dict.fromkeys(v.message for v in broken))} — {reason}"[:400]
    try:
        with transaction.atomic():
            stay.save()
    except IntegrityError as exc:
        raise ApplicationError.field(
            "bed", _("Giường %(b)s vừa được xếp cho người khác.") % {"b": bed.code}, ErrorCode.CONFLICT
        ) from exc
    StayEvent.objects.create(
        stay=stay,
        at=now,
        kind=StayEventKind.MOVED,
        reason=(stay.flag_reason if broken else reason)[:400],
        from_bed=old_bed,
        to_bed=bed,
        flagged=bool(broken),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        actor=actor,
        action="update",
        obj=stay,
        before=before,
        after={"facility": target.name, "bed": bed.code, "flagged": bool(broken)},
        details={"reason": reason},
    )
    if (
        old_room_id
        and old_room_id != room.pk
        and not Stay.objects.filter(room_id=old_room_id, status__in=HOLDING_STATUSES).exists()
    ):
        Room.objects.filter(pk=old_room_id).update(cleaning_since=now)
    capacity.facility_refresh(sorted({source.pk, target.pk}))
    return stay


@transaction.atomic
def stays_arrive(*, actor: Any, stays: Sequence[Stay], at: dt.datetime | None = None) -> list[Stay]:
    """The people of reserved stays arrived (a whole group at once): each clock starts on the day of arrival."""
    require_perm(actor, Perm.STAY_WORK)
    if not stays:
        raise ApplicationError.field("stays", _("Chưa chọn người nào đã đến."))
    for i, stay in enumerate(stays):
        if stay.status != StayStatus.RESERVED:
            raise ApplicationError.field(
                f"stays[{i}]",
                _("%(n)s không ở trạng thái đang giữ giường.") % {"n": stay.person.full_name},
                ErrorCode.INVALID_TRANSITION,
            )
    for facility_id in sorted({s.facility_id for s in stays if s.facility_id}):
        lock_facility(facility_id)
    return [stay_activate(actor=actor, stay=stay, at=at) for stay in sorted(stays, key=lambda s: s.pk)]
