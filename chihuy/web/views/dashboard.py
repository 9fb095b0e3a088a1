"""Bảng điều hành: the commander's dashboard of the unit in scope (or `?unit=`), refreshed by htmx every minute,
its wall-screen mode for a TV in the command room, the 5S panel loaded on its own, the children's table as Excel,
and the public level map (no account)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control

from chihuy.accounts.access import in_jurisdiction, user_path
from chihuy.accounts.roles import Perm
from chihuy.core.audit import audit_record
from chihuy.core.tabular import write_xlsx
from chihuy.places.models import Unit
from chihuy.reports.dashboard import (
    Dashboard,
    dashboard_build,
    dashboard_unit,
    fives_panel,
    level_legend,
    public_summary,
)
from chihuy.web.views._common import scope, screen


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _day(request: HttpRequest) -> dt.date | None:
    try:
        return dt.date.fromisoformat(request.GET.get("ngay", ""))
    except ValueError:
        return None  # the reporting day running now


def _unit(request: HttpRequest) -> Unit:
    """`?unit=` (a unit of the reader's area), else the unit in scope (the shell's switcher), else the reader's."""
    unit_id = _int(request.GET.get("unit"))
    if unit_id:
        return dashboard_unit(actor=request.user, unit_id=unit_id)
    return dashboard_unit(actor=request.user, path=scope(request) or user_path(request.user))


def _board(request: HttpRequest) -> Dashboard:
    return dashboard_build(
        actor=request.user,
        unit=_unit(request),
        day=_day(request),
        curve_days=_int(request.GET.get("so-ngay")) or 28,
    )


def _context(request: HttpRequest, board: Dashboard, *, wall: bool) -> dict[str, Any]:
    query = request.GET.copy()
    query.pop("wall", None)
    keep = query.copy()  # the day and the curve's length, kept when narrowing to another unit
    keep.pop("unit", None)
    unit = board.unit
    parent_path = unit.path.rsplit("/", 2)[0] + "/" if unit.depth else ""
    return {
        "up_id": unit.parent_id if parent_path and in_jurisdiction(request.user, parent_path) else None,
        "d": board,
        # On the wall the hottest units come first (the table may not fit the screen).
        "children": sorted(board.children, key=lambda c: -c.new_7d) if wall else board.children,
        "wall": wall,
        "legend": level_legend(),
        "points": [p.as_dict() for p in board.points],
        "query": query.urlencode(),
        "keep": keep.urlencode(),
        "tiles": getattr(settings, "CHIHUY_MAP_TILES", ""),
    }


@screen(Perm.REPORT_VIEW)
def dashboard(request: HttpRequest) -> HttpResponse:
    wall = request.GET.get("wall") == "1"
    board = _board(request)
    template = "web/dashboard/wall.html" if wall else "web/dashboard/dashboard.html"
    return render(request, template, _context(request, board, wall=wall))


@screen(Perm.REPORT_VIEW)
def dashboard_wall(request: HttpRequest) -> HttpResponse:
    return render(request, "web/dashboard/wall.html", _context(request, _board(request), wall=True))


@screen(Perm.REPORT_VIEW)
def dashboard_body(request: HttpRequest) -> HttpResponse:
    """The part htmx swaps in every 60 seconds (numbers, curve data, table, map data)."""
    wall = request.GET.get("wall") == "1"
    return render(request, "web/dashboard/_body.html", _context(request, _board(request), wall=wall))


@screen(Perm.REPORT_VIEW)
def dashboard_fives(request: HttpRequest) -> HttpResponse:
    unit = _unit(request)
    return render(request, "web/dashboard/_fives.html", {"fives": fives_panel(actor=request.user, unit=unit)})


@screen(Perm.REPORT_VIEW)
def dashboard_xlsx(request: HttpRequest) -> HttpResponse:
    board = _board(request)
    rows: list[list[Any]] = [[n.label, n.value, n.previous, n.change] for n in [*board.numbers, *board.origins]]
    rows.append([])
    rows.append(
        [
            _("Đơn vị"),
            _("F0 mới 7 ngày"),
            _("Dân số"),
            _("Trên 100.000 dân"),
            _("Cấp độ"),
            _("≥ 18 tuổi ≥ 1 mũi (%)"),
            _("≥ 50 tuổi đủ liều (%)"),
        ]
    )
    for c in board.children:
        rows.append([c.unit.name, c.new_7d, c.population, c.per_100k, c.level, c.first_18, c.full_50])
    data = write_xlsx(
        title=str(_("Bảng điều hành")),
        headers=[f"{board.unit.name} · {board.day:%d/%m/%Y}", _("Trong ngày"), _("Ngày trước"), _("Thay đổi")],
        rows=rows,
    )
    audit_record(
        actor=request.user, action="dashboard.export", obj=board.unit, after={"format": "xlsx", "day": str(board.day)}
    )
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="bang-dieu-hanh-{board.day:%Y%m%d}.xlsx"'
    return response


@cache_control(public=True, max_age=60)
def public_levels(request: HttpRequest) -> HttpResponse:
    """Public, without an account: the level map of the province's communes and aggregate counts."""
    summary = public_summary(day=_day(request), province_code=request.GET.get("tinh") or None)
    return render(
        request,
        "web/dashboard/public.html",
        {
            "s": summary,
            "legend": level_legend(),
            "points": summary["communes"],
            "tiles": getattr(settings, "CHIHUY_MAP_TILES", ""),
        },
    )


urlpatterns = [
    path("bang-dieu-hanh/", dashboard, name="dashboard"),
    path("bang-dieu-hanh/man-hinh-lon/", dashboard_wall, name="dashboard_wall"),
    path("bang-dieu-hanh/noi-dung/", dashboard_body, name="dashboard_body"),
    path("bang-dieu-hanh/5s/", dashboard_fives, name="dashboard_fives"),
    path("bang-dieu-hanh/bang-dieu-hanh.xlsx", dashboard_xlsx, name="dashboard_xlsx"),
    # Public, without login: the level map and aggregate counts (no personal data).
    path("cong-khai/cap-do-dich/", public_levels, name="public_levels"),
]
