"""Epidemic level screens (issue 8): "Cấp độ dịch" — a unit and its children with the level in force, the computed
one, the change since the week before and the sentence (filter down the tree, Excel); a unit's page with its weeks,
the inputs, the rule table of the rule set used (the row and column used marked), confirm/override with a reason,
"Đánh giá lại" and the criterion-3 capacity declaration; the thresholds of each rule set as effective-dated policy
rows (a new row from a date; editing: sysadmins and province commanders). Owns its URL patterns."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from chihuy.accounts.access import has_perm, in_jurisdiction, user_path
from chihuy.accounts.roles import Perm
from chihuy.core import clock
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.core.tabular import write_xlsx
from chihuy.places.models import Unit
from chihuy.places.selectors import unit_ancestors, unit_get, unit_subtree
from chihuy.reports import assess, levels
from chihuy.reports import levels_selectors as reads
from chihuy.reports.enums import LEVEL_COLOURS, AssessmentStatus, EpidemicLevel, RuleSet
from chihuy.reports.facts import FACT_LEVELS
from chihuy.web.forms import StyledForm, apply_error, unit_choices
from chihuy.web.views._common import scope, screen

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
INPUT_LABELS: dict[str, Any] = {
    "community_cases": gettext_lazy("Ca cộng đồng trong tuần"),
    "new_cases": gettext_lazy("Ca mắc mới trong tuần"),
    "unknown_source_cases": gettext_lazy("Ca cộng đồng không rõ nguồn lây"),
    "population": gettext_lazy("Dân số"),
    "cases_per_100k_week": gettext_lazy("Ca/100.000 dân/tuần"),
    "adult_one_dose_pct": gettext_lazy("% người ≥ 18 tuổi tiêm ≥ 1 mũi"),
    "over50_full_pct": gettext_lazy("% người ≥ 50 tuổi tiêm đủ liều"),
    "full_pct": gettext_lazy("% dân số tiêm đủ liều"),
    "high_risk_full_pct": gettext_lazy("% người ≥ 50 tuổi (nhóm nguy cơ) tiêm đủ liều"),
    "capacity_met": gettext_lazy("Năng lực điều trị đáp ứng (tiêu chí 3)"),
    "neighbour_max_level": gettext_lazy("Cấp cao nhất của xã giáp ranh"),
    "communes": gettext_lazy("Số xã"),
    "communes_very_high": gettext_lazy("Xã nguy cơ rất cao (đỏ)"),
    "communes_high": gettext_lazy("Xã nguy cơ cao trở lên"),
    "communes_at_risk": gettext_lazy("Xã có nguy cơ trở lên"),
}


def _value(value: Any) -> str:
    if value is None:
        return _("chưa có")
    if isinstance(value, bool):
        return _("Có") if value else _("Không")
    if isinstance(value, int | float):
        return levels.num(value)
    return str(value)


def _inputs(assessment: Any) -> list[tuple[str, str, str]]:
    inputs = assessment.inputs or {}
    return [(key, str(label), _value(inputs[key])) for key, label in INPUT_LABELS.items() if key in inputs]


def _home_unit(request: HttpRequest) -> Unit:
    """The unit the screen opens on: the scope chosen in the switcher, else the user's unit (a village's commune)."""
    actor: Any = request.user
    path_ = scope(request) or user_path(actor)
    unit = Unit.objects.filter(path=path_).first() or getattr(actor, "unit", None)
    while unit is not None and unit.level not in FACT_LEVELS:
        unit = unit.parent
    if unit is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("Tài khoản chưa gắn với đơn vị."))
    return unit


def _unit_in_area(request: HttpRequest, unit_id: int) -> Unit:
    unit = unit_get(unit_id=unit_id)
    if not in_jurisdiction(request.user, unit.path) or unit.level not in FACT_LEVELS:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("Không tìm thấy đơn vị trong địa bàn của bạn."))
    return unit


def _picked(request: HttpRequest) -> Unit:
    raw = request.GET.get("unit", "")
    return _unit_in_area(request, int(raw)) if raw.isdigit() else _home_unit(request)


@screen(Perm.REPORT_VIEW)
def level_list(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    unit = _picked(request)
    rows = reads.level_unit_rows(actor=actor, unit=unit)
    head, children = rows[0], rows[1:]
    page = Paginator(children, PAGE_SIZE).get_page(request.GET.get("page"))
    choices = unit_choices(unit_subtree(path=user_path(actor), levels=list(FACT_LEVELS)))
    return render(
        request,
        "web/levels/list.html",
        {
            "unit": unit,
            "head": head,
            "page": page,
            "units": choices,
            "crumbs": [u for u in unit_ancestors(unit) if in_jurisdiction(actor, u.path)],
            "legend": [(v, label, LEVEL_COLOURS[v]) for v, label in EpidemicLevel.choices],
            "can_edit_rules": assess.can_edit_rules(actor),
        },
    )


@screen(Perm.REPORT_VIEW)
def level_export(request: HttpRequest) -> HttpResponse:
    unit = _picked(request)
    rows = reads.level_unit_rows(actor=request.user, unit=unit)
    headers = [
        _("Đơn vị"),
        _("Tuần đến ngày"),
        _("Cấp đang áp dụng"),
        _("Cấp hệ thống tính"),
        _("Cấp tuần trước"),
        _("Trạng thái"),
        _("Bộ tiêu chí"),
        _("Diễn giải"),
        _("Lý do quyết định"),
        _("Số văn bản"),
    ]
    data: list[list[Any]] = []
    for r in rows:
        a = r.assessment
        if a is None:
            data.append([r.unit.name, "", "", "", "", _("Chưa đánh giá"), "", "", "", ""])
            continue
        data.append(
            [
                r.unit.name,
                a.week_end.strftime("%d/%m/%Y"),
                a.level,
                a.computed_level,
                a.previous_level if a.previous_level is not None else "",
                str(a.get_status_display()),
                a.rule_set,
                a.explanation,
                a.decision_reason,
                a.decision_ref,
            ]
        )
    body = write_xlsx(title=_("Cấp độ dịch"), headers=[str(h) for h in headers], rows=data)
    out = HttpResponse(body, content_type=XLSX)
    out["Content-Disposition"] = f'attachment; filename="cap-do-dich-{unit.code}-{clock.today():%Y%m%d}.xlsx"'
    return out


class DecideForm(StyledForm):
    level = forms.TypedChoiceField(label=gettext_lazy("Cấp độ quyết định"), coerce=int, choices=EpidemicLevel.choices)
    reason = forms.CharField(
        label=gettext_lazy("Lý do"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    ref = forms.CharField(
        label=gettext_lazy("Số quyết định của UBND (nếu có)"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Cấp độ dịch do Chủ tịch UBND công bố."),
    )


class CapacityForm(StyledForm):
    met = forms.TypedChoiceField(
        label=gettext_lazy("Năng lực điều trị tuần này"),
        coerce=lambda v: v == "1",
        choices=[("1", gettext_lazy("Đáp ứng")), ("0", gettext_lazy("Chưa đáp ứng"))],
    )
    reason = forms.CharField(label=gettext_lazy("Lý do"), max_length=500, required=False)


def _detail_context(request: HttpRequest, unit: Unit) -> dict[str, Any]:
    actor: Any = request.user
    history = reads.level_history(actor=actor, unit=unit)
    current = history[0] if history else None
    table = reads.rule_table_of(current) if current else None
    can_decide = has_perm(actor, Perm.LEVEL_DECIDE) and current is not None
    return {
        "unit": unit,
        "current": current,
        "history": history,
        "inputs": _inputs(current) if current else [],
        "table": table,
        "colours": LEVEL_COLOURS,
        "differs": current is not None
        and current.status != AssessmentStatus.COMPUTED
        and current.computed_level != current.level,
        "can_decide": can_decide,
        "can_assess": has_perm(actor, Perm.LEVEL_ASSESS),
        "capacity": reads.capacity_of(unit=unit, week_end=current.week_end) if current else None,
        "crumbs": [u for u in unit_ancestors(unit) if in_jurisdiction(actor, u.path)],
        "last_day": assess.last_completed_day(),
    }


@screen(Perm.REPORT_VIEW)
def level_unit(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = _unit_in_area(request, unit_id)
    context = _detail_context(request, unit)
    current = context["current"]
    context["decide_form"] = DecideForm(initial={"level": current.level}) if current else None
    context["capacity_form"] = CapacityForm(
        initial={"met": "0" if context["capacity"] and not context["capacity"].met else "1"}
    )
    return render(request, "web/levels/unit.html", context)


@require_POST
@screen(Perm.LEVEL_DECIDE)
def level_decide(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = reads.assessment_get(actor=request.user, assessment_id=assessment_id)
    form = DecideForm(request.POST)
    if form.is_valid():
        try:
            assess.level_decide(
                actor=request.user,
                assessment=assessment,
                level=form.cleaned_data["level"],
                reason=form.cleaned_data["reason"],
                ref=form.cleaned_data["ref"],
            )
        except ApplicationError as exc:
            if exc.code == ErrorCode.PERMISSION_DENIED or not exc.details:
                raise
            apply_error(form, exc)
        else:
            messages.success(request, _("Đã ghi quyết định cấp độ dịch."))
            return redirect("web:level_unit", unit_id=assessment.unit_id)
    context = _detail_context(request, assessment.unit)
    context["decide_form"] = form
    context["capacity_form"] = CapacityForm()
    return render(request, "web/levels/unit.html", context, status=422)


@require_POST
@screen(Perm.LEVEL_ASSESS)
def level_reassess(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = _unit_in_area(request, unit_id)
    week_end = None
    raw = request.POST.get("week_end", "")
    if raw:
        try:
            week_end = dt.date.fromisoformat(raw)
        except ValueError:
            messages.error(request, _("Ngày cuối tuần không hợp lệ."))
            return redirect("web:level_unit", unit_id=unit.pk)
    try:
        row = assess.level_assess_unit(actor=request.user, unit=unit, week_end=week_end)
    except ApplicationError as exc:
        if exc.code in (ErrorCode.PERMISSION_DENIED, ErrorCode.NOT_FOUND):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Đã đánh giá lại: %(sentence)s") % {"sentence": row.explanation})
    return redirect("web:level_unit", unit_id=unit.pk)


@require_POST
@screen(Perm.LEVEL_ASSESS)
def level_capacity(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = _unit_in_area(request, unit_id)
    form = CapacityForm(request.POST)
    try:
        week_end = dt.date.fromisoformat(request.POST.get("week_end", ""))
    except ValueError:
        week_end = assess.last_completed_day()
    if form.is_valid():
        try:
            assess.capacity_declare(
                actor=request.user,
                unit=unit,
                week_end=week_end,
                met=form.cleaned_data["met"],
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as exc:
            if exc.code in (ErrorCode.PERMISSION_DENIED, ErrorCode.NOT_FOUND):
                raise
            apply_error(form, exc)
        else:
            messages.success(request, _("Đã ghi năng lực điều trị. Bấm “Đánh giá lại” để tính lại cấp độ."))
            return redirect("web:level_unit", unit_id=unit.pk)
    context = _detail_context(request, unit)
    context["decide_form"] = DecideForm(initial={"level": context["current"].level}) if context["current"] else None
    context["capacity_form"] = form
    return render(request, "web/levels/unit.html", context, status=422)


# --- thresholds -------------------------------------------------------------------------------------------------


def _flat(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, dict):
            for sub, v in value.items():
                out[f"{key}.{sub}"] = v
        else:
            out[key] = value
    return out


def _list_text(value: list[Any]) -> str:
    return ", ".join(levels.num(v).replace(".", "") if isinstance(v, int) else str(v) for v in value)


class RuleForm(StyledForm):
    valid_from = forms.DateField(label=gettext_lazy("Áp dụng từ ngày"), widget=forms.DateInput(attrs={"type": "date"}))
    source_document = forms.CharField(label=gettext_lazy("Văn bản làm căn cứ"), max_length=300)
    note = forms.CharField(label=gettext_lazy("Ghi chú"), max_length=500, required=False)

    def __init__(self, *args: Any, current: dict[str, Any], **kwargs: Any) -> None:
        self.keys = list(_flat(current))
        super().__init__(*args, **kwargs)
        for key, value in _flat(current).items():
            if key == "capacity_not_met":
                self.fields[key] = forms.ChoiceField(
                    label=_("Năng lực điều trị chưa đáp ứng"),
                    choices=[("stay", _("Giữ cấp")), ("up", _("Nâng 1 cấp"))],
                    initial=value,
                )
            elif isinstance(value, list):
                self.fields[key] = forms.CharField(
                    label=key, initial=_list_text(value), help_text=_("Cách nhau dấu phẩy.")
                )
            else:
                self.fields[key] = forms.FloatField(label=key, initial=value)
        self.style()

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in self.keys:
            raw = self.cleaned_data[key]
            if isinstance(raw, str) and key != "capacity_not_met":
                try:
                    items = [float(x) for x in raw.replace(";", ",").split(",") if x.strip()]
                except ValueError:
                    raise ApplicationError.field(key, _("Nhập các số cách nhau dấu phẩy.")) from None
                value: Any = [int(x) if x.is_integer() else x for x in items]
            elif isinstance(raw, float):
                value = int(raw) if raw.is_integer() else raw
            else:
                value = raw
            if "." in key:
                top, sub = key.split(".", 1)
                out.setdefault(top, {})[sub] = value
            else:
                out[key] = value
        return out


@screen(Perm.REPORT_VIEW)
def level_rules(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    rule_set = request.GET.get("rule_set") or request.POST.get("rule_set") or RuleSet.QD_4800
    if rule_set not in RuleSet.values:
        rule_set = RuleSet.QD_4800
    today = clock.today()
    in_force = assess.rule_values_of(rule_set, max(today, _first_day(rule_set)))
    form = None
    can_edit = assess.can_edit_rules(actor)
    status = 200
    if can_edit:
        form = RuleForm(request.POST or None, current=in_force.values)
        if request.method == "POST" and form.is_valid():
            try:
                assess.rule_values_set(
                    actor=actor,
                    rule_set=rule_set,
                    values=form.values(),
                    valid_from=form.cleaned_data["valid_from"],
                    source_document=form.cleaned_data["source_document"],
                    note=form.cleaned_data["note"],
                )
            except ApplicationError as exc:
                if exc.code == ErrorCode.PERMISSION_DENIED:
                    raise
                apply_error(form, exc)
                status = 422
            else:
                messages.success(request, _("Đã thêm ngưỡng mới; các ngưỡng cũ vẫn được giữ."))
                return redirect(f"{reverse('web:level_rules')}?rule_set={rule_set}")
        elif request.method == "POST":
            status = 422
    elif request.method == "POST":
        raise ApplicationError(ErrorCode.PERMISSION_DENIED, _("Bạn không có quyền sửa ngưỡng cấp độ dịch."))
    rows = [
        {
            "row": r,
            "table": levels.rule_table(rule_set, r.value),
            "in_force": r.valid_from <= today < (r.valid_to or dt.date.max),
        }
        for r in reads.rule_rows(rule_set=rule_set)
    ]
    return render(
        request,
        "web/levels/rules.html",
        {"rule_set": rule_set, "rule_sets": RuleSet.choices, "rows": rows, "form": form, "can_edit": can_edit},
        status=status,
    )


def _first_day(rule_set: str) -> dt.date:
    firsts: dict[str, dt.date] = {RuleSet.QD_2686: dt.date(2021, 5, 31), RuleSet.QD_4800: dt.date(2021, 10, 12)}
    return firsts.get(rule_set, dt.date(2022, 1, 27))


urlpatterns: list[Any] = [
    path("cap-do-dich/", level_list, name="levels"),
    path("cap-do-dich/excel/", level_export, name="levels_export"),
    path("cap-do-dich/nguong/", level_rules, name="level_rules"),
    path("cap-do-dich/don-vi/<int:unit_id>/", level_unit, name="level_unit"),
    path("cap-do-dich/don-vi/<int:unit_id>/danh-gia-lai/", level_reassess, name="level_reassess"),
    path("cap-do-dich/don-vi/<int:unit_id>/nang-luc/", level_capacity, name="level_capacity"),
    path("cap-do-dich/danh-gia/<int:assessment_id>/quyet-dinh/", level_decide, name="level_decide"),
]
