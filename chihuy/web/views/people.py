"""Người: search, create (with the duplicate warning), detail, edit, deactivate, merge and its undo, import."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from chihuy.accounts.access import has_perm, user_path
from chihuy.accounts.roles import Perm
from chihuy.accounts.selectors import audit_list, job_get
from chihuy.cases.selectors import classification_get
from chihuy.core import clock
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.core.tabular import write_xlsx
from chihuy.people import imports, selectors, services
from chihuy.people.enums import ChronicCondition, Vulnerability
from chihuy.places.enums import UnitLevel
from chihuy.places.selectors import unit_subtree
from chihuy.web.forms import MergeForm, PersonForm, ReasonForm, apply_error
from chihuy.web.views._common import http_error, import_upload, safe_next, scope, screen
from chihuy.web.views.sampling import person_tests_context

IMPORT_COLUMNS = ["ho_ten", "ngay_sinh", "nam_sinh", "gioi_tinh", "cccd", "so_dien_thoai", "dia_chi", "ma_don_vi"]
IMPORT_COLUMNS += ["nghe_nghiep"]


def _home_units(request: HttpRequest) -> list[Any]:
    """Communes and villages of the user's jurisdiction: where a person may live."""
    return unit_subtree(path=user_path(request.user), levels=[UnitLevel.COMMUNE, UnitLevel.VILLAGE])


def _form_failure(form: PersonForm, exc: ApplicationError) -> list[dict[str, Any]]:
    """Duplicate candidates to show in the warning box; other errors go beside their fields."""
    if exc.code == ErrorCode.PERMISSION_DENIED:
        raise http_error(exc) from exc
    if exc.code == ErrorCode.DUPLICATE_CANDIDATES:
        return [d for d in exc.details if isinstance(d, dict)]
    apply_error(form, exc)
    return []


@screen(Perm.PERSON_VIEW)
def person_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    try:
        page = selectors.person_search(actor=request.user, q=q, within=scope(request), cursor=request.GET.get("cursor"))
    except ApplicationError as exc:  # a tampered cursor: start again from the first page
        if exc.code != ErrorCode.VALIDATION:
            raise
        page = selectors.person_search(actor=request.user, q=q, within=scope(request))
    context = {"q": q, "page": page, "today": clock.today(), "cursor": request.GET.get("cursor")}
    template = "web/people/_results.html" if request.htmx else "web/people/list.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@screen(Perm.PERSON_CHANGE)
def person_create(request: HttpRequest) -> HttpResponse:
    units = _home_units(request)
    candidates: list[dict[str, Any]] = []
    if request.method == "POST":
        form = PersonForm(request.POST, units=units)
        if form.is_valid():
            try:
                person = services.person_create(
                    actor=request.user, confirm_new=request.POST.get("confirm_new") == "1", **form.values()
                )
            except ApplicationError as exc:
                candidates = _form_failure(form, exc)
            else:
                messages.success(request, _("Đã tạo hồ sơ %(name)s.") % {"name": person.full_name})
                return redirect("web:person", person_id=person.pk)
    else:
        initial = {}
        own = [u for u in units if u.path == scope(request)]
        if own:
            initial["unit"] = own[0].pk
        form = PersonForm(units=units, initial=initial)
    return render(request, "web/people/form.html", {"form": form, "candidates": candidates, "person": None})


@screen(Perm.PERSON_VIEW)
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.person_get(actor=request.user, person_id=person_id)
    today = clock.today()
    labels = dict(Vulnerability.choices)
    conditions = dict(ChronicCondition.choices)
    return render(
        request,
        "web/people/detail.html",
        {
            "person": person,
            "age": person.age(today),
            "vulnerabilities": [labels[v] for v in person.vulnerabilities(today)],
            "conditions": [conditions.get(c, c) for c in person.chronic_conditions],
            "merge_event": selectors.person_merge_event(actor=request.user, person=person)
            if has_perm(request.user, Perm.PERSON_MERGE)
            else None,
            "classification": classification_get(actor=request.user, person_id=person.pk)
            if has_perm(request.user, Perm.CASE_VIEW)
            else None,
            "can_change": has_perm(request.user, Perm.PERSON_CHANGE) and person.is_active,
            "can_merge": has_perm(request.user, Perm.PERSON_MERGE) and person.is_active,
            "reason_form": ReasonForm(),
            "history": audit_list(actor=request.user, object_type="people.person", object_id=str(person.pk))[:20]
            if has_perm(request.user, Perm.AUDIT_VIEW)
            else None,
            "tests": person_tests_context(request, person.pk),
        },
    )


