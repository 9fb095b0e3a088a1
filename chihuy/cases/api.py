"""Cases API: F0 reports and their status, contacts (one by one or a line list), F-levels with their path,
the tracing queue, itineraries, exposure-site notices (approved ones public), clusters, transmission graphs
and the 5S clock. Jurisdiction-scoped: a record outside the caller's area answers 404."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status, UploadedFile
from pydantic import Field

from chihuy.accounts.access import require_in_jurisdiction
from chihuy.cases import selectors, services
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
from chihuy.cases.graph import cluster_graph, graph_limit, person_graph
from chihuy.cases.models import Classification, Contact
from chihuy.cases.services.contacts import LINE_COLUMNS
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.people import selectors as people_selectors
from chihuy.people import services as people_services
from chihuy.people.api import PersonIn
from chihuy.people.models import Person
from chihuy.places.selectors import unit_get

router = Router(tags=["cases"])


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _within(actor: Any, unit_id: int | None) -> str | None:
    """The sub-unit a query narrows to; outside the caller's area it is "not found"."""
    if not unit_id:
        return None
    try:
        path = unit_get(unit_id=unit_id).path
    except ApplicationError as exc:
        raise ApplicationError.field(
            "within_unit_id", _("Không tìm thấy đơn vị trong địa bàn của bạn."), ErrorCode.NOT_FOUND
        ) from exc
    require_in_jurisdiction(actor, path, field="within_unit_id")
    return path


def _person(actor: Any, person_id: int, field: str) -> Person:
    try:
        return people_selectors.person_get(actor=actor, person_id=person_id, audit=False)
    except ApplicationError as exc:
        if exc.code != ErrorCode.NOT_FOUND:
            raise
        raise ApplicationError.field(field, _("Không tìm thấy người này trong địa bàn của bạn."), exc.code) from exc


def _new_person(actor: Any, values: PersonIn, *, confirm_new: bool, referral: bool = False) -> Person:
    data = values.dict()
    unit_id = data.pop("unit_id", None)
    data["unit"] = unit_get(unit_id=unit_id) if unit_id else None
    data["chronic_conditions"] = [str(c) for c in data.get("chronic_conditions") or []]
    return people_services.person_create(actor=actor, confirm_new=confirm_new, referral=referral, **data)


# --- schemas -------------------------------------------------------------------------------------


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


# --- cases ---------------------------------------------------------------------------------------


@router.get("/", response=CasePage, summary="Danh sách ca F0 (mới nhất trước, phân trang theo con trỏ)")
def list_cases(request: HttpRequest, query: Query[CaseQuery]) -> Any:
    actor = _actor(request)
    return selectors.case_list(
        actor=actor,
        within=_within(actor, query.within_unit_id),
        status=query.status or "",
        source_unknown=query.source_unknown,
        cluster_id=query.cluster_id,
        q=query.q,
        cursor=query.cursor,
        limit=query.limit,
    )


@router.post("/", response={201: CaseOut}, summary="Báo cáo ca F0 (người có sẵn hoặc tạo mới) và lan truyền cấp F")
def report_case(request: HttpRequest, payload: CaseReportIn) -> Any:
    actor = _actor(request)
    data = payload.dict(exclude={"person_id", "person", "confirm_new", "cluster_id"})
    cluster = selectors.cluster_get(actor=actor, cluster_id=payload.cluster_id) if payload.cluster_id else None
    # A new person and their case are one write: a refused report leaves no orphan person behind.
    with transaction.atomic():
        if payload.person_id:
            person = _person(actor, payload.person_id, "person_id")
        elif payload.person is not None:
            person = _new_person(actor, payload.person, confirm_new=payload.confirm_new)
        else:
            raise ApplicationError.field("person_id", _("Chọn người hoặc nhập thông tin người."))
        case = services.case_report(actor=actor, person=person, cluster=cluster, **data)
    return Status(201, selectors.case_get(actor=actor, case_id=case.pk, audit=False))


@router.get("/{int:case_id}", response=CaseOut, summary="Một ca F0 (mỗi lần xem được ghi nhật ký)")
def get_case(request: HttpRequest, case_id: int) -> Any:
    return selectors.case_get(actor=_actor(request), case_id=case_id)


