"""Input and output schemas of the isolation API — home isolation households, their members, daily checks, and
the door sign's public check-in (issue 6)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Schema
from pydantic import Field

from chihuy.isolation.enums import CheckSource, Cohort, HomeStatus, StayKind, StayStatus, Symptom


class HomeOut(Schema):
    id: int
    code: str
    household_id: int | None
    unit_id: int
    unit_name: str = Field(alias="unit.name")
    unit_path: str
    address: str
    officer_id: int | None
    officer_name: str | None = None
    officer_phone: str | None = None
    team: str
    team_phone: str
    started_on: dt.date
    ended_on: dt.date | None
    status: HomeStatus

    @staticmethod
    def resolve_officer_name(obj: object) -> str | None:
        officer = getattr(obj, "officer", None)
        return officer.full_name if officer is not None else None

    @staticmethod
    def resolve_officer_phone(obj: object) -> str | None:
        officer = getattr(obj, "officer", None)
        return officer.phone if officer is not None else None


class HomeRowOut(HomeOut):
    members_active: int = Field(description="Người đang cách ly")
    members_danger: int = Field(description="Người có dấu hiệu nguy hiểm, đã đề xuất chuyển điều trị")
    members_missed: int = Field(description="Người quá hạn khai báo theo quy định (isolation.home_care)")
    attention: int = Field(description="2: dấu hiệu nguy hiểm; 1: quá hạn khai báo; 0: ổn định")


class HomePage(Schema):
    items: list[HomeRowOut]
    next_cursor: str | None


class HomeQuery(Schema):
    status: HomeStatus | None = None
    attention: Literal["any", "danger", "missed"] | None = None
    q: str = Field("", max_length=100, description="Mã hộ, địa chỉ hoặc tên người cách ly")
    within_unit_id: int | None = None
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)


class CheckOut(Schema):
    id: int
    stay_id: int
    at: dt.datetime
    on: dt.date
    source: CheckSource
    temperature: Decimal | None
    spo2: int | None
    symptoms: list[Symptom]
    breathing_difficulty: bool
    danger: bool
    danger_reasons: list[str]
    note: str
    recorded_by_id: int | None


class CheckPage(Schema):
    items: list[CheckOut]
    next_cursor: str | None


class CheckQuery(Schema):
    cursor: str | None = None
    limit: int = Field(100, ge=1, le=200)


class MemberOut(Schema):
    stay_id: int
    person_id: int
    person_name: str
    kind: StayKind
    cohort: Cohort
    status: StayStatus
    cohort_on: dt.date
    clock_start_on: dt.date
    release_on: dt.date | None
    test_days: list[int]
    day: int | None = Field(description="Ngày thứ mấy của thời gian cách ly (hôm nay)")
    rule_source: str
    last_check_at: dt.datetime | None
    missed: bool = Field(description="Quá hạn khai báo")
    transfer_proposed_at: dt.datetime | None
    transfer_reason: str
    last_check: CheckOut | None


class HomeDetailOut(HomeOut):
    members: list[MemberOut]
    skipped: list[str] = Field(
        default_factory=list, description="Người cùng hộ không thêm vì đang cách ly/điều trị nơi khác"
    )


class MemberIn(Schema):
    person_id: int
    cohort: Literal["f1", "f0", "household"] = "f1"
    cohort_on: dt.date = Field(description="Ngày phơi nhiễm (F1, người cùng hộ) hoặc ngày dương tính (F0)")
    fully_vaccinated: bool = False


class HomeIn(Schema):
    unit_id: int = Field(description="Xã hoặc thôn, bản nơi hộ cách ly")
    address: str = Field(max_length=300)
    household_id: int | None = Field(
        None, description="Hộ trong sổ dân cư: các thành viên chưa liệt kê được thêm là người cùng hộ (5599)"
    )
    officer_id: int = Field(description="Cán bộ y tế xã phụ trách (người dùng của xã)")
    team: str = Field("", max_length=200)
    team_phone: str = Field("", max_length=20)
    members: list[MemberIn] = Field(min_length=1)


class HomeEndIn(Schema):
    reason: str = Field("", max_length=300)


class CheckValuesIn(Schema):
    temperature: Decimal | None = Field(None, description="°C, 34–43")
    spo2: int | None = Field(None, description="%, 50–100")
    symptoms: list[Symptom] = Field(default_factory=list)
    breathing_difficulty: bool = False
    note: str = Field("", max_length=300)


class OfficerCheckIn(CheckValuesIn):
    source: Literal["call", "visit"] = "call"


class PublicCheckIn(CheckValuesIn):
    member_id: int = Field(description="Mã lượt cách ly của người khai báo (từ GET cùng đường dẫn)")


class PublicMemberOut(Schema):
    id: int
    name: str


class PublicHomeOut(Schema):
    code: str
    address: str
    phone: str = Field(description="Số điện thoại gọi khi có dấu hiệu nguy hiểm")
    members: list[PublicMemberOut]


class PublicCheckOut(Schema):
    received_at: dt.datetime
    danger: bool
    danger_reasons: list[str]
    call: str | None = Field(description="Số cần gọi ngay khi có dấu hiệu nguy hiểm")
