"""Vaccination screens (issue 8): the area's coverage by age group (from the facts), recording a dose at a site
(find the person, the next dose suggested), a person's doses (a section of the person page, loaded by htmx),
withdrawing a dose entered by mistake, the bulk import with its review queue, the priority lists per village
(people ≥ 50 or vulnerable still unvaccinated: printable, PDF, Excel), and campaign targets against coverage."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from chihuy.accounts.access import has_perm, user_path
from chihuy.accounts.roles import Perm
from chihuy.core import clock
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.core.pagination import keyset_page
from chihuy.core.tabular import write_xlsx
from chihuy.people.selectors import person_get, person_search
from chihuy.people.services import person_create
from chihuy.places.enums import UnitLevel
from chihuy.places.selectors import site_list, unit_subtree
from chihuy.reports.coverage import GROUP_LABELS, KINDS
from chihuy.reports.vaccination import TABLE_GROUPS, coverage_table, targets_progress
from chihuy.vaccination import imports, selectors, services
from chihuy.vaccination.models import ReviewStatus, TargetGroup, TargetKind
from chihuy.web.forms import StyledForm, UnitField, apply_error
from chihuy.web.views._common import import_upload, safe_next, scope, screen

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KIND_LABELS = {
    "first": gettext_lazy("≥ 1 mũi"),
    "full": gettext_lazy("Đủ mũi cơ bản"),
    "booster": gettext_lazy("Mũi nhắc"),
}
MODES = [("unvaccinated", gettext_lazy("Chưa tiêm mũi nào")), ("incomplete", gettext_lazy("Chưa tiêm đủ mũi cơ bản"))]
MAX_EXPORT = 20000


# --- forms ---------------------------------------------------------------------------------------------------


class DoseForm(StyledForm):
    vaccine = forms.TypedChoiceField(label=gettext_lazy("Vắc xin"), coerce=int)
    dose_number = forms.IntegerField(label=gettext_lazy("Mũi số"), min_value=1, max_value=services.MAX_DOSE_NUMBER)
    given_on = forms.DateField(
        label=gettext_lazy("Ngày tiêm"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    lot = forms.CharField(label=gettext_lazy("Số lô"), max_length=40, required=False)
    site = forms.TypedChoiceField(label=gettext_lazy("Điểm tiêm"), coerce=int, required=False, empty_value=None)
    site_name = forms.CharField(label=gettext_lazy("hoặc tên điểm tiêm khác"), max_length=200, required=False)

    def __init__(self, *args: Any, vaccines: list[Any], sites: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.vaccines = {v.pk: v for v in vaccines}
        self.sites = {s.pk: s for s in sites}
        self.fields["vaccine"].choices = [("", "—")] + [(v.pk, v.name) for v in vaccines]  # type: ignore[attr-defined]
        self.fields["site"].choices = [("", "—")] + [(s.pk, s.name) for s in sites]  # type: ignore[attr-defined]
        self.fields["dose_number"].widget.attrs["inputmode"] = "numeric"


class ReasonForm(StyledForm):
    reason = forms.CharField(label=gettext_lazy("Lý do"), max_length=300)


class TargetForm(StyledForm):
    unit = UnitField(label=gettext_lazy("Đơn vị"))
    age_group = forms.ChoiceField(label=gettext_lazy("Nhóm tuổi"), choices=TargetGroup.choices)
    kind = forms.ChoiceField(label=gettext_lazy("Chỉ tiêu"), choices=TargetKind.choices)
    target_pct = forms.DecimalField(label=gettext_lazy("Tỷ lệ mục tiêu (%)"), max_digits=4, decimal_places=1)
    due_on = forms.DateField(
        label=gettext_lazy("Hạn hoàn thành"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    note = forms.CharField(label=gettext_lazy("Ghi chú"), max_length=300, required=False)

    def __init__(self, *args: Any, units: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].set_units(units)  # type: ignore[attr-defined]


def _field_errors(form: forms.Form, exc: ApplicationError) -> None:
    """A missing right or a record out of reach stays a 403/404; field errors go beside their field."""
    details = exc.details if isinstance(exc.details, list) else []
    if exc.code == ErrorCode.PERMISSION_DENIED:
        raise exc
    if exc.code == ErrorCode.NOT_FOUND and not any(d.get("field") for d in details):
        raise exc
    apply_error(form, exc)


def _page(qs: Any, order: list[str], cursor: str | None) -> Any:
    try:
        return keyset_page(qs, order=order, cursor=cursor, limit=PAGE_SIZE)
    except ApplicationError:  # a tampered cursor: the first page
        return keyset_page(qs, order=order, cursor=None, limit=PAGE_SIZE)


# --- coverage ------------------------------------------------------------------------------------------------


def _coverage_row(row: dict[str, Any]) -> dict[str, Any]:
    for group in row["groups"]:
        group["cells"] = [{"kind": k, **group[k]} for k in KINDS]
    return row


@screen(Perm.VACCINATION_VIEW)
def vaccination_home(request: HttpRequest) -> HttpResponse:
    table = coverage_table(actor=request.user, within=scope(request))
    return render(
        request,
        "web/vaccination/home.html",
        {
            "table": table,
            "rows": [_coverage_row(r.as_dict()) for r in table.rows],
            "groups": [(g, GROUP_LABELS[g]) for g in TABLE_GROUPS],
            "kinds": [(k, KIND_LABELS[k]) for k in KINDS],
            "can_record": has_perm(request.user, Perm.DOSE_RECORD),
            "can_import": has_perm(request.user, Perm.DOSE_IMPORT),
        },
    )


# --- record a dose -------------------------------------------------------------------------------------------


@screen(Perm.DOSE_RECORD)
def dose_new(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    source = request.POST if request.method == "POST" else request.GET
    person_id = source.get("person", "")
    person = person_get(actor=actor, person_id=int(person_id), audit=False) if person_id.isdigit() else None
    q = request.GET.get("q", "").strip()[:100]
    found = person_search(actor=actor, q=q, within=scope(request), limit=20).items if q and person is None else []
    form = None
    status = 200
    if person is not None:
        sites = site_list(within=user_path(actor))
        initial = {"dose_number": selectors.next_dose_number(person), "given_on": clock.today()}
        last = person.doses.filter(is_active=True).order_by("-dose_number").first()  # type: ignore[attr-defined]
        if last is not None:
            initial["vaccine"] = last.vaccine_id
        form = DoseForm(
            request.POST if request.method == "POST" else None,
            vaccines=selectors.vaccine_list(),
            sites=sites,
            initial=initial,
        )
        if request.method == "POST":
            status = 422
            if form.is_valid():
                data = form.cleaned_data
                try:
                    dose = services.dose_record(
                        actor=actor,
                        person=person,
                        dose_number=data["dose_number"],
                        vaccine=form.vaccines.get(data["vaccine"]),
                        given_on=data["given_on"],
                        lot=data["lot"] or "",
                        site=form.sites.get(data["site"]) if data["site"] else None,
                        site_name=data["site_name"] or "",
                    )
                except ApplicationError as exc:
                    _field_errors(form, exc)
                else:
                    messages.success(
                        request,
                        _("Đã ghi mũi %(n)s (%(v)s) cho %(p)s.")
                        % {"n": dose.dose_number, "v": dose.vaccine.name, "p": person.full_name},
                    )
                    return redirect(safe_next(request, reverse("web:vaccination_person", args=[person.pk])))
    return render(
        request,
        "web/vaccination/record.html",
        {
            "person": person,
            "form": form,
            "q": q,
            "found": found,
            "doses": selectors.person_doses(actor=actor, person=person) if person is not None else [],
            "next": safe_next(request, ""),
        },
        status=status,
    )


# --- a person's doses ----------------------------------------------------------------------------------------


def _person_context(request: HttpRequest, person_id: int) -> dict[str, Any]:
    actor: Any = request.user
    person = person_get(actor=actor, person_id=person_id, audit=False)
    doses = selectors.person_doses(actor=actor, person=person)
    return {
        "person": person,
        "doses": doses,
        "active_doses": [d for d in doses if d.is_active],
        "can_record": has_perm(actor, Perm.DOSE_RECORD),
        "reason_form": ReasonForm(),
    }


@screen(Perm.VACCINATION_VIEW)
def person_doses(request: HttpRequest, person_id: int) -> HttpResponse:
    return render(request, "web/vaccination/person.html", _person_context(request, person_id))


@screen(Perm.VACCINATION_VIEW)
def person_doses_section(request: HttpRequest, person_id: int) -> HttpResponse:
    """The "Mũi tiêm" section of the person page (fetched by htmx when the page loads)."""
    return render(request, "web/vaccination/_person_doses.html", _person_context(request, person_id))


@require_POST
@screen(Perm.DOSE_RECORD)
def dose_deactivate(request: HttpRequest, dose_id: int) -> HttpResponse:
    dose = selectors.dose_get(actor=request.user, dose_id=dose_id)
    form = ReasonForm(request.POST)
    fallback = reverse("web:vaccination_person", args=[dose.person_id])
    if not form.is_valid():
        messages.error(request, _("Ghi lý do hủy mũi tiêm."))
        return redirect(safe_next(request, fallback))
    try:
        services.dose_deactivate(actor=request.user, dose=dose, reason=form.cleaned_data["reason"])
    except ApplicationError as exc:
        if exc.code in (ErrorCode.PERMISSION_DENIED, ErrorCode.NOT_FOUND):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Đã hủy mũi %(n)s.") % {"n": dose.dose_number})
    return redirect(safe_next(request, fallback))


# --- import and review queue ---------------------------------------------------------------------------------


@screen(Perm.DOSE_IMPORT)
def dose_import(request: HttpRequest) -> HttpResponse:
    form, report, done = import_upload(request, enqueue=imports.dose_import_enqueue, run=imports.dose_import)
    if done is not None:
        return done
    return render(
        request,
        "web/vaccination/import.html",
        {"form": form, "report": report, "columns": imports.TEMPLATE_HEADERS},
        status=422 if report and report["errors"] else 200,
    )


@screen(Perm.DOSE_IMPORT)
def dose_import_template(request: HttpRequest) -> HttpResponse:
    body = write_xlsx(title="Mui tiem", headers=imports.TEMPLATE_HEADERS, rows=[])
    response = HttpResponse(body, content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="mau-nhap-mui-tiem.xlsx"'
    return response


@screen(Perm.DOSE_IMPORT)
def review_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", ReviewStatus.PENDING)
    status = status if status in ReviewStatus.values else ReviewStatus.PENDING
    cursor = request.GET.get("cursor") or None
    page = _page(
        selectors.review_qs(request.user, within=scope(request), status=status), selectors.REVIEW_ORDER, cursor
    )
    return render(
        request,
        "web/vaccination/review_list.html",
        {"page": page, "status": status, "statuses": ReviewStatus.choices, "cursor": cursor},
    )


@screen(Perm.DOSE_IMPORT)
def review_detail(request: HttpRequest, review_id: int) -> HttpResponse:
    actor: Any = request.user
    review = selectors.review_get(actor=actor, review_id=review_id)
    reject_form = ReasonForm(request.POST if request.POST.get("action") == "reject" else None)
    units = [
        u for u in unit_subtree(path=review.unit_path, levels=[UnitLevel.COMMUNE, UnitLevel.VILLAGE]) if u.is_active
    ]
    error = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "reject":
                if reject_form.is_valid():
                    services.review_reject(actor=actor, review=review, reason=reject_form.cleaned_data["reason"])
                    messages.success(request, _("Đã loại dòng %(r)s.") % {"r": review.row_number})
                    return redirect("web:vaccination_reviews")
            elif action in ("pick", "create"):
                if action == "pick":
                    raw_id = request.POST.get("person", "")
                    person = person_get(actor=actor, person_id=int(raw_id), audit=False) if raw_id.isdigit() else None
                    if person is None:
                        raise ApplicationError.field("person", _("Chọn một người."))
                    services.review_resolve(actor=actor, review=review, person=person)
                else:
                    with transaction.atomic():  # no new registry record if the dose is refused
                        person = _person_from_row(actor, review, units, request.POST.get("unit", ""))
                        services.review_resolve(actor=actor, review=review, person=person)
                messages.success(
                    request,
                    _("Đã ghi mũi tiêm dòng %(r)s cho %(p)s.") % {"r": review.row_number, "p": person.full_name},
                )
                return redirect("web:vaccination_reviews")
        except ApplicationError as exc:
            if exc.code == ErrorCode.PERMISSION_DENIED:
                raise
            error = exc.message
    q = request.GET.get("q", "").strip()[:100]
    found = person_search(actor=actor, q=q, within=scope(request), limit=20).items if q else []
    return render(
        request,
        "web/vaccination/review_detail.html",
        {
            "review": review,
            "candidates": selectors.review_candidates(actor=actor, review=review),
            "found": found,
            "q": q,
            "reject_form": reject_form,
            "error": error,
            "can_create": has_perm(actor, Perm.PERSON_CHANGE),
            "units": units,
        },
        status=422 if error else 200,
    )


def _person_from_row(actor: Any, review: Any, units: list[Any], unit_id: str) -> Any:
    """A new registry record from the row's values, in the commune or village the vaccinator picked."""
    import datetime as dt

    p = review.parsed
    unit = next((u for u in units if str(u.pk) == unit_id), None)
    if unit is None:
        raise ApplicationError.field("unit", _("Chọn xã / thôn, bản nơi ở của người này."))
    return person_create(
        actor=actor,
        confirm_new=True,
        full_name=p["full_name"],
        birth_date=dt.date.fromisoformat(p["birth_date"]) if p.get("birth_date") else None,
        birth_year=p.get("birth_year") if not p.get("birth_date") else None,
        national_id=p.get("national_id", ""),
        phone=review.raw.get("so_dien_thoai", ""),
        unit=unit,
    )


