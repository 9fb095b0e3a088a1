"""The life of a stay: admit one person to a facility bed or to a home isolation household (or reserve the bed
for someone on the way), give the stay its clock and test days from the policy in force, restart clocks with a
reason, end it. Group admissions, moves, release, home checks and treatment build on these.

Contract (issue 6): every write locks the facility row first (`select_for_update`), so two admissions racing for
one bed are serialised; the partial unique constraints on `Stay` (one holding stay per bed, per person) are the
last line and surface as a clear error, never as a 500."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from chihuy.accounts.access import in_jurisdiction, require_perm
from chihuy.accounts.roles import Perm
from chihuy.core import clock
from chihuy.core.audit import audit_record
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.isolation import assign, policies
from chihuy.isolation.enums import (
    HOLDING_STATUSES,
    STAY_TRANSITIONS,
    Cohort,
    FacilityKind,
    HomeStatus,
    StayEventKind,
    StayKind,
    StayStatus,
    TestTaskStatus,
)
from chihuy.isolation.models import Bed, Facility, HomeIsolation, Room, Stay, StayEvent, StayTest
from chihuy.isolation.services import capacity
from chihuy.isolation.services._common import require_stay_place
from chihuy.people.models import Person


@dataclass(frozen=True, slots=True)
class Admission:
    """One person to admit: who they are in this stay, their cohort date, and the bed (facility stays)."""

    person: Person
    cohort: str
    cohort_on: dt.date
    bed: Bed | None = None
    fully_vaccinated: bool = False
    case_number: str = ""
    tier: int | None = None
    clinical_state: str = ""
    flag_reason: str = ""  # a manager's reason for placing against a cohort rule


def person_vulnerable(person: Person, on: dt.date, *, rule: dict[str, Any] | None = None) -> bool:
    """Placed near an oxygen point (policy isolation.vulnerable): old age, a chronic condition, pregnancy. Pass
    `rule` (policies.vulnerable_rule, read once) when checking many people: it is one query otherwise."""
    rule = rule if rule is not None else policies.vulnerable_rule(on)
    year = person.birth_date.year if person.birth_date else person.birth_year
    if year is not None and on.year - year >= int(rule.get("min_age", 65)):
        return True
    if rule.get("chronic", True) and person.chronic_conditions:
        return True
    return bool(rule.get("pregnant", True) and person.is_pregnant)


def arrival_of(admission: Admission, on: dt.date, *, rule: dict[str, Any] | None = None) -> assign.Arrival:
    person = admission.person
    return assign.Arrival(
        key=person.pk,
        sex=person.sex,
        cohort=Cohort.F1 if admission.cohort == Cohort.HOUSEHOLD else admission.cohort,
        cohort_on=admission.cohort_on,
        household_id=person.household_id,
        vulnerable=person_vulnerable(person, on, rule=rule),
    )


def lock_facility(facility_id: int) -> Facility:
    """Serialise the writes of one facility (its beds and capacity figures) for the rest of the transaction."""
    return Facility.objects.select_for_update().get(pk=facility_id)


def room_violations(room: Room, arrivals: Sequence[tuple[assign.Arrival, int]], on: dt.date) -> list[assign.Violation]:
    """The cohort rules a placement of `arrivals` (arrival, bed id) in `room` would break, with the room's
    current occupants (assign.check on the room's slot)."""
    from chihuy.isolation.selectors import room_slots  # reads of the same app

    slots = room_slots(facility_ids=[room.facility_id], room_ids=[room.pk])
    placements = [assign.Placement(key=a.key, room_id=room.pk, bed_id=bed_id) for a, bed_id in arrivals]
    return assign.check(placements, [a for a, _bed in arrivals], slots, window_days=policies.cohort_window_days(on))


def _clock_fields(cohort: str, kind: str, start_on: dt.date, fully_vaccinated: bool) -> dict[str, Any]:
    if cohort == Cohort.F0 or kind == StayKind.TREATMENT:
        return {"release_on": None, "test_days": [], "monitoring_days": 0, "rule_source": ""}
    rule = policies.quarantine_clock(
        start_on=start_on, fully_vaccinated=fully_vaccinated, arrival=cohort == Cohort.ARRIVAL
    )
    return {
        "release_on": rule.release_on,
        "test_days": list(rule.test_days),
        "monitoring_days": rule.monitoring_days,
        "rule_source": rule.source,
    }


def _tests_for(stay: Stay) -> list[StayTest]:
    return [
        StayTest(stay=stay, day=day, due_on=stay.clock_start_on + dt.timedelta(days=day - 1)) for day in stay.test_days
    ]


def _check_person(person: Person) -> None:
    if not person.is_active or person.merged_into_id:
        raise ApplicationError.field("person", _("Hồ sơ người này đã ngừng sử dụng hoặc đã gộp."))
    current = Stay.objects.filter(person=person, status__in=HOLDING_STATUSES).select_related("facility", "home").first()
    if current is not None:
        where = current.facility.name if current.facility else (current.home.address if current.home else "")
        raise ApplicationError.field(
            "person",
            _("%(name)s đang cách ly/điều trị tại %(where)s từ ngày %(d)s: kết thúc hoặc chuyển lượt đó trước.")
            % {"name": person.full_name, "where": where, "d": current.clock_start_on.strftime("%d/%m/%Y")},
            ErrorCode.CONFLICT,
        )


def _check_place(kind: str, cohort: str, facility: Facility | None, home: HomeIsolation | None) -> None:
    if kind == StayKind.HOME:
        if home is None:
            raise ApplicationError.field("home", _("Chọn hộ cách ly tại nhà."))
        if home.status != HomeStatus.ACTIVE:
            raise ApplicationError.field("home", _("Hộ cách ly này đã kết thúc."), ErrorCode.CONFLICT)
        return
    if facility is None:
        raise ApplicationError.field("facility", _("Chọn khu cách ly hoặc cơ sở điều trị."))
    if not facility.is_open:
        raise ApplicationError.field("facility", _("%(f)s đã đóng.") % {"f": facility.name}, ErrorCode.CONFLICT)
    if kind == StayKind.TREATMENT and facility.kind != FacilityKind.TREATMENT:
        raise ApplicationError.field("facility", _("%(f)s không phải cơ sở điều trị.") % {"f": facility.name})
    if kind == StayKind.FACILITY and facility.kind != FacilityKind.QUARANTINE:
        raise ApplicationError.field("facility", _("%(f)s không phải khu cách ly tập trung.") % {"f": facility.name})
    if kind == StayKind.TREATMENT and cohort != Cohort.F0:
        raise ApplicationError.field("cohort", _("Chỉ F0 được tiếp nhận điều trị."))


def _check_bed(bed: Bed | None, facility: Facility, field: str) -> Room:
    if bed is None:
        raise ApplicationError.field(field, _("Chọn giường."))
    if bed.facility_id != facility.pk:
        raise ApplicationError.field(field, _("Giường %(b)s không thuộc %(f)s.") % {"b": bed.code, "f": facility.name})
    room = bed.room
    if not bed.is_active or room.is_closed:
        raise ApplicationError.field(field, _("Giường %(b)s đang đóng.") % {"b": bed.code}, ErrorCode.CONFLICT)
    if room.cleaning_since is not None:
        raise ApplicationError.field(
            field, _("Phòng %(r)s đang khử khuẩn: chưa xếp người được.") % {"r": room.code}, ErrorCode.CONFLICT
        )
    if Stay.objects.filter(bed=bed, status__in=HOLDING_STATUSES).exists():
        raise ApplicationError.field(
            field, _("Giường %(b)s đã có người hoặc đã được giữ.") % {"b": bed.code}, ErrorCode.CONFLICT
        )
    return room


@transaction.atomic
def stays_admit(
    *,
    actor: Any,
    kind: str,
    admissions: Sequence[Admission],
    facility: Facility | None = None,
    home: HomeIsolation | None = None,
    reserve: bool = False,
    at: dt.datetime | None = None,
) -> list[Stay]:
    """Admit (or, with `reserve`, hold beds for) people, all or nothing: each person checked (active, not already
    in a stay), each bed free in an open room of the facility, and the room's cohort rules checked with everyone
    placed — a placement that breaks one needs the manager's `flag_reason` and is flagged. Each stay gets its
    clock from the rule in force on the admission day. Capacity figures are recounted in the same transaction."""
    require_perm(actor, Perm.HOME_ISOLATION if kind == StayKind.HOME else Perm.STAY_WORK)
    if kind not in StayKind.values:
        raise ApplicationError.field("kind", _("Loại lượt cách ly không hợp lệ."))
    if not admissions:
        raise ApplicationError.field("admissions", _("Chưa có người nào để tiếp nhận."))
    now = at or clock.now()
    today = clock.localdate(now)
    if facility is not None:
        facility = lock_facility(facility.pk)
    place_path = facility.unit_path if facility is not None else (home.unit_path if home else "")
    if not in_jurisdiction(actor, place_path):
        raise ApplicationError.field(
            "facility" if kind != StayKind.HOME else "home",
            _("Không tìm thấy nơi cách ly trong địa bàn của bạn."),
            ErrorCode.NOT_FOUND,
        )
    _check_place(kind, admissions[0].cohort, facility, home)
    seen_people: set[int] = set()
    seen_beds: set[int] = set()
    by_room: dict[int, list[tuple[Admission, Room]]] = {}
    for i, adm in enumerate(admissions):
        field = f"admissions[{i}]"
        if adm.cohort not in Cohort.values:
            raise ApplicationError.field(f"{field}.cohort", _("Nhóm đối tượng không hợp lệ."))
        _check_place(kind, adm.cohort, facility, home)
        if adm.cohort_on > today:
            raise ApplicationError.field(f"{field}.cohort_on", _("Ngày phơi nhiễm / nhập cảnh không được ở tương lai."))
        if adm.person.pk in seen_people:
            raise ApplicationError.field(f"{field}.person", _("%(n)s có hai lần trong danh sách.") % {"n": adm.person})
        seen_people.add(adm.person.pk)
        try:
            _check_person(adm.person)
        except ApplicationError as exc:
            raise ApplicationError.field(f"{field}.person", exc.message, exc.code) from exc
        if kind != StayKind.HOME:
            assert facility is not None
            room = _check_bed(adm.bed, facility, f"{field}.bed")
            assert adm.bed is not None
            if adm.bed.pk in seen_beds:
                raise ApplicationError.field(
                    f"{field}.bed", _("Giường %(b)s được xếp cho hai người.") % {"b": adm.bed.code}, ErrorCode.CONFLICT
                )
            seen_beds.add(adm.bed.pk)
            by_room.setdefault(room.pk, []).append((adm, room))
    flags: dict[int, str] = {}
    if by_room:
        # One check over every room of the admission: a household split across two rooms shows only so.
        from chihuy.isolation.selectors import room_slots  # reads of the same app

        vulnerable = policies.vulnerable_rule(today)
        placed = [adm for adm in admissions if adm.bed is not None]
        index = {adm.person.pk: i for i, adm in enumerate(admissions)}
        arrivals = [arrival_of(adm, today, rule=vulnerable) for adm in placed]
        broken = assign.check(
            [
                assign.Placement(key=adm.person.pk, room_id=adm.bed.room_id, bed_id=adm.bed.pk)
                for adm in placed
                if adm.bed
            ],
            arrivals,
            room_slots(facility_ids=[facility.pk] if facility else [], room_ids=list(by_room)),
            window_days=policies.cohort_window_days(today),
        )
        rooms = {room.pk: room for group in by_room.values() for _adm, room in group}
        for violation in broken:
            found = index.get(violation.key)
            # Charged to someone already in the room: the newcomer of that room answers for it.
            i = (
                found
                if found is not None
                else next(index[a.person.pk] for a in placed if a.bed and a.bed.room_id == violation.room_id)
            )
            adm = admissions[i]
            reason = adm.flag_reason.strip()
            if not reason and violation.rule == assign.RULE_HOUSEHOLD_SPLIT and adm.person.household_id:
                # One reason covers the split household: the manager wrote it on the member they moved.
                mates = [a for a in placed if a.person.household_id == adm.person.household_id]
                reason = next((a.flag_reason.strip() for a in mates if a.flag_reason.strip()), "")
            if not reason:
                raise ApplicationError.field(
                    f"admissions[{i}].bed",
                    _("%(name)s — phòng %(room)s: %(rule)s Ghi lý do nếu vẫn xếp.")
                    % {"name": adm.person.full_name, "room": rooms[violation.room_id].code, "rule": violation.message},
                    ErrorCode.CONFLICT,
                )
            flags.setdefault(adm.person.pk, f"{violation.message} — {reason}")
    stays: list[Stay] = []
    for adm in admissions:
        start_on = today
        fields = _clock_fields(adm.cohort, kind, start_on, adm.fully_vaccinated)
        bed = adm.bed if kind != StayKind.HOME else None
        stay = Stay(
            person=adm.person,
            unit_path=adm.person.unit_path,
            place_path=place_path,
            kind=kind,
            cohort=adm.cohort,
            facility=facility if kind != StayKind.HOME else None,
            room=bed.room if bed is not None else None,
            bed=bed,
            home=home if kind == StayKind.HOME else None,
            status=StayStatus.RESERVED if reserve else StayStatus.ACTIVE,
            cohort_on=adm.cohort_on,
            admitted_at=None if reserve else now,
            clock_start_on=start_on,
            fully_vaccinated=adm.fully_vaccinated,
            tier=adm.tier if kind == StayKind.TREATMENT else None,
            clinical_state=adm.clinical_state,
            case_number=adm.case_number,
            flagged=adm.person.pk in flags,
            flag_reason=flags.get(adm.person.pk, "")[:400],
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
            **fields,
        )
        stays.append(stay)
    try:
        with transaction.atomic():
            Stay.objects.bulk_create(stays)
    except IntegrityError as exc:
        raise ApplicationError(
            ErrorCode.CONFLICT,
            _("Giường hoặc người vừa được xếp ở lượt khác cùng lúc; tải lại và thử lại."),
            [{"field": "bed", "message": _("Giường đã có người hoặc người đã có lượt cách ly.")}],
        ) from exc
    StayTest.objects.bulk_create([t for stay in stays for t in _tests_for(stay)])
    StayEvent.objects.bulk_create(
        [
            StayEvent(
                stay=stay,
                at=now,
                kind=StayEventKind.RESERVED if reserve else StayEventKind.ADMITTED,
                to_bed=stay.bed,
                flagged=stay.flagged,
                reason=stay.flag_reason,
                actor=actor if getattr(actor, "is_authenticated", False) else None,
            )
            for stay in stays
        ]
    )
    for stay in stays:
        audit_record(
            actor=actor,
            action="create",
            obj=stay,
            unit_path=stay.unit_path,
            after={
                "kind": stay.kind,
                "cohort": stay.cohort,
                "status": stay.status,
                "place": facility.name if facility else (home.code if home else ""),
                "bed": stay.bed.code if stay.bed else "",
                "release_on": stay.release_on,
                "test_days": stay.test_days,
                "flag_reason": stay.flag_reason,
            },
        )
    if facility is not None:
        capacity.facility_refresh([facility.pk])
    return stays


@transaction.atomic
def stay_activate(*, actor: Any, stay: Stay, at: dt.datetime | None = None) -> Stay:
    """A reserved stay's person arrived: the clock starts on the day of arrival."""
    require_perm(actor, Perm.STAY_WORK)
    require_stay_place(actor, stay)
    if stay.facility_id:
        lock_facility(stay.facility_id)
    stay = Stay.objects.select_for_update().get(pk=stay.pk)
    if stay.status != StayStatus.RESERVED:
        raise ApplicationError(ErrorCode.INVALID_TRANSITION, _("Chỉ lượt đang giữ giường mới tiếp nhận được."))
    now = at or clock.now()
    stay.status = StayStatus.ACTIVE
    stay.admitted_at = now
    _restart(stay, clock.localdate(now))
    stay.save()
    StayEvent.objects.create(stay=stay, at=now, kind=StayEventKind.ADMITTED, to_bed=stay.bed, actor=_user(actor))
    audit_record(actor=actor, action="update", obj=stay, after={"status": stay.status, "release_on": stay.release_on})
    if stay.facility_id:
        capacity.facility_refresh([stay.facility_id])
    return stay


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _restart(stay: Stay, start_on: dt.date) -> None:
    """Give `stay` a new day 1 and the clock of the rule in force that day; pending test days are replaced."""
    stay.clock_start_on = start_on
    for key, value in _clock_fields(stay.cohort, stay.kind, start_on, stay.fully_vaccinated).items():
        setattr(stay, key, value)
    StayTest.objects.filter(stay=stay, status__in=[TestTaskStatus.PENDING, TestTaskStatus.REQUESTED]).update(
        status=TestTaskStatus.CANCELLED
    )
    StayTest.objects.filter(stay=stay, status=TestTaskStatus.CANCELLED).delete()
    StayTest.objects.bulk_create(_tests_for(stay))


@transaction.atomic
def clocks_restart(*, actor: Any, stays: Sequence[Stay], start_on: dt.date, reason: str) -> list[Stay]:
    """Restart the quarantine clock of `stays` from `start_on` under the rule in force that day, keeping why
    (e.g. a roommate turned positive). Called by `response` for a room; never silent: an event per stay."""
    if not reason.strip():
        raise ApplicationError.field("reason", _("Ghi lý do tính lại thời gian cách ly."))
    now = clock.now()
    changed: list[Stay] = []
    for stay in Stay.objects.select_for_update().filter(pk__in=[s.pk for s in stays]).order_by("pk"):
        if stay.status not in HOLDING_STATUSES or stay.cohort == Cohort.F0:
            continue
        before = {"clock_start_on": stay.clock_start_on, "release_on": stay.release_on}
        _restart(stay, start_on)
        stay.save()
        StayEvent.objects.create(
            stay=stay, at=now, kind=StayEventKind.CLOCK_RESTARTED, reason=reason[:400], actor=_user(actor)
        )
        audit_record(
            actor=actor,
            action="update",
            obj=stay,
            before=before,
            after={"clock_start_on": stay.clock_start_on, "release_on": stay.release_on},
            details={"reason": reason},
        )
        changed.append(stay)
    return changed


@transaction.atomic
def stay_end(
    *, actor: Any, stay: Stay, status: str, reason: str, at: dt.datetime | None = None, perm: str = Perm.STAY_WORK
) -> Stay:
    """End a stay with a status of the transition table and a reason; its bed is freed and the room goes to
    disinfection when it empties. Release and discharge rules are checked by their own services before this."""
    require_perm(actor, perm)
    require_stay_place(actor, stay)
    if stay.facility_id:
        lock_facility(stay.facility_id)
    stay = Stay.objects.select_for_update().get(pk=stay.pk)
    if status not in STAY_TRANSITIONS.get(stay.status, set()):
        raise ApplicationError(
            ErrorCode.INVALID_TRANSITION,
            _("Không thể chuyển lượt từ “%(a)s” sang “%(b)s”.")
            % {
                "a": StayStatus(stay.status).label,
                "b": StayStatus(status).label if status in StayStatus.values else status,
            },
        )
    if not reason.strip():
        raise ApplicationError.field("reason", _("Ghi lý do kết thúc."))
    now = at or clock.now()
    before = {"status": stay.status}
    stay.status = status
    stay.ended_at = now
    stay.end_reason = reason.strip()[:400]
    stay.save()
    StayEvent.objects.create(
        stay=stay, at=now, kind=StayEventKind.ENDED, reason=stay.end_reason, from_bed=stay.bed, actor=_user(actor)
    )
    audit_record(actor=actor, action="update", obj=stay, before=before, after={"status": status, "reason": reason})
    if stay.room_id and not Stay.objects.filter(room_id=stay.room_id, status__in=HOLDING_STATUSES).exists():
        Room.objects.filter(pk=stay.room_id).update(cleaning_since=now)
    if stay.facility_id:
        capacity.facility_refresh([stay.facility_id])
    return stay
