"""Trực chỉ huy: who is on duty now in every centre of the scope, a centre's page (members, the next 72 h),
the roster week grid with plans from templates, a shift's swaps and hand-over, directives with their tasks
(overdue first), a task's progress reports with evidence, completion by unit (+ Excel), and the compose
screen that broadcasts to every subordinate centre."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from chihuy.accounts.access import has_perm, in_jurisdiction
from chihuy.accounts.models import User
from chihuy.accounts.roles import Perm
from chihuy.command import selectors, services
from chihuy.command.models import (
    CentreMember,
    CommandCentre,
    DirectiveStatus,
    Handover,
    Position,
    Sector,
    ShiftRole,
    ShiftSwap,
    SwapState,
    TaskStatus,
)
from chihuy.command.services.roster import roster_templates
from chihuy.core import clock
from chihuy.core.audit import audit_record
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.core.tabular import write_xlsx
from chihuy.places.models import Unit
from chihuy.web.views._common import scope, screen

BOARD_PAGE = 100


def _apply_error(form: forms.Form, exc: ApplicationError) -> None:
    """The service's message beside the field it names (or above the form)."""
    if exc.code == ErrorCode.PERMISSION_DENIED:
        raise exc
    placed = False
    details = exc.details if isinstance(exc.details, list) else []
    for detail in details[:1]:
        name = str(detail.get("field", "")).split(".")[0].split("[")[0]
        if name in form.fields:
            form.add_error(name, exc.message)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


