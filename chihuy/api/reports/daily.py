"""Daily reports API (mounted at /api/reports): a unit's report of a reporting day (computed indicators, hand
figures, reconciliation), save / submit by the unit itself, approve / return by a unit above, the units below with
missing and late ones, the consolidation of a district or province, week / month roll-ups, and the bulletin as
Excel or PDF. A unit or report outside the caller's area is 404; a missing right is 403."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.places.models import Unit
from chihuy.places.selectors import unit_get
from chihuy.reports import daily
from chihuy.reports import daily_export as export
from chihuy.reports.models import DailyReport

router = Router(tags=["reports: daily"])


class ReportOut(Schema):
    id: int | None
    unit_id: int
    unit_name: str
    day: dt.date
    status: str
    status_label: str
    computed: dict[str, Any]
    manual: dict[str, int]
    note: str
    submitted_at: dt.datetime | None
    submitted_by: str | None
    reviewed_at: dt.datetime | None
    reviewed_by: str | None
    review_note: str
    deadline: dt.datetime
    late: bool
    reconciliation: list[dict[str, Any]]


class ManualIn(Schema):
    manual: dict[str, Any] = {}  # indicator → integer ≥ 0 (blank or null: not given); checked by the service
    note: str | None = None


class SubmitIn(Schema):
    manual: dict[str, Any] | None = None
    note: str | None = None


class ReviewIn(Schema):
    note: str = ""


class QueueRowOut(Schema):
    unit_id: int
    unit_name: str
    state: str
    state_label: str
    late: bool
    report_id: int | None
    submitted_at: dt.datetime | None


class MissingOut(Schema):
    day: dt.date
    deadline: dt.datetime
    missing: list[QueueRowOut]
    late: list[QueueRowOut]


class ConsolidationOut(Schema):
    unit_id: int
    unit_name: str
    day: dt.date
    start: dt.datetime
    end: dt.datetime
    deadline: dt.datetime
    computed: dict[str, Any]
    manual: dict[str, int]
    units: list[QueueRowOut]
    missing: list[QueueRowOut]
    late: list[QueueRowOut]
    own_status: str | None


class RollupQuery(Schema):
    first: dt.date
    last: dt.date


class RollupOut(Schema):
    unit_id: int
    first: dt.date
    last: dt.date
    start: dt.datetime
    end: dt.datetime
    days: int
    reports: int
    computed: dict[str, Any]
    manual: dict[str, int]


class IndicatorOut(Schema):
    key: str
    label: str
    section: str
    kind: str
    manual: bool


class ExportQuery(Schema):
    format: Literal["xlsx", "pdf"] = "xlsx"
    kind: Literal["report", "consolidated"] = "report"


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _unit(unit_id: int) -> Unit:
    return unit_get(unit_id=unit_id)


def _report_out(view: daily.ReportView) -> dict[str, Any]:
    r = view.report
    return {
        "id": r.pk,
        "unit_id": r.unit_id,
        "unit_name": r.unit.name,
        "day": r.day,
        "status": r.status if r.pk else "new",
        "status_label": r.get_status_display(),
        "computed": view.computed,
        "manual": r.manual,
        "note": r.note,
        "submitted_at": r.submitted_at,
        "submitted_by": r.submitted_by.username if r.submitted_by else None,
        "reviewed_at": r.reviewed_at,
        "reviewed_by": r.reviewed_by.username if r.reviewed_by else None,
        "review_note": r.review_note,
        "deadline": view.deadline,
        "late": view.late,
        "reconciliation": view.reconciliation,
    }


def _row_out(row: daily.QueueRow) -> dict[str, Any]:
    return {
        "unit_id": row.unit.pk,
        "unit_name": row.unit.name,
        "state": row.state,
        "state_label": row.state_label,
        "late": row.late,
        "report_id": row.report.pk if row.report else None,
        "submitted_at": row.report.submitted_at if row.report else None,
    }


def _view(request: HttpRequest, report: DailyReport) -> dict[str, Any]:
    return _report_out(daily.report_view(actor=_actor(request), unit=report.unit, day=report.day))


@router.get("/daily/indicators", response=list[IndicatorOut], summary="Các chỉ tiêu của báo cáo ngày")
def indicators(request: HttpRequest) -> Any:
    rows = [(i, False) for i in daily.COMPUTED] + [(i, True) for i in daily.MANUAL]
    return [
        {"key": i.key, "label": str(i.label), "section": i.section, "kind": i.kind, "manual": is_manual}
        for i, is_manual in rows
    ]


@router.get("/daily/{int:unit_id}/rollup", response=RollupOut, summary="Tổng hợp tuần, tháng")
def rollup(request: HttpRequest, unit_id: int, query: Query[RollupQuery]) -> Any:
    r = daily.report_rollup(actor=_actor(request), unit=_unit(unit_id), first=query.first, last=query.last)
    return {
        "unit_id": r.unit.pk,
        "first": r.first,
        "last": r.last,
        "start": r.start,
        "end": r.end,
        "days": r.days,
        "reports": r.reports,
        "computed": r.computed,
        "manual": r.manual,
    }


@router.get("/daily/{int:unit_id}/{day}", response=ReportOut, summary="Báo cáo ngày của một đơn vị")
def get_report(request: HttpRequest, unit_id: int, day: dt.date) -> Any:
    return _report_out(daily.report_view(actor=_actor(request), unit=_unit(unit_id), day=day))


@router.put("/daily/{int:unit_id}/{day}", response=ReportOut, summary="Lưu nháp: số liệu nhập tay, ghi chú")
def save_report(request: HttpRequest, unit_id: int, day: dt.date, payload: ManualIn) -> Any:
    report = daily.report_save(
        actor=_actor(request), unit=_unit(unit_id), day=day, manual=payload.manual, note=payload.note
    )
    return _view(request, report)


@router.post("/daily/{int:unit_id}/{day}/submit", response=ReportOut, summary="Gửi báo cáo (chốt số liệu)")
def submit_report(request: HttpRequest, unit_id: int, day: dt.date, payload: SubmitIn | None = None) -> Any:
    payload = payload or SubmitIn()
    report = daily.report_submit(
        actor=_actor(request), unit=_unit(unit_id), day=day, manual=payload.manual, note=payload.note
    )
    return _view(request, report)


@router.post("/daily/reports/{int:report_id}/approve", response=ReportOut, summary="Duyệt báo cáo cấp dưới")
def approve_report(request: HttpRequest, report_id: int, payload: ReviewIn | None = None) -> Any:
    actor = _actor(request)
    report = daily.report_approve(
        actor=actor, report=daily.report_get(actor=actor, report_id=report_id), note=(payload or ReviewIn()).note
    )
    return _view(request, report)


@router.post("/daily/reports/{int:report_id}/return", response=ReportOut, summary="Trả lại báo cáo để sửa")
def return_report(request: HttpRequest, report_id: int, payload: ReviewIn) -> Any:
    actor = _actor(request)
    report = daily.report_return(
        actor=actor, report=daily.report_get(actor=actor, report_id=report_id), note=payload.note
    )
    return _view(request, report)


@router.get("/daily/{int:unit_id}/{day}/missing", response=MissingOut, summary="Đơn vị cấp dưới chưa gửi, gửi muộn")
def missing(request: HttpRequest, unit_id: int, day: dt.date) -> Any:
    found = daily.reports_missing(actor=_actor(request), unit=_unit(unit_id), day=day)
    return {
        "day": found.day,
        "deadline": found.deadline,
        "missing": [_row_out(r) for r in found.missing],
        "late": [_row_out(r) for r in found.late],
    }


@router.get(
    "/daily/{int:unit_id}/{day}/consolidated",
    response=ConsolidationOut,
    summary="Báo cáo tổng hợp của huyện, tỉnh",
)
def consolidated(request: HttpRequest, unit_id: int, day: dt.date) -> Any:
    c = daily.report_consolidate(actor=_actor(request), unit=_unit(unit_id), day=day)
    return {
        "unit_id": c.unit.pk,
        "unit_name": c.unit.name,
        "day": c.day,
        "start": c.start,
        "end": c.end,
        "deadline": c.deadline,
        "computed": c.computed,
        "manual": c.manual,
        "units": [_row_out(r) for r in c.rows],
        "missing": [_row_out(r) for r in c.missing],
        "late": [_row_out(r) for r in c.late],
        "own_status": c.own.status if c.own else None,
    }


@router.get(
    "/daily/{int:unit_id}/{day}/export",
    summary="Bản tin (Excel hoặc PDF) của báo cáo đơn vị hoặc báo cáo tổng hợp",
    response={200: None},
)
def export_bulletin(request: HttpRequest, unit_id: int, day: dt.date, query: Query[ExportQuery]) -> HttpResponse:
    actor, unit = _actor(request), _unit(unit_id)
    if query.kind == "consolidated":
        bulletin = export.bulletin_of_consolidation(daily.report_consolidate(actor=actor, unit=unit, day=day))
    else:
        bulletin = export.bulletin_of_report(daily.report_view(actor=actor, unit=unit, day=day))
    if query.format == "pdf":
        try:
            return HttpResponse(export.bulletin_pdf(bulletin), content_type="application/pdf")
        except OSError as exc:
            raise ApplicationError(
                ErrorCode.CONFLICT, _("Máy chủ chưa cài thư viện Pango nên chưa xuất được PDF; hãy dùng bản Excel.")
            ) from exc
    response = HttpResponse(
        export.bulletin_xlsx(bulletin),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="ban-tin-{day:%Y%m%d}.xlsx"'
    return response
