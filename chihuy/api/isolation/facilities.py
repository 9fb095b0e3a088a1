"""Isolation API — facilities (issue 6): quarantine areas and treatment facilities, their zones, a floor of rooms
at once, room attributes and disinfection, beds, the room map as tiles, bed proposals for a group, admissions
(one person or a group with explicit beds, now or reserved for the arrival), moves, and the arrival of reserved
stays. Outside the caller's area a facility, room, bed or stay is not found (404); a missing right is 403."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from chihuy.accounts.access import within_unit
from chihuy.api.isolation.schemas_facilities import (
    AdmissionIn,
    ArrivalIn,
    BedOut,
    BedQuery,
    FacilityDetailOut,
    FacilityIn,
    FacilityOut,
    FacilityPage,
    FacilityPatch,
    FacilityQuery,
    GroupAdmissionIn,
    MoveIn,
    OccupantOut,
    ProposalIn,
    ProposalOut,
    RoomOut,
    RoomPatch,
    RoomsIn,
    StayOut,
    ZoneIn,
    ZoneMapOut,
    ZoneOut,
)
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.core.errors import not_found_on as _on_field
from chihuy.core.pagination import keyset_page
from chihuy.isolation import selectors
from chihuy.isolation import selectors_facilities as reads
from chihuy.isolation.enums import RoomState
from chihuy.isolation.models import Bed, Facility, Stay
from chihuy.isolation.services import admissions
from chihuy.isolation.services import facilities as services
from chihuy.isolation.services.stays import Admission
from chihuy.people.models import Person
from chihuy.response import isolation as response

router = Router(tags=["isolation: facilities"])


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _person(actor: Any, person_id: int, field: str) -> Person:
    from chihuy.people.selectors import person_get

    try:
        return person_get(actor=actor, person_id=person_id, audit=False)
    except ApplicationError as exc:
        raise _on_field(exc, field, _("Không tìm thấy người này trong địa bàn của bạn.")) from exc


def _bed(actor: Any, bed_id: int, field: str) -> Bed:
    try:
        return reads.bed_get(actor=actor, bed_id=bed_id)
    except ApplicationError as exc:
        raise _on_field(exc, field, _("Không tìm thấy giường trong địa bàn của bạn.")) from exc


def _facility(actor: Any, facility_id: int) -> Facility:
    return selectors.facility_get(actor=actor, facility_id=facility_id)


def _facility_out(facility: Facility) -> dict[str, Any]:
    data = FacilityOut.from_orm(facility).dict()
    data["zones"] = [ZoneOut.from_orm(z).dict() for z in reads.facility_zones(facility)]
    return data


# --- facilities ----------------------------------------------------------------------------------------


@router.get("/facilities", response=FacilityPage, summary="Khu cách ly, cơ sở điều trị trong địa bàn")
def list_facilities(request: HttpRequest, query: Query[FacilityQuery]) -> Any:
    actor = _actor(request)
    qs = selectors.facility_list(
        actor=actor,
        within=within_unit(actor, query.within_unit_id),
        kind=query.kind or "",
        tier=query.tier,
        open_only=query.open_only,
    )
    return keyset_page(qs, order=["unit_path", "name", "id"], cursor=query.cursor, limit=query.limit)


@router.post(
    "/facilities",
    response={201: FacilityDetailOut},
    summary="Khai báo khu cách ly tập trung hoặc cơ sở điều trị (tầng 1/2/3) trên một cơ sở của địa bàn",
)
def create_facility(request: HttpRequest, payload: FacilityIn) -> Any:
    actor = _actor(request)
    try:
        site = reads.site_get(actor=actor, site_id=payload.site_id)
    except ApplicationError as exc:
        raise _on_field(exc, "site_id", _("Không tìm thấy cơ sở trong địa bàn của bạn.")) from exc
    facility = services.facility_create(
        actor=actor,
        site=site,
        kind=payload.kind,
        tier=payload.tier,
        opened_on=payload.opened_on,
        staff=[s.dict() for s in payload.staff],
    )
    return Status(201, _facility_out(_facility(actor, facility.pk)))


@router.get("/facilities/{int:facility_id}", response=FacilityDetailOut, summary="Một cơ sở, các khu và số giường")
def get_facility(request: HttpRequest, facility_id: int) -> Any:
    return _facility_out(_facility(_actor(request), facility_id))


@router.patch(
    "/facilities/{int:facility_id}",
    response=FacilityDetailOut,
    summary="Đổi tầng, danh bạ cán bộ; đóng hoặc mở lại cơ sở",
)
def update_facility(request: HttpRequest, facility_id: int, payload: FacilityPatch) -> Any:
    actor = _actor(request)
    facility = services.facility_update(
        actor=actor,
        facility=_facility(actor, facility_id),
        tier=payload.tier,
        staff=[s.dict() for s in payload.staff] if payload.staff is not None else None,
        is_open=payload.is_open,
    )
    return _facility_out(facility)


@router.post("/facilities/{int:facility_id}/zones", response={201: ZoneOut}, summary="Thêm khu (nhà, tầng, dãy)")
def create_zone(request: HttpRequest, facility_id: int, payload: ZoneIn) -> Any:
    actor = _actor(request)
    zone = services.zone_create(
        actor=actor, facility=_facility(actor, facility_id), name=payload.name, note=payload.note
    )
    return Status(201, zone)


@router.post(
    "/zones/{int:zone_id}/rooms",
    response={201: list[RoomOut]},
    summary="Tạo dãy phòng (ví dụ 101–120, mỗi phòng 4 giường) với thuộc tính phòng",
)
def create_rooms(request: HttpRequest, zone_id: int, payload: RoomsIn) -> Any:
    actor = _actor(request)
    zone = selectors.zone_get(actor=actor, zone_id=zone_id)
    rooms = services.rooms_bulk_create(actor=actor, zone=zone, **payload.dict())
    return Status(201, rooms)


@router.patch("/rooms/{int:room_id}", response=RoomOut, summary="Sửa thuộc tính phòng, đóng/mở, đã khử khuẩn")
def update_room(request: HttpRequest, room_id: int, payload: RoomPatch) -> Any:
    actor = _actor(request)
    room = reads.room_get(actor=actor, room_id=room_id)
    values = payload.dict(exclude={"cleaned"})
    if payload.cleaned:
        room = services.room_cleaned(actor=actor, room=room)
    if any(v is not None for v in values.values()):
        room = services.room_update(actor=actor, room=room, **values)
    return room


@router.get("/zones/{int:zone_id}/map", response=ZoneMapOut, summary="Sơ đồ phòng của một khu (ô màu theo trạng thái)")
def zone_map(request: HttpRequest, zone_id: int) -> Any:
    actor = _actor(request)
    zone = selectors.zone_get(actor=actor, zone_id=zone_id)
    tiles = selectors.zone_map(actor=actor, zone=zone)
    return {
        "zone": zone,
        "facility_id": zone.facility_id,
        "legend": {state.value: str(state.label) for state in RoomState},
        "tiles": [
            {
                "room_id": t.room.pk,
                "code": t.room.code,
                "state": t.state,
                "state_label": t.state_label,
                "beds": t.beds,
                "held": t.held,
                "reserved": t.reserved,
                "flagged": t.flagged,
                "cohort": t.cohort,
                "day": t.day,
                "release_on": t.release_on,
                "gender": t.room.gender,
                "is_family": t.room.is_family,
                "oxygen_point": t.room.oxygen_point,
                "occupants": [_occupant(s) for s in t.people],
            }
            for t in tiles
        ],
    }


def _occupant(stay: Stay) -> dict[str, Any]:
    return {
        "stay_id": stay.pk,
        "person_id": stay.person_id,
        "full_name": stay.person.full_name,
        "sex": stay.person.sex,
        "birth_year": stay.person.birth_year,
        "bed_code": stay.bed.code if stay.bed else "",
        "cohort": stay.cohort,
        "status": stay.status,
        "cohort_on": stay.cohort_on,
        "clock_start_on": stay.clock_start_on,
        "release_on": stay.release_on,
        "flagged": stay.flagged,
    }


@router.get("/facilities/{int:facility_id}/beds", response=list[BedOut], summary="Giường của cơ sở (trống / có người)")
def list_beds(request: HttpRequest, facility_id: int, query: Query[BedQuery]) -> Any:
    facility = _facility(_actor(request), facility_id)
    return [
        {
            "id": b.pk,
            "code": b.code,
            "room_id": b.room_id,
            "room_code": b.room.code,
            "zone_id": b.room.zone_id,
            "held": b.held,  # type: ignore[attr-defined]
            "room_closed": b.room.is_closed,
            "room_cleaning": b.room.cleaning_since is not None,
        }
        for b in reads.facility_beds(facility, free_only=query.free_only, zone_id=query.zone_id, room_id=query.room_id)[
            :5000
        ]
    ]


@router.get(
    "/facilities/{int:facility_id}/occupants",
    response=list[OccupantOut],
    summary="Người đang ở hoặc đang được giữ giường tại cơ sở",
)
def list_occupants(request: HttpRequest, facility_id: int) -> Any:
    actor = _actor(request)
    facility = _facility(actor, facility_id)
    return [_occupant(s) for s in reads.facility_occupants(actor=actor, facility=facility)[:5000]]


# --- proposals, admissions, moves, arrivals ------------------------------------------------------------


@router.post(
    "/facilities/{int:facility_id}/proposal",
    response=ProposalOut,
    summary="Đề xuất giường cho một nhóm theo quy tắc xếp phòng (không ghi gì)",
)
def propose(request: HttpRequest, facility_id: int, payload: ProposalIn) -> Any:
    actor = _actor(request)
    facility = _facility(actor, facility_id)
    specs = [
        admissions.PersonSpec(
            person=_person(actor, p.person_id, f"people[{i}].person_id"),
            cohort=p.cohort,
            cohort_on=p.cohort_on,
            fully_vaccinated=p.fully_vaccinated,
        )
        for i, p in enumerate(payload.people)
    ]
    proposal = admissions.group_propose(actor=actor, facility=facility, people=specs, zone_ids=payload.zone_ids)

    def row(r: admissions.ProposedRow) -> dict[str, Any]:
        return {
            "person_id": r.person.pk,
            "full_name": r.person.full_name,
            "cohort": r.cohort,
            "cohort_on": r.cohort_on,
            "vulnerable": r.vulnerable,
            "bed_id": r.bed.pk if r.bed else None,
            "bed_code": r.bed.code if r.bed else None,
            "room_id": r.bed.room_id if r.bed else None,
            "room_code": r.bed.room.code if r.bed else None,
            "reason": r.reason,
        }

    return {
        "facility_id": facility.pk,
        "window_days": proposal.window_days,
        "beds_free": proposal.beds_free,
        "rooms_opened": proposal.rooms_opened,
        "placed": [row(r) for r in proposal.placed],
        "unplaced": [row(r) for r in proposal.unplaced],
    }


@router.post(
    "/facilities/{int:facility_id}/admissions",
    response={201: StayOut},
    summary="Tiếp nhận một người (giường chọn hoặc để hệ thống chọn), hoặc giữ giường cho người sắp đến",
)
def admit_one(request: HttpRequest, facility_id: int, payload: AdmissionIn) -> Any:
    actor = _actor(request)
    facility = _facility(actor, facility_id)
    stay = admissions.admit_one(
        actor=actor,
        facility=facility,
        person=_person(actor, payload.person_id, "person_id"),
        cohort=payload.cohort,
        cohort_on=payload.cohort_on,
        fully_vaccinated=payload.fully_vaccinated,
        bed=_bed(actor, payload.bed_id, "bed_id") if payload.bed_id is not None else None,
        flag_reason=payload.flag_reason,
        reserve=payload.reserve,
    )
    response.stays_admitted(actor=actor, stays=[stay])
    return Status(201, stay)


@router.post(
    "/facilities/{int:facility_id}/admissions/group",
    response={201: list[StayOut]},
    summary="Tiếp nhận một nhóm với giường đã chọn cho từng người (tất cả hoặc không ai)",
)
def admit_group(request: HttpRequest, facility_id: int, payload: GroupAdmissionIn) -> Any:
    actor = _actor(request)
    facility = _facility(actor, facility_id)
    from chihuy.core import clock

    rows = [
        Admission(
            person=_person(actor, r.person_id, f"rows[{i}].person_id"),
            cohort=r.cohort,
            cohort_on=r.cohort_on or clock.today(),
            bed=_bed(actor, r.bed_id, f"rows[{i}].bed_id"),
            fully_vaccinated=r.fully_vaccinated,
            flag_reason=r.flag_reason,
        )
        for i, r in enumerate(payload.rows)
    ]
    try:
        stays = admissions.group_admit(actor=actor, facility=facility, admissions=rows, reserve=payload.reserve)
    except ApplicationError as exc:
        raise _rows_field(exc) from exc
    response.stays_admitted(actor=actor, stays=stays)
    return Status(201, stays)


def _rows_field(exc: ApplicationError) -> ApplicationError:
    """The service names `admissions[i].bed`; the API's body calls them `rows[i].bed_id`."""
    if not isinstance(exc.details, list):
        return exc
    details = []
    for d in exc.details:
        name = str(d.get("field", ""))
        if name.startswith("admissions["):
            name = "rows[" + name[len("admissions[") :]
            name = name.replace(".bed", ".bed_id").replace(".person", ".person_id")
        details.append({**d, "field": name})
    return ApplicationError(exc.code, exc.message, details)


