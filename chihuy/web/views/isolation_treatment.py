"""Cách ly & điều trị (issue 6, helper E): the landing page of the area — bed capacity per tier, district and
facility with the time each figure last changed, the forecast of when free beds run out, threshold colours,
Excel export, refreshed by htmx — and the treatment screens: F0 under treatment by tier and oxygen modality,
admitting an F0 found by their case number, a patient's page with daily records, transfer and discharge.

Writes go to `chihuy.isolation.services.treatment` (records, transfers) and `chihuy.response.treatment`
(admission and discharge, which move the case). The other isolation screens belong to other modules: linked by
plain paths (/cach-ly/co-so/, /cach-ly/luot/, /cach-ly/tai-nha/)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chihuy.accounts.access import has_perm
from chihuy.accounts.roles import Perm
from chihuy.cases.enums import CaseStatus, ClinicalState
from chihuy.core import clock
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.core.pagination import keyset_page
from chihuy.core.tabular import write_xlsx
from chihuy.isolation import policies, selectors, selectors_treatment
from chihuy.isolation.enums import FacilityKind, OxygenMode, StayKind, StayStatus, Tier
from chihuy.isolation.models import Facility, Stay
from chihuy.isolation.selectors import CapacityOverview, CapacityRow
from chihuy.isolation.services import treatment as treatment_services
from chihuy.response import treatment as response
from chihuy.web.forms import StyledForm, apply_error
from chihuy.web.views._common import scope, screen

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_SIZE = 50
# Short labels of the oxygen count tiles (the full label is their tooltip): the abbreviations wards use.
OXYGEN_SHORT = {
    OxygenMode.MASK: gettext_lazy("Oxy mask"),
    OxygenMode.HFNC: "HFNC",
    OxygenMode.NON_INVASIVE: gettext_lazy("Thở máy KXL"),
    OxygenMode.INVASIVE: gettext_lazy("Thở máy XL"),
    OxygenMode.ECMO: "ECMO",
}
OUTCOME_CHOICES = [
    ("recovered", gettext_lazy("Khỏi bệnh, ra viện")),
    ("died", gettext_lazy("Tử vong")),
    ("transferred_out", gettext_lazy("Chuyển ra ngoài tỉnh")),
]


# --- capacity ----------------------------------------------------------------------------------------


def ago_text(at: dt.datetime | None, now: dt.datetime) -> str:
    """ "3 phút trước" — how old a figure is, in words an official reads at a glance."""
    if at is None:
        return ""
    minutes = max(0, int((now - at).total_seconds() // 60))
    if minutes < 1:
        return _("vừa xong")
    if minutes < 60:
        return _("%(n)s phút trước") % {"n": minutes}
    if minutes < 48 * 60:
        return _("%(n)s giờ trước") % {"n": minutes // 60}
    return _("%(n)s ngày trước") % {"n": minutes // (24 * 60)}


def forecast_text(days: float | None) -> str:
    """Whole days from ten on ("96"), one decimal below ("2.5"): the forecast is a trend, not a count."""
    if days is None:
        return ""
    return f"{days:.0f}" if days >= 10 else f"{days:g}"


def _level(percent: int, thresholds: list[int]) -> str:
    """Bootstrap colour of an occupancy: red at the highest alert threshold, amber at the first, green below."""
    if thresholds and percent >= thresholds[-1]:
        return "danger"
    if thresholds and percent >= thresholds[0]:
        return "warning"
    return "success"


def _row(row: CapacityRow, now: dt.datetime, thresholds: list[int]) -> dict[str, Any]:
    days = row.days_until_full
    return {
        "row": row,
        "level": _level(row.percent, thresholds),
        "at": clock.local(row.figures_at).strftime("%H:%M %d/%m") if row.figures_at else "",
        "at_time": clock.local(row.figures_at).strftime("%H:%M") if row.figures_at else "",
        "ago": ago_text(row.figures_at, now),
        "days": forecast_text(days),
    }


def _capacity(request: HttpRequest) -> tuple[CapacityOverview, dict[str, Any]]:
    kind = request.GET.get("loai", "")
    kind = kind if kind in FacilityKind.values else ""
    overview = selectors.capacity_overview(actor=request.user, within=scope(request) or None, kind=kind)
    now = clock.now()
    thresholds = sorted(policies.capacity_alert_percents())
    return overview, {
        "total": _row(overview.total, now, thresholds),
        "tiers": [_row(r, now, thresholds) for r in overview.by_tier],
        "districts": [_row(r, now, thresholds) for r in overview.by_district],
        "facilities": [_row(r, now, thresholds) for r in overview.facilities],
        "thresholds": thresholds,
        "kind": kind,
        "kinds": FacilityKind.choices,
        "generated_at": clock.local(now),
    }


@screen(Perm.ISOLATION_VIEW)
def capacity(request: HttpRequest) -> HttpResponse:
    _overview, context = _capacity(request)
    context["can_treat"] = has_perm(request.user, Perm.TREATMENT_RECORD)
    return render(request, "web/isolation/treatment/capacity.html", context)


@screen(Perm.ISOLATION_VIEW)
def capacity_body(request: HttpRequest) -> HttpResponse:
    """htmx: the figures alone, re-read every minute by the page (and on a wall screen)."""
    _overview, context = _capacity(request)
    return render(request, "web/isolation/treatment/_capacity_body.html", context)


@screen(Perm.ISOLATION_VIEW)
def capacity_export(request: HttpRequest) -> HttpResponse:
    overview, _context = _capacity(request)
    now = clock.now()
    headers = [
        _("nhóm"),
        _("tên"),
        _("số cơ sở"),
        _("tổng giường"),
        _("đang sử dụng"),
        _("đã giữ chỗ"),
        _("đang khử khuẩn"),
        _("còn trống"),
        _("Tỷ lệ sử dụng (%)"),
        _("dự kiến hết giường sau (ngày)"),
        _("số liệu lúc"),
    ]
    rows: list[list[Any]] = []
    for group, items in (
        (_("Toàn địa bàn"), [overview.total]),
        (_("Theo tầng"), overview.by_tier),
        (_("Theo huyện"), overview.by_district),
        (_("Theo cơ sở"), overview.facilities),
    ):
        for r in items:
            days = r.days_until_full
            rows.append(
                [
                    str(group),
                    r.label,
                    r.facilities,
                    r.total,
                    r.occupied,
                    r.reserved,
                    r.cleaning,
                    r.free,
                    r.percent,
                    days if days is not None else "",
                    clock.local(r.figures_at).strftime("%H:%M %d/%m/%Y") if r.figures_at else "",
                ]
            )
    body = write_xlsx(title=_("Công suất giường"), headers=[str(h) for h in headers], rows=rows)
    out = HttpResponse(body, content_type=XLSX)
    out["Content-Disposition"] = f'attachment; filename="cong-suat-giuong-{clock.local(now):%Y%m%d-%H%M}.xlsx"'
    return out


def _clinical_label(value: str) -> str:
    return str(dict(ClinicalState.choices).get(value, value))


# --- treatment list ----------------------------------------------------------------------------------


def _int(raw: str | None) -> int | None:
    try:
        return int(raw) if raw else None
    except ValueError:
        return None


def _list_filters(request: HttpRequest) -> dict[str, Any]:
    g = request.GET
    oxygen = g.get("oxy", "")
    state = g.get("lam_sang", "")
    status = g.get("trang_thai", StayStatus.ACTIVE)
    return {
        "tier": _int(g.get("tang")),
        "oxygen": oxygen if oxygen in OxygenMode.values else "",
        "state": state if state in ClinicalState.values else "",
        "status": status if status in [*StayStatus.values, "all"] else StayStatus.ACTIVE,
        "facility": _int(g.get("co_so")),
        "q": g.get("q", ""),
    }


def _filtered(request: HttpRequest, f: dict[str, Any]) -> Any:
    return selectors_treatment.treatment_list(
        actor=request.user,
        within=scope(request) or None,
        tier=f["tier"],
        oxygen_mode=f["oxygen"],
        clinical_state=f["state"],
        facility_id=f["facility"],
        status=f["status"],
        search=f["q"],
    )


@screen(Perm.ISOLATION_VIEW)
def treatment_list(request: HttpRequest) -> HttpResponse:
    g = request.GET
    f = _list_filters(request)
    qs = _filtered(request, f)
    order = ["-clock_start_on", "-id"]
    try:
        page = keyset_page(qs, order=order, cursor=g.get("cursor"), limit=PAGE_SIZE)
    except ApplicationError:
        page = keyset_page(qs, order=order, cursor=None, limit=PAGE_SIZE)
    for item in page.items:
        item.clinical_label = _clinical_label(item.clinical_state)  # type: ignore[attr-defined]
    by_tier, by_oxygen = selectors_treatment.treatment_counts(actor=request.user, within=scope(request) or None)
    query = g.copy()
    query.pop("cursor", None)
    return render(
        request,
        "web/isolation/treatment/list.html",
        {
            "page": page,
            "cursor": g.get("cursor"),
            "query": query.urlencode(),
            "tiers": [(t.value, t.label, by_tier.get(t.value, 0)) for t in Tier],
            "oxygens": [
                (m.value, m.label, OXYGEN_SHORT.get(m, m.label), by_oxygen.get(m.value, 0))
                for m in OxygenMode
                if m != OxygenMode.NONE
            ],
            "oxygen_choices": OxygenMode.choices,
            "states": ClinicalState.choices,
            "statuses": [
                (StayStatus.ACTIVE, StayStatus.ACTIVE.label),
                (StayStatus.DISCHARGED, StayStatus.DISCHARGED.label),
                (StayStatus.TRANSFERRED, StayStatus.TRANSFERRED.label),
                (StayStatus.DIED, StayStatus.DIED.label),
                (StayStatus.TRANSFERRED_OUT, StayStatus.TRANSFERRED_OUT.label),
                ("all", _("Tất cả")),
            ],
            "facilities": selectors_treatment.treatment_facilities(actor=request.user, within=scope(request) or None),
            "f": f,
            "can_treat": has_perm(request.user, Perm.TREATMENT_RECORD),
        },
    )


@screen(Perm.ISOLATION_VIEW)
def treatment_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as a workbook (every row, not one page)."""
    qs = _filtered(request, _list_filters(request))
    headers = [
        _("họ tên"),
        _("năm sinh"),
        _("mã ca"),
        _("cơ sở"),
        _("tầng"),
        _("phòng"),
        _("giường"),
        _("lâm sàng"),
        _("hỗ trợ hô hấp"),
        _("từ ngày"),
        _("trạng thái"),
        _("kết thúc lúc"),
        _("lý do kết thúc"),
    ]
    rows = [
        [
            s.person.full_name,
            s.person.birth_date.year if s.person.birth_date else s.person.birth_year,
            s.case_number,
            s.facility.name if s.facility else "",
            s.tier,
            s.room.code if s.room else "",
            s.bed.code if s.bed else "",
            _clinical_label(s.clinical_state),
            str(OxygenMode(s.oxygen_mode).label) if s.oxygen_mode in OxygenMode.values else "",
            s.clock_start_on.strftime("%d/%m/%Y"),
            str(StayStatus(s.status).label),
            clock.local(s.ended_at).strftime("%H:%M %d/%m/%Y") if s.ended_at else "",
            s.end_reason,
        ]
        for s in qs.iterator(chunk_size=2000)
    ]
    body = write_xlsx(title=_("F0 điều trị"), headers=[str(h) for h in headers], rows=rows)
    out = HttpResponse(body, content_type=XLSX)
    out["Content-Disposition"] = f'attachment; filename="f0-dieu-tri-{clock.local(clock.now()):%Y%m%d-%H%M}.xlsx"'
    return out


