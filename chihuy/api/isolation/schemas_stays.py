"""Input and output schemas of the isolation API — stays, their clocks, test days and events, release, positives,
post-release health monitoring (issue 6)."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field

from chihuy.isolation.enums import (
    Cohort,
    MonitoringReason,
    MonitoringStatus,
    StayEventKind,
    StayKind,
    StayStatus,
    TestTaskStatus,
)


class StayRowOut(Schema):
    id: int
    person_id: int
    person_name: str = Field(alias="person.full_name")
    kind: StayKind
    cohort: Cohort
    status: StayStatus
    facility_id: int | None
    facility_name: str | None = None
    room_id: int | None
    room_code: str | None = None
    bed_id: int | None
    bed_code: str | None = None
    home_id: int | None
    unit_path: str
    place_path: str
    cohort_on: dt.date
    admitted_at: dt.datetime | None
    clock_start_on: dt.date
    release_on: dt.date | None = Field(description="Ngày sớm nhất được hoàn thành cách ly")
    test_days: list[int]
    monitoring_days: int
    fully_vaccinated: bool
    rule_source: str = Field(description="Văn bản quy định áp dụng cho lượt này")
    flagged: bool
    flag_reason: str
    ended_at: dt.datetime | None
    end_reason: str

    @staticmethod
    def resolve_facility_name(obj: object) -> str | None:
        facility = getattr(obj, "facility", None)
        return facility.name if facility is not None else None

    @staticmethod
    def resolve_room_code(obj: object) -> str | None:
        room = getattr(obj, "room", None)
        return room.code if room is not None else None

    @staticmethod
    def resolve_bed_code(obj: object) -> str | None:
        bed = getattr(obj, "bed", None)
        return bed.code if bed is not None else None


class StayPage(Schema):
    items: list[StayRowOut]
    next_cursor: str | None


class StayQuery(Schema):
    facility_id: int | None = None
    home_id: int | None = None
    status: str | None = Field(None, description="Một trạng thái, hoặc “holding” (đang giữ giường / đang cách ly)")
    kind: StayKind | None = None
    cohort: Cohort | None = None
    due_for_release: bool = Field(False, description="Chỉ người đã đến ngày hoàn thành cách ly (hôm nay trở về trước)")
    within_unit_id: int | None = None
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)


class StayTestOut(Schema):
    day: int
    due_on: dt.date
    status: TestTaskStatus
    target_id: int | None
    resulted_at: dt.datetime | None


class StayEventOut(Schema):
    at: dt.datetime
    kind: StayEventKind
    reason: str
    flagged: bool
    from_bed: str | None = None
    to_bed: str | None = None
    actor: str | None = None

    @staticmethod
    def resolve_from_bed(obj: object) -> str | None:
        bed = getattr(obj, "from_bed", None)
        return bed.code if bed is not None else None

    @staticmethod
    def resolve_to_bed(obj: object) -> str | None:
        bed = getattr(obj, "to_bed", None)
        return bed.code if bed is not None else None

    @staticmethod
    def resolve_actor(obj: object) -> str | None:
        user = getattr(obj, "actor", None)
        return user.username if user is not None else None


class MonitoringOut(Schema):
    id: int
    person_id: int
    person_name: str = Field(alias="person.full_name")
    stay_id: int | None
    reason: MonitoringReason
    starts_on: dt.date
    ends_on: dt.date
    status: MonitoringStatus
    rule_source: str


class ReleaseCheckOut(Schema):
    ready: bool
    reasons: list[str] = Field(description="Vì sao chưa được hoàn thành cách ly (rỗng nếu đã đủ điều kiện)")
    missing_days: list[int] = Field(description="Ngày xét nghiệm chưa có kết quả âm tính")


class StayDetailOut(Schema):
    stay: StayRowOut
    day: int | None = Field(description="Hôm nay là ngày thứ mấy của thời gian cách ly")
    days: int | None = Field(description="Số ngày cách ly theo quy định")
    tests: list[StayTestOut]
    events: list[StayEventOut]
    monitorings: list[MonitoringOut]
    release: ReleaseCheckOut | None


class ReleaseOut(Schema):
    stay: StayRowOut
    monitoring: MonitoringOut | None


class PositiveOut(Schema):
    ended: list[int] = Field(description="Lượt cách ly kết thúc vì dương tính")
    restarted: list[int] = Field(description="Lượt cách ly của người cùng phòng / cùng hộ được tính lại thời gian")
    messages: int


class DispatchOut(Schema):
    tests: int = Field(description="Số ngày xét nghiệm vừa giao lấy mẫu")
    campaigns: list[str] = Field(description="Mã các đợt lấy mẫu đã lập hoặc bổ sung")
    skipped: list[str] = Field(description="Nhóm chưa giao được và lý do")


class MonitoringPage(Schema):
    items: list[MonitoringOut]
    next_cursor: str | None


class MonitoringQuery(Schema):
    status: MonitoringStatus | None = None
    reason: MonitoringReason | None = None
    within_unit_id: int | None = None
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)
