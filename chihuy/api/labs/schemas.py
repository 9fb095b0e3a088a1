"""Input and output schemas of the labs API (labs, campaigns, tubes, shipments, results, turnaround)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema
from pydantic import Field

from chihuy.core import clock
from chihuy.labs.enums import (
    CampaignKind,
    CampaignStatus,
    Result,
    SampleKind,
    SampleStatus,
    ShipmentStatus,
    TargetReason,
    TargetStatus,
    TestMethod,
)
from chihuy.labs.models import CampaignTarget, Sample

# --- labs ------------------------------------------------------------------------------------------


class LabOut(Schema):
    id: int
    name: str
    site_id: int
    unit_id: int
    unit_path: str
    daily_capacity: int
    is_active: bool


# --- campaigns -------------------------------------------------------------------------------------


class CampaignOut(Schema):
    id: int
    code: str
    name: str
    kind: CampaignKind
    unit_id: int
    unit_name: str = Field(alias="unit.name")
    unit_path: str
    planned_on: dt.date
    pool_size: int
    test_method: TestMethod
    lab_id: int | None
    teams: list[str]
    sites: list[str]
    status: CampaignStatus
    note: str


class ProgressOut(Schema):
    targets: int
    by_status: dict[str, int] = Field(description="Người trong danh sách theo trạng thái (pending, sampled …)")
    follow_ups_pending: int = Field(description="Người cần lấy lại mẫu đơn hoặc khẳng định, chưa lấy")
    samples: int
    by_result: dict[str, int]
    by_sample_status: dict[str, int]
    overdue: int = Field(description="Ống chưa có kết quả đã quá hạn trả kết quả")
    people_sampled: int


class CampaignDetailOut(CampaignOut):
    progress: ProgressOut


class CampaignPage(Schema):
    items: list[CampaignOut]
    next_cursor: str | None


class CampaignQuery(Schema):
    status: CampaignStatus | None = None
    within_unit_id: int | None = None
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)


class CampaignIn(Schema):
    name: str
    planned_on: dt.date
    from_cluster_id: int | None = Field(
        None, description="Lấy mẫu mọi F1 hiện tại của ổ dịch (khi đó bỏ qua kind, unit_id, person_ids)"
    )
    kind: CampaignKind = CampaignKind.VILLAGE
    unit_id: int | None = Field(None, description="Thôn, xã hoặc đơn vị phụ trách đợt lấy mẫu")
    pool_size: int = Field(1, ge=1, description="1 (mẫu đơn) hoặc số mẫu gộp theo quy định")
    test_method: TestMethod = TestMethod.RT_PCR
    lab_id: int | None = None
    teams: list[str] = []
    sites: list[str] = []
    person_ids: list[int] | None = Field(None, description="Nơi làm việc, khu cách ly, danh sách: người cần lấy mẫu")
    note: str = ""


class PeopleIn(Schema):
    person_ids: list[int]


class AddedOut(Schema):
    added: int


class CampaignTransitionIn(Schema):
    to: CampaignStatus


class PersonBrief(Schema):
    """What a lab sees of a person: name and birth year only."""

    id: int
    full_name: str
    birth_year: int | None


class ContactOut(Schema):
    """Contact details, for the officers of the person's area (never for a lab technician)."""

    phone: str
    national_id: str
    address_text: str
    unit_id: int
    unit_name: str


class TargetOut(Schema):
    id: int
    campaign_id: int | None
    person: PersonBrief
    contact: ContactOut | None
    reason: TargetReason
    status: TargetStatus
    team: str
    sample_code: str | None
    source_sample_code: str | None
    done_at: dt.datetime | None
    note: str

    @staticmethod
    def resolve_sample_code(obj: CampaignTarget) -> str | None:
        return obj.sample.code if obj.sample is not None else None

    @staticmethod
    def resolve_source_sample_code(obj: CampaignTarget) -> str | None:
        return obj.source_sample.code if obj.source_sample is not None else None


class TargetPage(Schema):
    items: list[TargetOut]
    next_cursor: str | None


class TargetQuery(Schema):
    status: TargetStatus | None = None
    reason: TargetReason | None = None
    cursor: str | None = None
    limit: int = Field(100, ge=1, le=200)


class TargetMarkIn(Schema):
    status: TargetStatus = Field(description="absent (vắng mặt), refused (từ chối) hoặc pending (chưa lấy)")
    note: str = ""


class FollowUpQuery(Schema):
    within_unit_id: int | None = None
    campaign_id: int | None = None
    cursor: str | None = None
    limit: int = Field(100, ge=1, le=200)


# --- samples ---------------------------------------------------------------------------------------


