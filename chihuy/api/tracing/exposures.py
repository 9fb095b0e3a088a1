"""Exposures: query for a person and window, F1 candidates (list, get, confirm, dismiss), batch recompute jobs (their
progress is GET /api/jobs/{id}), a person's check-ins (audited). Outside the caller's area: 404; a candidate of
another unit's F0: seen, but decided by that unit (403)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from chihuy.accounts.access import has_perm, require_perm, within_unit
from chihuy.accounts.roles import Perm
from chihuy.api.tracing.schemas_exposures import (
    BatchIn,
    BatchOut,
    CandidateOut,
    CandidatePage,
    CandidateQuery,
    CheckinsQuery,
    ConfirmIn,
    ConfirmOut,
    DismissIn,
    ExposureQueryIn,
    ExposureQueryOut,
    VisitOut,
)
from chihuy.cases import selectors as case_selectors
from chihuy.core import clock
from chihuy.core.errors import ApplicationError
from chihuy.core.errors import not_found_on as _on_field
from chihuy.people import selectors as people_selectors
from chihuy.people.models import Person
from chihuy.places.selectors import unit_get
from chihuy.response import exposure as response
from chihuy.tracing import selectors, selectors_exposures
from chihuy.tracing.models import ExposureCandidate
from chihuy.tracing.services import candidates as candidate_services
from chihuy.tracing.services.checkins import person_checkins

router = Router(tags=["Địa điểm & quét mã QR"])


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _person(actor: Any, person_id: int, field: str = "person_id") -> Person:
    try:
        return people_selectors.person_get(actor=actor, person_id=person_id, audit=False)
    except ApplicationError as exc:
        raise _on_field(exc, field, _("Không tìm thấy người này trong địa bàn của bạn.")) from exc


def _candidate_out(actor: Any, c: ExposureCandidate, near: int | None = None) -> dict[str, Any]:
    phone = c.visitor.phone
    if near is None:
        near = selectors.sources_near([c.visitor_id]).get(c.visitor_id, 0)
    return {
        "id": c.pk,
        "status": c.status,
        "name": c.person.full_name if c.person_id and c.person is not None else c.visitor.name,
        "phone": phone
        if selectors_exposures.sees_phone(actor, c.source_unit_path, c.unit_path)
        else selectors_exposures.mask_phone(phone),
        "person_id": c.person_id,
        "source_person_id": c.source_person_id if selectors_exposures.sees_source(actor, c) else None,
        "case_number": c.case_number,
        "venue_id": c.venue_id,
        "venue_code": c.venue.code,
        "venue_name": c.venue.site.name,
        "source_from": c.source_from,
        "source_to": c.source_to,
        "exposed_from": c.exposed_from,
        "exposed_to": c.exposed_to,
        "overlap_minutes": c.overlap_minutes,
        "visits": c.visits,
        "near_f0": near,
        "reason": c.reason,
        "decided_at": c.decided_at,
        "contact_id": c.contact_ref,
        "can_decide": selectors_exposures.may_decide(actor, c),
    }


@router.post(
    "/exposures/query",
    response=ExposureQueryOut,
    summary="Tìm người đã quét mã cùng địa điểm, cùng thời gian với một người trong khoảng ngày "
    "(người này là F0 đang hoạt động thì người mới được ghi vào danh sách F1 dự kiến)",
)
def exposures_query(request: HttpRequest, payload: ExposureQueryIn) -> Any:
    actor = _actor(request)
    person = _person(actor, payload.person_id)
    found = response.exposures_find(actor=actor, person=person, date_from=payload.date_from, date_to=payload.date_to)
    return {
        "run_id": found.run.pk,
        "person_id": person.pk,
        "case_number": found.run.params.get("case", ""),
        "recorded": bool(found.run.params.get("case")),
        "new_candidates": found.run.new_candidates,
        "hits": selectors_exposures.hit_rows(
            actor=actor,
            exposures=found.exposures,
            source_path=person.unit_path if found.run.params.get("case") else "",
        ),
    }


@router.get(
    "/candidates",
    response=CandidatePage,
    summary="F1 dự kiến qua quét mã trong địa bàn (nhiều phút cùng lúc nhất, gần nhiều F0 nhất lên trước)",
)
def list_candidates(request: HttpRequest, query: Query[CandidateQuery]) -> Any:
    actor = _actor(request)
    page = selectors_exposures.candidate_queue(
        actor=actor,
        within=within_unit(actor, query.within_unit_id),
        status=query.status,
        source_person_id=query.source_person_id,
        cursor=query.cursor,
        limit=query.limit,
    )
    return {
        "items": [_candidate_out(actor, c, near=getattr(c, "near", 0)) for c in page.items],
        "next_cursor": page.next_cursor,
    }


@router.get("/candidates/{int:candidate_id}", response=CandidateOut, summary="Một người F1 dự kiến")
def get_candidate(request: HttpRequest, candidate_id: int) -> Any:
    actor = _actor(request)
    return _candidate_out(actor, selectors.candidate_get(actor=actor, candidate_id=candidate_id))


@router.post(
    "/candidates/{int:candidate_id}/confirm",
    response=ConfirmOut,
    summary="Xác nhận là người tiếp xúc (tạo tiếp xúc tại địa điểm; mức F theo quy định hiện hành) — "
    "chỉ đơn vị quản lý ca F0",
)
def confirm_candidate(request: HttpRequest, candidate_id: int, payload: ConfirmIn) -> Any:
    actor = _actor(request)
    candidate = selectors.candidate_get(actor=actor, candidate_id=candidate_id)
    person = _person(actor, payload.person_id) if payload.person_id else None
    unit = None
    if payload.unit_id is not None:
        try:
            unit = unit_get(unit_id=payload.unit_id)
        except ApplicationError as exc:
            raise _on_field(exc, "unit_id", _("Không tìm thấy đơn vị.")) from exc
    try:
        contact = response.candidate_confirm(
            actor=actor,
            candidate=candidate,
            person=person,
            unit=unit,
            birth_year=payload.birth_year,
            sex=payload.sex,
            distance_m=payload.distance_m,
            masked=payload.masked,
            physical_contact=payload.physical_contact,
            duration_minutes=payload.duration_minutes,
            note=payload.note,
        )
    except ApplicationError as exc:
        raise _renamed(exc) from exc
    level = None
    if has_perm(actor, Perm.CASE_VIEW):
        classification = case_selectors.classification_get(actor=actor, person_id=contact.contact_person_id)
        level = classification.level if classification is not None else None
    return {
        "candidate": _candidate_out(actor, selectors.candidate_get(actor=actor, candidate_id=candidate_id)),
        "contact_id": contact.pk,
        "person_id": contact.contact_person_id,
        "qualifies": contact.qualifies,
        "qualify_reason": contact.qualify_reason,
        "level": level,
    }


def _renamed(exc: ApplicationError) -> ApplicationError:
    """The service names its arguments (person, unit); the body names ids."""
    names = {"person": "person_id", "unit": "unit_id", "contact_person": "person_id"}
    details = exc.details if isinstance(exc.details, list) else []
    fixed = [{**d, "field": names.get(str(d.get("field", "")), d.get("field"))} for d in details]
    return ApplicationError(exc.code, exc.message, fixed)


@router.post(
    "/candidates/{int:candidate_id}/dismiss",
    response=CandidateOut,
    summary="Loại khỏi danh sách F1 dự kiến, có lý do (giữ lại) — chỉ đơn vị quản lý ca F0",
)
def dismiss_candidate(request: HttpRequest, candidate_id: int, payload: DismissIn) -> Any:
    actor = _actor(request)
    candidate = selectors.candidate_get(actor=actor, candidate_id=candidate_id)
    candidate_services.candidate_dismiss(actor=actor, candidate=candidate, reason=payload.reason)
    return _candidate_out(actor, selectors.candidate_get(actor=actor, candidate_id=candidate_id))


@router.post(
    "/exposures/batch",
    response={202: BatchOut},
    summary="Tính lại người tiếp xúc qua quét mã cho mọi F0 đang hoạt động của địa bàn (chạy nền, chỉ thêm người "
    "mới; tiến độ ở GET /api/jobs/{job_id})",
)
def exposures_batch(request: HttpRequest, payload: BatchIn) -> Any:
    actor = _actor(request)
    require_perm(actor, Perm.EXPOSURE_WORK)  # the right before the place, as everywhere
    job = response.exposures_batch_start(actor=actor, within=within_unit(actor, payload.within_unit_id))
    return Status(202, {"job_id": job.pk, "status": job.status, "progress_url": f"/api/jobs/{job.pk}"})


@router.get(
    "/people/{int:person_id}/checkins",
    response=list[VisitOut],
    summary="Lịch sử quét mã của một người trong khoảng ngày (mặc định 14 ngày gần nhất; mỗi lần xem được ghi nhật ký)",
)
def list_person_checkins(request: HttpRequest, person_id: int, query: Query[CheckinsQuery]) -> Any:
    actor = _actor(request)
    person = _person(actor, person_id, field="person_id")
    date_to = query.date_to or clock.today()
    date_from = query.date_from or date_to - dt.timedelta(days=13)
    return person_checkins(actor=actor, person=person, date_from=date_from, date_to=date_to)
