"""Venues (mounted at /api/tracing): the area's venues (filters, keyset pages) and map points, one venue,
registration by an officer (active at once), edits, approval/deactivation (a reason)/reactivation, the QR as SVG or
PNG and the A4 poster as PDF; and, without an account, what a scanned code shows (name, category, commune,
status — nothing else). Outside the caller's area a venue is not found (404); a missing right is 403."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from chihuy.accounts.access import within_unit
from chihuy.api.tracing.schemas_venues import (
    MapPointOut,
    MapQuery,
    PublicVenueOut,
    StatusIn,
    VenueIn,
    VenueOut,
    VenuePage,
    VenuePatch,
    VenueQuery,
)
from chihuy.core.errors import ApplicationError
from chihuy.core.errors import not_found_on as _on_field
from chihuy.places.enums import UnitLevel
from chihuy.places.selectors import unit_get
from chihuy.tracing import poster, selectors
from chihuy.tracing.models import Venue
from chihuy.tracing.services import venues as services

router = Router(tags=["Địa điểm & quét mã QR"])


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _url(request: HttpRequest, venue: Venue) -> str:
    return request.build_absolute_uri(poster.checkin_path(venue.code))


def _out(request: HttpRequest, venue: Venue) -> dict[str, Any]:
    site = venue.site
    return {
        "id": venue.pk,
        "code": venue.code,
        "name": site.name,
        "category": venue.category,
        "status": venue.status,
        "status_reason": venue.status_reason,
        "unit_id": venue.unit_id,
        "unit_name": venue.unit.name,
        "unit_path": venue.unit_path,
        "address": site.address,
        "phone": site.phone,
        "latitude": site.latitude,
        "longitude": site.longitude,
        "owner_name": venue.owner_name,
        "owner_phone": venue.owner_phone,
        "checkin_url": _url(request, venue),
        "created_at": venue.created_at,
    }


def _on_unit(exc: ApplicationError) -> ApplicationError:
    """The services name the unit `unit`; the request named it `unit_id`."""
    details = exc.details if isinstance(exc.details, list) else []
    if any(d.get("field") == "unit" for d in details):
        return ApplicationError(
            exc.code, exc.message, [{**d, "field": "unit_id"} if d.get("field") == "unit" else d for d in details]
        )
    return exc


@router.get("/venues", response=VenuePage, summary="Địa điểm quét mã QR trong địa bàn (lọc theo trạng thái, loại, tìm)")
def list_venues(request: HttpRequest, query: Query[VenueQuery]) -> Any:
    actor = _actor(request)
    page = selectors.venue_list(
        actor=actor,
        within=within_unit(actor, query.within_unit_id),
        status=query.status or None,
        category=query.category or None,
        q=query.q,
        cursor=query.cursor,
        limit=query.limit,
    )
    return {"items": [_out(request, v) for v in page.items], "next_cursor": page.next_cursor}


@router.get("/venues/map", response=list[MapPointOut], summary="Điểm trên bản đồ: địa điểm đang hoạt động, chờ duyệt")
def venue_map(request: HttpRequest, query: Query[MapQuery]) -> Any:
    actor = _actor(request)
    return selectors.venue_map_points(actor=actor, within=within_unit(actor, query.within_unit_id))


@router.get("/venues/{int:venue_id}", response=VenueOut, summary="Một địa điểm quét mã QR")
def get_venue(request: HttpRequest, venue_id: int) -> Any:
    return _out(request, selectors.venue_get(actor=_actor(request), venue_id=venue_id))


@router.post(
    "/venues",
    response={201: VenueOut},
    summary="Cán bộ đăng ký địa điểm quét mã QR của xã (hoạt động ngay, có mã QR)",
)
def create_venue(request: HttpRequest, payload: VenueIn) -> Any:
    actor = _actor(request)
    try:
        unit = unit_get(unit_id=payload.unit_id)
    except ApplicationError as exc:
        raise _on_field(exc, "unit_id", _("Không tìm thấy đơn vị trong địa bàn của bạn.")) from exc
    values = payload.dict(exclude={"unit_id"})
    try:
        venue = services.venue_register(actor=actor, unit=unit, **values)
    except ApplicationError as exc:
        raise _on_unit(exc) from exc
    return Status(201, _out(request, selectors.venue_get(actor=actor, venue_id=venue.pk)))


@router.patch("/venues/{int:venue_id}", response=VenueOut, summary="Sửa tên, loại, địa chỉ, tọa độ, chủ địa điểm")
def update_venue(request: HttpRequest, venue_id: int, payload: VenuePatch) -> Any:
    actor = _actor(request)
    venue = selectors.venue_get(actor=actor, venue_id=venue_id)
    changes = payload.dict(exclude_unset=True)
    if changes.get("name") is None and "name" in changes:
        raise ApplicationError.field("name", _("Nhập tên địa điểm."))
    if changes.get("category") is None and "category" in changes:
        raise ApplicationError.field("category", _("Chọn loại địa điểm."))
    for key in ("address", "phone", "owner_name", "owner_phone"):
        if key in changes and changes[key] is None:
            changes[key] = ""
    services.venue_update(actor=actor, venue=venue, **changes)
    return _out(request, selectors.venue_get(actor=actor, venue_id=venue_id))


@router.post(
    "/venues/{int:venue_id}/status",
    response=VenueOut,
    summary="Duyệt địa điểm chờ duyệt, ngừng hoạt động (cần lý do) hoặc cho hoạt động trở lại",
)
def venue_status(request: HttpRequest, venue_id: int, payload: StatusIn) -> Any:
    actor = _actor(request)
    venue = selectors.venue_get(actor=actor, venue_id=venue_id)
    services.venue_transition(actor=actor, venue=venue, to=payload.to, reason=payload.reason)
    return _out(request, selectors.venue_get(actor=actor, venue_id=venue_id))


@router.get("/venues/{int:venue_id}/qr.svg", response={200: None}, summary="Mã QR của địa điểm (SVG)")
def venue_qr_svg(request: HttpRequest, venue_id: int) -> Any:
    venue = selectors.venue_get(actor=_actor(request), venue_id=venue_id)
    return HttpResponse(poster.qr_svg(_url(request, venue)), content_type="image/svg+xml")


@router.get("/venues/{int:venue_id}/qr.png", response={200: None}, summary="Mã QR của địa điểm (PNG)")
def venue_qr_png(request: HttpRequest, venue_id: int) -> Any:
    venue = selectors.venue_get(actor=_actor(request), venue_id=venue_id)
    return HttpResponse(poster.qr_png(_url(request, venue)), content_type="image/png")


@router.get(
    "/venues/{int:venue_id}/poster.pdf",
    response={200: None},
    summary="Áp phích mã QR để in (PDF A4: “QUÉT MÃ QR KHI VÀO ĐỊA ĐIỂM”, tên, mã, hướng dẫn)",
)
def venue_poster(request: HttpRequest, venue_id: int) -> Any:
    venue = selectors.venue_get(actor=_actor(request), venue_id=venue_id)
    try:
        pdf = poster.poster_pdf(venue, _url(request, venue))
    except poster.PdfUnavailable:
        return HttpResponse(_("Máy chủ chưa cài thư viện Pango."), status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="ma-qr-{venue.code}.pdf"'
    return response


@router.get(
    "/public/venues/{code}",
    auth=None,
    response=PublicVenueOut,
    summary="Công khai (mã QR vừa quét): tên, loại, xã và trạng thái của địa điểm — không gì khác",
)
def public_venue(request: HttpRequest, code: str) -> Any:
    venue = selectors.venue_by_code(code)
    commune = venue.unit.parent if venue.unit.level == UnitLevel.VILLAGE and venue.unit.parent else venue.unit
    return {
        "code": venue.code,
        "name": venue.site.name,
        "category": venue.category,
        "commune": commune.name,
        "status": venue.status,
    }
