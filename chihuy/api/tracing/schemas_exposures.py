"""Input and output schemas of the exposure API (issue 7): a person's exposures in a window, F1 candidates and
their decisions, batch recompute jobs, a person's check-ins."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field

from chihuy.tracing.enums import CandidateStatus


class ExposureQueryIn(Schema):
    person_id: int
    date_from: dt.date
    date_to: dt.date = Field(description="Tối đa 31 ngày sau date_from")


class HitOut(Schema):
    visitor_id: int
    name: str = Field(description="Họ tên khi quét mã")
    phone: str = Field(description="Số điện thoại (che bớt ngoài địa bàn của người gọi)")
    person_id: int | None = Field(description="Người trong danh sách dân cư, nếu đã khớp và trong địa bàn")
    venue_id: int
    venue_code: str
    venue_name: str
    source_from: dt.datetime
    source_to: dt.datetime
    exposed_from: dt.datetime
    exposed_to: dt.datetime
    overlap_minutes: int = Field(description="Số phút ở cùng lúc (0: chỉ trong khoảng ±cửa sổ)")
    visits: int = Field(description="Số lần gặp")
    near_f0: int = Field(description="Số ca F0 người này là F1 dự kiến (chờ hoặc đã xác nhận)")


class ExposureQueryOut(Schema):
    run_id: int
    person_id: int
    case_number: str = Field(description="Mã ca nếu người này là F0 đang hoạt động, khi đó người mới được ghi")
    recorded: bool
    new_candidates: int
    hits: list[HitOut]


class CandidateOut(Schema):
    id: int
    status: CandidateStatus
    name: str
    phone: str = Field(description="Số điện thoại khi quét (đủ số cho đơn vị của ca F0 và nơi ở của người đó)")
    person_id: int | None
    source_person_id: int | None = Field(description="Chỉ đơn vị quản lý ca F0 thấy; nơi khác chỉ thấy mã ca")
    case_number: str
    venue_id: int
    venue_code: str
    venue_name: str
    source_from: dt.datetime
    source_to: dt.datetime
    exposed_from: dt.datetime
    exposed_to: dt.datetime
    overlap_minutes: int
    visits: int
    near_f0: int
    reason: str
    decided_at: dt.datetime | None
    contact_id: int | None
    can_decide: bool = Field(description="Người gọi thuộc đơn vị quản lý ca F0 và người này còn chờ xác minh")


class CandidatePage(Schema):
    items: list[CandidateOut]
    next_cursor: str | None


class CandidateQuery(Schema):
    status: CandidateStatus | None = Field(CandidateStatus.PENDING, description="Mặc định: chờ xác minh")
    source_person_id: int | None = None
    within_unit_id: int | None = None
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)


class ConfirmIn(Schema):
    person_id: int | None = Field(None, description="Người đã có; bỏ trống để dùng người khớp hoặc tạo mới")
    unit_id: int | None = Field(None, description="Xã/thôn nơi ở khi tạo người mới từ lượt quét")
    birth_year: int | None = Field(None, ge=1900, le=2100)
    sex: str = Field("", max_length=1)
    distance_m: float | None = Field(None, ge=0)
    masked: bool | None = None
    physical_contact: bool = False
    duration_minutes: int | None = Field(None, ge=0, description="Mặc định: số phút cùng lúc")
    note: str = Field("", max_length=300)


class ConfirmOut(Schema):
    candidate: CandidateOut
    contact_id: int
    person_id: int
    qualifies: bool = Field(description="Đủ tiêu chí F1 theo quy định hiện hành")
    qualify_reason: str
    level: int | None = Field(description="Mức F hiện tại của người này (1: F1)")


class DismissIn(Schema):
    reason: str = Field(min_length=1, max_length=300)


class BatchIn(Schema):
    within_unit_id: int | None = Field(None, description="Một đơn vị trong địa bàn; mặc định cả địa bàn")


class BatchOut(Schema):
    job_id: int
    status: str
    progress_url: str = Field(description="Tiến độ và kết quả: GET /api/jobs/{job_id}")


class CheckinsQuery(Schema):
    date_from: dt.date | None = Field(None, description="Mặc định: 13 ngày trước date_to")
    date_to: dt.date | None = Field(None, description="Mặc định: hôm nay")


class VisitOut(Schema):
    checkin_id: int
    venue_id: int
    venue_code: str
    venue_name: str
    checked_in_at: dt.datetime
    checked_out_at: dt.datetime
    checked_out: bool
    channel: str
