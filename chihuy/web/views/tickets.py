"""Phản ánh, đường dây nóng: the hotline operator's fast form (the next call's form is ready after each save),
the ticket list of the area (overdue first, SLA countdown, filters, Excel), the ticket page (timeline, assign,
comment, status, escalate, close with outcome, links), and the public page where a citizen reports without an
account (honeypot, signed timestamp, rate limits; a 429 in Vietnamese when flooded)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from chihuy.accounts.access import has_perm, in_jurisdiction, user_path
from chihuy.accounts.models import User
from chihuy.accounts.roles import Perm
from chihuy.command.models import Ticket
from chihuy.command.tickets import selectors, services
from chihuy.command.tickets.enums import TicketCategory, TicketChannel, TicketPriority, TicketStatus
from chihuy.command.tickets.guard import RateLimited, form_token
from chihuy.core import clock
from chihuy.core.audit import audit_record
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.core.tabular import write_xlsx
from chihuy.places.enums import UnitLevel
from chihuy.places.models import Unit
from chihuy.places.selectors import site_list, unit_subtree
from chihuy.web.forms import apply_error
from chihuy.web.ticket_forms import (
    AssignForm,
    CloseForm,
    CommentForm,
    EscalateForm,
    HotlineForm,
    LinkForm,
    PublicTicketForm,
)
from chihuy.web.views._common import scope, screen

STATES = [
    ("open", gettext_lazy("Chưa giải quyết")),
    ("all", gettext_lazy("Tất cả")),
    *TicketStatus.choices,
]
EXPORT_HEADERS = [
    gettext_lazy("số phiếu"),
    gettext_lazy("tiếp nhận lúc"),
    gettext_lazy("kênh"),
    gettext_lazy("loại"),
    gettext_lazy("mức độ"),
    gettext_lazy("trạng thái"),
    gettext_lazy("người báo"),
    gettext_lazy("số điện thoại"),
    gettext_lazy("địa điểm"),
    gettext_lazy("nội dung"),
    gettext_lazy("đơn vị xử lý"),
    gettext_lazy("đơn vị ban đầu"),
    gettext_lazy("cán bộ xử lý"),
    gettext_lazy("hạn xử lý"),
    gettext_lazy("quá hạn"),
    gettext_lazy("số lần chuyển cấp"),
    gettext_lazy("kết quả"),
]


def _units(request: HttpRequest) -> list[Unit]:
    """Where the operator may file a ticket: their unit and every unit below it down to villages."""
    path = user_path(request.user)
    return unit_subtree(
        path=path, levels=[UnitLevel.PROVINCE, UnitLevel.DISTRICT, UnitLevel.COMMUNE, UnitLevel.VILLAGE]
    )


def _filters(request: HttpRequest) -> dict[str, Any]:
    state = request.GET.get("state", "open")
    category = request.GET.get("category", "")
    priority = request.GET.get("priority", "")
    return {
        "state": state if state in dict(STATES) else "open",
        "category": category if category in TicketCategory.values else "",
        "priority": priority if priority in TicketPriority.values else "",
        "overdue": request.GET.get("overdue") == "1",
        "owned": request.GET.get("owned") == "1",
        "q": request.GET.get("q", "").strip()[:40],
    }


def countdown(ticket: Ticket, now: dt.datetime) -> dict[str, Any]:
    """The SLA badge: time left (or late by), and its colour."""
    if not ticket.is_open:
        return {"text": "", "css": "", "overdue": False}
    left = ticket.due_at - now
    minutes = int(abs(left.total_seconds()) // 60)
    hours, mins = divmod(minutes, 60)
    span = _("%(h)s giờ %(m)02d phút") % {"h": hours, "m": mins} if hours else _("%(m)s phút") % {"m": mins}
    if left.total_seconds() <= 0:
        return {"text": _("Quá hạn %(t)s") % {"t": span}, "css": "text-bg-danger", "overdue": True}
    css = "text-bg-warning" if left <= dt.timedelta(hours=ticket.sla_hours) / 4 else "text-bg-success"
    return {"text": _("Còn %(t)s") % {"t": span}, "css": css, "overdue": False}


@screen(Perm.CENTRE_VIEW)
def ticket_list(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    values = {"actor": request.user, "within": scope(request), **filters}
    try:
        page = selectors.ticket_list(**values, cursor=request.GET.get("cursor"))
    except ApplicationError as exc:  # a tampered cursor: start again from the first page
        if exc.code != ErrorCode.VALIDATION:
            raise
        page = selectors.ticket_list(**values)
    now = clock.now()
    query = urlencode(
        {k: ("1" if v is True else v) for k, v in filters.items() if v and not (k == "state" and v == "open")}
    )
    return render(
        request,
        "web/tickets/list.html",
        {
            "rows": [(t, countdown(t, now)) for t in page.items],
            "page": page,
            "filters": filters,
            "query": query,
            "cursor": request.GET.get("cursor"),
            "states": STATES,
            "categories": TicketCategory.choices,
            "priorities": TicketPriority.choices,
            "counts": selectors.ticket_counts(actor=request.user, within=scope(request)),
        },
    )


@screen(Perm.CENTRE_VIEW)
def ticket_export_xlsx(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    tickets = selectors.ticket_export_rows(actor=request.user, within=scope(request), **filters)
    now = clock.now()
    rows: list[list[Any]] = [
        [
            t.number,
            clock.local(t.received_at).strftime("%d/%m/%Y %H:%M"),
            t.get_channel_display(),
            t.get_category_display(),
            t.get_priority_display(),
            t.get_status_display(),
            t.caller_name,
            t.caller_phone,
            t.place_text,
            t.text,
            t.unit.name,
            t.origin_unit.name,
            (t.owner_user.full_name or t.owner_user.username) if t.owner_user else "",
            clock.local(t.due_at).strftime("%d/%m/%Y %H:%M"),
            _("có") if t.is_open and t.due_at <= now else "",
            t.escalation_level,
            t.get_outcome_display() if t.outcome else "",
        ]
        for t in tickets
    ]
    # Callers' names and phones leave the system: the export is recorded like the audit log's.
    audit_record(
        actor=request.user,
        action="export",
        object_type="command.ticket",
        object_repr=_("%(n)s phiếu phản ánh") % {"n": len(rows)},
        unit_path=scope(request),
        details={"rows": len(rows), "filters": filters},
    )
    body = write_xlsx(title="Phan anh", headers=[str(h) for h in EXPORT_HEADERS], rows=rows)
    response = HttpResponse(body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="phan-anh-{clock.today():%Y%m%d}.xlsx"'
    return response


@screen(Perm.TICKET_INTAKE)
def hotline(request: HttpRequest) -> HttpResponse:
    """The operator's fast form. After a save the same screen comes back empty, with the number just given."""
    units = _units(request)
    if request.method == "POST":
        form = HotlineForm(request.POST, units=units)
        if form.is_valid():
            data = form.cleaned_data
            try:
                ticket = services.ticket_intake(
                    actor=request.user,
                    channel=TicketChannel.HOTLINE,
                    category=data["category"],
                    priority=data["priority"],
                    text=data["text"],
                    unit=data["unit"],
                    caller_name=data["caller_name"],
                    caller_phone=data["caller_phone"],
                    place_text=data["place_text"],
                )
            except ApplicationError as exc:
                if exc.code == ErrorCode.PERMISSION_DENIED:
                    raise
                apply_error(form, exc)
            else:
                messages.success(
                    request,
                    format_html(
                        '{} <a href="{}" id="saved-ticket" class="alert-link">{}</a> — {}',
                        _("Đã lưu phiếu"),
                        reverse("web:ticket", args=[ticket.pk]),
                        ticket.number,
                        _("sẵn sàng nhận cuộc gọi tiếp theo."),
                    ),
                )
                response = redirect("web:hotline")
                # The operator's unit choice stays for the next call.
                response["Location"] += f"?unit={data['unit'].pk}"
                return response
    else:
        initial: dict[str, Any] = {"priority": TicketPriority.NORMAL}
        wanted = request.GET.get("unit", "")
        own = [u for u in units if str(u.pk) == wanted] or [u for u in units if u.path == scope(request)]
        if own:
            initial["unit"] = own[0].pk
        form = HotlineForm(units=units, initial=initial)
    recent = (
        selectors.ticket_list(actor=request.user, state="all", limit=5)
        if has_perm(request.user, Perm.CENTRE_VIEW)
        else None
    )
    return render(request, "web/tickets/hotline.html", {"form": form, "recent": recent.items if recent else []})