class SampleOut(Schema):
    id: int
    code: str
    campaign_id: int | None
    kind: SampleKind
    test_method: TestMethod
    pool_size: int
    unit_id: int
    unit_path: str
    team: str
    site: str
    collected_at: dt.datetime
    due_at: dt.datetime
    status: SampleStatus
    shipment_id: int | None
    lab_id: int | None
    shipped_at: dt.datetime | None
    received_at: dt.datetime | None
    result: Result
    ct_values: dict[str, Any]
    ct_min: float | None
    resulted_at: dt.datetime | None
    result_source: str
    result_note: str
    case_number: str
    overdue: bool = Field(description="Chưa có kết quả và đã quá hạn trả kết quả")
    turnaround_hours: float | None = Field(description="Số giờ từ lấy mẫu đến có kết quả")

    @staticmethod
    def resolve_overdue(obj: Sample) -> bool:
        return obj.result == Result.PENDING and obj.due_at < clock.now()

    @staticmethod
    def resolve_turnaround_hours(obj: Sample) -> float | None:
        if obj.resulted_at is None:
            return None
        return round((obj.resulted_at - obj.collected_at).total_seconds() / 3600, 1)


class MemberOut(Schema):
    position: int
    person: PersonBrief
    contact: ContactOut | None


class SampleDetailOut(SampleOut):
    members: list[MemberOut] = Field(alias="member_rows", description="Người trong ống")


class SamplePage(Schema):
    items: list[SampleOut]
    next_cursor: str | None


class SampleQuery(Schema):
    lab_id: int | None = None
    campaign_id: int | None = None
    status: SampleStatus | None = None
    result: Result | None = None
    overdue: bool = Field(False, description="Chỉ ống quá hạn trả kết quả")
    within_unit_id: int | None = None
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)


class OverdueQuery(Schema):
    lab_id: int | None = None
    within_unit_id: int | None = None
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)


class SampleIn(Schema):
    code: str = Field(description="Mã in trên ống (quét mã vạch/QR)")
    person_ids: list[int] = Field(description="Một người: mẫu đơn; nhiều người: mẫu gộp")
    campaign_id: int | None = None
    test_method: TestMethod | None = None
    team: str = ""
    site: str = ""
    collected_at: dt.datetime | None = None


class RapidIn(Schema):
    person_id: int
    result: Result
    campaign_id: int | None = None
    code: str = ""
    team: str = ""
    site: str = ""
    collected_at: dt.datetime | None = None


class ResultIn(Schema):
    result: Result
    ct_values: dict[str, float | str | None] = Field(
        default_factory=dict, description='Ct theo gen, ví dụ {"E": 24.1, "N": 26.0}'
    )
    note: str = ""


class OutcomeOut(Schema):
    sample: SampleOut
    changed: bool
    case_numbers: list[str] = Field(description="Mã ca F0 vừa báo cáo từ kết quả này")
    follow_ups: int = Field(description="Số người cần lấy mẫu tiếp (lấy lại mẫu đơn, khẳng định RT-PCR)")
    not_confirmed: list[dict[str, Any]]


class UploadQueuedOut(Schema):
    job_id: int
    status_url: str


# --- shipments -------------------------------------------------------------------------------------


class ShipmentIn(Schema):
    lab_id: int
    sample_codes: list[str]
    note: str = ""


class ReceiveIn(Schema):
    scanned_codes: list[str]
    note: str = ""


class ShipmentOut(Schema):
    id: int
    code: str
    lab_id: int
    lab_name: str = Field(alias="lab.name")
    unit_id: int
    unit_path: str
    declared_count: int
    shipped_at: dt.datetime
    status: ShipmentStatus
    received_at: dt.datetime | None
    received_count: int | None
    missing_codes: list[str]
    unexpected_codes: list[str]
    note: str


class ShipmentTube(Schema):
    id: int
    code: str
    status: SampleStatus
    result: Result


class ShipmentDetailOut(ShipmentOut):
    samples: list[ShipmentTube] = Field(alias="tubes")


class ShipmentPage(Schema):
    items: list[ShipmentOut]
    next_cursor: str | None


class ShipmentQuery(Schema):
    lab_id: int | None = None
    status: ShipmentStatus | None = None
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)


# --- turnaround, history ---------------------------------------------------------------------------


class TurnaroundQuery(Schema):
    lab_id: int | None = None
    campaign_id: int | None = None
    within_unit_id: int | None = None
    start: dt.datetime | None = Field(None, description="Mặc định: 7 ngày trước `end`")
    end: dt.datetime | None = Field(None, description="Mặc định: bây giờ")


class TurnaroundOut(Schema):
    target_hours: float
    taken: int
    resulted: int
    median_hours: float | None
    p95_hours: float | None
    within_target_pct: float | None
    backlog: int
    in_lab: int
    overdue: int
    daily_capacity: int | None
    clearance_hours: float | None = Field(description="Số giờ để trả hết tồn đọng theo công suất phòng xét nghiệm")


class PersonTestOut(Schema):
    sample_id: int
    code: str
    collected_at: dt.datetime
    test_method: TestMethod
    kind: SampleKind
    status: SampleStatus
    result: Result
    ct_min: float | None
    resulted_at: dt.datetime | None
    lab_name: str | None
    campaign_code: str | None
    case_number: str
