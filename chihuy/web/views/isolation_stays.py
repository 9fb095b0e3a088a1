"""Isolation screens (issue 6) — stays: the list of stays of the area (facility, status, kind, cohort, due for release
today; Excel), one stay (the person, the place and bed, the clock "day N of M" with its release date and the rule's
document, the test days and their results, the events — admissions, moves flagged against a rule, clock restarts with
their reason — the release button that says why not yet, "Ghi nhận dương tính" when the person has an active case),
and the post-release health monitorings. Release and positives go through `chihuy.response.isolation`.
Owns its URL patterns (included by chihuy/web/urls.py)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chihuy.accounts.access import has_perm
from chihuy.accounts.roles import Perm
from chihuy.core import clock
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.core.pagination import keyset_page
from chihuy.core.tabular import write_xlsx
from chihuy.isolation import selectors, selectors_stays
from chihuy.isolation.enums import (
    HOLDING_STATUSES,
    Cohort,
    MonitoringReason,
    MonitoringStatus,
    StayKind,
    StayStatus,
)
from chihuy.response import isolation as response
from chihuy.web.views._common import scope, screen

PAGE_SIZE = 50
EXPORT_LIMIT = 20_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _url_or_none(name: str, *args: Any) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _page(qs: Any, order: list[str], cursor: str | None) -> Any:
    try:
        return keyset_page(qs, order=order, cursor=cursor, limit=PAGE_SIZE)
    except ApplicationError:  # a stale or tampered cursor: back to the first page
        return keyset_page(qs, order=order, cursor=None, limit=PAGE_SIZE)


def _xlsx(name: str, title: str, headers: list[str], rows: list[list[Any]]) -> HttpResponse:
    out = HttpResponse(write_xlsx(title=title, headers=headers, rows=rows), content_type=XLSX)
    out["Content-Disposition"] = f'attachment; filename="{name}-{clock.today():%Y%m%d}.xlsx"'
    return out


def _place(stay: Any) -> str:
    if stay.facility_id:
        parts = [stay.facility.name]
        if stay.room_id:
            parts.append(_("phòng %(r)s") % {"r": stay.room.code})
        if stay.bed_id:
            parts.append(_("giường %(b)s") % {"b": stay.bed.code})
        return ", ".join(parts)
    if stay.home_id:
        return _("Tại nhà: %(a)s") % {"a": stay.home.address}
    return ""


# --- the list ------------------------------------------------------------------------------------------


@screen(Perm.ISOLATION_VIEW)
def stay_list(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    facilities = list(selectors.facility_list(actor=actor)[:500])
    facility_raw = request.GET.get("facility", "")
    facility_id = next((f.pk for f in facilities if str(f.pk) == facility_raw), None)
    status = request.GET.get("status", "holding")
    status = status if status in StayStatus.values or status in ("holding", "all") else "holding"
    kind = request.GET.get("kind", "")
    kind = kind if kind in StayKind.values else ""
    cohort = request.GET.get("cohort", "")
    cohort = cohort if cohort in Cohort.values else ""
    due = request.GET.get("due") == "1"
    q = request.GET.get("q", "").strip()[:100]
    qs = selectors_stays.stays_filtered(
        actor=actor,
        within=scope(request),
        facility_id=facility_id,
        status="" if status == "all" else status,
        kind=kind,
        cohort=cohort,
        due_on=clock.today() if due else None,
        q=q,
    )
    if request.GET.get("format") == "xlsx":
        return _stays_xlsx(list(qs.select_related("person__unit")[:EXPORT_LIMIT]))
    cursor = request.GET.get("cursor") or None
    page = _page(qs, ["-clock_start_on", "-id"], cursor)
    today = clock.today()
    for stay in page.items:
        stay.day_n = (today - stay.clock_start_on).days + 1 if stay.status in HOLDING_STATUSES else None
        # Past the clock's last day the count stops: the stay waits for its negatives and the release.
        stay.release_due = bool(stay.day_n and stay.release_on and today >= stay.release_on)
        stay.place = _place(stay)
    params = (
        ("facility", facility_raw if facility_id else ""),
        ("status", status if status != "holding" else ""),
        ("kind", kind),
        ("cohort", cohort),
        ("due", "1" if due else ""),
        ("q", q),
    )
    query = {k: v for k, v in params if v}
    return render(
        request,
        "web/isolation/stays/list.html",
        {
            "page": page,
            "facilities": [(f.pk, f.name) for f in facilities],
            "facility": facility_raw if facility_id else "",
            "status": status,
            "statuses": [("holding", _("Đang cách ly / giữ giường")), ("all", _("Tất cả")), *StayStatus.choices],
            "kind": kind,
            "kinds": StayKind.choices,
            "cohort": cohort,
            "cohorts": Cohort.choices,
            "due": due,
            "q": q,
            "query": urlencode(query),
            "export_query": urlencode({**query, "format": "xlsx"}),
            "cursor": cursor,
            "filtered": bool(query),
            "can_dispatch": has_perm(actor, Perm.CAMPAIGN_MANAGE),
        },
    )


def _stays_xlsx(stays: list[Any]) -> HttpResponse:
    headers = [
        _("Họ tên"),
        _("Năm sinh"),
        _("Điện thoại"),
        _("Nơi cư trú"),
        _("Loại"),
        _("Đối tượng"),
        _("Trạng thái"),
        _("Nơi cách ly"),
        _("Ngày bắt đầu"),
        _("Ngày hoàn thành dự kiến"),
        _("Ngày xét nghiệm"),
        _("Quy định áp dụng"),
        _("Đánh dấu vi phạm"),
        _("Lý do kết thúc"),
    ]
    rows = [
        [
            s.person.full_name,
            s.person.birth_year,
            s.person.phone,
            s.person.unit.name,
            str(StayKind(s.kind).label),
            str(Cohort(s.cohort).label),
            str(StayStatus(s.status).label),
            _place(s),
            s.clock_start_on,
            s.release_on,
            ", ".join(str(d) for d in s.test_days),
            s.rule_source,
            s.flag_reason if s.flagged else "",
            s.end_reason,
        ]
        for s in stays
    ]
    return _xlsx("luot-cach-ly", _("Lượt cách ly"), [str(h) for h in headers], rows)


# --- one stay ------------------------------------------------------------------------------------------


@screen(Perm.ISOLATION_VIEW)
def stay_detail(request: HttpRequest, stay_id: int) -> HttpResponse:
    actor: Any = request.user
    page = response.stay_page(actor=actor, stay_id=stay_id)
    stay = page.detail.stay
    perm = Perm.HOME_ISOLATION if stay.kind == StayKind.HOME else Perm.STAY_WORK
    can_work = has_perm(actor, perm)
    holding = stay.status in HOLDING_STATUSES
    quarantine = stay.kind != StayKind.TREATMENT and stay.cohort != Cohort.F0
    return render(
        request,
        "web/isolation/stays/detail.html",
        {
            "d": page.detail,
            "stay": stay,
            "place": _place(stay),
            "readiness": page.readiness,
            "negatives": page.negatives,
            "active_case": page.active_case,
            "can_release": can_work and holding and quarantine and stay.status == StayStatus.ACTIVE,
            "can_positive": can_work and holding and quarantine and bool(page.active_case),
            "room_url": _url_or_none("web:isolation_room", stay.room_id) if stay.room_id else None,
            "move_url": _url_or_none("web:isolation_move", stay.pk) if holding and stay.bed_id else None,
            "person_url": _url_or_none("web:person", stay.person_id),
            "list_url": reverse("web:isolation_stays"),
        },
    )


def _fail(request: HttpRequest, exc: ApplicationError) -> None:
    """A missing right or a stay out of reach stays a 403/404; a rule's refusal is shown on the stay's page."""
    if exc.code in (ErrorCode.PERMISSION_DENIED, ErrorCode.NOT_FOUND):
        raise exc
    messages.error(request, exc.message)


@require_POST
@screen(Perm.ISOLATION_VIEW)
def stay_release(request: HttpRequest, stay_id: int) -> HttpResponse:
    actor: Any = request.user
    stay = selectors.stay_get(actor=actor, stay_id=stay_id)
    try:
        _stay, monitoring = response.stay_release(actor=actor, stay=stay)
    except ApplicationError as exc:
        _fail(request, exc)
    else:
        text = _("Đã hoàn thành cách ly cho %(n)s.") % {"n": stay.person.full_name}
        if monitoring is not None:
            text += " " + _("Theo dõi sức khỏe đến hết ngày %(d)s.") % {"d": monitoring.ends_on.strftime("%d/%m/%Y")}
        messages.success(request, text)
    return redirect("web:isolation_stay", stay_id=stay.pk)


@require_POST
@screen(Perm.ISOLATION_VIEW)
def stay_positive(request: HttpRequest, stay_id: int) -> HttpResponse:
    actor: Any = request.user
    stay = selectors.stay_get(actor=actor, stay_id=stay_id)
    try:
        outcome = response.stay_positive(actor=actor, stay=stay)
    except ApplicationError as exc:
        _fail(request, exc)
    else:
        messages.success(
            request,
            _(
                "Đã ghi nhận dương tính: kết thúc lượt cách ly, tính lại thời gian cách ly cho %(n)s người "
                "cùng phòng/hộ."
            )
            % {"n": len(outcome.restarted)},
        )
    return redirect("web:isolation_stay", stay_id=stay.pk)


@require_POST
@screen(Perm.CAMPAIGN_MANAGE)
def stays_tests_dispatch(request: HttpRequest) -> HttpResponse:
    """Send the test days due today of the area's quarantine stays to sampling (what the daily sweep does)."""
    actor: Any = request.user
    result = response.tests_dispatch(actor=actor, on=clock.today())
    if result.tests:
        messages.success(
            request,
            _("Đã giao lấy mẫu %(n)s lượt xét nghiệm đến hạn (đợt %(c)s).")
            % {"n": result.tests, "c": ", ".join(result.campaigns)},
        )
    else:
        messages.info(request, _("Không có ngày xét nghiệm nào đến hạn chưa giao."))
    for skipped in result.skipped:
        messages.error(request, skipped)
    return redirect("web:isolation_stays")


