"""Đồng hồ 5S: the overdue steps of the area (most late first, exportable to Excel) and the median hours per
step over the last 7 and 28 days for the area and each unit under it, beside the policy's targets."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chihuy.accounts.access import user_path
from chihuy.accounts.roles import Perm
from chihuy.cases import selectors
from chihuy.core import clock
from chihuy.core.audit import audit_record
from chihuy.core.policies import policy_get
from chihuy.core.tabular import write_xlsx
from chihuy.places.enums import UnitLevel
from chihuy.places.selectors import unit_children, unit_get
from chihuy.web.views._common import scope, screen

WINDOWS = [7, 28]
OVERDUE_HEADERS = [
    gettext_lazy("mã ca"),
    gettext_lazy("họ tên"),
    gettext_lazy("đơn vị"),
    gettext_lazy("bước 5S"),
    gettext_lazy("hạn"),
    gettext_lazy("số giờ trễ"),
]


def _area(request: HttpRequest) -> str:
    return scope(request) or user_path(request.user)


@screen(Perm.CASE_VIEW)
def fives_board(request: HttpRequest) -> HttpResponse:
    area = _area(request)
    unit = unit_get(path=area)
    labels = selectors.step_labels()
    targets = policy_get("fives.targets_hours")
    # The area itself, then each district (or commune) under it: where the chain is slow.
    units = [unit]
    if unit.level in (UnitLevel.PROVINCE, UnitLevel.DISTRICT):
        units += unit_children(unit)
    medians = []
    for u in units:
        windows = {days: selectors.fives_medians(actor=request.user, within=u.path, days=days) for days in WINDOWS}
        medians.append(
            {
                "unit": u,
                "is_area": u.pk == unit.pk,
                "cells": [
                    {
                        "days": days,
                        "step": step,
                        "over": (windows[days][step]["median_hours"] or 0) > float(targets[step]),
                        **windows[days][step],
                    }
                    for step in selectors.STEPS
                    for days in WINDOWS
                ],
            }
        )
    overdue = selectors.fives_overdue(actor=request.user, within=area)
    return render(
        request,
        "web/fives/board.html",
        {
            "unit": unit,
            "steps": [{"key": s, "label": labels[s], "target": targets[s]} for s in selectors.STEPS],
            "windows": WINDOWS,
            "medians": medians,
            "overdue": [{"item": o, "label": labels[o.step]} for o in overdue],
            "now": clock.now(),
        },
    )


@screen(Perm.CASE_VIEW)
def fives_export_xlsx(request: HttpRequest) -> HttpResponse:
    area = _area(request)
    labels = selectors.step_labels()
    overdue = selectors.fives_overdue(actor=request.user, within=area)
    rows: list[list[Any]] = [
        [
            o.case.number,
            o.case.person.full_name if o.case.person else "",
            o.case.unit.name,
            str(labels[o.step]),
            clock.local(o.due_at).strftime("%d/%m/%Y %H:%M"),
            o.hours_late,
        ]
        for o in overdue
    ]
    # Names of F0 leave the system: the export is recorded like the audit log's.
    audit_record(
        actor=request.user,
        action="export",
        object_type="cases.fives_overdue",
        object_repr=_("%(n)s bước 5S quá hạn") % {"n": len(rows)},
        unit_path=area,
        details={"rows": len(rows)},
    )
    body = write_xlsx(title="5S qua han", headers=[str(h) for h in OVERDUE_HEADERS], rows=rows)
    response = HttpResponse(body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="5s-qua-han-{clock.today():%Y%m%d}.xlsx"'
    return response
