"""Truy vết: a person's F-level page (level, path from the F0, history with reasons, tracing attempts, their
own contacts), the tracing queue with one-tap outcomes, exposure-site notices (approve, withdraw) and the
public page of approved notices (no login, no personal data)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chihuy.accounts.access import has_perm, in_jurisdiction
from chihuy.accounts.roles import Perm
from chihuy.cases import selectors, services
from chihuy.cases.enums import NoticeStatus, TraceStatus
from chihuy.cases.models import Classification
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.web.case_forms import AttemptForm
from chihuy.web.views import contacts
from chihuy.web.views._common import http_error, safe_next, scope, screen

# One-tap outcomes in the queue; the full list is on the person's page.
QUICK_OUTCOMES = [TraceStatus.REACHED, TraceStatus.HOME_ISOLATION, TraceStatus.QUARANTINED, TraceStatus.UNREACHABLE]


def classification_page(
    request: HttpRequest, classification: Classification, *, attempt_form: AttemptForm | None = None, **forms: Any
) -> HttpResponse:
    user: Any = request.user
    root = classification.root_case
    context = {
        "classification": classification,
        "person": classification.person,
        "root": root,
        "root_visible": root is not None and in_jurisdiction(user, root.unit_path),
        "path": selectors.level_path(actor=user, classification=classification),
        "history": selectors.level_history(actor=user, classification=classification),
        "attempts": list(classification.attempts.select_related("actor")[:50]),
        "can_trace": has_perm(user, Perm.TRACE_WORK) and bool(classification.level),
        "can_report": has_perm(user, Perm.CASE_REPORT) and classification.level != 0,
        "attempt_form": attempt_form or AttemptForm(),
    }
    context.update(contacts.section(request, classification.person, **forms))
    return render(request, "web/cases/classification.html", context)


def _get(request: HttpRequest, classification_id: int) -> Classification:
    return selectors.classification_get_by_id(actor=request.user, classification_id=classification_id)


@screen(Perm.CASE_VIEW)
def classification_detail(request: HttpRequest, classification_id: int) -> HttpResponse:
    return classification_page(request, _get(request, classification_id))


@require_POST
@screen(Perm.CONTACT_CHANGE)
def classification_contact_add(request: HttpRequest, classification_id: int) -> HttpResponse:
    classification = _get(request, classification_id)
    form, candidates, done = contacts.contact_add(request, classification.person)
    if done:
        messages.success(request, _("Đã thêm tiếp xúc."))
        return redirect(reverse("web:classification", args=[classification.pk]) + "#contacts")
    return classification_page(request, classification, contact_form=form, candidates=candidates)


@require_POST
@screen(Perm.CONTACT_CHANGE)
def classification_contacts_import(request: HttpRequest, classification_id: int) -> HttpResponse:
    classification = _get(request, classification_id)
    form, report = contacts.contacts_import(request, classification.person)
    if report is not None and not report["errors"]:
        messages.success(
            request,
            _("Đã thêm %(n)s tiếp xúc, %(q)s người đủ tiêu chí.") % {"n": report["created"], "q": report["qualified"]},
        )
        return redirect(reverse("web:classification", args=[classification.pk]) + "#contacts")
    return classification_page(request, classification, paste_form=form, paste_report=report)


@require_POST
@screen(Perm.TRACE_WORK)
def trace_attempt(request: HttpRequest, classification_id: int) -> HttpResponse:
    """Record a call or visit. From the queue (htmx) the answer is the row itself, with its new status."""
    classification = _get(request, classification_id)
    form = AttemptForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            services.trace_attempt_record(actor=request.user, classification=classification, **form.cleaned_data)
        except ApplicationError as exc:
            if exc.code == ErrorCode.PERMISSION_DENIED:
                raise http_error(exc) from exc
            error = exc.message
            form.add_error("outcome", exc.message)
    else:
        error = _("Chọn kết quả liên hệ.")
    if request.htmx:  # type: ignore[attr-defined]
        classification.refresh_from_db()
        return render(request, "web/cases/_queue_row.html", _row_context(request, classification, error=error))
    if error:
        return classification_page(request, classification, attempt_form=form)
    messages.success(request, _("Đã ghi kết quả liên hệ."))
    return redirect(safe_next(request, reverse("web:classification", args=[classification.pk])))


def _row_context(request: HttpRequest, item: Classification, *, error: str = "") -> dict[str, Any]:
    return {
        "item": item,
        "root_visible": item.root_case is not None and in_jurisdiction(request.user, item.root_case.unit_path),
        "quick_outcomes": [(s.value, s.label) for s in QUICK_OUTCOMES],
        "can_trace": has_perm(request.user, Perm.TRACE_WORK),
        "error": error,
    }


@screen(Perm.CASE_VIEW)
def tracing_queue(request: HttpRequest) -> HttpResponse:
    level_text = request.GET.get("level", "")
    level = int(level_text) if level_text.isdigit() and 0 < int(level_text) < 10 else None
    status = request.GET.get("status", "")
    status = status if status in TraceStatus.values else ""
    filters: dict[str, Any] = {"actor": request.user, "within": scope(request), "level": level, "status": status}
    try:
        page = selectors.tracing_queue(**filters, cursor=request.GET.get("cursor"))
    except ApplicationError as exc:
        if exc.code != ErrorCode.VALIDATION:
            raise
        page = selectors.tracing_queue(**filters)
    rows = [_row_context(request, item) for item in page.items]
    query = urlencode({k: v for k, v in (("level", level or ""), ("status", status)) if v})
    return render(
        request,
        "web/cases/queue.html",
        {
            "rows": rows,
            "page": page,
            "level": level,
            "status": status,
            "statuses": TraceStatus.choices,
            "query": query,
            "cursor": request.GET.get("cursor"),
        },
    )


def _notice_items(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Notice items as stored (ISO times) with parsed times for display."""
    parsed = []
    for item in items or []:
        row = dict(item)
        for key in ("start_at", "end_at"):
            try:
                row[key] = dt.datetime.fromisoformat(str(item.get(key)))
            except ValueError:
                row[key] = None
        parsed.append(row)
    return parsed


