"""Báo cáo ngày: a unit's daily report (computed figures read-only, hand-entered fields, reconciliation, submit),
the reviewer's queue of the units below (approve / return with a note), the consolidated report of a district or
province, the week / month roll-up, and each as a bulletin in Excel and PDF.

The unit is the one in `?don_vi=` (inside the reader's area, else 404), else the unit of the scope switcher, else
the reader's own; the day is `?ngay=` (default: the last reporting day that has ended)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chihuy.accounts.access import has_perm, user_path, within_unit
from chihuy.accounts.roles import Perm
from chihuy.core.audit import audit_record
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.places.models import Unit
from chihuy.places.selectors import unit_get
from chihuy.reports import daily
from chihuy.reports import daily_export as export
from chihuy.reports.daily import COMPUTED, MANUAL, SECTIONS
from chihuy.reports.facts import facts_updated_at
from chihuy.web.views._common import http_error, scope, screen


def _unit(request: HttpRequest) -> Unit:
    try:
        unit_id = int(request.GET.get("don_vi") or request.POST.get("don_vi") or 0)
    except ValueError:
        unit_id = 0
    found = within_unit(request.user, unit_id, field="don_vi") if unit_id else None
    return unit_get(path=found or scope(request) or user_path(request.user))


def _day(request: HttpRequest, name: str = "ngay") -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get(name) or request.POST.get(name) or "")
    except ValueError:
        return daily.last_closed_day()


def _url(name: str, unit: Unit, day: dt.date, **extra: str) -> str:
    query = "&".join([f"don_vi={unit.pk}", f"ngay={day.isoformat()}", *(f"{k}={v}" for k, v in extra.items())])
    return f"{reverse(f'web:{name}')}?{query}"


def _sections(computed: dict[str, Any]) -> list[tuple[str, list[tuple[Any, str]]]]:
    out: dict[str, list[tuple[Any, str]]] = {}
    for ind in COMPUTED:
        if ind.key in computed:
            out.setdefault(ind.section, []).append((ind, export.fmt(computed[ind.key])))
    return [(str(SECTIONS[s]), rows) for s, rows in out.items()]


def _manual_sections(values: dict[str, Any], errors: dict[str, str]) -> list[tuple[str, list[dict[str, Any]]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for ind in MANUAL:
        out.setdefault(ind.section, []).append(
            {"key": ind.key, "label": ind.label, "value": values.get(ind.key, ""), "error": errors.get(ind.key, "")}
        )
    return [(str(SECTIONS[s]), rows) for s, rows in out.items()]


@screen(Perm.REPORT_VIEW)
def report_page(request: HttpRequest) -> HttpResponse:
    unit, day = _unit(request), _day(request)
    errors: dict[str, str] = {}
    posted: dict[str, Any] | None = None
    if request.method == "POST":
        posted = {ind.key: request.POST.get(f"m_{ind.key}", "") for ind in MANUAL}
        note = request.POST.get("note", "")
        action = request.POST.get("action", "save")
        try:
            if action == "submit":
                daily.report_submit(actor=request.user, unit=unit, day=day, manual=posted, note=note)
                messages.success(request, _("Đã gửi báo cáo ngày %(day)s.") % {"day": f"{day:%d/%m/%Y}"})
            else:
                daily.report_save(actor=request.user, unit=unit, day=day, manual=posted, note=note)
                messages.success(request, _("Đã lưu bản nháp."))
            return redirect(_url("daily_report", unit, day))
        except ApplicationError as exc:
            if exc.code in (ErrorCode.NOT_FOUND, ErrorCode.PERMISSION_DENIED):
                raise http_error(exc) from exc
            errors = {d.get("field", ""): d.get("message", "") for d in exc.details if isinstance(d, dict)}
            if not errors or exc.code != ErrorCode.VALIDATION:
                messages.error(request, exc.message)
    view = daily.report_view(actor=request.user, unit=unit, day=day)
    values = posted if posted is not None else view.report.manual
    return render(
        request,
        "web/daily_reports/report.html",
        {
            "v": view,
            "r": view.report,
            "unit": unit,
            "day": day,
            "previous": day - dt.timedelta(days=1),
            "following": day + dt.timedelta(days=1) if day < daily.last_closed_day() else None,
            "period": export.period(*_window(day)),
            "sections": _sections(view.computed),
            "facts_at": facts_updated_at(),
            "manual": _manual_sections(values, errors),
            "errors": errors,
            "note": request.POST.get("note", view.report.note) if posted is not None else view.report.note,
            "queue_url": _url("daily_report_queue", unit, day) if _has_below(unit) else "",
            "parent_queue_url": _url("daily_report_queue", unit.parent, day)
            if unit.parent and has_perm(request.user, Perm.REPORT_APPROVE) and user_path(request.user) != unit.path
            else "",
        },
    )


def _window(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    from chihuy.reports.days import day_window

    return day_window(day)


def _has_below(unit: Unit) -> bool:
    return bool(daily.units_below(unit))


@require_POST
@screen(Perm.REPORT_APPROVE)
def report_review(request: HttpRequest, report_id: int, decision: str) -> HttpResponse:
    report = daily.report_get(actor=request.user, report_id=report_id)
    note = request.POST.get("note", "")
    try:
        if decision == "approve":
            daily.report_approve(actor=request.user, report=report, note=note)
            messages.success(request, _("Đã duyệt báo cáo của %(unit)s.") % {"unit": report.unit.name})
        else:
            daily.report_return(actor=request.user, report=report, note=note)
            messages.success(request, _("Đã trả lại báo cáo của %(unit)s.") % {"unit": report.unit.name})
    except ApplicationError as exc:
        if exc.code in (ErrorCode.NOT_FOUND, ErrorCode.PERMISSION_DENIED):
            raise http_error(exc) from exc
        messages.error(request, exc.message)
    parent = report.unit.parent
    if request.POST.get("back") == "queue" and parent is not None:
        return redirect(_url("daily_report_queue", parent, report.day))
    return redirect(_url("daily_report", report.unit, report.day))


@screen(Perm.REPORT_VIEW)
def report_queue(request: HttpRequest) -> HttpResponse:
    unit, day = _unit(request), _day(request)
    consolidation = daily.report_consolidate(actor=request.user, unit=unit, day=day)
    return render(
        request,
        "web/daily_reports/queue.html",
        {
            "c": consolidation,
            "unit": unit,
            "day": day,
            "period": export.period(consolidation.start, consolidation.end),
            "sections": _sections(consolidation.computed),
            "manual": [
                (str(ind.label), export.fmt(consolidation.manual[ind.key]))
                for ind in MANUAL
                if ind.key in consolidation.manual
            ],
            "can_review": has_perm(request.user, Perm.REPORT_APPROVE),
            "counts": [
                (state, str(label), consolidation.count(state))
                for state, label in daily.STATE_LABELS.items()
                if consolidation.count(state)
            ],
            "own_url": _url("daily_report", unit, day),
            "previous": day - dt.timedelta(days=1),
            "following": day + dt.timedelta(days=1) if day < daily.last_closed_day() else None,
        },
    )


def _period(request: HttpRequest) -> tuple[str, dt.date, dt.date]:
    kind = "thang" if request.GET.get("ky") == "thang" else "tuan"
    day = _day(request)
    first, last = daily.week_of(day) if kind == "tuan" else daily.month_of(day)
    return kind, first, min(last, daily.last_closed_day())


@screen(Perm.REPORT_VIEW)
def report_rollup(request: HttpRequest) -> HttpResponse:
    unit = _unit(request)
    kind, first, last = _period(request)
    rollup = daily.report_rollup(actor=request.user, unit=unit, first=first, last=max(first, last))
    return render(
        request,
        "web/daily_reports/rollup.html",
        {
            "ru": rollup,
            "unit": unit,
            "kind": kind,
            "day": _day(request),
            "period": export.period(rollup.start, rollup.end),
            "sections": _sections(rollup.computed),
            "manual": [(str(i.label), export.fmt(rollup.manual[i.key])) for i in MANUAL if i.key in rollup.manual],
        },
    )


def _bulletin(request: HttpRequest) -> export.Bulletin:
    unit, day = _unit(request), _day(request)
    what = request.GET.get("loai", "bao-cao")
    if what == "tong-hop":
        return export.bulletin_of_consolidation(daily.report_consolidate(actor=request.user, unit=unit, day=day))
    if what == "ky":
        _kind, first, last = _period(request)
        return export.bulletin_of_rollup(
            daily.report_rollup(actor=request.user, unit=unit, first=first, last=max(first, last))
        )
    return export.bulletin_of_report(daily.report_view(actor=request.user, unit=unit, day=day))


@screen(Perm.REPORT_VIEW)
def bulletin_xlsx(request: HttpRequest) -> HttpResponse:
    bulletin = _bulletin(request)
    audit_record(
        actor=request.user,
        action="daily_report.export",
        object_type="reports.bulletin",
        object_repr=bulletin.title,
        after={"format": "xlsx", "period": bulletin.period},
    )
    response = HttpResponse(
        export.bulletin_xlsx(bulletin),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="ban-tin.xlsx"'
    return response


@screen(Perm.REPORT_VIEW)
def bulletin_pdf(request: HttpRequest) -> HttpResponse:
    bulletin = _bulletin(request)
    try:
        pdf = export.bulletin_pdf(bulletin)
    except OSError:  # Pango missing from the OS: the screen and Excel still work
        return HttpResponse(
            _("Máy chủ chưa cài thư viện Pango nên chưa xuất được PDF; hãy dùng bản Excel."),
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    audit_record(
        actor=request.user,
        action="daily_report.export",
        object_type="reports.bulletin",
        object_repr=bulletin.title,
        after={"format": "pdf", "period": bulletin.period},
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="ban-tin.pdf"'
    return response


urlpatterns = [
    path("bao-cao-ngay/", report_page, name="daily_report"),
    path("bao-cao-ngay/don-vi-cap-duoi/", report_queue, name="daily_report_queue"),
    path("bao-cao-ngay/tong-hop-ky/", report_rollup, name="daily_report_rollup"),
    path("bao-cao-ngay/ban-tin.xlsx", bulletin_xlsx, name="daily_report_xlsx"),
    path("bao-cao-ngay/ban-tin.pdf", bulletin_pdf, name="daily_report_pdf"),
    path("bao-cao-ngay/<int:report_id>/duyet/", report_review, {"decision": "approve"}, name="daily_report_approve"),
    path("bao-cao-ngay/<int:report_id>/tra-lai/", report_review, {"decision": "return"}, name="daily_report_return"),
]