@router.post(
    "/stays/{int:stay_id}/move",
    response=StayOut,
    summary="Chuyển giường, phòng, hoặc sang cơ sở cùng loại (vi phạm quy tắc phải ghi lý do và bị đánh dấu)",
)
def move(request: HttpRequest, stay_id: int, payload: MoveIn) -> Any:
    actor = _actor(request)
    stay = reads.stay_for_move(actor=actor, stay_id=stay_id)
    return admissions.stay_move(
        actor=actor, stay=stay, bed=_bed(actor, payload.bed_id, "bed_id"), reason=payload.reason
    )


@router.post(
    "/facilities/{int:facility_id}/arrivals",
    response=list[StayOut],
    summary="Người đã giữ giường đã đến: bắt đầu tính ngày cách ly (cả nhóm)",
)
def arrivals(request: HttpRequest, facility_id: int, payload: ArrivalIn) -> Any:
    actor = _actor(request)
    facility = _facility(actor, facility_id)
    found = {s.pk: s for s in reads.reserved_stays(actor=actor, facility=facility, stay_ids=payload.stay_ids)}
    stays = []
    for i, stay_id in enumerate(payload.stay_ids):
        if stay_id not in found:
            raise ApplicationError.field(
                f"stay_ids[{i}]", _("Không tìm thấy lượt giữ giường này ở cơ sở."), ErrorCode.NOT_FOUND
            )
        stays.append(found[stay_id])
    try:
        arrived = admissions.stays_arrive(actor=actor, stays=stays)
    except ApplicationError as exc:
        if isinstance(exc.details, list):
            exc.details = [{**d, "field": str(d.get("field", "")).replace("stays[", "stay_ids[")} for d in exc.details]
        raise
    response.stays_admitted(actor=actor, stays=arrived)
    return arrived
