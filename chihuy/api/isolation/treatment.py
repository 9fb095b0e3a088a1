"""Isolation API — capacity and treatment (issue 6, helper E): the bed capacity overview with each figure's time
and the forecast; F0 admitted to treatment (their active case found, the case's treatment place set through
`chihuy.response.treatment`), daily clinical records, transfers between tiers and facilities with the reason,
discharge by the policy's criteria (and why not yet)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from chihuy.accounts.access import within_unit
from chihuy.api.isolation.schemas_treatment import (
    AdmitIn,
    AdmittedOut,
    CapacityOut,
    CapacityQuery,
    CriteriaOut,
    DischargedOut,
    DischargeIn,
    RecordIn,
    RecordOut,
    TransferIn,
    TreatmentPage,
    TreatmentQuery,
    TreatmentStayOut,
)
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.core.pagination import keyset_page
from chihuy.isolation import policies, selectors, selectors_treatment
from chihuy.isolation.models import Bed, Facility, Stay, TreatmentRecord
from chihuy.isolation.selectors import CapacityRow
from chihuy.isolation.services import treatment as services
from chihuy.people.models import Person
from chihuy.response import treatment as response

router = Router(tags=["isolation: capacity, treatment"])


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _row(row: CapacityRow) -> dict[str, Any]:
    return {
        "key": row.key,
        "label": row.label,
        "facility_id": row.facility_id,
        "kind": row.kind,
        "tier": row.tier,
        "facilities": row.facilities,
        "total": row.total,
        "occupied": row.occupied,
        "reserved": row.reserved,
        "cleaning": row.cleaning,
        "free": row.free,
        "percent": row.percent,
        "figures_at": row.figures_at,
        "rate_per_day": round(row.rate_per_day, 3),
        "days_until_full": row.days_until_full,
    }


def _facility(actor: Any, facility_id: int) -> Facility:
    try:
        return selectors.facility_get(actor=actor, facility_id=facility_id)
    except ApplicationError as exc:
        if exc.code != ErrorCode.NOT_FOUND:
            raise
        raise ApplicationError.field(
            "facility_id", _("Không tìm thấy cơ sở trong địa bàn của bạn."), ErrorCode.NOT_FOUND
        ) from exc


def _bed(facility: Facility, bed_id: int) -> Bed:
    bed = selectors_treatment.bed_get(facility=facility, bed_id=bed_id)
    if bed is None:
        raise ApplicationError.field("bed_id", _("Không tìm thấy giường này ở %(f)s.") % {"f": facility.name})
    return bed


def _person(actor: Any, person_id: int) -> Person:
    from chihuy.people.selectors import person_get

    try:
        return person_get(actor=actor, person_id=person_id, audit=False)
    except ApplicationError as exc:
        if exc.code != ErrorCode.NOT_FOUND:
            raise
        raise ApplicationError.field(
            "person_id", _("Không tìm thấy người này trong địa bàn của bạn."), ErrorCode.NOT_FOUND
        ) from exc


def _stay(actor: Any, stay_id: int) -> Stay:
    return selectors_treatment.treatment_get(actor=actor, stay_id=stay_id)


# --- capacity ----------------------------------------------------------------------------------------


@router.get(
    "/capacity",
    response=CapacityOut,
    summary="Công suất giường: theo cơ sở, tầng, huyện và toàn địa bàn, kèm thời điểm số liệu và dự báo hết giường",
)
def capacity(request: HttpRequest, query: Query[CapacityQuery]) -> Any:
    actor = _actor(request)
    overview = selectors.capacity_overview(
        actor=actor,
        within=within_unit(actor, query.within_unit_id),
        kind=query.kind.value if query.kind else "",
    )
    return {
        "figures_at": overview.total.figures_at,
        "alert_percents": sorted(policies.capacity_alert_percents()),
        "total": _row(overview.total),
        "by_tier": [_row(r) for r in overview.by_tier],
        "by_district": [_row(r) for r in overview.by_district],
        "facilities": [_row(r) for r in overview.facilities],
    }


# --- treatment ---------------------------------------------------------------------------------------


@router.get("/treatment/stays", response=TreatmentPage, summary="F0 điều trị (lọc theo tầng, phương thức thở oxy…)")
def treatment_list(request: HttpRequest, query: Query[TreatmentQuery]) -> Any:
    actor = _actor(request)
    qs = selectors_treatment.treatment_list(
        actor=actor,
        within=within_unit(actor, query.within_unit_id),
        tier=query.tier,
        oxygen_mode=query.oxygen_mode.value if query.oxygen_mode else "",
        clinical_state=query.clinical_state or "",
        facility_id=query.facility_id,
        status=query.status,
        search=query.q,
    )
    return keyset_page(qs, order=["-clock_start_on", "-id"], cursor=query.cursor, limit=query.limit)


@router.post(
    "/treatment/admissions",
    response={201: AdmittedOut},
    summary="Tiếp nhận F0 điều trị (người có ca F0 đang hoạt động; lượt cách ly đang có kết thúc “dương tính”)",
)
def treatment_admit(request: HttpRequest, payload: AdmitIn) -> Any:
    actor = _actor(request)
    facility = _facility(actor, payload.facility_id)
    out = response.treatment_admit(
        actor=actor,
        person=_person(actor, payload.person_id),
        facility=facility,
        bed=_bed(facility, payload.bed_id),
        clinical_state=payload.clinical_state,
        oxygen_mode=payload.oxygen_mode.value,
        spo2=payload.spo2,
        note=payload.note,
    )
    return Status(
        201,
        {
            "stay": _stay(actor, out.stay.pk),
            "case_number": out.case_number,
            "ended_stay_ids": [s.pk for s in out.ended],
            "case_updated": out.case_updated,
            "case_note": out.case_note,
        },
    )


@router.get("/treatment/stays/{int:stay_id}", response=TreatmentStayOut, summary="Một lượt điều trị")
def treatment_get(request: HttpRequest, stay_id: int) -> Any:
    return _stay(_actor(request), stay_id)


@router.get(
    "/treatment/stays/{int:stay_id}/records",
    response=list[RecordOut],
    summary="Diễn biến hằng ngày của người bệnh (cả chuỗi chuyển tầng, ngày mới nhất trước)",
)
def records_list(request: HttpRequest, stay_id: int) -> Any:
    return selectors_treatment.treatment_records(_stay(_actor(request), stay_id))


@router.post(
    "/treatment/stays/{int:stay_id}/records",
    response={201: RecordOut},
    summary="Ghi diễn biến một ngày (ghi lại cùng ngày sẽ sửa bản ghi, có lưu vết)",
)
def record_create(request: HttpRequest, stay_id: int, payload: RecordIn) -> Any:
    actor = _actor(request)
    record: TreatmentRecord = services.treatment_record(
        actor=actor,
        stay=_stay(actor, stay_id),
        on=payload.on,
        clinical_state=payload.clinical_state,
        oxygen_mode=payload.oxygen_mode.value,
        spo2=payload.spo2,
        note=payload.note,
    )
    return Status(201, record)


@router.post(
    "/treatment/stays/{int:stay_id}/transfer",
    response={201: TreatmentStayOut},
    summary="Chuyển tầng / cơ sở / giường với lý do (lượt cũ kết thúc “đã chuyển”, lượt mới nối tiếp)",
)
def transfer(request: HttpRequest, stay_id: int, payload: TransferIn) -> Any:
    actor = _actor(request)
    stay = _stay(actor, stay_id)
    facility = _facility(actor, payload.facility_id)
    new = services.treatment_transfer(
        actor=actor,
        stay=stay,
        facility=facility,
        bed=_bed(facility, payload.bed_id),
        reason=payload.reason,
        tier=payload.tier,
    )
    return Status(201, _stay(actor, new.pk))


@router.get(
    "/treatment/stays/{int:stay_id}/discharge-criteria",
    response=CriteriaOut,
    summary="Tiêu chuẩn ra viện theo quy định đang áp dụng: đã đủ chưa, còn thiếu gì",
)
def discharge_criteria(request: HttpRequest, stay_id: int) -> Any:
    status = response.discharge_status(_stay(_actor(request), stay_id))
    return {
        "met": status.met,
        "day": status.day,
        "start_on": status.start_on,
        "by_test": status.by_test,
        "by_time": status.by_time,
        "missing": "" if status.met else status.missing,
        "source": status.source,
    }


@router.post(
    "/treatment/stays/{int:stay_id}/discharge",
    response=DischargedOut,
    summary="Kết thúc điều trị: khỏi bệnh (theo tiêu chuẩn), tử vong, chuyển ra ngoài tỉnh — cập nhật ca bệnh",
)
def discharge(request: HttpRequest, stay_id: int, payload: DischargeIn) -> Any:
    actor = _actor(request)
    out = response.treatment_discharge(
        actor=actor,
        stay=_stay(actor, stay_id),
        outcome=payload.outcome,
        reason=payload.reason,
        died_on=payload.died_on,
    )
    return {
        "stay": _stay(actor, out.stay.pk),
        "monitoring_id": out.monitoring.pk if out.monitoring else None,
        "monitoring_ends_on": out.monitoring.ends_on if out.monitoring else None,
        "case_updated": out.case_updated,
        "case_note": out.case_note,
    }
