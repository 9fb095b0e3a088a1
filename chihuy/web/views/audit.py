"""Nhật ký: the audit log of the administrator's subtree, filtered, keyset pages, Excel export."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from chihuy.accounts.roles import Perm
from chihuy.accounts.selectors import audit_list
from chihuy.core import clock
from chihuy.core.errors import ApplicationError
from chihuy.core.pagination import keyset_page
from chihuy.web.exports import audit_export
from chihuy.web.forms import AuditFilterForm
from chihuy.web.views._common import scope, screen


def _filters(form: AuditFilterForm) -> dict[str, Any]:
    if not form.is_valid():
        return {}
    data = form.cleaned_data

    def start(day: dt.date | None) -> dt.datetime | None:
        return timezone.make_aware(dt.datetime.combine(day, dt.time.min)) if day else None

    return {
        "action": data["action"] or "",
        "object_type": data["object_type"] or "",
        "username": data["username"] or "",
        "object_id": data["object_id"] or "",
        "since": start(data["since"]),
        # "Đến ngày" includes that whole day.
        "until": start(data["until"] + dt.timedelta(days=1)) if data["until"] else None,
    }


@screen(Perm.AUDIT_VIEW)
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters = _filters(form) if request.GET else {}
    qs = audit_list(actor=request.user, within=scope(request), **filters)
    try:
        page = keyset_page(qs, order=["-at", "-id"], cursor=request.GET.get("cursor") or None, limit=50)
    except ApplicationError:  # a tampered cursor: start again from the first page
        page = keyset_page(qs, order=["-at", "-id"], cursor=None, limit=50)
    query = request.GET.copy()
    query.pop("cursor", None)
    return render(
        request, "web/audit/list.html", {"form": form, "page": page, "query": query.urlencode(), "today": clock.today()}
    )


@screen(Perm.AUDIT_VIEW)
def audit_export_xlsx(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    body = audit_export(actor=request.user, within=scope(request), filters=_filters(form) if request.GET else {})
    response = HttpResponse(body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="nhat-ky-{clock.today():%Y%m%d}.xlsx"'
    return response
