"""Reports API — epidemic levels (issue 8): assessments with their explanation and inputs (list, one), the level
in force of units, assessing a unit on demand, a commander's decision (confirm or override with a reason), the
criterion-3 capacity declaration, and the rule values of a rule set (read; a new effective-dated row)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from chihuy.accounts.access import in_jurisdiction, require_perm, within_unit
from chihuy.accounts.roles import Perm
from chihuy.core import clock
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.core.pagination import keyset_page
from chihuy.places.models import Unit
from chihuy.reports import assess, levels
from chihuy.reports import levels_selectors as reads
from chihuy.reports.enums import AssessmentStatus, AssessmentTrigger, RuleSet
from chihuy.reports.models import LevelAssessment

router = Router(tags=["reports: levels"])


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


class AssessmentOut(Schema):
    id: int
    unit_id: int
    unit_name: str
    unit_path: str
    week_end: dt.date
    level: int = Field(description="Cấp đang áp dụng (hệ thống tính, hoặc đã quyết định)")
    computed_level: int
    previous_level: int | None
    differs: bool = Field(description="Đã quyết định và lần tính gần nhất cho cấp khác")
    status: AssessmentStatus
    trigger: AssessmentTrigger
    rule_set: RuleSet
    rule_source: str
    rule_values: dict[str, Any]
    inputs: dict[str, Any]
    explanation: str
    assessed_at: dt.datetime
    decided_at: dt.datetime | None
    decision_reason: str
    decision_ref: str

    @staticmethod
    def resolve_unit_name(obj: LevelAssessment) -> str:
        return obj.unit.name

    @staticmethod
    def resolve_differs(obj: LevelAssessment) -> bool:
        return obj.status != AssessmentStatus.COMPUTED and obj.computed_level != obj.level


class AssessmentPage(Schema):
    items: list[AssessmentOut]
    next_cursor: str | None


class AssessmentQuery(Schema):
    within_unit_id: int | None = None
    week_end: dt.date | None = None
    level: int | None = Field(None, ge=1, le=4)
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)


class LatestQuery(Schema):
    within_unit_id: int | None = Field(
        None, description="Đơn vị và các đơn vị trực thuộc trực tiếp (mặc định: của bạn)"
    )


class AssessIn(Schema):
    unit_id: int
    week_end: dt.date | None = Field(None, description="Ngày báo cáo cuối tuần; mặc định hôm qua (ngày đã chốt)")


class DecisionIn(Schema):
    level: int = Field(ge=1, le=4)
    reason: str = Field(max_length=500)
    ref: str = Field("", max_length=200, description="Số quyết định của UBND")


class CapacityIn(Schema):
    unit_id: int
    week_end: dt.date
    met: bool
    reason: str = Field("", max_length=500)


class CapacityOut(Schema):
    unit_id: int
    week_end: dt.date
    met: bool
    reason: str
    declared_at: dt.datetime


class RuleRowOut(Schema):
    label: str
    cells: list[str]
    used: bool


class RuleValuesOut(Schema):
    rule_set: RuleSet
    valid_from: dt.date | None
    valid_to: dt.date | None
    source_document: str
    verified: bool
    values: dict[str, Any]
    table: list[RuleRowOut]


class RuleValuesIn(Schema):
    rule_set: Literal["4800", "218", "2686"]
    values: dict[str, Any] = Field(description="Các ngưỡng thay đổi; khóa thiếu lấy theo ngưỡng mặc định")
    valid_from: dt.date
    source_document: str = Field(max_length=300)
    note: str = Field("", max_length=500)


def _unit(actor: Any, unit_id: int, field: str = "unit_id") -> Unit:
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None or not in_jurisdiction(actor, unit.path):
        raise ApplicationError.field(field, _("Không tìm thấy đơn vị trong địa bàn của bạn."), ErrorCode.NOT_FOUND)
    return unit


def _renamed(exc: ApplicationError, names: dict[str, str]) -> ApplicationError:
    details = exc.details if isinstance(exc.details, list) else []
    fixed = [{**d, "field": names.get(str(d.get("field", "")), d.get("field"))} for d in details]
    return ApplicationError(exc.code, exc.message, fixed)


@router.get("/levels", response=AssessmentPage, summary="Các đánh giá cấp độ dịch trong địa bàn (tuần mới nhất trước)")
def list_levels(request: HttpRequest, query: Query[AssessmentQuery]) -> Any:
    actor = _actor(request)
    require_perm(actor, Perm.REPORT_VIEW)
    qs = reads.assessment_list(
        actor=actor, within=within_unit(actor, query.within_unit_id), week_end=query.week_end, level=query.level
    )
    return keyset_page(qs, order=["-week_end", "unit_path", "id"], cursor=query.cursor, limit=query.limit)


@router.get(
    "/levels/latest",
    response=list[AssessmentOut],
    summary="Cấp độ đang áp dụng của một đơn vị và các đơn vị trực thuộc trực tiếp",
)
def latest_levels(request: HttpRequest, query: Query[LatestQuery]) -> Any:
    actor = _actor(request)
    require_perm(actor, Perm.REPORT_VIEW)
    unit = _unit(actor, query.within_unit_id, "within_unit_id") if query.within_unit_id else actor.unit
    if unit is None:
        return []
    return [r.assessment for r in reads.level_unit_rows(actor=actor, unit=unit) if r.assessment is not None]


@router.get("/levels/{int:assessment_id}", response=AssessmentOut, summary="Một đánh giá: diễn giải, số liệu đầu vào")
def get_level(request: HttpRequest, assessment_id: int) -> Any:
    return reads.assessment_get(actor=_actor(request), assessment_id=assessment_id)


@router.post("/levels/assess", response={201: AssessmentOut}, summary="Đánh giá lại cấp độ dịch của một đơn vị ngay")
def assess_unit(request: HttpRequest, payload: AssessIn) -> Any:
    actor = _actor(request)
    require_perm(actor, Perm.LEVEL_ASSESS)
    unit = _unit(actor, payload.unit_id)
    try:
        row = assess.level_assess_unit(actor=actor, unit=unit, week_end=payload.week_end)
    except ApplicationError as exc:
        raise _renamed(exc, {"unit": "unit_id"}) from exc
    return Status(201, reads.assessment_get(actor=actor, assessment_id=row.pk))


@router.post(
    "/levels/{int:assessment_id}/decision",
    response=AssessmentOut,
    summary="Xác nhận (cấp hệ thống tính) hoặc điều chỉnh cấp độ, có lý do",
)
def decide_level(request: HttpRequest, assessment_id: int, payload: DecisionIn) -> Any:
    actor = _actor(request)
    require_perm(actor, Perm.LEVEL_DECIDE)
    assessment = reads.assessment_get(actor=actor, assessment_id=assessment_id)
    row = assess.level_decide(
        actor=actor, assessment=assessment, level=payload.level, reason=payload.reason, ref=payload.ref
    )
    return reads.assessment_get(actor=actor, assessment_id=row.pk)


@router.post(
    "/levels/capacity",
    response={201: CapacityOut},
    summary="Khai báo năng lực điều trị (tiêu chí 3) của một đơn vị trong một tuần",
)
def declare_capacity(request: HttpRequest, payload: CapacityIn) -> Any:
    actor = _actor(request)
    require_perm(actor, Perm.LEVEL_ASSESS)
    unit = _unit(actor, payload.unit_id)
    if payload.week_end > clock.today():
        raise ApplicationError.field("week_end", _("Ngày cuối tuần không được ở tương lai."))
    try:
        row = assess.capacity_declare(
            actor=actor, unit=unit, week_end=payload.week_end, met=payload.met, reason=payload.reason
        )
    except ApplicationError as exc:
        raise _renamed(exc, {"unit": "unit_id"}) from exc
    return Status(201, row)


@router.get("/levels/rules", response=RuleValuesOut, summary="Ngưỡng của một bộ tiêu chí đang áp dụng vào một ngày")
def rule_values(
    request: HttpRequest, rule_set: Literal["4800", "218", "2686"] = "4800", on: dt.date | None = None
) -> Any:
    require_perm(_actor(request), Perm.REPORT_VIEW)
    return _rule_out(rule_set, on or clock.today())


@router.post("/levels/rules", response={201: RuleValuesOut}, summary="Thêm ngưỡng mới có hiệu lực từ một ngày")
def set_rule_values(request: HttpRequest, payload: RuleValuesIn) -> Any:
    assess.rule_values_set(
        actor=_actor(request),
        rule_set=payload.rule_set,
        values=payload.values,
        valid_from=payload.valid_from,
        source_document=payload.source_document,
        note=payload.note,
    )
    return Status(201, _rule_out(payload.rule_set, payload.valid_from))


def _rule_out(rule_set: str, on: dt.date) -> dict[str, Any]:
    from chihuy.core.policies import policy_row

    row = policy_row(f"level.{rule_set}", on=on)
    values = levels.merged(rule_set, row.value if row else None)
    table = levels.rule_table(rule_set, values)
    return {
        "rule_set": rule_set,
        "valid_from": row.valid_from if row else None,
        "valid_to": row.valid_to if row else None,
        "source_document": row.source_document if row else "",
        "verified": bool(row and row.verified),
        "values": values,
        "table": [{"label": r.label, "cells": r.cells, "used": r.used} for r in table.rows],
    }
