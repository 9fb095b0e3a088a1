"""Venue screens (issue 7): the venue list of the area (tabs by status, category, search, Excel) and its map, register,
edit, approve, deactivate with a reason and reactivate, a venue's page with its QR code and the count of recent
check-ins, the A4 poster (PDF) and the bare QR (PNG/SVG). Public, without an account: the owner registers a venue
(pending until the commune approves it) and keeps a private page with the poster and a staff scan of citizens'
personal QR codes. Owns its URL patterns (included by chihuy/web/urls.py)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from chihuy.accounts.access import has_perm, user_path
from chihuy.accounts.roles import Perm
from chihuy.core import clock
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.core.tabular import write_xlsx
from chihuy.places.enums import UnitLevel
from chihuy.places.models import Unit
from chihuy.places.selectors import unit_roots, unit_subtree
from chihuy.tracing import poster, selectors
from chihuy.tracing.enums import VenueCategory, VenueStatus
from chihuy.tracing.models import Venue
from chihuy.tracing.services import checkins as checkin_services
from chihuy.tracing.services import venues as services
from chihuy.web.forms import StyledForm, UnitField, apply_error
from chihuy.web.views._common import scope, screen

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A personal QR may carry the bare code or a link ending in it: the 32 hex characters are the code.
_PERSONAL_CODE = re.compile(r"[0-9a-fA-F]{32}")


def _raise_unless_field(exc: ApplicationError) -> None:
    """A missing right or a record out of reach stays a 403/404; field errors go back to the form."""
    details = exc.details if isinstance(exc.details, list) else []
    if exc.code == ErrorCode.PERMISSION_DENIED:
        raise exc
    if exc.code == ErrorCode.NOT_FOUND and not any(d.get("field") for d in details):
        raise exc


def checkin_url(request: HttpRequest, venue: Venue) -> str:
    """The absolute address the venue's QR encodes: the public check-in page."""
    return request.build_absolute_uri(poster.checkin_path(venue.code))


def mask_phone(phone: str) -> str:
    """0912345678 → 091****678: enough for the staff to tell two visitors apart, not to call them."""
    return phone[:3] + "*" * max(0, len(phone) - 6) + phone[-3:] if len(phone) > 6 else phone


# --- forms ---------------------------------------------------------------------------------------------------


