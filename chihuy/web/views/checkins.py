"""Citizen check-in pages (no account): /q/<code>/ is what the venue's QR opens — the phone number and name once,
then one tap on every later scan (the phone remembers the visitor in a cookie); the check-out; the personal QR
(/q/toi/) that venue staff scan at the door. And, for officers, the ingest batches other systems sent, with the
events each one refused."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from chihuy.accounts.roles import Perm
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.core.tabular import write_xlsx
from chihuy.tracing import selectors, selectors_checkins
from chihuy.tracing.enums import VenueStatus
from chihuy.tracing.models import Venue, Visitor
from chihuy.tracing.services import checkins as services
from chihuy.web.forms import StyledForm, apply_error
from chihuy.web.views._common import safe_next, screen

COOKIE = "chihuy_visitor"
COOKIE_AGE = 365 * 24 * 3600
PAGE_SIZE = 50
REJECTIONS_PAGE = 100
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- forms ---------------------------------------------------------------------------------------------------


class VisitorForm(StyledForm):
    phone = forms.CharField(
        label=gettext_lazy("Số điện thoại"),
        max_length=20,
        error_messages={"required": gettext_lazy("Nhập số điện thoại.")},
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel", "placeholder": "09…"}),
    )
    name = forms.CharField(
        label=gettext_lazy("Họ và tên"),
        max_length=200,
        error_messages={"required": gettext_lazy("Nhập họ tên.")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )


class CheckinForm(VisitorForm):
    national_id = forms.CharField(
        label=gettext_lazy("Số CCCD/CMND (không bắt buộc)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = field.widget.attrs.get("class", "") + " form-control-lg"


def _field_errors(form: forms.Form, exc: ApplicationError) -> None:
    if exc.code == ErrorCode.PERMISSION_DENIED:
        raise exc
    apply_error(form, exc)


# --- the visitor's cookie --------------------------------------------------------------------------------------


def _visitor(request: HttpRequest) -> Visitor | None:
    return selectors.visitor_by_token(request.COOKIES.get(COOKIE, ""))


def _remember(request: HttpRequest, response: HttpResponse, visitor: Visitor) -> HttpResponse:
    response.set_cookie(
        COOKIE, visitor.token, max_age=COOKIE_AGE, httponly=True, samesite="Lax", secure=request.is_secure()
    )
    return response


def _forget(response: HttpResponse) -> HttpResponse:
    response.delete_cookie(COOKIE, samesite="Lax")
    return response


# --- the venue's QR page ----------------------------------------------------------------------------------------


def _venue(code: str) -> Venue | None:
    try:
        return selectors.venue_by_code(code)
    except ApplicationError:
        return None


def _unknown(request: HttpRequest) -> HttpResponse:
    return render(request, "web/tracing/public_checkin_unknown.html", status=404)


def _done(request: HttpRequest, venue: Venue, scan: services.Scan) -> HttpResponse:
    query = {"luot": scan.checkin.pk}
    if scan.repeated:
        query["lai"] = 1
    response = redirect(reverse("web:checkin", args=[venue.code]) + "?" + urlencode(query))
    return _remember(request, response, scan.visitor)


def _page(
    request: HttpRequest,
    venue: Venue,
    *,
    form: CheckinForm | None = None,
    visitor: Visitor | None = None,
    status: int = 200,
    error: str = "",
) -> HttpResponse:
    """The venue's page in one of its states: closed, a visit just made (`?luot=`), the remembered visitor's one
    tap, or the form (also when a posted form has errors)."""
    visit = None
    if visitor is not None and form is None:
        try:
            visit_id = int(request.GET.get("luot", ""))
        except ValueError:
            visit_id = 0
        visit = selectors_checkins.visit_of(token=visitor.token, checkin_id=visit_id) if visit_id else None
        if visit is not None and visit.venue_id != venue.pk:
            visit = None
    if venue.status != VenueStatus.ACTIVE:
        mode = "closed"
    elif visit is not None:
        mode = "done"
    elif visitor is not None and form is None:
        mode = "remembered"
    else:
        mode = "form"
    return render(
        request,
        "web/tracing/public_checkin.html",
        {
            "venue": venue,
            "mode": mode,
            "form": form or CheckinForm(),
            "visitor": visitor,
            "visit": visit,
            "repeated": bool(request.GET.get("lai")),
            "error": error,
        },
        status=status,
    )


def checkin(request: HttpRequest, code: str) -> HttpResponse:
    """GET: the page the venue's QR opens. POST: the form (phone, name, CCCD) — the check-in."""
    venue = _venue(code)
    if venue is None:
        return _unknown(request)
    if request.method != "POST":
        return _page(request, venue, visitor=_visitor(request))
    form = CheckinForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            scan = services.checkin_public(
                venue=venue, phone=data["phone"], name=data["name"], national_id=data["national_id"]
            )
        except ApplicationError as exc:
            _field_errors(form, exc)
        else:
            return _done(request, venue, scan)
    return _page(request, venue, form=form, status=422)


