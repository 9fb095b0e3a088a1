"""Input and output schemas of the cases API (typed, documented in OpenAPI)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema
from pydantic import Field

from chihuy.cases.enums import (
    CaseStatus,
    ClinicalState,
    ClusterKind,
    DetectionWay,
    NoticeStatus,
    RuleOutReason,
    Setting,
    TestType,
    TraceStatus,
)
from chihuy.cases.models import Classification, Contact
from chihuy.cases.services.contacts import LINE_COLUMNS
from chihuy.people.api import PersonIn


class CaseBrief(Schema):
    """What any unit may see of a case: its number and dates, no personal data."""

    id: int
    number: str
    status: CaseStatus
    detected_at: dt.datetime


class CaseOut(Schema):
    id: int
    number: str
    person_id: int | None
    person_name: str | None = Field(description="Chỉ có với ca gắn hồ sơ người (ca lịch sử ẩn danh: không có)")
    unit_id: int
    unit_name: str = Field(alias="unit.name")
    unit_path: str
    age: int | None
    sex: str
    detection_way: DetectionWay
    detected_at: dt.datetime
    reported_at: dt.datetime
    sample_date: dt.date | None
    onset_date: dt.date | None
    asymptomatic: bool
    test_type: TestType
    result_ref: str
    ct_value: float | None
    place_detected: str
    source_known: bool
    cluster_id: int | None
    clinical_state: ClinicalState
    treatment_place: str
    status: CaseStatus
    status_reason: str
    died_on: dt.date | None
    infectious_from: dt.date
    infectious_until: dt.date | None
    tracing_done_at: dt.datetime | None
    f1_isolated_at: dt.datetime | None
    treatment_at: dt.datetime | None

    @staticmethod
    def resolve_person_name(obj: Any) -> str | None:
        return obj.person.full_name if obj.person_id else None


class CasePage(Schema):
    items: list[CaseOut]
    next_cursor: str | None


class CaseQuery(Schema):
    status: CaseStatus | None = None
    source_unknown: bool = Field(False, description="Chỉ ca không rõ nguồn lây")
    cluster_id: int | None = None
    q: str = Field("", description="Mã ca (bắt đầu bằng)")
    within_unit_id: int | None = None
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)


class CaseReportIn(Schema):
    person_id: int | None = Field(None, description="Người đã có hồ sơ; hoặc nhập `person` để tạo mới")
    person: PersonIn | None = None
    confirm_new: bool = Field(False, description="Tạo người mới dù có hồ sơ có thể trùng")
    detection_way: DetectionWay
    detected_at: dt.datetime
    sample_date: dt.date | None = None
    onset_date: dt.date | None = None
    asymptomatic: bool = False
    test_type: TestType = TestType.RT_PCR
    result_ref: str = ""
    ct_value: float | None = None
    place_detected: str = ""
    source_known: bool = False
    source_case_ids: list[int] = []
    cluster_id: int | None = None
    clinical_state: ClinicalState = ClinicalState.MILD
    treatment_place: str = ""
    number: str = Field("", description="Để trống: hệ thống cấp mã CHnnnnnn")


class CasePatch(Schema):
    clinical_state: ClinicalState | None = None
    treatment_place: str | None = None
    place_detected: str | None = None
    result_ref: str | None = None
    ct_value: float | None = None
    source_known: bool | None = None
    negative_on: dt.date | None = Field(None, description="Ngày xét nghiệm âm tính: kết thúc thời kỳ lây truyền")


class CaseTransitionIn(Schema):
    to: CaseStatus
    reason: str = ""
    rule_out_reason: RuleOutReason | None = None
    died_on: dt.date | None = None


class SourcesIn(Schema):
    source_case_ids: list[int]


class SourcesOut(Schema):
    infectors: list[CaseBrief]
    infectees: list[CaseBrief]


class FivesStepOut(Schema):
    step: str
    label: str
    started_at: dt.datetime
    done_at: dt.datetime | None
    due_at: dt.datetime
    hours: float | None
    late: bool


class ContactOut(Schema):
    id: int
    source_person_id: int
    source_case_id: int | None
    contact_person_id: int
    contact_name: str = Field(alias="contact_person.full_name")
    contact_unit_path: str = Field(alias="unit_path")
    contact_level: int | None
    relation: str
    setting: Setting
    exposure_at: dt.datetime
    duration_minutes: int | None
    distance_m: float | None
    masked: bool | None
    physical_contact: bool
    note: str
    qualifies: bool
    qualify_reason: str
    rule_source: str
    is_active: bool
    deactivated_reason: str

    @staticmethod
    def resolve_contact_level(obj: Contact) -> int | None:
        classification = getattr(obj.contact_person, "classification", None)
        return classification.level if classification is not None else None


class ContactQuery(Schema):
    person_id: int | None = Field(None, description="Người nguồn (F0, F1 …)")
    case_id: int | None = Field(None, description="Hoặc ca F0")


class ExposureIn(Schema):
    exposure_at: dt.datetime
    setting: Setting = Setting.OTHER
    relation: str = ""
    duration_minutes: int | None = None
    distance_m: float | None = None
    masked: bool | None = None
    physical_contact: bool = False
    note: str = ""


class ContactIn(ExposureIn):
    source_person_id: int
    contact_person_id: int | None = Field(None, description="Người đã có hồ sơ; hoặc nhập `contact_person`")
    contact_person: PersonIn | None = Field(None, description="Người mới (có thể ở đơn vị khác: chuyển tuyến)")
    confirm_new: bool = False


class LineListIn(Schema):
    source_person_id: int
    rows: list[dict[str, Any]] = Field(
        description="Mỗi dòng một tiếp xúc, khóa theo cột: " + ", ".join(LINE_COLUMNS), max_length=5000
    )
    default_exposure: dt.datetime | None = Field(None, description="Thời điểm tiếp xúc cho dòng để trống")


class LineErrorOut(Schema):
    row: int
    column: str
    message: str


class LineReportOut(Schema):
    created: int
    qualified: int
    new_people: int
    matched_people: int
    errors: list[LineErrorOut]


class ReasonIn(Schema):
    reason: str


class PathStepOut(Schema):
    person_id: int
    label: str
    level: int
    visible: bool


class LevelChangeOut(Schema):
    at: dt.datetime
    from_level: int | None
    to_level: int | None
    cause: str
    case_number: str | None
    reason: str

    @staticmethod
    def resolve_case_number(obj: Any) -> str | None:
        return obj.case.number if obj.case_id else None


class LevelOut(Schema):
    person_id: int
    classification_id: int | None
    level: int | None
    root_case_number: str | None
    exposure_at: dt.datetime | None
    trace_status: TraceStatus | None
    path: list[PathStepOut]
    history: list[LevelChangeOut]


class QueueItemOut(Schema):
    id: int
    person_id: int
    full_name: str = Field(alias="person.full_name")
    phone: str = Field(alias="person.phone")
    unit_name: str = Field(alias="person.unit.name")
    unit_path: str
    level: int | None
    root_case_number: str | None
    exposure_at: dt.datetime | None
    trace_status: TraceStatus
    traced_at: dt.datetime | None
    isolated_at: dt.datetime | None

    @staticmethod
    def resolve_root_case_number(obj: Classification) -> str | None:
        return obj.root_case.number if obj.root_case_id and obj.root_case else None


class QueuePage(Schema):
    items: list[QueueItemOut]
    next_cursor: str | None


class QueueQuery(Schema):
    level: int | None = Field(None, ge=1)
    status: TraceStatus | None = Field(None, description="Mặc định: chưa liên hệ hoặc không liên lạc được")
    within_unit_id: int | None = None
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)


class AttemptIn(Schema):
    outcome: TraceStatus
    note: str = ""


class AttemptOut(Schema):
    id: int
    at: dt.datetime
    outcome: TraceStatus
    note: str


class StopIn(Schema):
    place: str = Field(max_length=200)
    start_at: dt.datetime
    end_at: dt.datetime
    address: str = ""
    place_unit_id: int | None = None
    note: str = ""


class StopOut(Schema):
    id: int
    place: str
    address: str
    place_unit_id: int | None
    start_at: dt.datetime
    end_at: dt.datetime
    note: str


class NoticeItemOut(Schema):
    place: str
    address: str
    start_at: str
    end_at: str


class NoticeOut(Schema):
    id: int
    case_id: int
    case_number: str = Field(alias="case.number")
    unit_id: int
    unit_name: str = Field(alias="unit.name")
    title: str
    advice: str
    items: list[NoticeItemOut]
    status: NoticeStatus
    approved_at: dt.datetime | None
    created_at: dt.datetime


class NoticeDraftIn(Schema):
    case_id: int
    title: str = Field(max_length=200)
    stop_ids: list[int]
    advice: str = ""


class NoticeTransitionIn(Schema):
    to: NoticeStatus
    reason: str = ""


class PublicNoticeOut(Schema):
    """What the public reads: no person, no case number."""

    title: str
    unit_name: str = Field(alias="unit.name")
    advice: str
    items: list[NoticeItemOut]
    approved_at: dt.datetime | None


class ClusterOut(Schema):
    id: int
    name: str
    unit_id: int
    unit_name: str = Field(alias="unit.name")
    unit_path: str
    kind: ClusterKind
    status: str
    opened_on: dt.date
    last_case_on: dt.date | None
    closed_on: dt.date | None
    note: str


class ClusterIn(Schema):
    name: str = Field(max_length=200)
    unit_id: int
    kind: ClusterKind = ClusterKind.OTHER
    case_ids: list[int] = []
    note: str = ""


class ClusterCasesIn(Schema):
    case_ids: list[int]


class EpiDayOut(Schema):
    day: dt.date
    cases: int


class SuggestionOut(Schema):
    kind: str
    reason: str
    case_ids: list[int]
    cluster_id: int | None


class ClusterDetailOut(Schema):
    cluster: ClusterOut
    cases: list[CaseBrief]
    generations: dict[int, int] = Field(description="mã ca (id) → thế hệ (1 = không rõ ca lây trong ổ)")
    epi_curve: list[EpiDayOut]
    unknown_source_case_ids: list[int]
    contacts_by_level: dict[int, int]
    suggestions: list[SuggestionOut] = Field(description="Ca chưa thuộc ổ dịch nào, gợi ý nhập vào ổ này")


class GraphNodeOut(Schema):
    id: str
    label: str
    level: int | None
    status: str
    unit: str
    x: float
    y: float
    case_id: int | None
    layer: int


class GraphEdgeOut(Schema):
    id: str
    source: str
    target: str
    kind: str
    setting: str
    qualifies: bool | None
    exposure_at: dt.datetime | None


class GraphOut(Schema):
    nodes: list[GraphNodeOut]
    edges: list[GraphEdgeOut]
    truncated: bool
    message: str


class GraphQuery(Schema):
    date_from: dt.date | None = None
    date_to: dt.date | None = None


class PersonGraphQuery(GraphQuery):
    hops: int = Field(2, ge=1, le=4)


class OverdueOut(Schema):
    case: CaseBrief
    unit_name: str
    step: str
    label: str
    due_at: dt.datetime
    hours_late: float


class MedianOut(Schema):
    median_hours: float | None
    done: int
    cases: int


class MediansOut(Schema):
    last_7_days: dict[str, MedianOut]
    last_28_days: dict[str, MedianOut]


class AreaQuery(Schema):
    within_unit_id: int | None = None
