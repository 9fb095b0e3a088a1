"""Exposure screens (issue 7): the F1-candidate queue of the area (tabs pending / confirmed / dismissed, most minutes
together first, Excel), one candidate with the confirm form (the person matched, picked or created from the scan;
distance, mask, minutes for the rule) and the dismiss form, a case's venue exposures (an htmx section of the case
page with "Tìm lại"), a person's check-ins (audited) and an on-demand search for a person and window, and the
batch recompute for every active F0 (its job page). Owns its URL patterns (included by chihuy/web/urls.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chihuy.accounts.access import has_perm, in_jurisdiction
from chihuy.accounts.roles import Perm
from chihuy.cases import selectors as case_selectors
from chihuy.cases.enums import CaseStatus
from chihuy.cases.services.contacts import person_match
from chihuy.core import clock
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.core.tabular import write_xlsx
from chihuy.people import selectors as people_selectors
from chihuy.people.models import Person
from chihuy.response import exposure as response
from chihuy.tracing import selectors, selectors_exposures
from chihuy.tracing.enums import CandidateStatus
from chihuy.tracing.models import ExposureCandidate
from chihuy.tracing.services import candidates
from chihuy.tracing.services.checkins import person_checkins as checkins_of_person
from chihuy.web.exposure_forms import ConfirmForm, DismissForm, WindowForm
from chihuy.web.forms import apply_error
from chihuy.web.views import contacts
from chihuy.web.views._common import http_error, scope, screen

PAGE_SIZE = 50
EXPORT_LIMIT = 20_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _row(request: HttpRequest, c: ExposureCandidate) -> dict[str, Any]:
    """A candidate as the queue shows it: the full phone to the F0's and the person's unit, the F0's name only to
    the F0's unit (the receiving unit sees the case number)."""
    user: Any = request.user
    phone = c.visitor.phone
    return {
        "c": c,
        "name": c.person.full_name if c.person_id and c.person is not None else c.visitor.name,
        "phone": phone
        if selectors_exposures.sees_phone(user, c.source_unit_path, c.unit_path)
        else selectors_exposures.mask_phone(phone),
        "source_visible": selectors_exposures.sees_source(user, c),
        "near": getattr(c, "near", None),
    }


def _status(value: str) -> str:
    return value if value in CandidateStatus.values else CandidateStatus.PENDING


def _source_id(value: str) -> int | None:
    return int(value) if value.isdigit() else None


@screen(Perm.EXPOSURE_WORK)
def candidate_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    status = _status(request.GET.get("status", ""))
    source_id = _source_id(request.GET.get("source", ""))
    filters: dict[str, Any] = {"actor": user, "within": scope(request), "source_person_id": source_id}
    try:
        page = selectors_exposures.candidate_queue(
            **filters, status=status, cursor=request.GET.get("cursor"), limit=PAGE_SIZE
        )
    except ApplicationError as exc:  # a stale or tampered cursor: back to the first page
        if exc.code != ErrorCode.VALIDATION:
            raise
        page = selectors_exposures.candidate_queue(**filters, status=status, limit=PAGE_SIZE)
    counts = selectors_exposures.candidate_tab_counts(actor=user, within=scope(request), source_person_id=source_id)
    base = {"source": source_id} if source_id else {}
    return render(
        request,
        "web/tracing/candidate_list.html",
        {
            "rows": [_row(request, c) for c in page.items],
            "page": page,
            "status": status,
            "tabs": [
                (value, label, counts[value], urlencode({**base, "status": value}))
                for value, label in CandidateStatus.choices
            ],
            "query": urlencode({**base, "status": status}),
            "cursor": request.GET.get("cursor"),
            "source_id": source_id,
        },
    )


def _export_headers() -> list[str]:
    return [
        _("Trạng thái"),
        _("Họ tên"),
        _("Số điện thoại"),
        _("Địa điểm"),
        _("Mã địa điểm"),
        _("F0 ở đó từ"),
        _("F0 ở đó đến"),
        _("Người này từ"),
        _("Người này đến"),
        _("Số phút cùng lúc"),
        _("Gần số F0"),
        _("Mã ca F0"),
        _("Lý do (khi loại/xác nhận)"),
    ]


