"""Ca bệnh (F0): the list, the report (find-or-create the person), and the case page — fields, infectious
window, status transitions, sources, contacts with their F-level and why, itinerary ("mốc dịch tễ"),
notice drafting and the 5S clock."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chihuy.accounts.access import has_perm, in_jurisdiction
from chihuy.accounts.roles import Perm
from chihuy.cases import selectors, services
from chihuy.cases.enums import CaseStatus, ClusterStatus, RuleOutReason
from chihuy.cases.models import Case
from chihuy.core import clock
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.core.policies import policy_get
from chihuy.response import exposure as response_exposure
from chihuy.web.case_forms import CaseReportForm, ItineraryForm, NoticeForm, TransitionForm, apply_renamed
from chihuy.web.views import contacts
from chihuy.web.views._common import http_error, scope, screen

CASE_RENAME = {"source_case_ids": "source_numbers", "birth_date": "birth_year"}


def url_or_none(name: str) -> str | None:
    """Screens built by other issues are linked only once they exist."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


@screen(Perm.CASE_VIEW)
def case_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in CaseStatus.values else ""
    unknown = request.GET.get("unknown") == "1"
    q = request.GET.get("q", "").strip()
    filters: dict[str, Any] = {
        "actor": request.user,
        "within": scope(request),
        "status": status,
        "source_unknown": unknown,
        "q": q,
    }
    try:
        page = selectors.case_list(**filters, cursor=request.GET.get("cursor"))
    except ApplicationError as exc:  # a tampered cursor: start again from the first page
        if exc.code != ErrorCode.VALIDATION:
            raise
        page = selectors.case_list(**filters)
    query = urlencode({k: v for k, v in (("status", status), ("unknown", "1" if unknown else ""), ("q", q)) if v})
    return render(
        request,
        "web/cases/list.html",
        {
            "page": page,
            "status": status,
            "unknown": unknown,
            "q": q,
            "query": query,
            "cursor": request.GET.get("cursor"),
            "statuses": CaseStatus.choices,
            "fives_url": url_or_none("web:fives"),
            "clusters_url": url_or_none("web:clusters"),
        },
    )


def _report(request: HttpRequest, form: CaseReportForm, clusters: dict[int, Any]) -> Case:
    user = request.user
    sources = []
    for number in form.source_number_list():
        try:
            sources.append(selectors.case_by_number(actor=user, number=number))
        except ApplicationError as exc:
            if exc.code != ErrorCode.NOT_FOUND:
                raise
            raise ApplicationError.field(
                "source_numbers",
                _("Không tìm thấy ca “%(n)s” trong địa bàn của bạn.") % {"n": number},
                ErrorCode.NOT_FOUND,
            ) from exc
    cluster_id = form.cleaned_data.get("cluster")
    cluster = clusters.get(cluster_id) if cluster_id else None
    if cluster_id and cluster is None:
        raise ApplicationError.field("cluster", _("Không tìm thấy ổ dịch này."), ErrorCode.NOT_FOUND)
    with transaction.atomic():  # a new person is kept only if the case is reported
        person = contacts.pick_or_create(request, form, allow_elsewhere=False)
        return response_exposure.case_report(
            actor=user,
            person=person,
            source_case_ids=[s.pk for s in sources],
            cluster=cluster,
            **form.case_values(),
        )


@screen(Perm.CASE_REPORT)
def case_report(request: HttpRequest) -> HttpResponse:
    units = contacts.home_units(request)
    clusters = {c.pk: c for c in selectors.cluster_list(actor=request.user, status=ClusterStatus.ACTIVE)[:200]}
    candidates: list[dict[str, Any]] = []
    if request.method == "POST":
        form = CaseReportForm(request.POST, units=units, clusters=list(clusters.values()))
        if form.is_valid():
            try:
                case = _report(request, form, clusters)
            except ApplicationError as exc:
                candidates = contacts.form_failure(form, exc, CASE_RENAME)
            else:
                messages.success(request, _("Đã báo cáo ca %(n)s.") % {"n": case.number})
                return redirect("web:case", case_id=case.pk)
        picked = contacts.picked_person(request, request.POST.get("person"))
    else:
        picked = contacts.picked_person(request, request.GET.get("person"))
        if request.GET.get("person") and picked is None:
            raise Http404
        initial: dict[str, Any] = {"detected_at": clock.local(clock.now()).replace(second=0, microsecond=0)}
        own = [u for u in units if u.path == scope(request)]
        if own:
            initial["unit"] = own[0].pk
        if picked is not None:
            initial["person"] = picked.pk
        form = CaseReportForm(units=units, clusters=list(clusters.values()), initial=initial)
    return render(request, "web/cases/report.html", {"form": form, "picked": picked, "candidates": candidates})


def fives_clock(case: Case) -> list[dict[str, Any]]:
    """The 5S steps of a case with their times, and the target (policy in force on the report day)."""
    targets = policy_get("fives.targets_hours", on=clock.localdate(case.reported_at), default={})
    now = clock.now()
    steps = [
        ("detected", _("Phát hiện (có kết quả dương tính)"), None, case.detected_at),
        ("report", _("Báo cáo"), case.detected_at, case.reported_at),
        ("tracing", _("Truy vết xong (mọi F1 đã liên hệ)"), case.reported_at, case.tracing_done_at),
        ("isolation", _("Mọi F1 đã cách ly"), case.reported_at, case.f1_isolated_at),
        ("treatment", _("F0 được cách ly, điều trị"), case.reported_at, case.treatment_at),
    ]
    rows = []
    for key, label, start, done in steps:
        due = start + dt.timedelta(hours=float(targets[key])) if start and key in targets else None
        rows.append(
            {
                "key": key,
                "label": label,
                "done": done,
                "due": due,
                "late": due is not None and (done or now) > due and case.status == CaseStatus.ACTIVE,
            }
        )
    return rows