@router.patch("/{int:case_id}", response=CaseOut, summary="Sửa tình trạng, nơi điều trị, ngày âm tính")
def update_case(request: HttpRequest, case_id: int, payload: CasePatch) -> Any:
    actor = _actor(request)
    case = selectors.case_get(actor=actor, case_id=case_id, audit=False)
    services.case_update(actor=actor, case=case, **payload.dict(exclude_unset=True))
    return selectors.case_get(actor=actor, case_id=case_id, audit=False)


@router.post(
    "/{int:case_id}/transition", response=CaseOut, summary="Loại trừ, khỏi bệnh hoặc tử vong (cấp F giảm theo)"
)
def transition_case(request: HttpRequest, case_id: int, payload: CaseTransitionIn) -> Any:
    actor = _actor(request)
    case = selectors.case_get(actor=actor, case_id=case_id, audit=False)
    services.case_transition(
        actor=actor,
        case=case,
        to=payload.to,
        reason=payload.reason,
        rule_out_reason=payload.rule_out_reason or "",
        died_on=payload.died_on,
    )
    return selectors.case_get(actor=actor, case_id=case_id, audit=False)


@router.get("/{int:case_id}/sources", response=SourcesOut, summary="Ca lây cho ca này và ca bị ca này lây")
def get_sources(request: HttpRequest, case_id: int) -> Any:
    case = selectors.case_get(actor=_actor(request), case_id=case_id, audit=False)
    infectors, infectees = selectors.case_sources(case)
    return {"infectors": infectors, "infectees": infectees}


@router.put("/{int:case_id}/sources", response=SourcesOut, summary="Đặt ca nguồn lây (không được tạo vòng lặp)")
def set_sources(request: HttpRequest, case_id: int, payload: SourcesIn) -> Any:
    actor = _actor(request)
    case = selectors.case_get(actor=actor, case_id=case_id, audit=False)
    services.case_set_sources(actor=actor, case=case, source_case_ids=payload.source_case_ids)
    infectors, infectees = selectors.case_sources(case)
    return {"infectors": infectors, "infectees": infectees}


@router.get("/{int:case_id}/timeline", response=list[FivesStepOut], summary="Đồng hồ 5S của ca: các bước, hạn, trễ")
def case_timeline(request: HttpRequest, case_id: int) -> Any:
    actor = _actor(request)
    case = selectors.case_get(actor=actor, case_id=case_id, audit=False)
    return selectors.case_timeline(actor=actor, case=case)


@router.get("/{int:case_id}/itinerary", response=list[StopOut], summary="Mốc dịch tễ của ca")
def list_itinerary(request: HttpRequest, case_id: int) -> Any:
    actor = _actor(request)
    case = selectors.case_get(actor=actor, case_id=case_id, audit=False)
    return selectors.itinerary_of(actor=actor, case=case)


@router.post("/{int:case_id}/itinerary", response={201: StopOut}, summary="Thêm mốc dịch tễ (trong thời kỳ lây)")
def add_itinerary(request: HttpRequest, case_id: int, payload: StopIn) -> Any:
    actor = _actor(request)
    case = selectors.case_get(actor=actor, case_id=case_id, audit=False)
    data = payload.dict(exclude={"place_unit_id"})
    place_unit = unit_get(unit_id=payload.place_unit_id) if payload.place_unit_id else None
    return Status(201, services.itinerary_add(actor=actor, case=case, place_unit=place_unit, **data))


# --- contacts and levels -------------------------------------------------------------------------


@router.get("/contacts", response=list[ContactOut], summary="Tiếp xúc của một người nguồn (hoặc của một ca F0)")
def list_contacts(request: HttpRequest, query: Query[ContactQuery]) -> Any:
    actor = _actor(request)
    if query.case_id:
        case = selectors.case_get(actor=actor, case_id=query.case_id, audit=False)
        if case.person is None:
            return []
        return selectors.contacts_of(actor=actor, person=case.person)
    if query.person_id:
        # The source may live elsewhere: the list shows only the edges the caller may see.
        return selectors.contacts_of(actor=actor, person=Person(pk=query.person_id))
    raise ApplicationError.field("person_id", _("Chọn người nguồn hoặc ca F0."))


