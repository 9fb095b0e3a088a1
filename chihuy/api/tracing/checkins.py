"""Check-ins: bulk ingest from other systems (JSON or CSV, per-event results), the ingest batches, and the public
check-in and check-out of a citizen's phone (`auth=None`: the venue's code is public, the visitor token the phone
keeps is the key to its own visits)."""

from __future__ import annotations

import csv
import io
from typing import Any

import orjson
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from chihuy.accounts.access import require_perm
from chihuy.accounts.roles import Perm
from chihuy.api.tracing.schemas_checkins import (
    BULK_OPENAPI,
    BatchDetailOut,
    BatchPage,
    BatchQuery,
    IngestReportOut,
    PublicCheckinIn,
    PublicCheckinOut,
    PublicCheckoutIn,
    PublicCheckoutOut,
)
from chihuy.core.errors import ApplicationError, ErrorCode, not_found_on
from chihuy.response import exposure as exposure_response
from chihuy.tracing import selectors, selectors_checkins
from chihuy.tracing.models import CheckIn
from chihuy.tracing.services import checkins as services
from chihuy.tracing.services.ingest import checkins_ingest

router = Router(tags=["Địa điểm & quét mã QR"])

MAX_BODY_BYTES = 8 * 1024 * 1024
CSV_TYPES = ("text/csv", "application/csv")
CSV_COLUMNS = ("id", "venue", "phone", "name", "national_id", "checked_in_at", "checked_out_at")
CSV_REQUIRED = ("id", "venue", "phone", "checked_in_at")


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _bad_body(message: str, field: str = "body") -> ApplicationError:
    return ApplicationError.field(field, message)