def _page(request: HttpRequest, ticket: Ticket, **forms_: Any) -> HttpResponse:
    user: Any = request.user
    can_work = has_perm(user, Perm.TICKET_WORK) and in_jurisdiction(user, ticket.unit_path)
    sites = site_list(within=user_path(user)) if can_work else []
    people: list[Any] = []
    if can_work and ticket.caller_phone and not ticket.person_id:
        from chihuy.people.selectors import person_search

        people = list(person_search(actor=user, q=ticket.caller_phone, limit=5).items)
    context = {
        "ticket": ticket,
        "timeline": selectors.ticket_timeline(ticket),
        "badge": countdown(ticket, clock.now()),
        "can_work": can_work,
        "can_comment": has_perm(user, Perm.TICKET_INTAKE),
        "transitions": _transitions(ticket) if can_work else [],
        "assign_form": forms_.get("assign_form") or AssignForm(users=services.assignable_users(ticket)),
        "comment_form": forms_.get("comment_form") or CommentForm(),
        "escalate_form": forms_.get("escalate_form") or EscalateForm(),
        "close_form": forms_.get("close_form") or CloseForm(),
        "link_form": forms_.get("link_form") or LinkForm(sites=sites),
        "phone_matches": people,
        "has_parent": ticket.unit.parent_id is not None,
    }
    status = 422 if any(f is not None and f.errors for f in forms_.values()) else 200
    return render(request, "web/tickets/detail.html", context, status=status)