@router.post("/contacts", response={201: ContactOut}, summary="Thêm một tiếp xúc; quy định hiệu lực quyết định F1")
def add_contact(request: HttpRequest, payload: ContactIn) -> Any:
    actor = _actor(request)
    source = _person(actor, payload.source_person_id, "source_person_id")
    exposure = payload.dict(include=set(ExposureIn.model_fields))
    with transaction.atomic():
        if payload.contact_person_id:
            contact_person = _person(actor, payload.contact_person_id, "contact_person_id")
        elif payload.contact_person is not None:
            contact_person = _new_person(actor, payload.contact_person, confirm_new=payload.confirm_new, referral=True)
        else:
            raise ApplicationError.field("contact_person_id", _("Chọn người tiếp xúc hoặc nhập thông tin người."))
        contact = services.contact_add(actor=actor, source_person=source, contact_person=contact_person, **exposure)
    return Status(201, selectors.contact_get(actor=actor, contact_id=contact.pk))


def _line_report(report: Any) -> dict[str, Any]:
    return dict(report.as_dict())


@router.post(
    "/contacts/lines",
    response=LineReportOut,
    summary="Thêm danh sách tiếp xúc (dòng JSON); một dòng sai: không ghi gì, báo dòng và cột",
)
def add_contact_lines(request: HttpRequest, payload: LineListIn) -> Any:
    actor = _actor(request)
    source = _person(actor, payload.source_person_id, "source_person_id")
    unknown = sorted({k for row in payload.rows for k in row} - set(LINE_COLUMNS))
    if unknown:
        raise ApplicationError.field("rows", _("Cột không có: %(c)s.") % {"c": ", ".join(unknown)})
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=LINE_COLUMNS)
    writer.writeheader()
    writer.writerows({k: "" if v is None else str(v) for k, v in row.items()} for row in payload.rows)
    report = services.contacts_import(
        actor=actor,
        source_person=source,
        data=buffer.getvalue().encode(),
        filename="rows.csv",
        default_exposure=payload.default_exposure,
    )
    return _line_report(report)


@router.post(
    "/contacts/import",
    response=LineReportOut,
    summary="Nhập danh sách tiếp xúc từ CSV/Excel; một dòng sai: không ghi gì, báo dòng và cột",
)
def import_contacts(
    request: HttpRequest,
    file: File[UploadedFile],
    source_person_id: Form[int],
    default_exposure: Form[dt.datetime | None] = None,
) -> Any:
    actor = _actor(request)
    source = _person(actor, source_person_id, "source_person_id")
    report = services.contacts_import(
        actor=actor,
        source_person=source,
        data=file.read(),
        filename=file.name or "upload.csv",
        default_exposure=default_exposure,
    )
    return _line_report(report)


@router.post(
    "/contacts/{int:contact_id}/deactivate", response=ContactOut, summary="Hủy tiếp xúc nhập sai (cấp F tính lại)"
)
def deactivate_contact(request: HttpRequest, contact_id: int, payload: ReasonIn) -> Any:
    actor = _actor(request)
    contact = selectors.contact_get(actor=actor, contact_id=contact_id)
    services.contact_deactivate(actor=actor, contact=contact, reason=payload.reason)
    return selectors.contact_get(actor=actor, contact_id=contact_id)


@router.get("/levels/{int:person_id}", response=LevelOut, summary="Cấp F của một người: chuỗi tới F0 và lịch sử")
def get_level(request: HttpRequest, person_id: int) -> Any:
    actor = _actor(request)
    person = people_selectors.person_get(actor=actor, person_id=person_id, audit=False)
    found = selectors.classification_get(actor=actor, person_id=person.pk)
    if found is None:
        return {
            "person_id": person.pk,
            "classification_id": None,
            "level": None,
            "root_case_number": None,
            "exposure_at": None,
            "trace_status": None,
            "path": [],
            "history": [],
        }
    return {
        "person_id": person.pk,
        "classification_id": found.pk,
        "level": found.level,
        "root_case_number": found.root_case.number if found.root_case else None,
        "exposure_at": found.exposure_at,
        "trace_status": found.trace_status,
        "path": selectors.level_path(actor=actor, classification=found),
        "history": selectors.level_history(actor=actor, classification=found),
    }