@screen(Perm.EXPOSURE_WORK)
def candidate_export(request: HttpRequest) -> HttpResponse:
    """The tab being viewed as Excel (the same order and masking as the screen)."""
    status = _status(request.GET.get("status", ""))
    qs = selectors_exposures.candidate_queue_qs(
        actor=request.user,
        within=scope(request),
        status=status,
        source_person_id=_source_id(request.GET.get("source", "")),
    ).order_by(*selectors_exposures.QUEUE_ORDER)[:EXPORT_LIMIT]
    rows = []
    for c in qs:
        row = _row(request, c)

        def when(value: dt.datetime) -> str:
            return f"{clock.local(value):%d/%m/%Y %H:%M}"

        rows.append(
            [
                c.get_status_display(),
                row["name"],
                row["phone"],
                c.venue.site.name,
                c.venue.code,
                when(c.source_from),
                when(c.source_to),
                when(c.exposed_from),
                when(c.exposed_to),
                c.overlap_minutes,
                row["near"],
                c.case_number,
                c.reason,
            ]
        )
    body = write_xlsx(title="F1 du kien", headers=_export_headers(), rows=rows)
    out = HttpResponse(body, content_type=XLSX)
    out["Content-Disposition"] = f'attachment; filename="f1-du-kien-{status}-{clock.today():%Y%m%d}.xlsx"'
    return out


def _confirm_form(request: HttpRequest, candidate: ExposureCandidate, data: Any = None) -> ConfirmForm:
    units = contacts.home_units(request)
    if data is not None:
        return ConfirmForm(data, units=units)
    initial: dict[str, Any] = {"duration_minutes": candidate.overlap_minutes}
    venue_unit = next((u for u in units if u.path == candidate.venue.unit_path), None)
    if venue_unit is not None:
        initial["unit"] = venue_unit.pk
    return ConfirmForm(units=units, initial=initial)