@screen(Perm.CASE_VIEW)
def notice_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in NoticeStatus.values else ""
    notices = list(selectors.notice_list(actor=request.user, within=scope(request), status=status)[:200])
    user: Any = request.user
    return render(
        request,
        "web/cases/notices.html",
        {
            "notices": [(n, _notice_items(n.items)) for n in notices],
            "status": status,
            "statuses": NoticeStatus.choices,
            "can_approve": has_perm(user, Perm.NOTICE_APPROVE),
            "can_withdraw": has_perm(user, Perm.NOTICE_APPROVE) or has_perm(user, Perm.NOTICE_DRAFT),
        },
    )


@require_POST
@screen(Perm.CASE_VIEW)
def notice_transition(request: HttpRequest, notice_id: int) -> HttpResponse:
    """Approve (commander) or withdraw; the service decides who may."""
    notice = selectors.notice_get(actor=request.user, notice_id=notice_id)
    to = request.POST.get("to", "")
    try:
        services.notice_transition(actor=request.user, notice=notice, to=to, reason=request.POST.get("reason", ""))
    except ApplicationError as exc:
        if exc.code in (ErrorCode.PERMISSION_DENIED, ErrorCode.NOT_FOUND):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Thông báo: %(s)s.") % {"s": NoticeStatus(to).label})
    return redirect("web:notices")


def public_notices(request: HttpRequest) -> HttpResponse:
    """For everyone, without login: approved notices only — title, unit, places and times, advice."""
    notices = selectors.public_notices()
    return render(
        request,
        "web/cases/public_notices.html",
        {"notices": [(n, _notice_items(n.items)) for n in notices]},
    )