# --- tracing -------------------------------------------------------------------------------------


@router.get("/tracing", response=QueuePage, summary="Hàng đợi truy vết: F1 trước F2, tiếp xúc sớm trước")
def tracing_queue(request: HttpRequest, query: Query[QueueQuery]) -> Any:
    actor = _actor(request)
    return selectors.tracing_queue(
        actor=actor,
        within=_within(actor, query.within_unit_id),
        level=query.level,
        status=query.status or "",
        cursor=query.cursor,
        limit=query.limit,
    )


@router.post(
    "/tracing/{int:classification_id}/attempts",
    response={201: AttemptOut},
    summary="Ghi một lần liên hệ và kết quả (đồng hồ 5S cập nhật theo)",
)
def record_attempt(request: HttpRequest, classification_id: int, payload: AttemptIn) -> Any:
    actor = _actor(request)
    found = selectors.classification_get_by_id(actor=actor, classification_id=classification_id)
    attempt = services.trace_attempt_record(
        actor=actor, classification=found, outcome=payload.outcome, note=payload.note
    )
    return Status(201, attempt)


# --- notices -------------------------------------------------------------------------------------


@router.get("/notices", response=list[NoticeOut], summary="Thông báo địa điểm liên quan (mọi trạng thái)")
def list_notices(request: HttpRequest, status: NoticeStatus | None = None, within_unit_id: int | None = None) -> Any:
    actor = _actor(request)
    return list(selectors.notice_list(actor=actor, within=_within(actor, within_unit_id), status=status or "")[:500])


@router.post("/notices", response={201: NoticeOut}, summary="Soạn thông báo từ mốc dịch tễ (chỉ địa điểm và giờ)")
def draft_notice(request: HttpRequest, payload: NoticeDraftIn) -> Any:
    actor = _actor(request)
    case = selectors.case_get(actor=actor, case_id=payload.case_id, audit=False)
    notice = services.notice_draft(
        actor=actor, case=case, title=payload.title, stop_ids=payload.stop_ids, advice=payload.advice
    )
    return Status(201, selectors.notice_get(actor=actor, notice_id=notice.pk))


@router.post(
    "/notices/{int:notice_id}/transition", response=NoticeOut, summary="Duyệt (chỉ huy) hoặc thu hồi thông báo"
)
def transition_notice(request: HttpRequest, notice_id: int, payload: NoticeTransitionIn) -> Any:
    actor = _actor(request)
    notice = selectors.notice_get(actor=actor, notice_id=notice_id)
    services.notice_transition(actor=actor, notice=notice, to=payload.to, reason=payload.reason)
    return selectors.notice_get(actor=actor, notice_id=notice_id)


@router.get(
    "/public/notices",
    response=list[PublicNoticeOut],
    auth=None,
    summary="Công khai: địa điểm, thời gian ca bệnh đã đến (đã duyệt; không có thông tin cá nhân)",
)
def public_notices(request: HttpRequest, unit_id: int | None = None) -> Any:
    path = ""
    if unit_id:
        path = unit_get(unit_id=unit_id).path
    return selectors.public_notices(unit_path=path)


# --- clusters and graphs -------------------------------------------------------------------------


@router.get("/clusters", response=list[ClusterOut], summary="Ổ dịch trong địa bàn")
def list_clusters(request: HttpRequest, status: str = "", within_unit_id: int | None = None) -> Any:
    actor = _actor(request)
    return list(selectors.cluster_list(actor=actor, within=_within(actor, within_unit_id), status=status)[:500])


@router.post("/clusters", response={201: ClusterOut}, summary="Tạo ổ dịch (có thể kèm các ca)")
def create_cluster(request: HttpRequest, payload: ClusterIn) -> Any:
    actor = _actor(request)
    unit = unit_get(unit_id=payload.unit_id)
    cluster = services.cluster_create(
        actor=actor, name=payload.name, unit=unit, kind=payload.kind, case_ids=payload.case_ids, note=payload.note
    )
    return Status(201, selectors.cluster_get(actor=actor, cluster_id=cluster.pk))


