"""Input and output schemas of the isolation API — facilities, zones, rooms, beds, the room map, proposals,
admissions, moves and arrivals (issue 6)."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field

from chihuy.isolation.enums import Cohort, FacilityKind, RoomGender, RoomState, StayStatus

# --- facilities --------------------------------------------------------------------------------------


class StaffIn(Schema):
    name: str
    role: str = ""
    phone: str = ""


class FacilityOut(Schema):
    id: int
    name: str
    kind: FacilityKind
    tier: int | None
    site_id: int
    unit_id: int
    unit_path: str
    address: str
    staff: list[dict[str, str]]
    opened_on: dt.date
    closed_on: dt.date | None
    is_open: bool
    beds_total: int
    beds_occupied: int
    beds_reserved: int
    beds_cleaning: int
    beds_free: int
    figures_at: dt.datetime | None = Field(description="Thời điểm số liệu giường thay đổi lần cuối")


class ZoneOut(Schema):
    id: int
    name: str
    position: int
    note: str
    room_count: int = 0
    bed_count: int = 0


class FacilityDetailOut(FacilityOut):
    zones: list[ZoneOut]


class FacilityPage(Schema):
    items: list[FacilityOut]
    next_cursor: str | None


class FacilityQuery(Schema):
    kind: FacilityKind | None = None
    tier: int | None = Field(None, ge=1, le=3)
    within_unit_id: int | None = None
    open_only: bool = False
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)


class FacilityIn(Schema):
    site_id: int = Field(description="Cơ sở (khu cách ly tập trung hoặc cơ sở y tế) của địa bàn")
    kind: FacilityKind
    tier: int | None = Field(None, description="Tầng điều trị 1, 2, 3 (chỉ cơ sở điều trị)")
    opened_on: dt.date | None = None
    staff: list[StaffIn] = []


class FacilityPatch(Schema):
    tier: int | None = None
    staff: list[StaffIn] | None = None
    is_open: bool | None = Field(None, description="Đóng (còn người thì không đóng được) hoặc mở lại")


class ZoneIn(Schema):
    name: str
    note: str = ""


# --- rooms and beds ----------------------------------------------------------------------------------


class RoomsIn(Schema):
    first: int = Field(ge=0, description="Số phòng đầu, ví dụ 101")
    last: int = Field(ge=0, description="Số phòng cuối, ví dụ 120")
    beds_per_room: int = Field(ge=1, le=50)
    prefix: str = ""
    floor: int | None = None
    gender: RoomGender = RoomGender.ANY
    is_family: bool = False
    en_suite: bool = False
    oxygen_point: bool = False


class RoomOut(Schema):
    id: int
    code: str
    zone_id: int
    facility_id: int
    floor: int | None
    gender: RoomGender
    is_family: bool
    en_suite: bool
    oxygen_point: bool
    is_closed: bool
    cleaning_since: dt.datetime | None
    note: str


class RoomPatch(Schema):
    gender: RoomGender | None = None
    is_family: bool | None = None
    en_suite: bool | None = None
    oxygen_point: bool | None = None
    is_closed: bool | None = None
    note: str | None = None
    cleaned: bool = Field(False, description="Đã khử khuẩn xong: phòng nhận người trở lại")


class BedOut(Schema):
    id: int
    code: str
    room_id: int
    room_code: str
    zone_id: int
    held: bool = Field(description="Đang có người hoặc đang giữ cho người sắp đến")
    room_closed: bool
    room_cleaning: bool


class BedQuery(Schema):
    free_only: bool = False
    zone_id: int | None = None
    room_id: int | None = None


class OccupantOut(Schema):
    stay_id: int
    person_id: int
    full_name: str
    sex: str
    birth_year: int | None
    bed_code: str
    cohort: Cohort
    status: StayStatus
    cohort_on: dt.date
    clock_start_on: dt.date
    release_on: dt.date | None
    flagged: bool


class TileOut(Schema):
    room_id: int
    code: str
    state: RoomState
    state_label: str
    beds: int
    held: int
    reserved: int
    flagged: int
    cohort: str
    day: int | None = Field(description="Ngày thứ mấy của thời gian cách ly (người vào sớm nhất)")
    release_on: dt.date | None
    gender: RoomGender
    is_family: bool
    oxygen_point: bool
    occupants: list[OccupantOut]


class ZoneMapOut(Schema):
    zone: ZoneOut
    facility_id: int
    legend: dict[str, str]
    tiles: list[TileOut]


# --- proposals, admissions, moves ---------------------------------------------------------------------


class PersonSpecIn(Schema):
    person_id: int
    cohort: Cohort = Cohort.F1
    cohort_on: dt.date | None = Field(None, description="Ngày phơi nhiễm (F1), nhập cảnh, dương tính (F0)")
    fully_vaccinated: bool = False


class ProposalIn(Schema):
    people: list[PersonSpecIn] = Field(min_length=1, max_length=500)
    zone_ids: list[int] | None = None


class ProposedOut(Schema):
    person_id: int
    full_name: str
    cohort: Cohort
    cohort_on: dt.date
    vulnerable: bool
    bed_id: int | None
    bed_code: str | None
    room_id: int | None
    room_code: str | None
    reason: str = Field(description="Vì sao chưa xếp được (trống nếu đã có giường)")


class ProposalOut(Schema):
    facility_id: int
    window_days: int
    beds_free: int
    rooms_opened: int
    placed: list[ProposedOut]
    unplaced: list[ProposedOut]


class AdmissionIn(PersonSpecIn):
    bed_id: int | None = Field(None, description="Để trống: hệ thống chọn giường theo quy tắc nhóm")
    flag_reason: str = Field("", description="Lý do nếu giường chọn vi phạm quy tắc xếp phòng")
    reserve: bool = Field(False, description="Giữ giường cho người sắp đến (chưa tính ngày cách ly)")


class GroupRowIn(PersonSpecIn):
    bed_id: int
    flag_reason: str = ""


class GroupAdmissionIn(Schema):
    rows: list[GroupRowIn] = Field(min_length=1, max_length=500)
    reserve: bool = False


class StayOut(Schema):
    id: int
    person_id: int
    kind: str
    cohort: Cohort
    status: StayStatus
    facility_id: int | None
    room_id: int | None
    bed_id: int | None
    cohort_on: dt.date
    admitted_at: dt.datetime | None
    clock_start_on: dt.date
    release_on: dt.date | None
    test_days: list[int]
    flagged: bool
    flag_reason: str


class MoveIn(Schema):
    bed_id: int
    reason: str = Field("", description="Bắt buộc nếu giường mới vi phạm quy tắc xếp phòng")


class ArrivalIn(Schema):
    stay_ids: list[int] = Field(min_length=1, max_length=500)
