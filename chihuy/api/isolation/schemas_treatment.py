"""Input and output schemas of the isolation API — capacity and treatment (issue 6, helper E)."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field

from chihuy.isolation.enums import FacilityKind, OxygenMode, StayStatus

ClinicalStateField = Field(
    description="Tình trạng lâm sàng: asymptomatic, mild, moderate, severe, critical (như cases.ClinicalState)"
)

# --- capacity ----------------------------------------------------------------------------------------


class CapacityRowOut(Schema):
    key: str = Field(description='"all", "quarantine", "tier1"…, the district path, or "f<id>" of a facility')
    label: str
    facility_id: int | None = None
    kind: str = ""
    tier: int | None = None
    facilities: int
    total: int
    occupied: int
    reserved: int
    cleaning: int
    free: int
    percent: int = Field(description="(đang sử dụng + giữ chỗ) / tổng giường, %")
    figures_at: dt.datetime | None = Field(description="Thời điểm số liệu thay đổi lần cuối")
    rate_per_day: float = Field(description="Số giường tăng ròng mỗi ngày (7 ngày qua)")
    days_until_full: float | None = Field(description="Dự kiến hết giường sau ngần ấy ngày (None: không tăng)")


class CapacityOut(Schema):
    figures_at: dt.datetime | None
    alert_percents: list[int]
    total: CapacityRowOut
    by_tier: list[CapacityRowOut]
    by_district: list[CapacityRowOut]
    facilities: list[CapacityRowOut]


class CapacityQuery(Schema):
    kind: FacilityKind | None = None
    within_unit_id: int | None = None


# --- treatment ---------------------------------------------------------------------------------------


class TreatmentStayOut(Schema):
    id: int
    person_id: int
    person_name: str = Field(alias="person.full_name")
    case_number: str
    status: StayStatus
    facility_id: int | None
    facility_name: str = Field("", alias="facility.name")
    bed_id: int | None
    bed_code: str | None = None
    tier: int | None
    clinical_state: str
    oxygen_mode: str
    clock_start_on: dt.date
    admitted_at: dt.datetime | None
    ended_at: dt.datetime | None
    end_reason: str
    transfer_reason: str
    previous_id: int | None

    @staticmethod
    def resolve_bed_code(obj: object) -> str | None:
        bed = getattr(obj, "bed", None)
        return bed.code if bed is not None else None


class TreatmentPage(Schema):
    items: list[TreatmentStayOut]
    next_cursor: str | None


class TreatmentQuery(Schema):
    tier: int | None = None
    oxygen_mode: OxygenMode | None = None
    clinical_state: str | None = None
    facility_id: int | None = None
    status: str = Field("active", description='Trạng thái lượt; "all" cho mọi trạng thái')
    q: str = Field("", description="Mã ca (đúng) hoặc một phần họ tên")
    within_unit_id: int | None = None
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)


class AdmitIn(Schema):
    person_id: int
    facility_id: int
    bed_id: int
    clinical_state: str = ClinicalStateField
    oxygen_mode: OxygenMode = OxygenMode.NONE
    spo2: int | None = None
    note: str = ""


class AdmittedOut(Schema):
    stay: TreatmentStayOut
    case_number: str
    ended_stay_ids: list[int] = Field(description="Lượt cách ly đã kết thúc “dương tính” khi tiếp nhận")
    case_updated: bool = Field(description="Ca bệnh đã được ghi nơi điều trị (cần quyền báo cáo ca)")
    case_note: str


class RecordIn(Schema):
    on: dt.date | None = Field(None, description="Ngày (mặc định hôm nay); ghi lại cùng ngày sẽ sửa bản ghi")
    clinical_state: str = ClinicalStateField
    oxygen_mode: OxygenMode = OxygenMode.NONE
    spo2: int | None = None
    note: str = ""


class RecordOut(Schema):
    id: int
    stay_id: int
    on: dt.date
    at: dt.datetime
    clinical_state: str
    oxygen_mode: str
    spo2: int | None
    note: str
    recorded_by_id: int | None


class TransferIn(Schema):
    facility_id: int
    bed_id: int
    reason: str
    tier: int | None = Field(None, description="Tầng đích (kiểm tra khớp với cơ sở)")


class CriterionOut(Schema):
    key: str
    label: str
    met: bool
    detail: str


class CriteriaOut(Schema):
    met: bool
    day: int = Field(description="Số ngày đã điều trị (cả chuỗi chuyển tầng)")
    start_on: dt.date
    by_test: list[CriterionOut]
    by_time: list[CriterionOut]
    missing: str
    source: str


class DischargeIn(Schema):
    outcome: str = Field(description="recovered | died | transferred_out")
    reason: str = ""
    died_on: dt.date | None = None


class DischargedOut(Schema):
    stay: TreatmentStayOut
    monitoring_id: int | None
    monitoring_ends_on: dt.date | None
    case_updated: bool
    case_note: str