def _candidate_page(
    request: HttpRequest,
    candidate: ExposureCandidate,
    *,
    confirm_form: ConfirmForm | None = None,
    dismiss_form: DismissForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user: Any = request.user
    matched = candidate.person if candidate.person_id else None
    if matched is None and candidate.status == CandidateStatus.PENDING:
        visitor = candidate.visitor
        matched = person_match({"national_id": visitor.national_id, "phone": visitor.phone, "full_name": visitor.name})
    near = selectors.sources_near([candidate.visitor_id]).get(candidate.visitor_id, 0)
    picked = None
    if confirm_form is not None and confirm_form.is_bound:
        picked = contacts.picked_person(request, confirm_form.data.get("person"))
    context = {
        "candidate": candidate,
        "row": _row(request, candidate),
        "near": near,
        "matched": matched,
        "matched_visible": matched is not None and in_jurisdiction(user, matched.unit_path),
        "picked": picked,
        "can_decide": selectors_exposures.may_decide(user, candidate),
        "confirm_form": confirm_form or _confirm_form(request, candidate),
        "dismiss_form": dismiss_form or DismissForm(),
        "contact_link": _contact_link(request, candidate),
    }
    return render(request, "web/tracing/candidate_detail.html", context, status=status)


def _contact_link(request: HttpRequest, candidate: ExposureCandidate) -> str | None:
    """Where a confirmed candidate's contact is seen: the person's F-level page, else the person."""
    if candidate.status != CandidateStatus.CONFIRMED or not candidate.person_id:
        return None
    return _person_target(request, candidate.person_id)


def _person_target(request: HttpRequest, person_id: int) -> str | None:
    user: Any = request.user
    if has_perm(user, Perm.CASE_VIEW):
        classification = case_selectors.classification_get(actor=user, person_id=person_id)
        if classification is not None:
            return reverse("web:classification", args=[classification.pk])
    person = Person.objects.filter(pk=person_id).only("unit_path").first()
    if person is not None and in_jurisdiction(user, person.unit_path) and has_perm(user, Perm.PERSON_VIEW):
        return reverse("web:person", args=[person_id])
    return None


def _candidate(request: HttpRequest, candidate_id: int) -> ExposureCandidate:
    return selectors.candidate_get(actor=request.user, candidate_id=candidate_id)


@screen(Perm.EXPOSURE_WORK)
def candidate_detail(request: HttpRequest, candidate_id: int) -> HttpResponse:
    return _candidate_page(request, _candidate(request, candidate_id))


@require_POST
@screen(Perm.EXPOSURE_WORK)
def candidate_confirm(request: HttpRequest, candidate_id: int) -> HttpResponse:
    candidate = _candidate(request, candidate_id)
    form = _confirm_form(request, candidate, request.POST)
    if form.is_valid():
        try:
            contact = response.candidate_confirm(
                actor=request.user,
                candidate=candidate,
                person=contacts.picked_or_error(request, form.cleaned_data.get("person")),
                **form.values(),
            )
        except ApplicationError as exc:
            if exc.code == ErrorCode.PERMISSION_DENIED:
                raise http_error(exc) from exc
            apply_error(form, exc)
        else:
            level = _("F1") if contact.qualifies else _("chưa đủ tiêu chí F1")
            messages.success(
                request,
                _("Đã xác nhận tiếp xúc (%(level)s): %(reason)s") % {"level": level, "reason": contact.qualify_reason},
            )
            target = _person_target(request, contact.contact_person_id)
            return redirect(target or reverse("web:candidate", args=[candidate.pk]))
    return _candidate_page(request, candidate, confirm_form=form, status=400)


@require_POST
@screen(Perm.EXPOSURE_WORK)
def candidate_dismiss(request: HttpRequest, candidate_id: int) -> HttpResponse:
    candidate = _candidate(request, candidate_id)
    form = DismissForm(request.POST)
    if form.is_valid():
        try:
            candidates.candidate_dismiss(actor=request.user, candidate=candidate, reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            if exc.code == ErrorCode.PERMISSION_DENIED:
                raise http_error(exc) from exc
            apply_error(form, exc)
        else:
            messages.success(request, _("Đã loại người này khỏi danh sách F1 dự kiến."))
            return redirect(reverse("web:candidates"))
    return _candidate_page(request, candidate, dismiss_form=form, status=400)


@require_POST
@screen(Perm.EXPOSURE_WORK)
def exposures_batch(request: HttpRequest) -> HttpResponse:
    """Every active F0 of the area (the scope being viewed) again, in the background: only new candidates."""
    job = response.exposures_batch_start(actor=request.user, within=scope(request) or None)
    messages.info(request, _("Đang tính lại người tiếp xúc qua quét mã cho mọi F0 đang hoạt động."))
    return redirect("web:job", job_id=job.pk)


# --- a case's section (htmx) ----------------------------------------------------------------------------


def _case_window(case: Any) -> tuple[dt.date, dt.date]:
    """The infectious window up to today, at most the last 31 days of it (what one search covers)."""
    until = min(case.infectious_until or clock.today(), clock.today())
    start = max(case.infectious_from, until - dt.timedelta(days=31))
    return min(start, until), until


def _case_section(request: HttpRequest, case: Any, *, found: Any = None, error: str = "") -> HttpResponse:
    user: Any = request.user
    counts = (
        selectors_exposures.candidate_tab_counts(actor=user, source_person_id=case.person_id)
        if case.person_id
        else {s: 0 for s in CandidateStatus.values}
    )
    top = (
        selectors_exposures.candidate_queue(actor=user, status=None, source_person_id=case.person_id, limit=5).items
        if case.person_id
        else []
    )
    date_from, date_to = _case_window(case)
    return render(
        request,
        "web/tracing/candidate_case_section.html",
        {
            "case": case,
            "counts": counts,
            "total": sum(counts.values()),
            "rows": [_row(request, c) for c in top],
            "queue_url": reverse("web:candidates") + "?" + urlencode({"source": case.person_id or ""}),
            "can_find": case.person_id is not None and case.status == CaseStatus.ACTIVE,
            "date_from": date_from,
            "date_to": date_to,
            "found": found,
            "error": error,
        },
    )


@screen()
def case_exposures(request: HttpRequest, case_id: int) -> HttpResponse:
    """The case page's section "Người có thể tiếp xúc qua quét mã QR" (loaded by htmx; empty without the right)."""
    if not has_perm(request.user, Perm.EXPOSURE_WORK):
        return HttpResponse("")
    case = case_selectors.case_get(actor=request.user, case_id=case_id, audit=False)
    return _case_section(request, case)


@require_POST
@screen(Perm.EXPOSURE_WORK)
def case_exposures_find(request: HttpRequest, case_id: int) -> HttpResponse:
    """ "Tìm lại": the F0's check-ins over the infectious window against everyone's, new people recorded."""
    case = case_selectors.case_get(actor=request.user, case_id=case_id, audit=False)
    if case.person is None:
        return _case_section(request, case, error=_("Ca này chưa gắn với một người."))
    date_from, date_to = _case_window(case)
    try:
        found = response.exposures_find(actor=request.user, person=case.person, date_from=date_from, date_to=date_to)
    except ApplicationError as exc:
        if exc.code in (ErrorCode.PERMISSION_DENIED, ErrorCode.NOT_FOUND):
            raise
        return _case_section(request, case, error=exc.message)
    if not request.htmx:  # type: ignore[attr-defined]
        messages.success(request, _("Đã tìm lại: %(n)s người mới có thể tiếp xúc.") % {"n": found.run.new_candidates})
        return redirect(reverse("web:case", args=[case.pk]) + "#venue-exposures")
    return _case_section(request, case, found=found)


# --- a person's check-ins and on-demand search ----------------------------------------------------------


@screen()
def person_links(request: HttpRequest, person_id: int) -> HttpResponse:
    """The person page's links to their check-ins and to a search (loaded by htmx; only what the user may)."""
    user: Any = request.user
    can_view = has_perm(user, Perm.CHECKIN_VIEW)
    can_find = has_perm(user, Perm.EXPOSURE_WORK)
    if not (can_view or can_find):
        return HttpResponse("")
    person = people_selectors.person_get(actor=user, person_id=person_id, audit=False)
    return render(
        request,
        "web/tracing/exposure_person_links.html",
        {"person": person, "can_view": can_view, "can_find": can_find},
    )


def _window(request: HttpRequest, data: Any) -> tuple[WindowForm, dt.date | None, dt.date | None]:
    if not data or "date_from" not in data:
        form = WindowForm.default()
        return form, form.initial["date_from"], form.initial["date_to"]
    form = WindowForm(data)
    if not form.is_valid():
        return form, None, None
    return form, form.cleaned_data["date_from"], form.cleaned_data["date_to"]


@screen(Perm.CHECKIN_VIEW)
def person_checkins(request: HttpRequest, person_id: int) -> HttpResponse:
    """A person's check-ins in a window (default the last 14 days); every read is recorded in the audit log."""
    person = people_selectors.person_get(actor=request.user, person_id=person_id, audit=False)
    form, date_from, date_to = _window(request, request.GET)
    visits = None
    if date_from is not None and date_to is not None:
        try:
            visits = checkins_of_person(actor=request.user, person=person, date_from=date_from, date_to=date_to)
        except ApplicationError as exc:
            if exc.code in (ErrorCode.PERMISSION_DENIED, ErrorCode.NOT_FOUND):
                raise http_error(exc) from exc
            apply_error(form, exc)
    return render(
        request,
        "web/tracing/exposure_checkins.html",
        {"person": person, "form": form, "visits": visits, "can_find": has_perm(request.user, Perm.EXPOSURE_WORK)},
    )


@screen(Perm.EXPOSURE_WORK)
def person_exposures(request: HttpRequest, person_id: int) -> HttpResponse:
    """Who was near a person's check-ins between two days (recorded as candidates when the person is an active F0)."""
    person = people_selectors.person_get(actor=request.user, person_id=person_id, audit=False)
    found = None
    hits: list[Any] = []
    if request.method == "POST":
        form, date_from, date_to = _window(request, request.POST)
        if date_from is not None and date_to is not None:
            try:
                found = response.exposures_find(actor=request.user, person=person, date_from=date_from, date_to=date_to)
            except ApplicationError as exc:
                if exc.code in (ErrorCode.PERMISSION_DENIED, ErrorCode.NOT_FOUND):
                    raise http_error(exc) from exc
                apply_error(form, exc)
            else:
                hits = selectors_exposures.hit_rows(
                    actor=request.user,
                    exposures=found.exposures,
                    source_path=person.unit_path if found.run.params.get("case") else "",
                )
    else:
        form = WindowForm.default()
    return render(
        request,
        "web/tracing/exposure_person.html",
        {
            "person": person,
            "form": form,
            "found": found,
            "hits": hits,
            "is_f0": bool(found and found.run.params.get("case")),
        },
    )


urlpatterns = [
    path("candidates/", candidate_list, name="candidates"),
    path("candidates/export.xlsx", candidate_export, name="candidates_export"),
    path("candidates/batch/", exposures_batch, name="exposures_batch"),
    path("candidates/<int:candidate_id>/", candidate_detail, name="candidate"),
    path("candidates/<int:candidate_id>/confirm/", candidate_confirm, name="candidate_confirm"),
    path("candidates/<int:candidate_id>/dismiss/", candidate_dismiss, name="candidate_dismiss"),
    path("cases/<int:case_id>/venue-exposures/", case_exposures, name="case_exposures"),
    path("cases/<int:case_id>/venue-exposures/find/", case_exposures_find, name="case_exposures_find"),
    path("people/<int:person_id>/tracing-links/", person_links, name="person_tracing_links"),
    path("people/<int:person_id>/checkins/", person_checkins, name="person_checkins"),
    path("people/<int:person_id>/exposures/", person_exposures, name="person_exposures"),
]