@require_POST
def checkin_remembered(request: HttpRequest, code: str) -> HttpResponse:
    """The remembered visitor's one tap."""
    venue = _venue(code)
    if venue is None:
        return _unknown(request)
    try:
        scan = services.checkin_remembered(venue=venue, token=request.COOKIES.get(COOKIE, ""))
    except ApplicationError as exc:
        details = exc.details if isinstance(exc.details, list) else []
        if any(d.get("field") == "token" for d in details):  # a cookie this server no longer knows: ask again
            return _forget(_page(request, venue, form=CheckinForm(), status=422, error=exc.message))
        return _page(request, venue, visitor=_visitor(request), status=422, error=exc.message)
    return _done(request, venue, scan)


@require_POST
def checkin_checkout(request: HttpRequest, code: str) -> HttpResponse:
    """ "Rời đi": the visit ends now."""
    venue = _venue(code)
    if venue is None:
        return _unknown(request)
    try:
        visit_id = int(request.POST.get("checkin", ""))
    except ValueError:
        visit_id = 0
    try:
        done = services.checkout(token=request.COOKIES.get(COOKIE, ""), checkin_id=visit_id)
    except ApplicationError as exc:
        return _page(request, venue, visitor=_visitor(request), status=404, error=exc.message)
    return redirect(reverse("web:checkin", args=[venue.code]) + "?" + urlencode({"luot": done.pk}))


@require_POST
def checkin_forget(request: HttpRequest) -> HttpResponse:
    """ "Không phải tôi": this phone forgets the visitor (their check-ins stay)."""
    return _forget(redirect(safe_next(request, reverse("web:my_qr"))))


# --- the personal QR ----------------------------------------------------------------------------------------------


def _qr_svg(token: str) -> str:
    import segno

    return str(segno.make(token, error="m").svg_inline(scale=8, border=2, dark="#000", omitsize=True))


def my_qr(request: HttpRequest) -> HttpResponse:
    """The citizen's personal QR (their visitor token) for venue staff to scan; without the cookie, the phone
    number and name get one."""
    visitor = _visitor(request)
    form = VisitorForm()
    status = 200
    if request.method == "POST":
        form = VisitorForm(request.POST)
        status = 422
        if form.is_valid():
            try:
                visitor = services.visitor_remember(phone=form.cleaned_data["phone"], name=form.cleaned_data["name"])
            except ApplicationError as exc:
                _field_errors(form, exc)
            else:
                return _remember(request, redirect("web:my_qr"), visitor)
        visitor = None
    return render(
        request,
        "web/tracing/public_checkin_qr.html",
        {"visitor": visitor, "form": form, "svg": _qr_svg(visitor.token) if visitor else ""},
        status=status,
    )


# --- ingest batches (officers) ---------------------------------------------------------------------------------


@screen(Perm.CHECKIN_INGEST)
def batch_list(request: HttpRequest) -> HttpResponse:
    cursor = request.GET.get("cursor") or None
    page = selectors.batch_list(actor=request.user, cursor=cursor, limit=PAGE_SIZE)
    return render(
        request,
        "web/tracing/checkin_batches.html",
        {"page": page, "cursor": cursor},
    )


@screen(Perm.CHECKIN_INGEST)
def batch_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = selectors_checkins.batch_get(actor=request.user, batch_id=batch_id)
    rejections = list(batch.rejections or [])
    try:
        start = max(0, int(request.GET.get("tu", "0")))
    except ValueError:
        start = 0
    return render(
        request,
        "web/tracing/checkin_batch.html",
        {
            "batch": batch,
            "kept": len(rejections),
            "rejections": rejections[start : start + REJECTIONS_PAGE],
            "start": start,
            "next_start": start + REJECTIONS_PAGE if start + REJECTIONS_PAGE < len(rejections) else None,
        },
    )


@screen(Perm.CHECKIN_INGEST)
def batch_rejections_xlsx(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = selectors_checkins.batch_get(actor=request.user, batch_id=batch_id)
    rows = [
        [int(r.get("index", 0)) + 1, str(r.get("id") or ""), str(r.get("field") or ""), str(r.get("reason") or "")]
        for r in batch.rejections
    ]
    data = write_xlsx(
        title=_("Sự kiện bị từ chối"),
        headers=[_("Thứ tự trong lô"), _("Mã sự kiện"), _("Trường"), _("Lý do")],
        rows=rows,
    )
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="lo-{batch.pk}-tu-choi.xlsx"'
    return response


urlpatterns: list[Any] = [
    # The personal QR first: "toi" would otherwise be read as a venue code.
    path("q/toi/", my_qr, name="my_qr"),
    path("q/quen/", checkin_forget, name="checkin_forget"),
    path("q/<str:code>/", checkin, name="checkin"),
    path("q/<str:code>/mot-cham/", checkin_remembered, name="checkin_remembered"),
    path("q/<str:code>/roi-di/", checkin_checkout, name="checkin_checkout"),
    path("quet-ma/lo-du-lieu/", batch_list, name="checkin_batches"),
    path("quet-ma/lo-du-lieu/<int:batch_id>/", batch_detail, name="checkin_batch"),
    path("quet-ma/lo-du-lieu/<int:batch_id>/tu-choi.xlsx", batch_rejections_xlsx, name="checkin_batch_xlsx"),
]
