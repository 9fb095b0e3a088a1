"""Vaccination API — doses: vaccines, the doses of an area or of one person, recording and withdrawing a dose, bulk
import jobs (progress at /api/jobs/{id}) and the review queue of rows the import could not match."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Field, File, Query, Router, Schema, Status, UploadedFile

from chihuy.accounts.access import require_perm, within_unit
from chihuy.accounts.roles import Perm
from chihuy.core.errors import ApplicationError, not_found_on
from chihuy.core.pagination import keyset_page
from chihuy.people.selectors import person_get
from chihuy.places.selectors import site_get
from chihuy.vaccination import imports, selectors, services
from chihuy.vaccination.enums import DoseSource
from chihuy.vaccination.models import ReviewReason, ReviewStatus

router = Router(tags=["vaccination"])


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


# --- schemas -------------------------------------------------------------------------------------------------


class VaccineOut(Schema):
    id: int
    code: str
    name: str
    aliases: list[str]
    primary_doses: int
    min_interval_days: int
    available_from: dt.date
    is_active: bool


class DoseOut(Schema):
    id: int
    person_id: int
    unit_path: str
    dose_number: int
    vaccine_id: int
    vaccine_code: str
    lot: str
    given_on: dt.date
    site_id: int | None
    site_name: str
    age_band: str
    completes_primary: bool
    is_booster: bool
    source: DoseSource
    source_ref: str
    is_active: bool
    deactivated_reason: str
    created_at: dt.datetime

    @staticmethod
    def resolve_vaccine_code(obj: Any) -> str:
        return str(obj.vaccine.code)


class DosePage(Schema):
    items: list[DoseOut]
    next_cursor: str | None


class DoseQuery(Schema):
    person_id: int | None = Field(None, description="Only this person's doses")
    within_unit_id: int | None = Field(None, description="Narrow to a sub-unit of the caller's area")
    given_from: dt.date | None = None
    given_to: dt.date | None = None
    include_inactive: bool = Field(False, description="Include withdrawn doses")
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)


class DoseIn(Schema):
    person_id: int
    dose_number: int = Field(..., description="1 for the first dose; dose n needs dose n−1")
    vaccine: str = Field(..., description="Vaccine code (AZ, PFIZER, …), name or alias (“Vero Cell”)")
    given_on: dt.date
    lot: str = ""
    site_id: int | None = Field(None, description="A site of the caller's area")
    site_name: str = ""


class ReasonIn(Schema):
    reason: str


class ImportQueuedOut(Schema):
    job_id: int
    status_url: str


class ReviewOut(Schema):
    id: int
    unit_path: str
    job_id: int | None
    filename: str
    row_number: int
    raw: dict[str, Any]
    parsed: dict[str, Any]
    reason: ReviewReason
    candidates: list[int]
    status: ReviewStatus
    person_id: int | None
    dose_id: int | None
    reject_reason: str
    decided_at: dt.datetime | None
    created_at: dt.datetime


class ReviewPage(Schema):
    items: list[ReviewOut]
    next_cursor: str | None


class ReviewQuery(Schema):
    status: ReviewStatus | None = Field(ReviewStatus.PENDING, description="pending (default), resolved, rejected")
    within_unit_id: int | None = None
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)


class ResolveIn(Schema):
    person_id: int = Field(..., description="The person the row is (a candidate or any person of the caller's area)")


# --- routes --------------------------------------------------------------------------------------------------


@router.get("/vaccines", response=list[VaccineOut], summary="Vaccines with their schedule and first approval date")
def list_vaccines(request: HttpRequest) -> Any:
    return selectors.vaccine_list(include_inactive=True)


@router.get("/doses", response=DosePage, summary="Doses of the caller's area (newest first), or of one person")
def list_doses(request: HttpRequest, query: Query[DoseQuery]) -> Any:
    actor = _actor(request)
    within = within_unit(actor, query.within_unit_id)
    qs = selectors.dose_qs(actor, within=within, include_inactive=query.include_inactive)
    if query.person_id is not None:
        try:
            person = person_get(actor=actor, person_id=query.person_id, audit=False)
        except ApplicationError as exc:
            raise not_found_on(exc, "person_id", "Không tìm thấy người trong địa bàn của bạn.") from exc
        qs = qs.filter(person=person)
    if query.given_from:
        qs = qs.filter(given_on__gte=query.given_from)
    if query.given_to:
        qs = qs.filter(given_on__lte=query.given_to)
    return keyset_page(qs, order=selectors.DOSE_ORDER, cursor=query.cursor, limit=query.limit)


@router.post(
    "/doses",
    response={201: DoseOut},
    summary="Record a dose at a site (schedule rules checked; errors name the field)",
)
def create_dose(request: HttpRequest, payload: DoseIn) -> Any:
    actor = _actor(request)
    require_perm(actor, Perm.DOSE_RECORD)  # the right first, then the person's place
    try:
        person = person_get(actor=actor, person_id=payload.person_id, audit=False)
    except ApplicationError as exc:
        raise not_found_on(exc, "person_id", "Không tìm thấy người trong địa bàn của bạn.") from exc
    site = None
    if payload.site_id is not None:
        try:
            site = site_get(within=actor.unit_path, site_id=payload.site_id)
        except ApplicationError as exc:
            raise not_found_on(exc, "site_id", "Không tìm thấy điểm tiêm trong địa bàn của bạn.") from exc
    vaccine = selectors.vaccine_find(payload.vaccine)
    if vaccine is None:
        raise ApplicationError.field("vaccine", f"Không rõ loại vắc xin “{payload.vaccine}”.")
    dose = services.dose_record(
        actor=actor,
        person=person,
        dose_number=payload.dose_number,
        vaccine=vaccine,
        given_on=payload.given_on,
        lot=payload.lot,
        site=site,
        site_name=payload.site_name,
    )
    return Status(201, dose)


@router.get("/doses/{int:dose_id}", response=DoseOut, summary="One dose")
def get_dose(request: HttpRequest, dose_id: int) -> Any:
    return selectors.dose_get(actor=_actor(request), dose_id=dose_id)


@router.post(
    "/doses/{int:dose_id}/deactivate",
    response=DoseOut,
    summary="Withdraw a dose entered by mistake (a later active dose blocks it)",
)
def deactivate_dose(request: HttpRequest, dose_id: int, payload: ReasonIn) -> Any:
    actor = _actor(request)
    dose = selectors.dose_get(actor=actor, dose_id=dose_id)
    return services.dose_deactivate(actor=actor, dose=dose, reason=payload.reason)


@router.post(
    "/imports",
    response={202: ImportQueuedOut},
    summary="Import doses from a CSV/Excel export of the national platform; runs in the background",
    description=(
        "Columns (Vietnamese or English headers): CCCD/CMND (national_id), Họ và tên (full_name), Ngày sinh "
        "(birth_date, or a year), Số điện thoại (phone), Mũi tiêm (dose_number), Loại vắc xin (vaccine), Số lô (lot), "
        "Ngày tiêm (vaccination_date), Nơi tiêm (site), optional Xã/phường (commune). Every row is checked first; "
        "any row error writes nothing. Rows are matched by national ID, then folded name + birth + commune; the "
        "rest go to the review queue. Re-importing the same file adds nothing. Follow the job at status_url."
    ),
)
def upload_doses(request: HttpRequest, file: File[UploadedFile], within_unit_id: int | None = None) -> Any:
    actor = _actor(request)
    within = within_unit(actor, within_unit_id) or actor.unit_path
    job = imports.dose_import_enqueue(actor=actor, within=within, data=file.read(), filename=file.name or "upload.csv")
    return Status(202, {"job_id": job.pk, "status_url": f"/api/jobs/{job.pk}"})


@router.get("/reviews", response=ReviewPage, summary="The review queue of imported rows (newest first)")
def list_reviews(request: HttpRequest, query: Query[ReviewQuery]) -> Any:
    actor = _actor(request)
    qs = selectors.review_qs(actor, within=within_unit(actor, query.within_unit_id), status=query.status)
    return keyset_page(qs, order=selectors.REVIEW_ORDER, cursor=query.cursor, limit=query.limit)


@router.get("/reviews/{int:review_id}", response=ReviewOut, summary="One queued row with its candidates")
def get_review(request: HttpRequest, review_id: int) -> Any:
    return selectors.review_get(actor=_actor(request), review_id=review_id)


@router.post(
    "/reviews/{int:review_id}/resolve",
    response=ReviewOut,
    summary="Say who the row is: the dose is recorded for that person",
)
def resolve_review(request: HttpRequest, review_id: int, payload: ResolveIn) -> Any:
    actor = _actor(request)
    review = selectors.review_get(actor=actor, review_id=review_id)
    try:
        person = person_get(actor=actor, person_id=payload.person_id, audit=False)
    except ApplicationError as exc:
        raise not_found_on(exc, "person_id", "Không tìm thấy người trong địa bàn của bạn.") from exc
    with transaction.atomic():
        return services.review_resolve(actor=actor, review=review, person=person)


@router.post("/reviews/{int:review_id}/reject", response=ReviewOut, summary="Reject a queued row, with a reason")
def reject_review(request: HttpRequest, review_id: int, payload: ReasonIn) -> Any:
    actor = _actor(request)
    review = selectors.review_get(actor=actor, review_id=review_id)
    return services.review_reject(actor=actor, review=review, reason=payload.reason)