def case_page(
    request: HttpRequest,
    case: Case,
    *,
    transition_form: TransitionForm | None = None,
    itinerary_form: ItineraryForm | None = None,
    notice_form: NoticeForm | None = None,
    **contact_forms: Any,
) -> HttpResponse:
    user: Any = request.user
    infectors, infectees = selectors.case_sources(case)
    stops = selectors.itinerary_of(actor=user, case=case)
    classification = selectors.classification_get(actor=user, person_id=case.person_id) if case.person_id else None
    context: dict[str, Any] = {
        "case": case,
        "classification": classification,
        "infectors": [(c, in_jurisdiction(user, c.unit_path)) for c in infectors],
        "infectees": [(c, in_jurisdiction(user, c.unit_path)) for c in infectees],
        "fives": fives_clock(case),
        "stops": stops,
        "notices": list(selectors.notice_list(actor=user).filter(case=case)),
        "can_report": has_perm(user, Perm.CASE_REPORT) and case.status == CaseStatus.ACTIVE,
        "can_trace": has_perm(user, Perm.TRACE_WORK),
        "can_notice": has_perm(user, Perm.NOTICE_DRAFT) and bool(stops),
        "transition_form": transition_form or TransitionForm(),
        "rule_out_reasons": RuleOutReason.choices,
        "itinerary_form": itinerary_form or ItineraryForm(),
        "notice_form": notice_form
        or NoticeForm(stops=stops, initial={"title": _("Thông báo khẩn: các địa điểm liên quan đến ca bệnh COVID-19")}),
        "today": clock.today(),
    }
    if case.person is not None:
        context.update(contacts.section(request, case.person, **contact_forms))
    return render(request, "web/cases/detail.html", context)


@screen(Perm.CASE_VIEW)
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    return case_page(request, selectors.case_get(actor=request.user, case_id=case_id))


def _case(request: HttpRequest, case_id: int) -> Case:
    return selectors.case_get(actor=request.user, case_id=case_id, audit=False)


def _failed(form: Any, exc: ApplicationError, rename: dict[str, str] | None = None) -> None:
    if exc.code == ErrorCode.PERMISSION_DENIED:
        raise http_error(exc) from exc
    apply_renamed(form, exc, rename or {})


@require_POST
@screen(Perm.CASE_REPORT)
def case_transition(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    form = TransitionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.case_transition(
                actor=request.user,
                case=case,
                to=data["to"],
                reason=data.get("reason") or "",
                rule_out_reason=data.get("rule_out_reason") or "",
                died_on=data.get("died_on"),
            )
        except ApplicationError as exc:
            _failed(form, exc)
        else:
            messages.success(request, _("Đã chuyển ca sang “%(s)s”.") % {"s": CaseStatus(data["to"]).label})
            return redirect("web:case", case_id=case.pk)
    return case_page(request, case, transition_form=form)


@require_POST
@screen(Perm.CONTACT_CHANGE)
def case_contact_add(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    if case.person is None:
        raise Http404
    form, candidates, done = contacts.contact_add(request, case.person)
    if done:
        messages.success(request, _("Đã thêm tiếp xúc."))
        return redirect(reverse("web:case", args=[case.pk]) + "#contacts")
    return case_page(request, case, contact_form=form, candidates=candidates)


@require_POST
@screen(Perm.CONTACT_CHANGE)
def case_contacts_import(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    if case.person is None:
        raise Http404
    form, report = contacts.contacts_import(request, case.person)
    if report is not None and not report["errors"]:
        messages.success(
            request,
            _("Đã thêm %(n)s tiếp xúc, %(q)s người đủ tiêu chí F1.")
            % {"n": report["created"], "q": report["qualified"]},
        )
        return redirect(reverse("web:case", args=[case.pk]) + "#contacts")
    return case_page(request, case, paste_form=form, paste_report=report)


@require_POST
@screen(Perm.TRACE_WORK)
def case_itinerary_add(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    form = ItineraryForm(request.POST)
    if form.is_valid():
        try:
            services.itinerary_add(actor=request.user, case=case, **form.cleaned_data)
        except ApplicationError as exc:
            _failed(form, exc)
        else:
            messages.success(request, _("Đã thêm mốc dịch tễ."))
            return redirect(reverse("web:case", args=[case.pk]) + "#itinerary")
    return case_page(request, case, itinerary_form=form)


@require_POST
@screen(Perm.NOTICE_DRAFT)
def case_notice_draft(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    form = NoticeForm(request.POST, stops=selectors.itinerary_of(actor=request.user, case=case))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.notice_draft(
                actor=request.user,
                case=case,
                title=data["title"],
                stop_ids=list(data["stop_ids"]),
                advice=data.get("advice") or "",
            )
        except ApplicationError as exc:
            _failed(form, exc)
        else:
            messages.success(request, _("Đã soạn thông báo; chờ chỉ huy duyệt."))
            return redirect("web:notices")
    return case_page(request, case, notice_form=form)