def _local_input(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


# --- on duty ------------------------------------------------------------------------------------------


@screen(Perm.CENTRE_VIEW)
def on_duty(request: HttpRequest) -> HttpResponse:
    rows = selectors.on_duty_board(actor=request.user, within=scope(request) or None)
    after = request.GET.get("after", "")
    if after:
        rows = [r for r in rows if r.centre.unit_path > after]
    page, more = rows[:BOARD_PAGE], len(rows) > BOARD_PAGE
    return render(
        request,
        "web/command/on_duty.html",
        {
            "rows": page,
            "next_after": page[-1].centre.unit_path if more else "",
            "after": after,
            "now": clock.now(),
            "uncovered": sum(1 for r in page if not r.shifts),
        },
    )


# --- centres and members --------------------------------------------------------------------------------


class MemberForm(forms.Form):
    full_name = forms.CharField(label=gettext_lazy("Họ tên"), max_length=150, required=False)
    position = forms.ChoiceField(label=gettext_lazy("Vị trí"), choices=Position.choices, initial=Position.MEMBER)
    sector = forms.ChoiceField(label=gettext_lazy("Lĩnh vực"), choices=Sector.choices, initial=Sector.HEALTH)
    title = forms.CharField(label=gettext_lazy("Chức vụ"), max_length=200, required=False)
    phone = forms.CharField(label=gettext_lazy("Điện thoại"), max_length=20, required=False)
    user = forms.ModelChoiceField(
        label=gettext_lazy("Tài khoản (để nhận thông báo khi trực)"), queryset=User.objects.none(), required=False
    )

    def __init__(self, *args: Any, centre: CommandCentre, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            unit_path__startswith=centre.unit_path, is_active=True
        ).order_by("full_name", "username")
        for field in self.fields.values():
            field.widget.attrs.setdefault(
                "class", "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
            )


@screen(Perm.CENTRE_VIEW)
def centre_detail(request: HttpRequest, centre_id: int) -> HttpResponse:
    user = request.user
    centre = selectors.centre_get(actor=user, centre_id=centre_id)
    can_manage = has_perm(user, Perm.CENTRE_MANAGE) and in_jurisdiction(user, centre.unit_path)
    form = MemberForm(centre=centre)
    if request.method == "POST":
        form = MemberForm(request.POST, centre=centre)
        if form.is_valid():
            try:
                services.member_add(actor=user, centre=centre, **form.cleaned_data)
            except ApplicationError as exc:
                _apply_error(form, exc)
            else:
                messages.success(request, _("Đã thêm thành viên."))
                return redirect("web:centre", centre_id=centre.pk)
    now = clock.now()
    return render(
        request,
        "web/command/centre.html",
        {
            "centre": centre,
            "members": selectors.member_list(actor=user, centre=centre, include_inactive=True),
            "on_duty": selectors.on_duty_shifts(centre, at=now),
            "upcoming": list(
                selectors.shift_list(actor=user, centre=centre, start=now, end=now + dt.timedelta(hours=72))
            ),
            "gaps": selectors.roster_gaps(centre, hours=72, start=now),
            "subordinates": CommandCentre.objects.filter(unit__parent=centre.unit, is_active=True).order_by(
                "unit_path"
            ),
            "form": form,
            "can_manage": can_manage,
            "can_broadcast": has_perm(user, Perm.BROADCAST_SEND) and in_jurisdiction(user, centre.unit_path),
            "can_roster": has_perm(user, Perm.ROSTER_MANAGE) and in_jurisdiction(user, centre.unit_path),
        },
    )


@screen(Perm.CENTRE_MANAGE)
def member_edit(request: HttpRequest, member_id: int) -> HttpResponse:
    member = selectors.member_get(actor=request.user, member_id=member_id)
    initial = {k: getattr(member, k) for k in ("full_name", "position", "sector", "title", "phone", "user")}
    form = MemberForm(initial=initial, centre=member.centre)
    if request.method == "POST":
        if request.POST.get("deactivate"):
            services.member_deactivate(actor=request.user, member=member, reason=request.POST.get("reason", ""))
            messages.success(request, _("%(name)s đã thôi tham gia trung tâm.") % {"name": member.full_name})
            return redirect("web:centre", centre_id=member.centre_id)
        form = MemberForm(request.POST, centre=member.centre)
        if form.is_valid():
            try:
                services.member_update(actor=request.user, member=member, **form.cleaned_data)
            except ApplicationError as exc:
                _apply_error(form, exc)
            else:
                messages.success(request, _("Đã lưu."))
                return redirect("web:centre", centre_id=member.centre_id)
    return render(request, "web/command/member_edit.html", {"member": member, "form": form})


# --- roster --------------------------------------------------------------------------------------------


class PlanForm(forms.Form):
    template = forms.ChoiceField(label=gettext_lazy("Mẫu ca"))
    start_date = forms.DateField(label=gettext_lazy("Từ ngày"), widget=forms.DateInput(attrs={"type": "date"}))
    weeks = forms.IntegerField(label=gettext_lazy("Số tuần"), min_value=1, max_value=8, initial=1)
    role = forms.ChoiceField(label=gettext_lazy("Vai trò"), choices=ShiftRole.choices, initial=ShiftRole.DUTY)
    people = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Người trực (luân phiên theo thứ tự chọn)"),
        queryset=CentreMember.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, centre: CommandCentre, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = [(k, v.get("label", k)) for k, v in roster_templates().items()]  # type: ignore[attr-defined]
        people = CentreMember.objects.filter(centre=centre, is_active=True).order_by("full_name")
        self.fields["people"].queryset = people  # type: ignore[attr-defined]
        for name in ("template", "role"):
            self.fields[name].widget.attrs["class"] = "form-select"
        for name in ("start_date", "weeks"):
            self.fields[name].widget.attrs["class"] = "form-control"


def _monday(value: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(value) if value else clock.today()
    except ValueError:
        day = clock.today()
    return day - dt.timedelta(days=day.weekday())


@screen(Perm.CENTRE_VIEW)
def roster(request: HttpRequest, centre_id: int) -> HttpResponse:
    user = request.user
    centre = selectors.centre_get(actor=user, centre_id=centre_id)
    monday = _monday(request.GET.get("week", ""))
    form = PlanForm(centre=centre, initial={"start_date": monday, "template": "3x8"})
    if request.method == "POST":
        form = PlanForm(request.POST, centre=centre)
        if form.is_valid():
            data = form.cleaned_data
            # The rotation follows the order the boxes were ticked in the form (the order of POSTed ids).
            order = [int(v) for v in request.POST.getlist("people") if v.isdigit()]
            people = sorted(data["people"], key=lambda m: order.index(m.pk) if m.pk in order else 0)
            try:
                created = services.roster_plan(
                    actor=user,
                    centre=centre,
                    template=data["template"],
                    start_date=data["start_date"],
                    weeks=data["weeks"],
                    people=people,
                    role=data["role"],
                )
            except ApplicationError as exc:
                _apply_error(form, exc)
            else:
                messages.success(request, _("Đã lập %(n)s ca trực.") % {"n": len(created)})
                return redirect(f"{reverse('web:roster', args=[centre.pk])}?week={data['start_date'].isoformat()}")
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(monday, dt.time(0), tzinfo=tz)
    shifts = list(selectors.shift_list(actor=user, centre=centre, start=start, end=start + dt.timedelta(days=7)))
    days = []
    for i in range(7):
        day = monday + dt.timedelta(days=i)
        begin = dt.datetime.combine(day, dt.time(0), tzinfo=tz)
        end = begin + dt.timedelta(days=1)
        days.append(
            {
                "day": day,
                "shifts": [s for s in shifts if s.starts_at < end and s.ends_at > begin and s.starts_at >= begin],
            }
        )
    return render(
        request,
        "web/command/roster.html",
        {
            "centre": centre,
            "monday": monday,
            "days": days,
            "prev_week": monday - dt.timedelta(days=7),
            "next_week": monday + dt.timedelta(days=7),
            "gaps": selectors.roster_gaps(centre, hours=7 * 24, start=start),
            "form": form,
            "can_roster": has_perm(user, Perm.ROSTER_MANAGE) and in_jurisdiction(user, centre.unit_path),
            "today": clock.today(),
        },
    )


class SwapForm(forms.Form):
    to_member = forms.ModelChoiceField(label=gettext_lazy("Đổi cho"), queryset=CentreMember.objects.none())
    counter_shift = forms.TypedChoiceField(
        label=gettext_lazy("Nhận lại ca (không bắt buộc)"), coerce=int, required=False, empty_value=None
    )
    reason = forms.CharField(label=gettext_lazy("Lý do"), max_length=300, required=False)

    def __init__(self, *args: Any, shift: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        members = CentreMember.objects.filter(centre_id=shift.centre_id, is_active=True).exclude(pk=shift.member_id)
        self.fields["to_member"].queryset = members.order_by("full_name")  # type: ignore[attr-defined]
        later = (
            selectors.Shift.objects.filter(centre_id=shift.centre_id, is_active=True, ends_at__gt=clock.now())
            .exclude(member_id=shift.member_id)
            .select_related("member")
            .order_by("starts_at")[:50]
        )
        self.fields["counter_shift"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (
                s.pk,
                f"{s.member.full_name} · {timezone.localtime(s.starts_at):%H:%M %d/%m}"
                f"–{timezone.localtime(s.ends_at):%H:%M %d/%m}",
            )
            for s in later
        ]
        for name in ("to_member", "counter_shift"):
            self.fields[name].widget.attrs["class"] = "form-select"
        self.fields["reason"].widget.attrs["class"] = "form-control"


class HandoverForm(forms.Form):
    notes = forms.CharField(
        label=gettext_lazy("Nội dung bàn giao"), widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"})
    )
    open_items = forms.CharField(
        label=gettext_lazy("Việc còn tồn đọng"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )


@screen(Perm.CENTRE_VIEW)
def shift_detail(request: HttpRequest, shift_id: int) -> HttpResponse:
    user = request.user
    shift = selectors.shift_get(actor=user, shift_id=shift_id)
    swap_form = SwapForm(shift=shift)
    handover_form = HandoverForm()
    if request.method == "POST":
        try:
            if request.POST.get("form") == "swap":
                swap_form = SwapForm(request.POST, shift=shift)
                if swap_form.is_valid():
                    counter_id = swap_form.cleaned_data["counter_shift"]
                    counter = (
                        selectors.Shift.objects.filter(pk=counter_id, centre_id=shift.centre_id).first()
                        if counter_id
                        else None
                    )
                    services.swap_request(
                        actor=user,
                        shift=shift,
                        to_member=swap_form.cleaned_data["to_member"],
                        counter_shift=counter,
                        reason=swap_form.cleaned_data["reason"],
                    )
                    messages.success(request, _("Đã gửi đề nghị đổi ca."))
                    return redirect("web:shift", shift_id=shift.pk)
            elif request.POST.get("form") == "handover":
                handover_form = HandoverForm(request.POST)
                if handover_form.is_valid():
                    services.handover_create(actor=user, from_shift=shift, **handover_form.cleaned_data)
                    messages.success(request, _("Đã bàn giao ca."))
                    return redirect("web:shift", shift_id=shift.pk)
        except ApplicationError as exc:
            _apply_error(swap_form if request.POST.get("form") == "swap" else handover_form, exc)
    return render(
        request,
        "web/command/shift.html",
        {
            "shift": shift,
            "swaps": ShiftSwap.objects.filter(shift=shift).select_related("from_member", "to_member", "counter_shift"),
            "handovers_out": Handover.objects.filter(from_shift=shift).select_related("to_shift__member"),
            "handovers_in": Handover.objects.filter(to_shift=shift).select_related("from_shift__member"),
            "swap_form": swap_form,
            "handover_form": handover_form,
            "is_mine": shift.user_id == user.pk,
            "can_roster": has_perm(user, Perm.ROSTER_MANAGE) and in_jurisdiction(user, shift.unit_path),
        },
    )


_SWAP_ACTIONS = {
    "accept": services.swap_accept,
    "approve": services.swap_approve,
    "decline": services.swap_decline,
    "cancel": services.swap_cancel,
}


@require_POST
@screen(Perm.CENTRE_VIEW)
def swap_act(request: HttpRequest, swap_id: int) -> HttpResponse:
    swap = ShiftSwap.objects.filter(pk=swap_id).first()
    if swap is None or not in_jurisdiction(request.user, swap.unit_path):
        raise ApplicationError(ErrorCode.NOT_FOUND, _("Không tìm thấy."))
    action = _SWAP_ACTIONS.get(request.POST.get("action", ""))
    if action is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("Không tìm thấy."))
    try:
        action(actor=request.user, swap=swap)
    except ApplicationError as exc:
        if exc.code in (ErrorCode.PERMISSION_DENIED, ErrorCode.NOT_FOUND):
            raise
        messages.error(request, exc.message)
    else:
        swap.refresh_from_db()
        messages.success(request, _("Yêu cầu đổi ca: %(s)s.") % {"s": SwapState(swap.state).label})
    return redirect("web:shift", shift_id=swap.shift_id)


@require_POST
@screen(Perm.CENTRE_VIEW)
def handover_ack(request: HttpRequest, handover_id: int) -> HttpResponse:
    handover = Handover.objects.filter(pk=handover_id).first()
    if handover is None or not in_jurisdiction(request.user, handover.unit_path):
        raise ApplicationError(ErrorCode.NOT_FOUND, _("Không tìm thấy."))
    try:
        services.handover_acknowledge(actor=request.user, handover=handover)
    except ApplicationError as exc:
        if exc.code in (ErrorCode.PERMISSION_DENIED, ErrorCode.NOT_FOUND):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Đã xác nhận nhận bàn giao."))
    return redirect("web:shift", shift_id=handover.to_shift_id)


# --- directives and tasks ---------------------------------------------------------------------------------


@screen(Perm.CENTRE_VIEW)
def directive_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in DirectiveStatus.values else ""
    q = request.GET.get("q", "").strip()
    try:
        page = selectors.directive_list(actor=request.user, status=status, q=q, cursor=request.GET.get("cursor"))
    except ApplicationError:
        page = selectors.directive_list(actor=request.user, status=status, q=q)
    return render(
        request,
        "web/command/directives.html",
        {
            "page": page,
            "status": status,
            "q": q,
            "query": urlencode({k: v for k, v in (("status", status), ("q", q)) if v}),
            "cursor": request.GET.get("cursor"),
            "statuses": DirectiveStatus.choices,
            "issuing_centres": _issuing_centres(request.user),
        },
    )


def _issuing_centres(user: Any) -> list[CommandCentre]:
    if not has_perm(user, Perm.DIRECTIVE_ISSUE):
        return []
    return list(
        CommandCentre.objects.filter(unit_path__startswith=user.unit_path or "\x00", is_active=True)
        .exclude(unit__level="commune")
        .order_by("unit_path")[:200]
    )


class DirectiveForm(forms.Form):
    number = forms.CharField(
        label=gettext_lazy("Số văn bản"), max_length=60, required=False, help_text=gettext_lazy("vd. 15/CĐ-TTCH")
    )
    issued_on = forms.DateField(label=gettext_lazy("Ngày ban hành"), widget=forms.DateInput(attrs={"type": "date"}))
    title = forms.CharField(label=gettext_lazy("Trích yếu"), max_length=300)
    summary = forms.CharField(
        label=gettext_lazy("Nội dung tóm tắt"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    document = forms.FileField(label=gettext_lazy("Văn bản đính kèm"), required=False)
    task = forms.CharField(
        label=gettext_lazy("Nhiệm vụ giao"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    deadline = forms.DateField(
        label=gettext_lazy("Hạn hoàn thành"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    units = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Đơn vị được giao"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
    )
    all_communes = forms.BooleanField(label=gettext_lazy("Giao cho mọi xã trong địa bàn"), required=False)
    issue = forms.BooleanField(label=gettext_lazy("Ban hành ngay (gửi thông báo tới các đơn vị)"), required=False)

    def __init__(self, *args: Any, centre: CommandCentre, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = (  # type: ignore[attr-defined]
            Unit.objects.filter(path__startswith=centre.unit_path, level__in=["district", "commune"])
            .exclude(pk=centre.unit_id)
            .order_by("path")
        )
        for name, field in self.fields.items():
            if not isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs.setdefault("class", "form-select" if name == "units" else "form-control")
            else:
                field.widget.attrs["class"] = "form-check-input"


@screen(Perm.DIRECTIVE_ISSUE)
def directive_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    centres = _issuing_centres(user)
    centre_id = request.POST.get("centre") or request.GET.get("centre")
    centre = next((c for c in centres if str(c.pk) == str(centre_id)), centres[0] if centres else None)
    if centre is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("Địa bàn của bạn chưa có trung tâm chỉ huy cấp tỉnh hoặc huyện."))
    form = DirectiveForm(centre=centre, initial={"issued_on": clock.today()})
    if request.method == "POST":
        form = DirectiveForm(request.POST, request.FILES, centre=centre)
        if form.is_valid():
            data = form.cleaned_data
            units = list(data["units"])
            if data["all_communes"]:
                units = list(Unit.objects.filter(path__startswith=centre.unit_path, level="commune").order_by("path"))
            if units and (not data["task"].strip() or data["deadline"] is None):
                form.add_error("task", _("Nhập nội dung nhiệm vụ và hạn hoàn thành cho các đơn vị được giao."))
            else:
                specs = [services.TaskSpec(unit=u, description=data["task"], deadline=data["deadline"]) for u in units]
                try:
                    directive = services.directive_create(
                        actor=user,
                        centre=centre,
                        number=data["number"],
                        issued_on=data["issued_on"],
                        title=data["title"],
                        summary=data["summary"],
                        document=data["document"],
                        tasks=specs,
                    )
                    if data["issue"]:
                        services.directive_issue(actor=user, directive=directive)
                except ApplicationError as exc:
                    _apply_error(form, exc)
                else:
                    messages.success(request, _("Đã lưu văn bản."))
                    return redirect("web:directive", directive_id=directive.pk)
    return render(request, "web/command/directive_new.html", {"form": form, "centre": centre, "centres": centres})


@screen(Perm.CENTRE_VIEW)
def directive_detail(request: HttpRequest, directive_id: int) -> HttpResponse:
    user = request.user
    directive = selectors.directive_get(actor=user, directive_id=directive_id)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "issue":
                services.directive_issue(actor=user, directive=directive)
                messages.success(request, _("Đã ban hành và gửi thông báo tới trung tâm chỉ huy các đơn vị được giao."))
            elif action == "close":
                services.directive_close(actor=user, directive=directive)
                messages.success(request, _("Đã kết thúc văn bản."))
        except ApplicationError as exc:
            if exc.code in (ErrorCode.PERMISSION_DENIED, ErrorCode.NOT_FOUND):
                raise
            messages.error(request, exc.message)
        return redirect("web:directive", directive_id=directive.pk)
    tasks = selectors.directive_tasks(actor=user, directive=directive)
    today = clock.today()
    for task in tasks:
        task.overdue = selectors.is_overdue(task, on=today)  # type: ignore[attr-defined]
    return render(
        request,
        "web/command/directive.html",
        {
            "directive": directive,
            "tasks": tasks,
            "done": sum(1 for t in tasks if t.status == TaskStatus.DONE),
            "overdue": sum(1 for t in tasks if getattr(t, "overdue", False)),
            "can_issue": has_perm(user, Perm.DIRECTIVE_ISSUE) and in_jurisdiction(user, directive.unit_path),
        },
    )


@screen(Perm.CENTRE_VIEW)
def task_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in [*TaskStatus.values, "overdue"] else ""
    mine = request.GET.get("mine") == "1"
    filters: dict[str, Any] = {
        "actor": request.user,
        "status": status,
        "assigned_only": mine,
        "within": scope(request) or None,
    }
    try:
        page = selectors.task_list(**filters, cursor=request.GET.get("cursor"))
    except ApplicationError:
        page = selectors.task_list(**filters)
    for task in page.items:
        task.overdue = selectors.is_overdue(task)  # type: ignore[attr-defined]
    return render(
        request,
        "web/command/tasks.html",
        {
            "page": page,
            "status": status,
            "mine": mine,
            "query": urlencode({k: v for k, v in (("status", status), ("mine", "1" if mine else "")) if v}),
            "cursor": request.GET.get("cursor"),
            "statuses": [*TaskStatus.choices, ("overdue", _("Quá hạn"))],
        },
    )


class ReportForm(forms.Form):
    progress = forms.IntegerField(
        label=gettext_lazy("Tiến độ (%)"),
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )
    text = forms.CharField(
        label=gettext_lazy("Nội dung báo cáo"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )
    evidence = forms.FileField(
        label=gettext_lazy("Minh chứng (PDF, ảnh, Word, Excel)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"class": "form-control"}),
    )
    done = forms.BooleanField(
        label=gettext_lazy("Đã hoàn thành"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )


@screen(Perm.CENTRE_VIEW)
def task_detail(request: HttpRequest, task_id: int) -> HttpResponse:
    user = request.user
    task = selectors.task_get(actor=user, task_id=task_id)
    form = ReportForm(initial={"progress": task.progress})
    if request.method == "POST":
        form = ReportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.task_report(actor=user, task=task, **form.cleaned_data)
            except ApplicationError as exc:
                _apply_error(form, exc)
            else:
                messages.success(request, _("Đã gửi báo cáo tiến độ."))
                return redirect("web:task", task_id=task.pk)
    can_report = (
        has_perm(user, Perm.TASK_REPORT)
        and (getattr(user, "unit_path", "") or "").startswith(task.unit_path)
        and task.status != TaskStatus.DONE
        and task.directive.status == DirectiveStatus.ISSUED
    )
    return render(
        request,
        "web/command/task.html",
        {
            "task": task,
            "overdue": selectors.is_overdue(task),
            "reports": selectors.task_reports(task),
            "form": form,
            "can_report": can_report,
        },
    )


# --- completion by unit ------------------------------------------------------------------------------------


def _completion(request: HttpRequest) -> tuple[Any, list[selectors.CompletionRow], str]:
    within = request.GET.get("unit", "") or scope(request) or None
    root, rows = selectors.completion_by_unit(actor=request.user, within=within)
    return root, rows, within or ""


@screen(Perm.CENTRE_VIEW)
def completion(request: HttpRequest) -> HttpResponse:
    root, rows, within = _completion(request)
    totals = selectors.CompletionRow(
        root,
        total=sum(r.total for r in rows),
        done=sum(r.done for r in rows),
        in_progress=sum(r.in_progress for r in rows),
        open=sum(r.open for r in rows),
        overdue=sum(r.overdue for r in rows),
        done_late=sum(r.done_late for r in rows),
    )
    return render(
        request,
        "web/command/completion.html",
        {"root": root, "rows": rows, "totals": totals, "within": within},
    )


@screen(Perm.CENTRE_VIEW)
def completion_xlsx(request: HttpRequest) -> HttpResponse:
    root, rows, _within = _completion(request)
    headers = [
        _("Đơn vị"),
        _("Tổng số nhiệm vụ"),
        _("Hoàn thành"),
        _("Hoàn thành trễ hạn"),
        _("Đang thực hiện"),
        _("Chưa thực hiện"),
        _("Quá hạn"),
        _("Tỷ lệ hoàn thành (%)"),
    ]
    data = [[r.unit.name, r.total, r.done, r.done_late, r.in_progress, r.open, r.overdue, r.percent] for r in rows]
    audit_record(
        actor=request.user,
        action="export",
        object_type="command.directivetask",
        object_repr=_("Hoàn thành nhiệm vụ theo đơn vị: %(u)s") % {"u": root.name if root else ""},
        unit_path=root.path if root else "",
        details={"rows": len(data)},
    )
    body = write_xlsx(title=_("Hoàn thành nhiệm vụ"), headers=[str(h) for h in headers], rows=data)
    response = HttpResponse(body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="hoan-thanh-nhiem-vu-{clock.today():%Y%m%d}.xlsx"'
    return response


# --- broadcast to subordinate centres ------------------------------------------------------------------------


class BroadcastForm(forms.Form):
    title = forms.CharField(
        label=gettext_lazy("Tiêu đề"), max_length=300, widget=forms.TextInput(attrs={"class": "form-control"})
    )
    body = forms.CharField(
        label=gettext_lazy("Nội dung"), widget=forms.Textarea(attrs={"rows": 5, "class": "form-control"})
    )
    urgent = forms.BooleanField(
        label=gettext_lazy("Khẩn (gửi cả trong giờ nghỉ)"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    reach = forms.ChoiceField(
        label=gettext_lazy("Gửi tới"),
        choices=[("all", gettext_lazy("Mọi trung tâm cấp dưới")), ("direct", gettext_lazy("Chỉ cấp dưới trực tiếp"))],
        initial="all",
        widget=forms.RadioSelect,
    )


def _broadcast_url(broadcast_id: int) -> str:
    for name in ("web:broadcast", "web:notify_broadcast"):
        try:
            return reverse(name, args=[broadcast_id])
        except NoReverseMatch:
            continue
    return reverse("web:notify_inbox")


@screen(Perm.BROADCAST_SEND)
def broadcast_compose(request: HttpRequest, centre_id: int) -> HttpResponse:
    from chihuy.notify.services import BroadcastTarget, broadcast_send

    user = request.user
    centre = selectors.centre_get(actor=user, centre_id=centre_id)
    if not in_jurisdiction(user, centre.unit_path):
        raise ApplicationError(ErrorCode.NOT_FOUND, _("Không tìm thấy."))
    form = BroadcastForm()
    subordinates = CommandCentre.objects.filter(unit_path__startswith=centre.unit_path, is_active=True).exclude(
        pk=centre.pk
    )
    counts = {"all": subordinates.count(), "direct": subordinates.filter(unit__parent=centre.unit).count()}
    if request.method == "POST":
        form = BroadcastForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            chosen = subordinates.filter(unit__parent=centre.unit) if data["reach"] == "direct" else subordinates
            chosen = chosen.select_related("unit").order_by("unit_path")
            phones: dict[int, list[str]] = {}
            for centre_pk, phone in (
                CentreMember.objects.filter(centre__in=chosen, is_active=True)
                .exclude(phone="")
                .values_list("centre_id", "phone")
            ):
                phones.setdefault(centre_pk, []).append(phone)
            targets = [
                BroadcastTarget(
                    unit=c.unit,
                    users=selectors.centre_alert_recipients(c),
                    addresses=tuple(("sms", p) for p in dict.fromkeys(phones.get(c.pk, []))),
                )
                for c in chosen
            ]
            try:
                broadcast = broadcast_send(
                    sender=user,  # type: ignore[arg-type]
                    unit=centre.unit,
                    title=data["title"],
                    body=data["body"],
                    urgent=data["urgent"],
                    targets=targets,
                )
            except ApplicationError as exc:
                _apply_error(form, exc)
            else:
                messages.success(
                    request, _("Đã gửi tới %(n)s trung tâm. Theo dõi xác nhận đã nhận bên dưới.") % {"n": len(targets)}
                )
                return redirect(_broadcast_url(broadcast.pk))
    return render(request, "web/command/broadcast.html", {"centre": centre, "form": form, "counts": counts})
