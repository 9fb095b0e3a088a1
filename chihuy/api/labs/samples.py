"""Tubes, shipments and results: take a single or pooled tube, record a rapid test on the spot, ship to a lab,
receive there by scanning, enter one result or upload the lab machine's file (a background job), the 12-hour
turnaround and the overdue tubes, a person's test history.

Results go through `chihuy.response.labs`: an individual positive becomes an F0 with tracing started."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Query, Router, Status, UploadedFile

from chihuy.accounts.access import has_perm
from chihuy.accounts.roles import Perm
from chihuy.api.labs.common import _actor, _campaign, _lab, _person, _sample_detail, _within
from chihuy.api.labs.schemas import (
    OutcomeOut,
    OverdueQuery,
    PersonTestOut,
    RapidIn,
    ReceiveIn,
    ResultIn,
    SampleDetailOut,
    SampleIn,
    SamplePage,
    SampleQuery,
    ShipmentDetailOut,
    ShipmentIn,
    ShipmentPage,
    ShipmentQuery,
    TurnaroundOut,
    TurnaroundQuery,
    UploadQueuedOut,
)
from chihuy.core.errors import not_found
from chihuy.core.pagination import keyset_page
from chihuy.labs import selectors, services
from chihuy.labs.models import Shipment
from chihuy.response import labs as response

router = Router(tags=["labs: samples, shipments, results"])


def _outcome(outcome: response.ResultOutcome) -> dict[str, Any]:
    return {
        "sample": outcome.sample,
        "changed": outcome.changed,
        "case_numbers": outcome.case_numbers,
        "follow_ups": outcome.follow_ups,
        "not_confirmed": outcome.not_confirmed,
    }


def _shipment_detail(shipment: Shipment) -> Shipment:
    shipment.tubes = list(  # type: ignore[attr-defined]
        shipment.samples.order_by("code").values("id", "code", "status", "result")
    )
    return shipment


# --- samples ---------------------------------------------------------------------------------------


@router.post("/samples", response={201: SampleDetailOut}, summary="Lấy mẫu: một ống (mẫu đơn hoặc mẫu gộp)")
def take_sample(request: HttpRequest, payload: SampleIn) -> Any:
    actor = _actor(request)
    sample = services.sample_take(
        actor=actor,
        code=payload.code,
        person_ids=payload.person_ids,
        campaign=_campaign(actor, payload.campaign_id),
        test_method=payload.test_method,
        team=payload.team,
        site=payload.site,
        collected_at=payload.collected_at,
    )
    return Status(201, _sample_detail(actor, selectors.sample_get(actor=actor, sample_id=sample.pk)))


@router.post(
    "/samples/rapid",
    response={201: OutcomeOut},
    summary="Test nhanh kháng nguyên: ghi kết quả tại chỗ (dương tính: F0 hoặc xét nghiệm khẳng định)",
)
def record_rapid_test(request: HttpRequest, payload: RapidIn) -> Any:
    actor = _actor(request)
    outcome = response.rapid_test_record(
        actor=actor,
        person=_person(actor, payload.person_id),
        result=payload.result,
        campaign=_campaign(actor, payload.campaign_id),
        code=payload.code,
        team=payload.team,
        site=payload.site,
        collected_at=payload.collected_at,
    )
    return Status(201, _outcome(outcome))


@router.get("/samples", response=SamplePage, summary="Mẫu xét nghiệm (mới lấy trước; lọc theo phòng, đợt, kết quả)")
def list_samples(request: HttpRequest, query: Query[SampleQuery]) -> Any:
    actor = _actor(request)
    qs = selectors.sample_list(
        actor=actor,
        within=_within(actor, query.within_unit_id),
        lab=_lab(actor, query.lab_id),
        campaign=_campaign(actor, query.campaign_id),
        status=query.status or "",
        result=query.result or "",
        overdue=query.overdue,
    )
    return keyset_page(qs, order=["-collected_at", "-id"], cursor=query.cursor, limit=query.limit)


@router.get(
    "/samples/{int:sample_id}",
    response=SampleDetailOut,
    summary="Một ống và người trong ống (phòng xét nghiệm: chỉ họ tên, năm sinh)",
)
def get_sample(request: HttpRequest, sample_id: int) -> Any:
    actor = _actor(request)
    return _sample_detail(actor, selectors.sample_get(actor=actor, sample_id=sample_id))


@router.get("/samples/by-code/{path:code}", response=SampleDetailOut, summary="Tìm ống theo mã quét được")
def get_sample_by_code(request: HttpRequest, code: str) -> Any:
    actor = _actor(request)
    return _sample_detail(actor, selectors.sample_get_by_code(actor=actor, code=code))


@router.post(
    "/samples/{int:sample_id}/result",
    response=OutcomeOut,
    summary="Nhập kết quả một ống (RT-PCR, Ct theo gen); mẫu đơn dương tính thành ca F0",
)
def record_result(request: HttpRequest, sample_id: int, payload: ResultIn) -> Any:
    actor = _actor(request)
    sample = selectors.sample_get(actor=actor, sample_id=sample_id)
    outcome = response.result_record(
        actor=actor, sample=sample, result=payload.result, ct_values=payload.ct_values, note=payload.note
    )
    return _outcome(outcome)


@router.post(
    "/results/upload",
    response={202: UploadQueuedOut},
    summary="Tải tệp kết quả của máy xét nghiệm (CSV/Excel): kiểm tra mọi dòng, áp dụng dòng đúng; chạy nền",
)
def upload_results(request: HttpRequest, lab_id: Form[int], file: File[UploadedFile]) -> Any:
    actor = _actor(request)
    lab = _lab(actor, lab_id)
    assert lab is not None
    job = response.results_import_start(actor=actor, lab=lab, data=file.read(), filename=file.name or "ket_qua.csv")
    return Status(202, {"job_id": job.pk, "status_url": f"/api/jobs/{job.pk}"})


# --- shipments -------------------------------------------------------------------------------------


@router.post("/shipments", response={201: ShipmentDetailOut}, summary="Gửi các ống đến phòng xét nghiệm")
def create_shipment(request: HttpRequest, payload: ShipmentIn) -> Any:
    actor = _actor(request)
    lab = _lab(actor, payload.lab_id)
    assert lab is not None
    shipment = services.shipment_create(actor=actor, lab=lab, sample_codes=payload.sample_codes, note=payload.note)
    return Status(201, _shipment_detail(selectors.shipment_get(actor=actor, shipment_id=shipment.pk)))


@router.get("/shipments", response=ShipmentPage, summary="Chuyến mẫu đã gửi và đến phòng xét nghiệm")
def list_shipments(request: HttpRequest, query: Query[ShipmentQuery]) -> Any:
    actor = _actor(request)
    qs = selectors.shipment_list(actor=actor, lab=_lab(actor, query.lab_id), status=query.status or "")
    return keyset_page(qs, order=["-shipped_at", "-id"], cursor=query.cursor, limit=query.limit)


@router.get("/shipments/{int:shipment_id}", response=ShipmentDetailOut, summary="Một chuyến mẫu và các ống")
def get_shipment(request: HttpRequest, shipment_id: int) -> Any:
    return _shipment_detail(selectors.shipment_get(actor=_actor(request), shipment_id=shipment_id))


@router.post(
    "/shipments/{int:shipment_id}/receive",
    response=ShipmentDetailOut,
    summary="Phòng xét nghiệm nhận chuyến mẫu (quét mã; đối chiếu số ống)",
)
def receive_shipment(request: HttpRequest, shipment_id: int, payload: ReceiveIn) -> Any:
    actor = _actor(request)
    shipment = selectors.shipment_get(actor=actor, shipment_id=shipment_id)
    services.shipment_receive(actor=actor, shipment=shipment, scanned_codes=payload.scanned_codes, note=payload.note)
    return _shipment_detail(selectors.shipment_get(actor=actor, shipment_id=shipment_id))


# --- turnaround, history ---------------------------------------------------------------------------


@router.get(
    "/turnaround",
    response=TurnaroundOut,
    summary="Thời gian trả kết quả: trung vị, bách phân vị 95, tỷ lệ đạt mục tiêu 12 giờ, tồn đọng",
)
def turnaround(request: HttpRequest, query: Query[TurnaroundQuery]) -> Any:
    actor = _actor(request)
    return selectors.turnaround_stats(
        actor=actor,
        lab=_lab(actor, query.lab_id),
        campaign=_campaign(actor, query.campaign_id),
        within=_within(actor, query.within_unit_id),
        start=query.start,
        end=query.end,
    )


@router.get("/overdue", response=SamplePage, summary="Ống quá hạn trả kết quả (chờ lâu nhất trước)")
def list_overdue(request: HttpRequest, query: Query[OverdueQuery]) -> Any:
    actor = _actor(request)
    qs = selectors.overdue_list(actor=actor, lab=_lab(actor, query.lab_id), within=_within(actor, query.within_unit_id))
    return keyset_page(qs, order=["due_at", "id"], cursor=query.cursor, limit=query.limit)


@router.get(
    "/people/{int:person_id}/tests",
    response=list[PersonTestOut],
    summary="Lịch sử xét nghiệm của một người (mới nhất trước)",
)
def person_tests(request: HttpRequest, person_id: int) -> Any:
    actor = _actor(request)
    rows = selectors.person_tests(actor=actor, person_id=person_id)
    if not rows:  # no tube the reader may see: the person must be one of their area, else not found
        if not has_perm(actor, Perm.PERSON_VIEW):
            raise not_found()
        _person(actor, person_id)
    return [
        {
            "sample_id": m.sample.pk,
            "code": m.sample.code,
            "collected_at": m.sample.collected_at,
            "test_method": m.sample.test_method,
            "kind": m.sample.kind,
            "status": m.sample.status,
            "result": m.sample.result,
            "ct_min": m.sample.ct_min,
            "resulted_at": m.sample.resulted_at,
            "lab_name": m.sample.lab.name if m.sample.lab is not None else None,
            "campaign_code": m.sample.campaign.code if m.sample.campaign is not None else None,
            "case_number": m.sample.case_number,
        }
        for m in rows
    ]