# --- monitorings -----------------------------------------------------------------------------------------


@screen(Perm.ISOLATION_VIEW)
def monitoring_list(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    status = request.GET.get("status", MonitoringStatus.ACTIVE)
    status = status if status in MonitoringStatus.values or status == "all" else MonitoringStatus.ACTIVE
    reason = request.GET.get("reason", "")
    reason = reason if reason in MonitoringReason.values else ""
    q = request.GET.get("q", "").strip()[:100]
    qs = selectors_stays.monitoring_list(
        actor=actor, within=scope(request), status="" if status == "all" else status, reason=reason, q=q
    )
    if request.GET.get("format") == "xlsx":
        rows = [
            [
                m.person.full_name,
                m.person.birth_year,
                m.person.phone,
                str(MonitoringReason(m.reason).label),
                m.starts_on,
                m.ends_on,
                str(MonitoringStatus(m.status).label),
                m.rule_source,
            ]
            for m in qs[:EXPORT_LIMIT]
        ]
        headers = [
            _("Họ tên"),
            _("Năm sinh"),
            _("Điện thoại"),
            _("Lý do"),
            _("Từ ngày"),
            _("Đến hết ngày"),
            _("Trạng thái"),
            _("Quy định"),
        ]
        return _xlsx("theo-doi-suc-khoe", _("Theo dõi sức khỏe"), [str(h) for h in headers], rows)
    cursor = request.GET.get("cursor") or None
    page = _page(qs, ["-starts_on", "-id"], cursor)
    today = clock.today()
    for m in page.items:
        m.day_n = (today - m.starts_on).days + 1 if m.status == MonitoringStatus.ACTIVE else None
        m.days = (m.ends_on - m.starts_on).days + 1
    query = {
        k: v
        for k, v in (("status", status if status != MonitoringStatus.ACTIVE else ""), ("reason", reason), ("q", q))
        if v
    }
    return render(
        request,
        "web/isolation/stays/monitorings.html",
        {
            "page": page,
            "status": status,
            "statuses": [*MonitoringStatus.choices, ("all", _("Tất cả"))],
            "reason": reason,
            "reasons": MonitoringReason.choices,
            "q": q,
            "query": urlencode(query),
            "export_query": urlencode({**query, "format": "xlsx"}),
            "cursor": cursor,
            "filtered": bool(query),
        },
    )


urlpatterns: list[Any] = [
    path("cach-ly/luot/", stay_list, name="isolation_stays"),
    path("cach-ly/luot/giao-xet-nghiem/", stays_tests_dispatch, name="isolation_stays_tests_dispatch"),
    path("cach-ly/luot/<int:stay_id>/", stay_detail, name="isolation_stay"),
    path("cach-ly/luot/<int:stay_id>/hoan-thanh/", stay_release, name="isolation_stay_release"),
    path("cach-ly/luot/<int:stay_id>/duong-tinh/", stay_positive, name="isolation_stay_positive"),
    path("cach-ly/theo-doi/", monitoring_list, name="isolation_monitorings"),
]
