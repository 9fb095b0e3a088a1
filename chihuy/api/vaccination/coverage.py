"""Vaccination API — coverage and planning: coverage of a unit and its child units by age group (from the daily
facts, with the denominators' problems), the priority list (people ≥ 50 or vulnerable still unvaccinated, by village),
campaign targets with their actual coverage."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from chihuy.accounts.access import require_in_jurisdiction, require_perm, within_unit
from chihuy.accounts.roles import Perm
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.core.pagination import keyset_page
from chihuy.places.selectors import unit_get
from chihuy.reports.vaccination import coverage_table, targets_progress
from chihuy.vaccination import selectors, services
from chihuy.vaccination.models import TargetGroup, TargetKind

router = Router(tags=["vaccination"])


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


# --- coverage ------------------------------------------------------------------------------------------------


class KindCell(Schema):
    people: int
    pct: float | None = Field(
        ..., description="Per 100 of the group's population; null when the denominator is missing or smaller"
    )


class GroupCoverage(Schema):
    group: str = Field(..., description="12-17, 18+, 50+, 65+ or all")
    label: str
    population: int
    first: KindCell
    full: KindCell
    booster: KindCell


class UnitCoverage(Schema):
    unit_id: int
    unit_name: str
    unit_level: str
    population_year: int | None
    groups: list[GroupCoverage]
    problems: list[str] = Field(..., description="Denominators missing or smaller than the people vaccinated")


class CoverageOut(Schema):
    on: dt.date | None
    updated_at: dt.datetime | None = Field(..., description="When the facts were last brought up to date")
    units: list[UnitCoverage] = Field(..., description="The unit first, then its child provinces/districts/communes")


class CoverageQuery(Schema):
    within_unit_id: int | None = Field(None, description="A unit of the caller's area (default: the caller's unit)")
    on: dt.date | None = Field(None, description="Cumulative up to this reporting day (default: all)")


@router.get("/coverage", response=CoverageOut, summary="Vaccination coverage by age group of a unit and its children")
def get_coverage(request: HttpRequest, query: Query[CoverageQuery]) -> Any:
    actor = _actor(request)
    require_perm(actor, Perm.VACCINATION_VIEW)
    table = coverage_table(actor=actor, within=within_unit(actor, query.within_unit_id), on=query.on)
    return {"on": table.on, "updated_at": table.updated_at, "units": [row.as_dict() for row in table.rows]}


# --- priority list -------------------------------------------------------------------------------------------


class PriorityRow(Schema):
    id: int
    full_name: str
    birth_date: dt.date | None
    birth_year: int | None
    phone: str
    unit_id: int
    unit_name: str
    unit_path: str
    chronic_conditions: list[str]
    is_pregnant: bool
    dose_count: int

    @staticmethod
    def resolve_unit_name(obj: Any) -> str:
        return str(obj.unit.name)


class PriorityPage(Schema):
    items: list[PriorityRow]
    next_cursor: str | None


class PriorityQuery(Schema):
    within_unit_id: int | None = Field(None, description="A commune or village of the caller's area")
    mode: str = Field(
        "unvaccinated",
        pattern="^(unvaccinated|incomplete)$",
        description="unvaccinated: no dose; incomplete: primary series not complete",
    )
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)


@router.get(
    "/priority",
    response=PriorityPage,
    summary="People aged ≥ 50, with a chronic condition or pregnant, still unvaccinated — by village, oldest first",
)
def list_priority(request: HttpRequest, query: Query[PriorityQuery]) -> Any:
    actor = _actor(request)
    require_perm(actor, Perm.VACCINATION_VIEW)
    qs = selectors.priority_qs(actor, within=within_unit(actor, query.within_unit_id), mode=query.mode)
    return keyset_page(qs, order=selectors.PRIORITY_ORDER, cursor=query.cursor, limit=query.limit)


# --- targets -------------------------------------------------------------------------------------------------


class TargetOut(Schema):
    id: int
    unit_id: int
    unit_name: str
    age_group: TargetGroup
    kind: TargetKind
    target_pct: Decimal
    due_on: dt.date
    note: str
    actual_pct: float | None
    people: int
    denominator: int
    days_left: int
    status: str = Field(..., description="met, behind, late (past due, not met) or no_data (no denominator)")


class TargetIn(Schema):
    unit_id: int
    age_group: TargetGroup
    kind: TargetKind = TargetKind.FIRST
    target_pct: Decimal = Field(..., gt=0, le=100, max_digits=4, decimal_places=1)
    due_on: dt.date
    note: str = ""


class TargetQuery(Schema):
    within_unit_id: int | None = None


def _target_out(progress: Any) -> dict[str, Any]:
    t = progress.target
    return {
        "id": t.pk,
        "unit_id": t.unit_id,
        "unit_name": t.unit.name,
        "age_group": t.age_group,
        "kind": t.kind,
        "target_pct": t.target_pct,
        "due_on": t.due_on,
        "note": t.note,
        "actual_pct": progress.actual_pct,
        "people": progress.people,
        "denominator": progress.denominator,
        "days_left": progress.days_left,
        "status": progress.status,
    }


@router.get("/targets", response=list[TargetOut], summary="Campaign targets of the area with their actual coverage")
def list_targets(request: HttpRequest, query: Query[TargetQuery]) -> Any:
    actor = _actor(request)
    return [_target_out(p) for p in targets_progress(actor=actor, within=within_unit(actor, query.within_unit_id))]


@router.post("/targets", response={201: TargetOut}, summary="Set a campaign target (vaccination.plan)")
def create_target(request: HttpRequest, payload: TargetIn) -> Any:
    actor = _actor(request)
    require_perm(actor, Perm.VACCINATION_PLAN)
    try:
        unit = unit_get(unit_id=payload.unit_id)
    except ApplicationError as exc:
        raise ApplicationError.field("unit_id", "Không tìm thấy đơn vị.", ErrorCode.NOT_FOUND) from exc
    require_in_jurisdiction(actor, unit.path, field="unit_id")
    target = services.target_set(
        actor=actor,
        unit=unit,
        age_group=payload.age_group,
        kind=payload.kind,
        target_pct=payload.target_pct,
        due_on=payload.due_on,
        note=payload.note,
    )
    progress = next(p for p in targets_progress(actor=actor, within=unit.path) if p.target.pk == target.pk)
    return Status(201, _target_out(progress))


@router.post("/targets/{int:target_id}/deactivate", response={204: None}, summary="Withdraw a campaign target")
def deactivate_target(request: HttpRequest, target_id: int) -> Any:
    actor = _actor(request)
    target = selectors.target_get(actor=actor, target_id=target_id)
    services.target_deactivate(actor=actor, target=target)
    return Status(204, None)