# --- priority lists ------------------------------------------------------------------------------------------


def _priority_filters(request: HttpRequest) -> tuple[dict[str, str], str | None, list[Any]]:
    villages = [
        u for u in unit_subtree(path=scope(request), levels=[UnitLevel.COMMUNE, UnitLevel.VILLAGE]) if u.is_active
    ]
    mode = request.GET.get("mode", "unvaccinated")
    mode = mode if mode in selectors.PRIORITY_MODES else "unvaccinated"
    unit = request.GET.get("unit", "")
    by_id = {str(u.pk): u for u in villages}
    within = by_id[unit].path if unit in by_id else None
    return {"mode": mode, "unit": unit if unit in by_id else ""}, within, villages


def _priority_rows(request: HttpRequest) -> tuple[Any, dict[str, str], list[Any]]:
    filters, within, villages = _priority_filters(request)
    qs = selectors.priority_qs(request.user, within=within or scope(request), mode=filters["mode"])
    return qs, filters, villages


@screen(Perm.VACCINATION_VIEW)
def priority_list(request: HttpRequest) -> HttpResponse:
    qs, filters, villages = _priority_rows(request)
    cursor = request.GET.get("cursor") or None
    page = _page(qs, selectors.PRIORITY_ORDER, cursor)
    query = urlencode({k: v for k, v in filters.items() if v})
    return render(
        request,
        "web/vaccination/priority.html",
        {
            "page": page,
            "filters": filters,
            "modes": MODES,
            "villages": villages,
            "query": query,
            "cursor": cursor,
            "today": clock.today(),
            "can_record": has_perm(request.user, Perm.DOSE_RECORD),
            "here": request.get_full_path(),
        },
    )


