"""Contacts (one by one or a line list), F-levels with their path and history, the tracing queue."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status, UploadedFile

from chihuy.api.cases.common import (
    _actor,
    _new_person,
    _person,
    _within,
)
from chihuy.api.cases.schemas import (
    AttemptIn,
    AttemptOut,
    ContactIn,
    ContactOut,
    ContactQuery,
    ExposureIn,
    LevelOut,
    LineListIn,
    LineReportOut,
    QueuePage,
    QueueQuery,
    ReasonIn,
)
from chihuy.cases import selectors, services
from chihuy.cases.services.contacts import LINE_COLUMNS
from chihuy.core.errors import ApplicationError
from chihuy.people import selectors as people_selectors
from chihuy.people.models import Person

router = Router(tags=["contacts"])


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