def _transitions(ticket: Ticket) -> list[tuple[str, str]]:
    from chihuy.command.tickets.enums import REOPEN_FROM, TICKET_TRANSITIONS

    labels = {
        TicketStatus.IN_PROGRESS: _("Mở lại") if ticket.status in REOPEN_FROM else _("Bắt đầu xử lý"),
        TicketStatus.RESOLVED: _("Đã giải quyết"),
    }
    allowed = TICKET_TRANSITIONS.get(ticket.status, set())
    return [(s, str(labels[s])) for s in (TicketStatus.IN_PROGRESS, TicketStatus.RESOLVED) if s in allowed]


@screen(Perm.CENTRE_VIEW)
def ticket_detail(request: HttpRequest, ticket_id: int) -> HttpResponse:
    return _page(request, selectors.ticket_get(actor=request.user, ticket_id=ticket_id))


def _act(request: HttpRequest, ticket_id: int, form_name: str, form: Any, action: Any) -> HttpResponse:
    """Validate the form, run the service; field errors come back beside the form, a denied right is a 403."""
    ticket = selectors.ticket_get(actor=request.user, ticket_id=ticket_id)
    if form.is_valid():
        try:
            action(ticket, form.cleaned_data)
        except ApplicationError as exc:
            details = exc.details if isinstance(exc.details, list) else []
            if exc.code == ErrorCode.PERMISSION_DENIED or (
                exc.code == ErrorCode.NOT_FOUND and any(d.get("field") == "ticket" for d in details)
            ):
                raise
            apply_error(form, exc)
        else:
            return redirect("web:ticket", ticket_id=ticket_id)
    return _page(request, ticket, **{form_name: form})