@router.get("/clusters/suggestions", response=list[SuggestionOut], summary="Gợi ý ổ dịch cho các ca chưa thuộc ổ nào")
def cluster_suggestions(request: HttpRequest, within_unit_id: int | None = None) -> Any:
    actor = _actor(request)
    return selectors.cluster_suggestions(actor=actor, within=_within(actor, within_unit_id))


@router.get(
    "/clusters/{int:cluster_id}",
    response=ClusterDetailOut,
    summary="Một ổ dịch: các ca, thế hệ, đường cong dịch, ca không rõ nguồn, gợi ý",
)
def get_cluster(request: HttpRequest, cluster_id: int) -> Any:
    actor = _actor(request)
    cluster = selectors.cluster_get(actor=actor, cluster_id=cluster_id)
    summary = selectors.cluster_summary(actor=actor, cluster=cluster)
    suggestions = [
        s for s in selectors.cluster_suggestions(actor=actor, within=cluster.unit_path) if s.cluster_id == cluster.pk
    ]
    return {
        "cluster": cluster,
        "cases": summary.cases,
        "generations": summary.generations,
        "epi_curve": [{"day": day, "cases": n} for day, n in summary.epi_curve],
        "unknown_source_case_ids": [c.pk for c in summary.unknown_source],
        "contacts_by_level": summary.contacts_by_level,
        "suggestions": suggestions,
    }


@router.post("/clusters/{int:cluster_id}/cases", response=ClusterOut, summary="Thêm ca vào ổ dịch")
def add_cluster_cases(request: HttpRequest, cluster_id: int, payload: ClusterCasesIn) -> Any:
    actor = _actor(request)
    cluster = selectors.cluster_get(actor=actor, cluster_id=cluster_id)
    services.cluster_add_cases(actor=actor, cluster=cluster, case_ids=payload.case_ids)
    return selectors.cluster_get(actor=actor, cluster_id=cluster_id)


@router.get(
    "/clusters/{int:cluster_id}/graph",
    response=GraphOut,
    summary="Sơ đồ chuỗi lây của ổ dịch (nút, cạnh, bố cục sẵn); quá giới hạn: truncated và lời nhắn",
)
def get_cluster_graph(request: HttpRequest, cluster_id: int, query: Query[GraphQuery]) -> Any:
    actor = _actor(request)
    cluster = selectors.cluster_get(actor=actor, cluster_id=cluster_id)
    return cluster_graph(
        actor=actor,
        cluster=cluster,
        date_from=query.date_from,
        date_to=query.date_to,
        max_nodes=graph_limit("api"),
    )


@router.get(
    "/graph/person/{int:person_id}",
    response=GraphOut,
    summary="Sơ đồ tiếp xúc quanh một người (trong `hops` bước)",
)
def get_person_graph(request: HttpRequest, person_id: int, query: Query[PersonGraphQuery]) -> Any:
    actor = _actor(request)
    person = people_selectors.person_get(actor=actor, person_id=person_id, audit=False)
    return person_graph(
        actor=actor,
        person=person,
        hops=query.hops,
        date_from=query.date_from,
        date_to=query.date_to,
        max_nodes=graph_limit("api"),
    )


# --- the 5S clock --------------------------------------------------------------------------------


@router.get("/fives/overdue", response=list[OverdueOut], summary="Bước 5S quá hạn (trễ nhất trước)")
def fives_overdue(request: HttpRequest, query: Query[AreaQuery]) -> Any:
    actor = _actor(request)
    labels = selectors.step_labels()
    return [
        {
            "case": o.case,
            "unit_name": o.case.unit.name,
            "step": o.step,
            "label": str(labels[o.step]),
            "due_at": o.due_at,
            "hours_late": o.hours_late,
        }
        for o in selectors.fives_overdue(actor=actor, within=_within(actor, query.within_unit_id))
    ]


@router.get("/fives/medians", response=MediansOut, summary="Số giờ trung vị mỗi bước 5S, 7 và 28 ngày qua")
def fives_medians(request: HttpRequest, query: Query[AreaQuery]) -> Any:
    actor = _actor(request)
    within = _within(actor, query.within_unit_id)
    return {
        "last_7_days": selectors.fives_medians(actor=actor, within=within, days=7),
        "last_28_days": selectors.fives_medians(actor=actor, within=within, days=28),
    }