def _priority_export(request: HttpRequest) -> tuple[list[Any], dict[str, str], list[Any]]:
    qs, filters, villages = _priority_rows(request)
    return list(qs.order_by(*selectors.PRIORITY_ORDER)[:MAX_EXPORT]), filters, villages


def _reasons(person: Any, today: Any) -> str:
    found = []
    age = person.age(today)
    if age is not None and age >= selectors.PRIORITY_AGE:
        found.append(_("≥ 50 tuổi"))
    if person.chronic_conditions:
        found.append(_("bệnh nền"))
    if person.is_pregnant:
        found.append(_("mang thai"))
    return ", ".join(found)


@screen(Perm.VACCINATION_VIEW)
def priority_xlsx(request: HttpRequest) -> HttpResponse:
    people, _filters, _villages = _priority_export(request)
    today = clock.today()
    rows = [
        [
            p.unit.name,
            p.full_name,
            p.birth_date or p.birth_year or "",
            p.age(today) if p.age(today) is not None else "",
            p.phone,
            p.address_text,
            _reasons(p, today),
            p.dose_count,
        ]
        for p in people
    ]
    body = write_xlsx(
        title=_("Danh sách ưu tiên tiêm"),
        headers=[
            _("Thôn, bản"),
            _("Họ và tên"),
            _("Ngày/năm sinh"),
            _("Tuổi"),
            _("Điện thoại"),
            _("Địa chỉ"),
            _("Lý do ưu tiên"),
            _("Số mũi đã tiêm"),
        ],
        rows=rows,
    )
    response = HttpResponse(body, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="uu-tien-tiem-{today:%Y%m%d}.xlsx"'
    return response


def _print_context(request: HttpRequest) -> dict[str, Any]:
    people, filters, villages = _priority_export(request)
    today = clock.today()
    groups: dict[str, dict[str, Any]] = {}
    for p in people:
        group = groups.setdefault(p.unit_path, {"unit": p.unit, "people": []})
        group["people"].append({"person": p, "age": p.age(today), "reasons": _reasons(p, today)})
    return {
        "groups": list(groups.values()),
        "total": len(people),
        "mode_label": dict(MODES)[filters["mode"]],
        "today": today,
        "area": next((u.name for u in villages if str(u.pk) == filters["unit"]), ""),
    }


@screen(Perm.VACCINATION_VIEW)
def priority_print(request: HttpRequest) -> HttpResponse:
    return render(request, "web/vaccination/priority_print.html", _print_context(request))


@screen(Perm.VACCINATION_VIEW)
def priority_pdf(request: HttpRequest) -> HttpResponse:
    html = render_to_string("web/vaccination/priority_print.html", _print_context(request), request=request)
    try:
        from weasyprint import HTML
    except OSError:  # Pango missing from the OS: the printable page instead
        return redirect(reverse("web:vaccination_priority_print") + "?" + request.GET.urlencode())
    body = bytes(HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf())
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="uu-tien-tiem-{clock.today():%Y%m%d}.pdf"'
    return response


# --- campaign targets ----------------------------------------------------------------------------------------


@screen(Perm.VACCINATION_VIEW)
def targets(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    can_plan = has_perm(actor, Perm.VACCINATION_PLAN)
    form = None
    status = 200
    if can_plan:
        units = [
            u
            for u in unit_subtree(
                path=user_path(actor), levels=[UnitLevel.PROVINCE, UnitLevel.DISTRICT, UnitLevel.COMMUNE]
            )
            if u.is_active
        ]
        form = TargetForm(request.POST if request.method == "POST" else None, units=units)
        if request.method == "POST":
            status = 422
            if form.is_valid():
                data = form.cleaned_data
                try:
                    services.target_set(
                        actor=actor,
                        unit=data["unit"],
                        age_group=data["age_group"],
                        kind=data["kind"],
                        target_pct=data["target_pct"],
                        due_on=data["due_on"],
                        note=data["note"] or "",
                    )
                except ApplicationError as exc:
                    _field_errors(form, exc)
                else:
                    messages.success(request, _("Đã đặt chỉ tiêu."))
                    return redirect("web:vaccination_targets")
    elif request.method == "POST":
        raise ApplicationError(ErrorCode.PERMISSION_DENIED, _("Bạn không có quyền thực hiện thao tác này."))
    return render(
        request,
        "web/vaccination/targets.html",
        {
            "progress": targets_progress(actor=actor, within=scope(request)),
            "form": form,
            "can_plan": can_plan,
            "kinds": dict(TargetKind.choices),
            "groups": dict(TargetGroup.choices),
        },
        status=status,
    )


@require_POST
@screen(Perm.VACCINATION_PLAN)
def target_deactivate(request: HttpRequest, target_id: int) -> HttpResponse:
    target = selectors.target_get(actor=request.user, target_id=target_id)
    services.target_deactivate(actor=request.user, target=target)
    messages.success(request, _("Đã bỏ chỉ tiêu."))
    return redirect("web:vaccination_targets")


urlpatterns: list[Any] = [
    path("tiem-chung/", vaccination_home, name="vaccination"),
    path("tiem-chung/ghi-mui/", dose_new, name="vaccination_record"),
    path("tiem-chung/nguoi/<int:person_id>/", person_doses, name="vaccination_person"),
    path("tiem-chung/nguoi/<int:person_id>/muc/", person_doses_section, name="vaccination_person_section"),
    path("tiem-chung/mui/<int:dose_id>/huy/", dose_deactivate, name="vaccination_dose_deactivate"),
    path("tiem-chung/nhap/", dose_import, name="vaccination_import"),
    path("tiem-chung/nhap/mau.xlsx", dose_import_template, name="vaccination_import_template"),
    path("tiem-chung/doi-chieu/", review_list, name="vaccination_reviews"),
    path("tiem-chung/doi-chieu/<int:review_id>/", review_detail, name="vaccination_review"),
    path("tiem-chung/uu-tien/", priority_list, name="vaccination_priority"),
    path("tiem-chung/uu-tien/xuat.xlsx", priority_xlsx, name="vaccination_priority_xlsx"),
    path("tiem-chung/uu-tien/in/", priority_print, name="vaccination_priority_print"),
    path("tiem-chung/uu-tien/in.pdf", priority_pdf, name="vaccination_priority_pdf"),
    path("tiem-chung/chi-tieu/", targets, name="vaccination_targets"),
    path("tiem-chung/chi-tieu/<int:target_id>/bo/", target_deactivate, name="vaccination_target_deactivate"),
]