def _read_body(request: HttpRequest) -> bytes:
    """The raw body, refused whole (413) past the byte limit — checked on the declared length before reading."""
    too_large = ApplicationError(
        ErrorCode.UPLOAD_TOO_LARGE,
        _("Lô quá lớn: tối đa %(mb)s MB mỗi yêu cầu; hãy chia nhỏ.") % {"mb": MAX_BODY_BYTES // (1024 * 1024)},
        [{"field": "body", "message": _("Vượt quá %(mb)s MB.") % {"mb": MAX_BODY_BYTES // (1024 * 1024)}}],
    )
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY_BYTES:
        raise too_large
    data = request.body
    if len(data) > MAX_BODY_BYTES:
        raise too_large
    if not data.strip():
        raise _bad_body(_("Thân yêu cầu trống: gửi một lô sự kiện (JSON hoặc CSV)."))
    return data


def _json_events(data: bytes) -> list[Any]:
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise _bad_body(_("JSON không hợp lệ: %(err)s") % {"err": str(exc)[:200]}) from None
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        events = document.get("events")
        if isinstance(events, list):
            return events
        raise _bad_body(_("Thiếu “events”: một mảng các sự kiện quét mã."), "events")
    raise _bad_body(_('Thân yêu cầu phải là {"events": [...]} hoặc một mảng sự kiện.'))


def _csv_events(data: bytes) -> list[dict[str, str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _bad_body(_("Tệp CSV phải mã hóa UTF-8.")) from None
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(reader, None)
    names = [h.strip().lower() for h in header or []]
    missing = [c for c in CSV_REQUIRED if c not in names]
    if missing:
        raise _bad_body(
            _("Dòng tiêu đề CSV thiếu cột: %(cols)s (cần: %(all)s).")
            % {"cols": ", ".join(missing), "all": ",".join(CSV_COLUMNS)}
        )
    wanted = [(i, name) for i, name in enumerate(names) if name in CSV_COLUMNS]
    events = []
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue  # a blank line
        events.append({name: row[i].strip() if i < len(row) else "" for i, name in wanted})
    return events


@router.post(
    "/checkins/bulk",
    response=IngestReportOut,
    summary="Gửi lô sự kiện quét mã (JSON hoặc CSV): kết quả từng sự kiện — nhận, trùng hoặc từ chối kèm lý do",
    description="Mỗi sự kiện được xét riêng: địa điểm không có (hoặc ngoài địa bàn của người gửi), số điện thoại "
    "sai, giờ ra trước giờ vào, thời điểm ở tương lai hoặc quá thời hạn lưu, cùng mã khác nội dung — bị từ chối "
    "kèm trường và lý do, phần còn lại của lô vẫn được nhận. Gửi lại cả lô không ghi trùng. Chỉ lô quá lớn "
    "(413 khi quá 8 MB, 422 khi quá số sự kiện theo quy định) hoặc sai định dạng (422) bị từ chối cả lô.",
    openapi_extra=BULK_OPENAPI,
)
def bulk_ingest(
    request: HttpRequest,
    source: str = Query(  # type: ignore[type-arg]
        ...,
        max_length=40,
        description="Tên hệ thống gửi (chữ thường, số, . _ -): mã sự kiện là duy nhất trong một hệ thống.",
    ),
) -> Any:
    actor = _actor(request)
    require_perm(actor, Perm.CHECKIN_INGEST)
    data = _read_body(request)
    content_type = (request.content_type or "").lower()
    events: list[Any] = _csv_events(data) if content_type in CSV_TYPES else _json_events(data)
    report = checkins_ingest(actor=actor, source=source, events=events)
    job = exposure_response.exposures_after_ingest(actor=actor, report=report)
    return {**report.as_dict(), "exposures_job_id": job.pk if job is not None else None}


@router.get("/checkins/batches", response=BatchPage, summary="Các lô sự kiện quét mã đã nhận (trong địa bàn)")
def list_batches(request: HttpRequest, query: Query[BatchQuery]) -> Any:
    return selectors.batch_list(actor=_actor(request), cursor=query.cursor, limit=query.limit)


@router.get(
    "/checkins/batches/{int:batch_id}",
    response=BatchDetailOut,
    summary="Một lô sự kiện quét mã với các sự kiện bị từ chối (trường, lý do)",
)
def get_batch(request: HttpRequest, batch_id: int) -> Any:
    return selectors_checkins.batch_get(actor=_actor(request), batch_id=batch_id)


def _visit_out(checkin: CheckIn, visitor_token: str, venue_name: str, repeated: bool) -> dict[str, Any]:
    return {
        "checkin_id": checkin.pk,
        "visitor_token": visitor_token,
        "venue": venue_name,
        "venue_code": checkin.venue.code,
        "checked_in_at": timezone.localtime(checkin.checked_in_at),
        "counted_until": timezone.localtime(checkin.checked_out_at),
        "repeated": repeated,
    }


@router.post(
    "/public/checkins",
    auth=None,
    response={200: PublicCheckinOut, 201: PublicCheckinOut},
    summary="Công khai (mã QR địa điểm): người dân ghi nhận có mặt, không cần tài khoản",
    description="Gửi số điện thoại và họ tên (lần đầu), hoặc `visitor_token` đã nhận (một chạm). 201: lượt mới; "
    "200: quét lại trong 10 phút, vẫn là lượt trước. Địa điểm chưa duyệt hoặc đã ngừng: 422 ở trường `venue`.",
)
def public_checkin(request: HttpRequest, payload: PublicCheckinIn) -> Any:
    try:
        venue = selectors.venue_by_code(payload.venue)
    except ApplicationError as exc:
        raise not_found_on(exc, "venue", _("Không có địa điểm mã “%(c)s”.") % {"c": payload.venue}) from exc
    if payload.visitor_token and not payload.phone:
        try:
            scan = services.checkin_remembered(venue=venue, token=payload.visitor_token)
        except ApplicationError as exc:
            details = exc.details if isinstance(exc.details, list) else []
            renamed = [
                {**d, "field": "visitor_token" if d.get("field") == "token" else d.get("field")} for d in details
            ]
            raise ApplicationError(exc.code, exc.message, renamed) from exc
    else:
        if not payload.phone.strip():
            raise ApplicationError.field("phone", _("Nhập số điện thoại (hoặc gửi visitor_token)."))
        scan = services.checkin_public(
            venue=venue, phone=payload.phone, name=payload.name, national_id=payload.national_id
        )
    body = _visit_out(scan.checkin, scan.visitor.token, venue.site.name, scan.repeated)
    return Status(200 if scan.repeated else 201, body)


@router.post(
    "/public/checkins/{int:checkin_id}/checkout",
    auth=None,
    response=PublicCheckoutOut,
    summary="Công khai: người dân bấm Rời đi (lượt của chính mình, theo visitor_token)",
)
def public_checkout(request: HttpRequest, checkin_id: int, payload: PublicCheckoutIn) -> Any:
    try:
        checkin = services.checkout(token=payload.visitor_token, checkin_id=checkin_id)
    except ApplicationError as exc:
        raise not_found_on(exc, "checkin_id", exc.message) from exc
    visit = selectors_checkins.visit_of(token=payload.visitor_token, checkin_id=checkin.pk)
    name = visit.venue.site.name if visit is not None else ""
    return {
        "checkin_id": checkin.pk,
        "venue": name,
        "checked_in_at": timezone.localtime(checkin.checked_in_at),
        "checked_out_at": timezone.localtime(checkin.checked_out_at),
        "checked_out": checkin.checked_out,
    }
