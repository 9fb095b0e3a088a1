"""Writes describing facilities: a quarantine area or treatment facility on a site, its zones, a floor of rooms
with their beds in one go ("rooms 101–120, 4 beds each"), room attributes, disinfection, opening and closing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from chihuy.accounts.access import require_in_jurisdiction, require_perm
from chihuy.accounts.roles import Perm
from chihuy.core import clock
from chihuy.core.audit import audit_record, snapshot
from chihuy.core.errors import ApplicationError, ErrorCode, save_validated
from chihuy.isolation.enums import HOLDING_STATUSES, FacilityKind, RoomGender
from chihuy.isolation.models import Bed, Facility, Room, Stay, Zone
from chihuy.isolation.services import capacity
from chihuy.isolation.services.stays import lock_facility
from chihuy.places.enums import SiteKind
from chihuy.places.models import Site

MAX_ROOMS_PER_FLOOR = 500
MAX_BEDS_PER_ROOM = 50
_STAFF_KEYS = ("name", "role", "phone")


def _clean_staff(staff: Sequence[dict[str, Any]]) -> list[dict[str, str]]:
    cleaned = []
    for i, row in enumerate(staff or []):
        item = {k: str(row.get(k, "") or "").strip()[:150] for k in _STAFF_KEYS}
        if not item["name"]:
            raise ApplicationError.field(f"staff[{i}].name", _("Nhập họ tên cán bộ."))
        phone = item["phone"].replace(" ", "").replace(".", "")
        if phone and not (phone.isdigit() and 9 <= len(phone) <= 11):
            raise ApplicationError.field(f"staff[{i}].phone", _("Số điện thoại không hợp lệ."))
        item["phone"] = phone
        cleaned.append(item)
    return cleaned


@transaction.atomic
def facility_create(
    *,
    actor: Any,
    site: Site,
    kind: str,
    tier: int | None = None,
    opened_on: dt.date | None = None,
    staff: Sequence[dict[str, Any]] = (),
    is_demo: bool = False,
) -> Facility:
    """Make a site a quarantine area (site kind quarantine facility) or a treatment facility of a tier (site kind
    health facility or quarantine facility converted to treatment)."""
    require_perm(actor, Perm.FACILITY_MANAGE)
    require_in_jurisdiction(actor, site.unit_path, field="site")
    if kind not in FacilityKind.values:
        raise ApplicationError.field("kind", _("Chọn loại: khu cách ly tập trung hoặc cơ sở điều trị."))
    if site.kind not in (SiteKind.QUARANTINE_FACILITY, SiteKind.HEALTH_FACILITY):
        raise ApplicationError.field("site", _("Cơ sở này không phải khu cách ly hay cơ sở y tế."))
    if kind == FacilityKind.QUARANTINE:
        tier = None
    elif tier not in (1, 2, 3):
        raise ApplicationError.field("tier", _("Cơ sở điều trị phải thuộc tầng 1, 2 hoặc 3."))
    if Facility.objects.filter(site=site).exists():
        raise ApplicationError.field("site", _("Cơ sở này đã được khai báo."), ErrorCode.CONFLICT)
    facility = Facility(
        site=site,
        name=site.name,
        kind=kind,
        tier=tier,
        unit_id=site.unit_id,
        unit_path=site.unit_path,
        address=site.address,
        staff=_clean_staff(staff),
        opened_on=opened_on or clock.today(),
        figures_at=clock.now(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        is_demo=is_demo,
    )
    save_validated(facility)
    audit_record(actor=actor, action="create", obj=facility, after=snapshot(facility))
    return facility


@transaction.atomic
def facility_update(
    *,
    actor: Any,
    facility: Facility,
    tier: int | None = None,
    staff: Sequence[dict[str, Any]] | None = None,
    is_open: bool | None = None,
    on: dt.date | None = None,
) -> Facility:
    """Change the tier, the staff contacts, or open/close the facility (closing needs it empty)."""
    require_perm(actor, Perm.FACILITY_MANAGE)
    require_in_jurisdiction(actor, facility.unit_path, field="facility")
    facility = lock_facility(facility.pk)
    before = snapshot(facility)
    if tier is not None and facility.kind == FacilityKind.TREATMENT:
        if tier not in (1, 2, 3):
            raise ApplicationError.field("tier", _("Cơ sở điều trị phải thuộc tầng 1, 2 hoặc 3."))
        facility.tier = tier
    if staff is not None:
        facility.staff = _clean_staff(staff)
    if is_open is not None and is_open != facility.is_open:
        if not is_open and Stay.objects.filter(facility=facility, status__in=HOLDING_STATUSES).exists():
            raise ApplicationError.field(
                "is_open",
                _("Còn người đang cách ly/điều trị: chuyển hoặc kết thúc trước khi đóng."),
                ErrorCode.CONFLICT,
            )
        facility.is_open = is_open
        facility.closed_on = None if is_open else (on or clock.today())
        if is_open:
            facility.opened_on = on or clock.today()
    facility.save()
    audit_record(actor=actor, action="update", obj=facility, before=before, after=snapshot(facility))
    return facility


@transaction.atomic
def zone_create(*, actor: Any, facility: Facility, name: str, note: str = "") -> Zone:
    require_perm(actor, Perm.FACILITY_MANAGE)
    require_in_jurisdiction(actor, facility.unit_path, field="facility")
    name = name.strip()
    if not name:
        raise ApplicationError.field("name", _("Nhập tên khu."))
    if Zone.objects.filter(facility=facility, name=name).exists():
        raise ApplicationError.field("name", _("Khu “%(n)s” đã có.") % {"n": name}, ErrorCode.CONFLICT)
    position = Zone.objects.filter(facility=facility).count()
    zone = Zone.objects.create(facility=facility, name=name[:100], note=note.strip()[:300], position=position)
    audit_record(actor=actor, action="create", obj=zone, unit_path=facility.unit_path, after=snapshot(zone))
    return zone


@transaction.atomic
def rooms_bulk_create(
    *,
    actor: Any,
    zone: Zone,
    first: int,
    last: int,
    beds_per_room: int,
    prefix: str = "",
    floor: int | None = None,
    gender: str = RoomGender.ANY,
    is_family: bool = False,
    en_suite: bool = False,
    oxygen_point: bool = False,
) -> list[Room]:
    """Create rooms `prefix`+first … `prefix`+last of a zone, each with `beds_per_room` beds coded "<room>-<n>";
    all or nothing: a code already used in the facility is named and nothing is created."""
    require_perm(actor, Perm.FACILITY_MANAGE)
    facility = zone.facility
    require_in_jurisdiction(actor, facility.unit_path, field="zone")
    lock_facility(facility.pk)
    if first < 0 or last < first:
        raise ApplicationError.field("last", _("Số phòng cuối phải lớn hơn hoặc bằng số phòng đầu."))
    if last - first + 1 > MAX_ROOMS_PER_FLOOR:
        raise ApplicationError.field("last", _("Tối đa %(n)s phòng mỗi lần.") % {"n": MAX_ROOMS_PER_FLOOR})
    if not 1 <= beds_per_room <= MAX_BEDS_PER_ROOM:
        raise ApplicationError.field("beds_per_room", _("Mỗi phòng từ 1 đến %(n)s giường.") % {"n": MAX_BEDS_PER_ROOM})
    if gender not in RoomGender.values:
        raise ApplicationError.field("gender", _("Giới tính của phòng không hợp lệ."))
    if is_family and gender != RoomGender.ANY:
        raise ApplicationError.field("gender", _("Phòng gia đình không phân biệt giới tính."))
    prefix = prefix.strip()[:10]
    codes = [f"{prefix}{n}" for n in range(first, last + 1)]
    taken = set(Room.objects.filter(facility=facility, code__in=codes).values_list("code", flat=True))
    if taken:
        raise ApplicationError.field(
            "first", _("Phòng đã có: %(codes)s.") % {"codes": ", ".join(sorted(taken)[:10])}, ErrorCode.CONFLICT
        )
    start = Room.objects.filter(zone=zone).count()
    rooms = Room.objects.bulk_create(
        [
            Room(
                facility=facility,
                zone=zone,
                code=code,
                floor=floor,
                position=start + i,
                gender=gender,
                is_family=is_family,
                en_suite=en_suite,
                oxygen_point=oxygen_point,
            )
            for i, code in enumerate(codes)
        ]
    )
    Bed.objects.bulk_create(
        [
            Bed(room=room, facility=facility, code=f"{room.code}-{n}", position=n)
            for room in rooms
            for n in range(1, beds_per_room + 1)
        ]
    )
    audit_record(
        actor=actor,
        action="create",
        obj=zone,
        unit_path=facility.unit_path,
        details={"rooms": f"{codes[0]}–{codes[-1]}", "count": len(codes), "beds_per_room": beds_per_room},
    )
    capacity.facility_refresh([facility.pk])
    return rooms


@transaction.atomic
def room_update(
    *,
    actor: Any,
    room: Room,
    gender: str | None = None,
    is_family: bool | None = None,
    en_suite: bool | None = None,
    oxygen_point: bool | None = None,
    is_closed: bool | None = None,
    note: str | None = None,
) -> Room:
    """Change a room's attributes; closing needs it empty."""
    require_perm(actor, Perm.FACILITY_MANAGE)
    require_in_jurisdiction(actor, room.facility.unit_path, field="room")
    lock_facility(room.facility_id)
    before = snapshot(room)
    if gender is not None:
        if gender not in RoomGender.values:
            raise ApplicationError.field("gender", _("Giới tính của phòng không hợp lệ."))
        room.gender = gender
    for name, value in (("is_family", is_family), ("en_suite", en_suite), ("oxygen_point", oxygen_point)):
        if value is not None:
            setattr(room, name, value)
    if room.is_family and room.gender != RoomGender.ANY:
        raise ApplicationError.field("gender", _("Phòng gia đình không phân biệt giới tính."))
    if is_closed is not None:
        if is_closed and Stay.objects.filter(room=room, status__in=HOLDING_STATUSES).exists():
            raise ApplicationError.field("is_closed", _("Phòng còn người: không đóng được."), ErrorCode.CONFLICT)
        room.is_closed = is_closed
    if note is not None:
        room.note = note.strip()[:300]
    room.save()
    audit_record(
        actor=actor, action="update", obj=room, unit_path=room.facility.unit_path, before=before, after=snapshot(room)
    )
    capacity.facility_refresh([room.facility_id])
    return room


@transaction.atomic
def room_cleaned(*, actor: Any, room: Room) -> Room:
    """The room was disinfected after its last occupant left: it takes people again."""
    require_perm(actor, Perm.STAY_WORK)
    require_in_jurisdiction(actor, room.facility.unit_path, field="room")
    lock_facility(room.facility_id)
    if room.cleaning_since is None:
        raise ApplicationError(ErrorCode.INVALID_TRANSITION, _("Phòng không ở trạng thái chờ khử khuẩn."))
    room.cleaning_since = None
    room.save(update_fields=["cleaning_since", "updated_at"])
    audit_record(actor=actor, action="update", obj=room, unit_path=room.facility.unit_path, after={"cleaned": True})
    capacity.facility_refresh([room.facility_id])
    return room