@screen(Perm.PERSON_CHANGE)
def person_edit(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.person_get(actor=request.user, person_id=person_id, audit=request.method != "POST")
    units = _home_units(request)
    if request.method == "POST":
        form = PersonForm(request.POST, units=units)
        if form.is_valid():
            try:
                services.person_update(actor=request.user, person=person, **form.values())
            except ApplicationError as exc:
                _form_failure(form, exc)
            else:
                messages.success(request, _("Đã lưu thay đổi."))
                return redirect("web:person", person_id=person.pk)
    else:
        initial = {name: getattr(person, name) for name in services.EDITABLE if name not in ("unit", "household")}
        initial["unit"] = person.unit_id
        form = PersonForm(units=units, initial=initial)
    return render(request, "web/people/form.html", {"form": form, "candidates": [], "person": person})


@require_POST
@screen(Perm.PERSON_CHANGE)
def person_deactivate(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.person_get(actor=request.user, person_id=person_id, audit=False)
    form = ReasonForm(request.POST)
    if form.is_valid():
        services.person_deactivate(actor=request.user, person=person, reason=form.cleaned_data["reason"])
        messages.success(request, _("Đã vô hiệu hóa hồ sơ."))
    else:
        messages.error(request, _("Ghi lý do vô hiệu hóa."))
    return redirect("web:person", person_id=person.pk)


@screen(Perm.PERSON_MERGE)
def person_merge(request: HttpRequest, person_id: int) -> HttpResponse:
    target = selectors.person_get(actor=request.user, person_id=person_id, audit=request.method != "POST")
    if request.method == "POST":
        form = MergeForm(request.POST)
        if form.is_valid():
            try:
                source = selectors.person_get(actor=request.user, person_id=form.cleaned_data["source"], audit=False)
                services.person_merge(
                    actor=request.user, source=source, target=target, reason=form.cleaned_data["reason"]
                )
            except ApplicationError as exc:
                if exc.code == ErrorCode.NOT_FOUND and not exc.details:
                    form.add_error("source", _("Không tìm thấy hồ sơ này trong địa bàn của bạn."))
                elif exc.code == ErrorCode.PERMISSION_DENIED:
                    raise http_error(exc) from exc
                else:
                    apply_error(form, exc)
            else:
                messages.success(request, _("Đã gộp hồ sơ #%(id)s vào hồ sơ này.") % {"id": source.pk})
                return redirect("web:person", person_id=target.pk)
    else:
        form = MergeForm(initial={"source": request.GET.get("source")})
    check = selectors.duplicate_candidates(
        actor=request.user,
        full_name=target.full_name,
        birth_year=target.birth_year,
        national_id=target.national_id,
        phone=target.phone,
        unit_path=target.unit_path,
        exclude_id=target.pk,
    )
    return render(request, "web/people/merge.html", {"person": target, "form": form, "check": check})


@require_POST
@screen(Perm.PERSON_MERGE)
def person_unmerge(request: HttpRequest, event_id: int) -> HttpResponse:
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Ghi lý do hoàn tác."))
        return redirect(safe_next(request, reverse("web:people")))
    try:
        source = services.person_unmerge(actor=request.user, event_id=event_id, reason=form.cleaned_data["reason"])
    except ApplicationError as exc:
        if exc.code in (ErrorCode.NOT_FOUND, ErrorCode.PERMISSION_DENIED):
            raise
        messages.error(request, exc.message)
        return redirect("web:people")
    messages.success(request, _("Đã hoàn tác gộp; hồ sơ được khôi phục."))
    return redirect("web:person", person_id=source.pk)


# Files above this size go to the background worker; the user watches the job's progress.

DUPLICATE_REASONS = {
    "national_id": gettext_lazy("Cùng số CCCD/CMND với người đã có"),
    "national_id_in_file": gettext_lazy("Cùng số CCCD/CMND với một dòng trước trong tệp"),
    "name_birth_commune": gettext_lazy("Cùng họ tên, năm sinh và xã"),
    "phone_name": gettext_lazy("Cùng số điện thoại, họ tên gần giống"),
}


def with_reason_labels(report: dict[str, Any] | None) -> dict[str, Any] | None:
    if not report:
        return report
    for duplicate in report.get("duplicates", []):
        duplicate["reason_label"] = DUPLICATE_REASONS.get(duplicate.get("reason", ""), duplicate.get("reason", ""))
    return report


@screen(Perm.PERSON_IMPORT)
def person_import(request: HttpRequest) -> HttpResponse:
    form, report, done = import_upload(request, enqueue=services.person_import_enqueue, run=imports.person_import)
    if done is not None:
        return done
    return render(
        request,
        "web/people/import.html",
        {"form": form, "report": with_reason_labels(report), "columns": IMPORT_COLUMNS},
    )


@screen()
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    """A background job's progress (polled by htmx every second until it ends) and its report."""
    job = job_get(actor=request.user, job_id=job_id)
    context = {"job": job, "report": with_reason_labels(job.result if isinstance(job.result, dict) else None)}
    template = "web/jobs/_progress.html" if request.htmx else "web/jobs/detail.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@screen(Perm.PERSON_IMPORT)
def person_import_template(request: HttpRequest) -> HttpResponse:
    body = write_xlsx(title="Danh sach nguoi", headers=IMPORT_COLUMNS, rows=[])
    response = HttpResponse(body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="mau-nhap-nguoi.xlsx"'
    return response
