"""Giao ban: the daily briefing pack of the centre in scope, on screen, as a one-page PDF and as Excel."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from chihuy.accounts.access import user_path
from chihuy.accounts.roles import Perm
from chihuy.cases.enums import DetectionWay
from chihuy.core.audit import audit_record
from chihuy.places.selectors import unit_get
from chihuy.reports.briefing import Briefing, briefing_build, briefing_xlsx
from chihuy.web.views._common import scope, screen


def _briefing(request: HttpRequest) -> Briefing:
    unit = unit_get(path=scope(request) or user_path(request.user))
    try:
        day: dt.date | None = dt.date.fromisoformat(request.GET.get("ngay", ""))
    except ValueError:
        day = None  # the reporting day running now
    return briefing_build(actor=request.user, unit=unit, day=day)


def _context(brief: Briefing) -> dict[str, object]:
    labels = dict(DetectionWay.choices)
    ways = sorted(((labels.get(w, w), n) for w, n in (brief.cases.new_by_way.items() if brief.cases else [])))
    return {"b": brief, "ways": ways}


@screen(Perm.CENTRE_VIEW)
def briefing(request: HttpRequest) -> HttpResponse:
    return render(request, "web/briefing/briefing.html", _context(_briefing(request)))


@screen(Perm.CENTRE_VIEW)
def briefing_pdf(request: HttpRequest) -> HttpResponse:
    try:
        from weasyprint import HTML
    except OSError:  # Pango missing from the OS: the screen and Excel still work
        return HttpResponse(
            _("Máy chủ chưa cài thư viện Pango nên chưa xuất được PDF; hãy dùng bản Excel."),
            status=503,
            content_type="text/plain; charset=utf-8",
        )

    brief = _briefing(request)
    html = render_to_string("web/briefing/pdf.html", _context(brief), request=request)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    audit_record(
        actor=request.user, action="briefing.export", obj=brief.unit, after={"format": "pdf", "day": str(brief.day)}
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="giao-ban-{brief.day:%Y%m%d}.pdf"'
    return response


@screen(Perm.CENTRE_VIEW)
def briefing_xlsx_view(request: HttpRequest) -> HttpResponse:
    brief = _briefing(request)
    audit_record(
        actor=request.user, action="briefing.export", obj=brief.unit, after={"format": "xlsx", "day": str(brief.day)}
    )
    response = HttpResponse(
        briefing_xlsx(brief), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="giao-ban-{brief.day:%Y%m%d}.xlsx"'
    return response