class VenueEditForm(StyledForm):
    name = forms.CharField(label=gettext_lazy("Tên địa điểm"), max_length=200)
    category = forms.ChoiceField(label=gettext_lazy("Loại địa điểm"), choices=[("", "—"), *VenueCategory.choices])
    address = forms.CharField(label=gettext_lazy("Địa chỉ"), max_length=300, required=False)
    phone = forms.CharField(label=gettext_lazy("Điện thoại địa điểm"), max_length=20, required=False)
    latitude = forms.FloatField(label=gettext_lazy("Vĩ độ"), required=False, min_value=-90, max_value=90)
    longitude = forms.FloatField(label=gettext_lazy("Kinh độ"), required=False, min_value=-180, max_value=180)
    owner_name = forms.CharField(label=gettext_lazy("Chủ địa điểm / người phụ trách"), max_length=200, required=False)
    owner_phone = forms.CharField(label=gettext_lazy("Điện thoại chủ địa điểm"), max_length=20, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("phone", "owner_phone"):
            self.fields[name].widget.attrs.update({"inputmode": "tel", "autocomplete": "off"})
        for name in ("latitude", "longitude"):
            self.fields[name].widget.attrs.update({"step": "any", "inputmode": "decimal"})

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        for key in ("address", "phone", "owner_name", "owner_phone"):
            data[key] = data.get(key) or ""
        return data


class VenueForm(VenueEditForm):
    unit = UnitField(label=gettext_lazy("Xã / thôn, bản"))
    field_order = ["unit", "name", "category", "address", "phone", "latitude", "longitude", "owner_name", "owner_phone"]

    def __init__(self, *args: Any, units: list[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field: Any = self.fields["unit"]
        unit_field.set_units(units)


class StatusForm(StyledForm):
    to = forms.ChoiceField(choices=VenueStatus.choices, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=gettext_lazy("Lý do"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Bắt buộc khi ngừng hoạt động (mã QR thôi nhận quét)."),
    )


class PublicVenueForm(StyledForm):
    unit = UnitField(label=gettext_lazy("Xã, phường nơi có địa điểm"))
    name = forms.CharField(label=gettext_lazy("Tên địa điểm (cửa hàng, quán, cơ quan…)"), max_length=200)
    category = forms.ChoiceField(label=gettext_lazy("Loại địa điểm"), choices=[("", "—"), *VenueCategory.choices])
    address = forms.CharField(label=gettext_lazy("Địa chỉ (thôn, bản, số nhà)"), max_length=300)
    owner_name = forms.CharField(label=gettext_lazy("Họ tên chủ địa điểm"), max_length=200)
    owner_phone = forms.CharField(label=gettext_lazy("Số điện thoại chủ địa điểm"), max_length=20)
    # The honeypot: hidden from people by CSS and aria-hidden; robots fill in every field they see.
    website = forms.CharField(label=gettext_lazy("Để trống ô này"), required=False)

    def __init__(self, *args: Any, units: list[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field: Any = self.fields["unit"]
        unit_field.set_units(units)
        self.fields["owner_phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})


class ScanForm(StyledForm):
    code = forms.CharField(
        label=gettext_lazy("Mã cá nhân của khách"),
        max_length=300,
        help_text=gettext_lazy("Quét mã QR cá nhân trên điện thoại của khách, hoặc gõ mã."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update({"autocomplete": "off", "autofocus": True, "autocapitalize": "none"})

    def personal_code(self) -> str:
        text = self.cleaned_data["code"].strip()
        found = _PERSONAL_CODE.search(text)
        return found.group(0) if found else text


# --- list, export, map ---------------------------------------------------------------------------------------


def _filters(request: HttpRequest) -> dict[str, str]:
    status = request.GET.get("status", "")
    category = request.GET.get("category", "")
    return {
        "status": status if status in VenueStatus.values else "",
        "category": category if category in VenueCategory.values else "",
        "q": request.GET.get("q", "").strip()[:100],
    }


@screen(Perm.VENUE_VIEW)
def venue_list(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    filters = _filters(request)
    cursor = request.GET.get("cursor") or None
    values = {"actor": actor, "within": scope(request), **filters, "limit": PAGE_SIZE}
    try:
        page = selectors.venue_list(cursor=cursor, **values)
    except ApplicationError:  # a spoilt cursor: back to the first page
        cursor = None
        page = selectors.venue_list(cursor=None, **values)
    counts = selectors.venue_counts(actor=actor, within=scope(request))
    query = {k: v for k, v in filters.items() if v}
    tab_query = {k: v for k, v in query.items() if k != "status"}
    return render(
        request,
        "web/tracing/venue_list.html",
        {
            "page": page,
            "filters": filters,
            "tabs": [("", _("Tất cả"), sum(counts.values()))]
            + [(s.value, s.label, counts.get(s.value, 0)) for s in VenueStatus],
            "categories": VenueCategory.choices,
            "query": urlencode(query),
            "tab_query": urlencode(tab_query),
            "cursor": cursor,
            "filtered": bool(query),
            "can_manage": has_perm(actor, Perm.VENUE_MANAGE),
        },
    )


@screen(Perm.VENUE_VIEW)
def venue_export(request: HttpRequest) -> HttpResponse:
    venues = selectors.venue_export(actor=request.user, within=scope(request), **_filters(request))
    headers = [
        _("Mã"),
        _("Tên địa điểm"),
        _("Loại"),
        _("Xã / thôn, bản"),
        _("Địa chỉ"),
        _("Chủ địa điểm"),
        _("Điện thoại chủ"),
        _("Trạng thái"),
    ]
    rows = [
        [
            v.code,
            v.site.name,
            str(VenueCategory(v.category).label),
            v.unit.name,
            v.site.address,
            v.owner_name,
            v.owner_phone,
            str(VenueStatus(v.status).label),
        ]
        for v in venues
    ]
    body = write_xlsx(title=_("Địa điểm quét mã"), headers=[str(h) for h in headers], rows=rows)
    out = HttpResponse(body, content_type=XLSX)
    out["Content-Disposition"] = f'attachment; filename="dia-diem-{clock.today():%Y%m%d}.xlsx"'
    return out


@screen(Perm.VENUE_VIEW)
def venue_map(request: HttpRequest) -> HttpResponse:
    points = selectors.venue_map_points(actor=request.user, within=scope(request))
    for point in points:
        point["url"] = reverse("web:venue", args=[point["id"]])
        point["category_label"] = str(VenueCategory(point["category"]).label)
        point["status_label"] = str(VenueStatus(point["status"]).label)
    return render(
        request,
        "web/tracing/venue_map.html",
        {"points": points, "tiles": getattr(settings, "CHIHUY_MAP_TILES", "")},
    )


# --- register, edit, status ----------------------------------------------------------------------------------


def _units(request: HttpRequest) -> list[Unit]:
    """Where the user may register a venue: the communes and villages of their area."""
    return unit_subtree(path=user_path(request.user), levels=[UnitLevel.COMMUNE, UnitLevel.VILLAGE])


@screen(Perm.VENUE_MANAGE)
def venue_create(request: HttpRequest) -> HttpResponse:
    units = _units(request)
    initial = {}
    own = [u for u in units if u.path == (scope(request) or user_path(request.user))]
    if own:
        initial["unit"] = own[0].pk
    form = VenueForm(request.POST if request.method == "POST" else None, units=units, initial=initial)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                venue = services.venue_register(actor=request.user, **form.values())
            except ApplicationError as exc:
                _raise_unless_field(exc)
                apply_error(form, exc)
            else:
                messages.success(request, _("Đã đăng ký %(v)s, mã %(c)s.") % {"v": venue.site.name, "c": venue.code})
                return redirect("web:venue", venue_id=venue.pk)
    return render(request, "web/tracing/venue_form.html", {"form": form, "venue": None}, status=status)


@screen(Perm.VENUE_MANAGE)
def venue_edit(request: HttpRequest, venue_id: int) -> HttpResponse:
    venue = selectors.venue_get(actor=request.user, venue_id=venue_id)
    site = venue.site
    initial = {
        "name": site.name,
        "category": venue.category,
        "address": site.address,
        "phone": site.phone,
        "latitude": site.latitude,
        "longitude": site.longitude,
        "owner_name": venue.owner_name,
        "owner_phone": venue.owner_phone,
    }
    form = VenueEditForm(request.POST if request.method == "POST" else None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            changes = {k: v for k, v in form.values().items() if v != initial.get(k)}
            try:
                services.venue_update(actor=request.user, venue=venue, **changes)
            except ApplicationError as exc:
                _raise_unless_field(exc)
                apply_error(form, exc)
            else:
                messages.success(request, _("Đã lưu thông tin địa điểm."))
                return redirect("web:venue", venue_id=venue.pk)
    return render(request, "web/tracing/venue_form.html", {"form": form, "venue": venue}, status=status)


HISTORY_LABELS = {
    "venue.register": gettext_lazy("Đăng ký"),
    "venue.update": gettext_lazy("Sửa thông tin"),
    "venue.transition": gettext_lazy("Đổi trạng thái"),
}


def _history(venue: Venue) -> list[dict[str, Any]]:
    rows = []
    for event in selectors.venue_history(venue):
        after = event.after or {}
        status = after.get("status", "")
        rows.append(
            {
                "at": event.at,
                "action": HISTORY_LABELS.get(event.action, event.action),
                "status": VenueStatus(status).label if status in VenueStatus.values else "",
                "reason": (event.details or {}).get("reason", ""),
                "by": event.actor_username or _("chủ địa điểm (trang công khai)"),
            }
        )
    return rows


def _detail_context(request: HttpRequest, venue: Venue, **extra: Any) -> dict[str, Any]:
    url = checkin_url(request, venue)
    can_manage = has_perm(request.user, Perm.VENUE_MANAGE)
    return {
        "venue": venue,
        "checkin_url": url,
        "qr_svg": poster.qr_svg(url, scale=6, inline=True),
        "counts": selectors.venue_checkin_counts(venue=venue, now=clock.now()),
        "history": _history(venue),
        "can_manage": can_manage,
        "owner_url": request.build_absolute_uri(reverse("web:venue_owner", args=[venue.manage_token]))
        if can_manage
        else "",
        "status_form": extra.pop("status_form", None) or StatusForm(),
        **extra,
    }


@screen(Perm.VENUE_VIEW)
def venue_detail(request: HttpRequest, venue_id: int) -> HttpResponse:
    venue = selectors.venue_get(actor=request.user, venue_id=venue_id)
    return render(request, "web/tracing/venue_detail.html", _detail_context(request, venue))


@require_POST
@screen(Perm.VENUE_MANAGE)
def venue_status(request: HttpRequest, venue_id: int) -> HttpResponse:
    venue = selectors.venue_get(actor=request.user, venue_id=venue_id)
    form = StatusForm(request.POST)
    if form.is_valid():
        to = form.cleaned_data["to"]
        try:
            services.venue_transition(actor=request.user, venue=venue, to=to, reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            _raise_unless_field(exc)
            apply_error(form, exc)
        else:
            done = {
                VenueStatus.ACTIVE: _("Địa điểm đang hoạt động: mã QR nhận quét."),
                VenueStatus.INACTIVE: _("Đã ngừng hoạt động địa điểm: mã QR thôi nhận quét."),
            }
            messages.success(request, done.get(to, _("Đã đổi trạng thái.")))
            return redirect("web:venue", venue_id=venue.pk)
    return render(
        request,
        "web/tracing/venue_detail.html",
        _detail_context(request, selectors.venue_get(actor=request.user, venue_id=venue_id), status_form=form),
        status=422,
    )


# --- QR and poster -------------------------------------------------------------------------------------------


def _poster_response(request: HttpRequest, venue: Venue) -> HttpResponse:
    try:
        pdf = poster.poster_pdf(venue, checkin_url(request, venue))
    except poster.PdfUnavailable:
        return HttpResponse(
            _("Máy chủ chưa cài thư viện Pango nên chưa xuất được PDF."),
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="ma-qr-{venue.code}.pdf"'
    return response


@screen(Perm.VENUE_VIEW)
def venue_poster(request: HttpRequest, venue_id: int) -> HttpResponse:
    return _poster_response(request, selectors.venue_get(actor=request.user, venue_id=venue_id))


@screen(Perm.VENUE_VIEW)
def venue_qr(request: HttpRequest, venue_id: int, fmt: str) -> HttpResponse:
    venue = selectors.venue_get(actor=request.user, venue_id=venue_id)
    url = checkin_url(request, venue)
    if fmt == "svg":
        response = HttpResponse(poster.qr_svg(url), content_type="image/svg+xml")
    else:
        response = HttpResponse(poster.qr_png(url), content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="ma-qr-{venue.code}.{fmt}"'
    return response


# --- public: the owner registers, the owner's private page -----------------------------------------------------


def _public_units() -> list[Unit]:
    """Districts (as headings) and communes of every province held; a commune must be picked."""
    units: list[Unit] = []
    for root in unit_roots():
        units += unit_subtree(path=root.path, levels=[UnitLevel.DISTRICT, UnitLevel.COMMUNE])
    return units


def venue_register_public(request: HttpRequest) -> HttpResponse:
    """For a venue's owner, without an account: register the venue (pending until the commune approves it), then
    keep the private page's link."""
    units = _public_units()
    status = 200
    if request.method == "POST":
        form = PublicVenueForm(request.POST, units=units)
        status = 422
        if form.is_valid():
            data = dict(form.cleaned_data)
            if data.pop("website"):
                form.add_error(None, _("Không gửi được đăng ký. Vui lòng tải lại trang và gửi lại."))
            else:
                try:
                    venue = services.venue_register_public(**data)
                except ApplicationError as exc:
                    apply_error(form, exc)
                else:
                    return redirect("web:venue_owner", token=venue.manage_token)
    else:
        form = PublicVenueForm(units=units)
    return render(request, "web/tracing/venue_public_register.html", {"form": form}, status=status)


def _owner_venue(token: str) -> Venue | None:
    try:
        return selectors.venue_by_token(token)
    except ApplicationError:
        return None


def venue_owner(request: HttpRequest, token: str) -> HttpResponse:
    """The owner's private page: the venue's status, the poster once it is approved, and the staff scan of citizens'
    personal QR codes at the door."""
    venue = _owner_venue(token)
    if venue is None:
        return render(request, "web/tracing/venue_owner_unknown.html", status=404)
    scan = None
    status = 200
    form = ScanForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                scan = checkin_services.checkin_by_staff(venue=venue, personal_code=form.personal_code())
            except ApplicationError as exc:
                apply_error(form, exc)
            else:
                status = 201
                form = ScanForm()
    active = venue.status == VenueStatus.ACTIVE
    return render(
        request,
        "web/tracing/venue_owner.html",
        {
            "venue": venue,
            "token": token,
            "active": active,
            "form": form,
            "scan": scan,
            "scan_phone": mask_phone(scan.visitor.phone) if scan else "",
            "checkin_url": checkin_url(request, venue),
        },
        status=status,
    )


def venue_owner_poster(request: HttpRequest, token: str) -> HttpResponse:
    venue = _owner_venue(token)
    if venue is None or venue.status != VenueStatus.ACTIVE:
        return render(request, "web/tracing/venue_owner_unknown.html", status=404)
    return _poster_response(request, venue)


urlpatterns: list[Any] = [
    path("dia-diem/", venue_list, name="venues"),
    path("dia-diem/xuat.xlsx", venue_export, name="venues_xlsx"),
    path("dia-diem/ban-do/", venue_map, name="venue_map"),
    path("dia-diem/moi/", venue_create, name="venue_create"),
    path("dia-diem/<int:venue_id>/", venue_detail, name="venue"),
    path("dia-diem/<int:venue_id>/sua/", venue_edit, name="venue_edit"),
    path("dia-diem/<int:venue_id>/trang-thai/", venue_status, name="venue_status"),
    path("dia-diem/<int:venue_id>/ma-qr.pdf", venue_poster, name="venue_poster"),
    path("dia-diem/<int:venue_id>/ma-qr.svg", venue_qr, {"fmt": "svg"}, name="venue_qr_svg"),
    path("dia-diem/<int:venue_id>/ma-qr.png", venue_qr, {"fmt": "png"}, name="venue_qr_png"),
    path("cong-khai/dang-ky-dia-diem/", venue_register_public, name="venue_register_public"),
    path("cong-khai/dia-diem-quet-ma/<str:token>/", venue_owner, name="venue_owner"),
    path("cong-khai/dia-diem-quet-ma/<str:token>/ma-qr.pdf", venue_owner_poster, name="venue_owner_poster"),
]