@require_POST
@screen(Perm.TICKET_WORK)
def ticket_assign(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = selectors.ticket_get(actor=request.user, ticket_id=ticket_id)
    form = AssignForm(request.POST, users=services.assignable_users(ticket))

    def act(t: Ticket, data: dict[str, Any]) -> None:
        user = User.objects.filter(pk=data["owner_user"]).first()
        services.ticket_assign(actor=request.user, ticket=t, user=user, note=data["note"])

    return _act(request, ticket_id, "assign_form", form, act)


@require_POST
@screen(Perm.TICKET_INTAKE)
def ticket_comment(request: HttpRequest, ticket_id: int) -> HttpResponse:
    def act(t: Ticket, data: dict[str, Any]) -> None:
        services.ticket_comment(actor=request.user, ticket=t, text=data["text"])

    return _act(request, ticket_id, "comment_form", CommentForm(request.POST), act)


@require_POST
@screen(Perm.TICKET_WORK)
def ticket_transition(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = selectors.ticket_get(actor=request.user, ticket_id=ticket_id)
    try:
        services.ticket_transition(actor=request.user, ticket=ticket, to=request.POST.get("to", ""))
    except ApplicationError as exc:
        if exc.code in (ErrorCode.PERMISSION_DENIED, ErrorCode.NOT_FOUND):
            raise
        messages.error(request, exc.message)
    return redirect("web:ticket", ticket_id=ticket_id)


@require_POST
@screen(Perm.TICKET_WORK)
def ticket_escalate(request: HttpRequest, ticket_id: int) -> HttpResponse:
    def act(t: Ticket, data: dict[str, Any]) -> None:
        services.ticket_escalate(actor=request.user, ticket=t, reason=data["reason"])

    return _act(request, ticket_id, "escalate_form", EscalateForm(request.POST), act)


@require_POST
@screen(Perm.TICKET_WORK)
def ticket_close(request: HttpRequest, ticket_id: int) -> HttpResponse:
    def act(t: Ticket, data: dict[str, Any]) -> None:
        services.ticket_close(actor=request.user, ticket=t, outcome=data["outcome"], outcome_text=data["outcome_text"])

    return _act(request, ticket_id, "close_form", CloseForm(request.POST), act)


@require_POST
@screen(Perm.TICKET_WORK)
def ticket_link(request: HttpRequest, ticket_id: int) -> HttpResponse:
    user: Any = request.user
    sites = site_list(within=user_path(user))
    form = LinkForm(request.POST, sites=sites)

    def act(t: Ticket, data: dict[str, Any]) -> None:
        values: dict[str, Any] = {}
        if data.get("person_id"):
            from chihuy.people.selectors import person_get

            try:
                values["person"] = person_get(actor=user, person_id=data["person_id"], audit=False)
            except ApplicationError as exc:
                raise ApplicationError.field(
                    "person_id", _("Không tìm thấy người này trong địa bàn của bạn."), ErrorCode.NOT_FOUND
                ) from exc
        if data.get("case_number"):
            values["case_number"] = _case_number(user, data["case_number"])
        if data.get("facility"):
            values["facility"] = next((s for s in sites if s.pk == data["facility"]), None)
        if not values:
            raise ApplicationError.field("person_id", _("Nhập người, mã ca hoặc chọn cơ sở để liên kết."))
        services.ticket_link(actor=user, ticket=t, **values)

    return _act(request, ticket_id, "link_form", form, act)


def _case_number(user: Any, number: str) -> str:
    """A linked case must exist in the user's area (read from the cases app here: command must not import it)."""
    from chihuy.cases.selectors import case_by_number

    number = number.strip().upper()
    try:
        return case_by_number(actor=user, number=number).number
    except ApplicationError as exc:
        raise ApplicationError.field(
            "case_number", _("Không tìm thấy ca %(n)s trong địa bàn của bạn.") % {"n": number}, ErrorCode.NOT_FOUND
        ) from exc


# --- public --------------------------------------------------------------------------------------


def _public_units() -> list[Unit]:
    roots = Unit.objects.filter(parent__isnull=True, is_active=True).order_by("path")
    units: list[Unit] = []
    for root in roots:
        units += [
            u for u in unit_subtree(path=root.path, levels=[UnitLevel.DISTRICT, UnitLevel.COMMUNE]) if u.is_active
        ]
    return units


def _client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def public_ticket(request: HttpRequest) -> HttpResponse:
    """For everyone, without an account: report to the commune's command centre; the number to quote on the
    hotline comes back. Districts are listed as headings only; a commune must be picked."""
    units = _public_units()
    status = 200
    if request.method == "POST":
        form = PublicTicketForm(request.POST, units=units)
        if form.is_valid():
            data = form.cleaned_data
            try:
                ticket = services.ticket_public_submit(
                    token=data["form_token"],
                    honeypot=data["website"],
                    ip=_client_ip(request),
                    caller_name=data["caller_name"],
                    caller_phone=data["caller_phone"],
                    unit=data["unit"],
                    category=data["category"],
                    text=data["text"],
                    place_text=data["place_text"],
                )
            except RateLimited as exc:
                return render(request, "web/tickets/public_limited.html", {"message": exc.message}, status=429)
            except ApplicationError as exc:
                apply_error(form, exc)
                status = 422
            else:
                return render(request, "web/tickets/public_done.html", {"ticket": ticket}, status=201)
        else:
            status = 422
        # A fresh stamp: the citizen may take their time to correct the form.
        fresh = request.POST.copy()
        fresh["form_token"] = form_token()
        form.data = fresh
    else:
        form = PublicTicketForm(units=units, initial={"form_token": form_token()})
    return render(request, "web/tickets/public.html", {"form": form}, status=status)