# --- forms -------------------------------------------------------------------------------------------


class RecordForm(StyledForm):
    on = forms.DateField(label=gettext_lazy("Ngày"), widget=forms.DateInput(attrs={"type": "date"}))
    clinical_state = forms.ChoiceField(label=gettext_lazy("Tình trạng lâm sàng"), choices=ClinicalState.choices)
    oxygen_mode = forms.ChoiceField(label=gettext_lazy("Hỗ trợ hô hấp"), choices=OxygenMode.choices)
    spo2 = forms.IntegerField(label=gettext_lazy("SpO2 (%)"), required=False, min_value=50, max_value=100)
    note = forms.CharField(label=gettext_lazy("Ghi chú"), required=False, max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "record_%s")  # unique ids beside the transfer and discharge forms
        super().__init__(*args, **kwargs)


class PlaceForm(StyledForm):
    """Facility and bed, the bed options loaded for the chosen facility (htmx)."""

    facility = forms.TypedChoiceField(label=gettext_lazy("Cơ sở điều trị"), coerce=int, choices=[])
    bed = forms.TypedChoiceField(label=gettext_lazy("Giường"), coerce=int, choices=[])

    def __init__(self, *args: Any, facilities: list[Facility], beds: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        facility_field: Any = self.fields["facility"]
        facility_field.choices = [("", "—")] + [
            (f.pk, f"{f.name} · {_('tầng')} {f.tier} · {_('trống')} {f.beds_free}") for f in facilities
        ]
        bed_field: Any = self.fields["bed"]
        bed_field.choices = [("", "—")] + [(b.pk, f"{b.room.code} · {b.code}") for b in beds]
        self.fields["facility"].widget.attrs.update(
            {
                "hx-get": reverse("web:isolation_treatment_beds"),
                "hx-target": "#id_bed",
                "hx-trigger": "change",
                "hx-swap": "innerHTML",
            }
        )


class AdmitForm(PlaceForm):
    clinical_state = forms.ChoiceField(label=gettext_lazy("Tình trạng lâm sàng"), choices=ClinicalState.choices)
    oxygen_mode = forms.ChoiceField(label=gettext_lazy("Hỗ trợ hô hấp"), choices=OxygenMode.choices)
    spo2 = forms.IntegerField(label=gettext_lazy("SpO2 (%)"), required=False, min_value=50, max_value=100)
    note = forms.CharField(label=gettext_lazy("Ghi chú"), required=False, max_length=500)


class TransferForm(PlaceForm):
    reason = forms.CharField(
        label=gettext_lazy("Lý do chuyển"), max_length=400, widget=forms.Textarea(attrs={"rows": 2})
    )


class DischargeForm(StyledForm):
    outcome = forms.ChoiceField(label=gettext_lazy("Kết quả điều trị"), choices=OUTCOME_CHOICES)
    died_on = forms.DateField(
        label=gettext_lazy("Ngày tử vong"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(
        label=gettext_lazy("Lý do / diễn biến"),
        required=False,
        max_length=400,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "discharge_%s")
        super().__init__(*args, **kwargs)


def _facility(request: HttpRequest, facility_id: int | None) -> Facility | None:
    if not facility_id:
        return None
    facilities = selectors_treatment.treatment_facilities(actor=request.user, within=scope(request) or None)
    return next((f for f in facilities if f.pk == facility_id), None)


@screen(Perm.TREATMENT_RECORD)
def bed_options(request: HttpRequest) -> HttpResponse:
    """htmx: the free beds of the chosen treatment facility, as <option>s."""
    facility = _facility(request, _int(request.GET.get("facility")))
    beds = selectors_treatment.free_beds(facility=facility) if facility else []
    return render(request, "web/isolation/treatment/_bed_options.html", {"beds": beds})


def _place_form(cls: type[PlaceForm], request: HttpRequest, **kwargs: Any) -> PlaceForm:
    facilities = selectors_treatment.treatment_facilities(actor=request.user, within=scope(request) or None)
    data = request.POST if request.method == "POST" else None
    chosen = _facility(request, _int((data or request.GET).get("facility")))
    beds = selectors_treatment.free_beds(facility=chosen) if chosen else []
    return cls(data, facilities=facilities, beds=beds, **kwargs)


# --- admission ---------------------------------------------------------------------------------------


@screen(Perm.TREATMENT_RECORD)
def treatment_admit(request: HttpRequest) -> HttpResponse:
    """Find the F0 by case number (active case visible to the user), then place them in a bed."""
    number = (request.GET.get("ma_ca") or request.POST.get("ma_ca") or "").strip()
    case = None
    lookup_error = ""
    if number:
        case = response.case_to_admit(actor=request.user, number=number)
        if case is None:
            lookup_error = _("Không tìm thấy ca %(n)s trong địa bàn của bạn.") % {"n": number}
        elif case.status != CaseStatus.ACTIVE:
            lookup_error = _("Ca %(n)s không còn hoạt động (%(s)s).") % {
                "n": case.number,
                "s": CaseStatus(case.status).label,
            }
            case = None
    held = None
    if case is not None and case.person is not None:
        held = selectors.holding_stay(case.person)
    form = _place_form(AdmitForm, request, initial={"clinical_state": case.clinical_state if case else "mild"})
    if request.method == "POST" and case is not None and case.person is not None and form.is_valid():
        data = form.cleaned_data
        facility = _facility(request, data["facility"])
        try:
            if facility is None:
                raise ApplicationError.field("facility", _("Chọn cơ sở điều trị."))
            out = response.treatment_admit(
                actor=request.user,
                person=case.person,
                facility=facility,
                bed=selectors_treatment.bed_get(facility=facility, bed_id=data["bed"]),
                clinical_state=data["clinical_state"],
                oxygen_mode=data["oxygen_mode"],
                spo2=data["spo2"],
                note=data["note"],
            )
        except ApplicationError as exc:
            if exc.code in (ErrorCode.NOT_FOUND, ErrorCode.PERMISSION_DENIED) and not exc.details:
                raise
            apply_error(form, exc)
        else:
            if not out.case_updated and out.case_note:
                messages.warning(request, out.case_note)
            return redirect("web:isolation_treatment_stay", stay_id=out.stay.pk)
    waiting = None
    if case is None and has_perm(request.user, Perm.CASE_VIEW):
        order = ["reported_at", "id"]
        queue = response.f0_waiting(actor=request.user, within=scope(request) or None)
        try:
            waiting = keyset_page(queue, order=order, cursor=request.GET.get("cursor"), limit=PAGE_SIZE)
        except ApplicationError:
            waiting = keyset_page(queue, order=order, cursor=None, limit=PAGE_SIZE)
    return render(
        request,
        "web/isolation/treatment/admit.html",
        {
            "number": number,
            "case": case,
            "held": held,
            "lookup_error": lookup_error,
            "form": form,
            "waiting": waiting,
            "cursor": request.GET.get("cursor"),
            "stay_kinds": dict(StayKind.choices),
        },
        status=422 if request.method == "POST" and (form.errors or lookup_error) else 200,
    )


# --- a patient ---------------------------------------------------------------------------------------


def _stay(request: HttpRequest, stay_id: int) -> Stay:
    return selectors_treatment.treatment_get(actor=request.user, stay_id=stay_id)


def _stay_page(
    request: HttpRequest,
    stay: Stay,
    *,
    record_form: forms.Form | None = None,
    transfer_form: forms.Form | None = None,
    discharge_form: forms.Form | None = None,
    status: int = 200,
) -> HttpResponse:
    today = clock.today()
    active = stay.status == StayStatus.ACTIVE
    records = selectors_treatment.treatment_records(stay)
    # The chain's records come newest day first: this stay's first one is its latest (one record per day).
    latest = next((r for r in records if r.stay_id == stay.pk), None) if active else None
    record_initial = {
        "on": today,
        "clinical_state": latest.clinical_state if latest else stay.clinical_state or "mild",
        "oxygen_mode": latest.oxygen_mode if latest else stay.oxygen_mode or OxygenMode.NONE,
    }
    case = response.case_for_stay(stay)
    for record in records:
        record.clinical_label = _clinical_label(record.clinical_state)  # type: ignore[attr-defined]
    return render(
        request,
        "web/isolation/treatment/stay.html",
        {
            "stay": stay,
            "active": active,
            "chain": selectors_treatment.treatment_chain(stay),
            "records": records,
            "day": (today - treatment_services.chain_start(stay)).days + 1,
            "criteria": response.discharge_status(stay) if active else None,
            "case": case,
            "can_see_case": case is not None
            and has_perm(request.user, Perm.CASE_VIEW)
            and response.case_in_reach(actor=request.user, case=case),
            "can_treat": has_perm(request.user, Perm.TREATMENT_RECORD) and active,
            "record_form": record_form or RecordForm(initial=record_initial),
            "transfer_form": transfer_form or _place_form(TransferForm, request),
            "discharge_form": discharge_form or DischargeForm(initial={"died_on": today}),
            "transfer_open": transfer_form is not None,
            "discharge_open": discharge_form is not None,
        },
        status=status,
    )


@screen(Perm.ISOLATION_VIEW)
def treatment_stay(request: HttpRequest, stay_id: int) -> HttpResponse:
    return _stay_page(request, _stay(request, stay_id))


@screen(Perm.TREATMENT_RECORD)
def treatment_record(request: HttpRequest, stay_id: int) -> HttpResponse:
    stay = _stay(request, stay_id)
    if request.method != "POST":
        return redirect("web:isolation_treatment_stay", stay_id=stay.pk)
    form = RecordForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            treatment_services.treatment_record(
                actor=request.user,
                stay=stay,
                on=data["on"],
                clinical_state=data["clinical_state"],
                oxygen_mode=data["oxygen_mode"],
                spo2=data["spo2"],
                note=data["note"],
            )
        except ApplicationError as exc:
            if exc.code in (ErrorCode.NOT_FOUND, ErrorCode.PERMISSION_DENIED) and not exc.details:
                raise
            apply_error(form, exc)
        else:
            return redirect("web:isolation_treatment_stay", stay_id=stay.pk)
    return _stay_page(request, stay, record_form=form, status=422)


@screen(Perm.TREATMENT_RECORD)
def treatment_transfer(request: HttpRequest, stay_id: int) -> HttpResponse:
    stay = _stay(request, stay_id)
    if request.method != "POST":
        return redirect("web:isolation_treatment_stay", stay_id=stay.pk)
    form = _place_form(TransferForm, request)
    if form.is_valid():
        data = form.cleaned_data
        facility = _facility(request, data["facility"])
        try:
            if facility is None:
                raise ApplicationError.field("facility", _("Chọn cơ sở điều trị."))
            new = treatment_services.treatment_transfer(
                actor=request.user,
                stay=stay,
                facility=facility,
                bed=selectors_treatment.bed_get(facility=facility, bed_id=data["bed"]),
                reason=data["reason"],
            )
        except ApplicationError as exc:
            if exc.code in (ErrorCode.NOT_FOUND, ErrorCode.PERMISSION_DENIED) and not exc.details:
                raise
            apply_error(form, exc)
        else:
            return redirect("web:isolation_treatment_stay", stay_id=new.pk)
    return _stay_page(request, stay, transfer_form=form, status=422)


@screen(Perm.TREATMENT_RECORD)
def treatment_discharge(request: HttpRequest, stay_id: int) -> HttpResponse:
    stay = _stay(request, stay_id)
    if request.method != "POST":
        return redirect("web:isolation_treatment_stay", stay_id=stay.pk)
    form = DischargeForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            out = response.treatment_discharge(
                actor=request.user,
                stay=stay,
                outcome=data["outcome"],
                reason=data["reason"],
                died_on=data["died_on"],
            )
        except ApplicationError as exc:
            if exc.code in (ErrorCode.NOT_FOUND, ErrorCode.PERMISSION_DENIED) and not exc.details:
                raise
            apply_error(form, exc)
        else:
            if not out.case_updated and out.case_note:
                messages.warning(request, out.case_note)
            return redirect("web:isolation_treatment_stay", stay_id=stay.pk)
    return _stay_page(request, stay, discharge_form=form, status=422)


urlpatterns: list[Any] = [
    path("cach-ly/", capacity, name="isolation"),
    path("cach-ly/cong-suat/bang/", capacity_body, name="isolation_capacity_body"),
    path("cach-ly/cong-suat.xlsx", capacity_export, name="isolation_capacity_export"),
    path("cach-ly/dieu-tri/", treatment_list, name="isolation_treatment"),
    path("cach-ly/dieu-tri/xuat.xlsx", treatment_export, name="isolation_treatment_export"),
    path("cach-ly/dieu-tri/tiep-nhan/", treatment_admit, name="isolation_treatment_admit"),
    path("cach-ly/dieu-tri/giuong/", bed_options, name="isolation_treatment_beds"),
    path("cach-ly/dieu-tri/<int:stay_id>/", treatment_stay, name="isolation_treatment_stay"),
    path("cach-ly/dieu-tri/<int:stay_id>/ghi-nhan/", treatment_record, name="isolation_treatment_record"),
    path("cach-ly/dieu-tri/<int:stay_id>/chuyen/", treatment_transfer, name="isolation_treatment_transfer"),
    path("cach-ly/dieu-tri/<int:stay_id>/ra-vien/", treatment_discharge, name="isolation_treatment_discharge"),
]
