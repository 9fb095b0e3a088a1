"""F0 cases: list, report, read, update, status, sources, itinerary, the 5S clock of a case and of a unit."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from chihuy.api.cases.common import (
    _actor,
    _new_person,
    _person,
    _within,
)
from chihuy.api.cases.schemas import (
    AreaQuery,
    CaseOut,
    CasePage,
    CasePatch,
    CaseQuery,
    CaseReportIn,
    CaseTransitionIn,
    FivesStepOut,
    MediansOut,
    OverdueOut,
    SourcesIn,
    SourcesOut,
    StopIn,
    StopOut,
)
from chihuy.cases import selectors, services
from chihuy.core.errors import ApplicationError
from chihuy.places.selectors import unit_get
from chihuy.response import exposure as response_exposure

router = Router(tags=["cases"])


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
        case = response_exposure.case_report(actor=actor, person=person, cluster=cluster, **data)
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
