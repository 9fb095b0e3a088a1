"""The daily briefing pack (giao ban) of a command centre: what the morning online meeting goes through — who is
on duty and the roster's holes, open and overdue tickets, new directives and overdue tasks, and the key numbers
the other areas provide — for one unit, as a screen, a PDF and an Excel workbook (see chihuy/web/views/briefing.py).

The window is the reporting day of the policy "reports.day_boundary" (16:00 → 16:00): the day running now (after
16:00 that is tomorrow's), or a past day chosen by the reader. Areas not built yet say so instead of
showing zeros that would read as "nothing happened".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from chihuy.accounts.access import has_perm, in_jurisdiction, require_perm
from chihuy.accounts.roles import Perm
from chihuy.cases.selectors import CaseNumbers, case_numbers
from chihuy.command import selectors as command
from chihuy.command.models import CommandCentre, Directive, DirectiveTask, Shift, Ticket
from chihuy.command.models.directives import DirectiveStatus, TaskStatus
from chihuy.command.selectors import directive_visible_qs, task_list
from chihuy.command.tickets.selectors import ticket_counts, ticket_list, ticket_visible_qs
from chihuy.core import clock
from chihuy.core.errors import not_found
from chihuy.isolation.figures import IsolationNumbers, isolation_numbers
from chihuy.labs.selectors import SampleNumbers, sample_numbers
from chihuy.places.models import Unit
from chihuy.reports.days import day_window, reporting_day

LIST_LIMIT = 15  # rows per list on the one page; the full lists are one click away


@dataclass
class Briefing:
    unit: Unit
    centre: CommandCentre | None
    day: dt.date
    start: dt.datetime
    end: dt.datetime
    generated_at: dt.datetime
    on_duty: list[Shift] = field(default_factory=list)
    next_shifts: list[Shift] = field(default_factory=list)
    gaps: list[tuple[dt.datetime, dt.datetime]] = field(default_factory=list)
    tickets_new: int = 0
    tickets_open: int = 0
    tickets_escalated_in: int = 0
    tickets_overdue_count: int = 0
    tickets_overdue: list[Ticket] = field(default_factory=list)
    directives_new: list[Directive] = field(default_factory=list)
    tasks_open: int = 0
    tasks_overdue_count: int = 0
    tasks_overdue: list[DirectiveTask] = field(default_factory=list)
    cases: CaseNumbers | None = None  # None: the reader may not see cases
    tests: SampleNumbers | None = None  # None: the reader may not see tests
    isolation: IsolationNumbers | None = None  # None: the reader may not see isolation
    missing_areas: list[str] = field(default_factory=list)

    @property
    def until(self) -> dt.datetime:
        """Where the numbers stop: the end of the day, or now while the day runs."""
        return min(self.end, self.generated_at)


def briefing_window(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of the reporting day `day` (kept under this name for the briefing's callers)."""
    return day_window(day)


def briefing_build(*, actor: Any, unit: Unit, day: dt.date | None = None) -> Briefing:
    """The briefing of `unit` (inside the reader's jurisdiction) for the reporting day `day` (default: the one
    running now; a future day reads as the current one)."""
    require_perm(actor, Perm.CENTRE_VIEW)
    if not in_jurisdiction(actor, unit.path):
        raise not_found()
    now = clock.now()
    day = min(day, reporting_day(now)) if day else reporting_day(now)
    start, end = briefing_window(day)
    centre = command.centre_for_unit(unit)
    brief = Briefing(unit=unit, centre=centre, day=day, start=start, end=end, generated_at=now)
    if centre is not None:
        brief.on_duty = command.on_duty_shifts(centre, at=now)
        brief.next_shifts = list(
            command.shift_list(actor=actor, centre=centre, start=now, end=now + dt.timedelta(hours=24))
        )[:LIST_LIMIT]
        brief.gaps = command.roster_gaps(centre, hours=72, start=now)
    _tickets(brief, actor)
    _directives(brief, actor)
    if has_perm(actor, Perm.CASE_VIEW):
        brief.cases = case_numbers(actor=actor, within=unit.path, start=start, end=end)
    if has_perm(actor, Perm.SAMPLE_VIEW):
        brief.tests = sample_numbers(actor=actor, within=unit.path, start=start, end=end)
    if has_perm(actor, Perm.ISOLATION_VIEW):
        brief.isolation = isolation_numbers(actor=actor, within=unit.path, start=start, end=end)
    return brief


def _tickets(brief: Briefing, actor: Any) -> None:
    within = brief.unit.path
    counts = ticket_counts(actor=actor, within=within)
    brief.tickets_open, brief.tickets_overdue_count = counts["open"], counts["overdue"]
    visible = ticket_visible_qs(actor, within=within)
    brief.tickets_new = visible.filter(received_at__gte=brief.start, received_at__lt=brief.end).count()
    # Escalated to this very unit in the window (its centre now owns them).
    brief.tickets_escalated_in = visible.filter(
        unit_path=within, escalated_at__gte=brief.start, escalated_at__lt=brief.end
    ).count()
    brief.tickets_overdue = ticket_list(actor=actor, within=within, overdue=True, limit=LIST_LIMIT).items


def _directives(brief: Briefing, actor: Any) -> None:
    within = brief.unit.path
    given_here = DirectiveTask.objects.filter(directive=OuterRef("pk"), unit_path__startswith=within)
    brief.directives_new = list(
        directive_visible_qs(actor)
        .filter(issued_at__gte=brief.start, issued_at__lt=brief.end)
        .filter(Q(unit_path=within) | Q(Exists(given_here)))
        .select_related("centre")
        .order_by("-issued_at", "-id")[:LIST_LIMIT]
    )
    today = clock.localdate(brief.generated_at)
    tasks = (
        DirectiveTask.objects.filter(unit_path__startswith=within)
        .exclude(directive__status=DirectiveStatus.DRAFT)
        .exclude(status=TaskStatus.DONE)
    )
    brief.tasks_open = tasks.count()
    brief.tasks_overdue_count = tasks.filter(deadline__lt=today).count()
    brief.tasks_overdue = task_list(actor=actor, within=within, overdue=True, limit=LIST_LIMIT).items


def briefing_xlsx(brief: Briefing) -> bytes:
    """The briefing as one sheet: a title, then each section's lines (label, value, detail)."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    def when(value: dt.datetime) -> str:
        return clock.local(value).strftime("%H:%M %d/%m/%Y")

    rows: list[tuple[str, Any, str]] = []
    rows.append((_("Trực ban"), "", ""))
    if brief.centre is None:
        rows.append((_("Đơn vị chưa có trung tâm chỉ huy trong hệ thống."), "", ""))
    else:
        for shift in brief.on_duty:
            rows.append(
                (
                    _("Đang trực"),
                    shift.member.full_name,
                    f"{shift.member.phone} · {when(shift.starts_at)} → {when(shift.ends_at)}",
                )
            )
        if not brief.on_duty:
            rows.append((_("Đang trực"), _("Không có ai trong ca trực lúc này."), ""))
        rows.append(
            (
                _("Khoảng trống lịch trực 72 giờ tới"),
                len(brief.gaps),
                "; ".join(f"{when(a)} – {when(b)}" for a, b in brief.gaps),
            )
        )
    rows.append((_("Phản ánh, đường dây nóng"), "", ""))
    rows += [
        (_("Mới trong kỳ"), brief.tickets_new, ""),
        (_("Đang mở"), brief.tickets_open, ""),
        (_("Quá hạn"), brief.tickets_overdue_count, ""),
        (_("Cấp dưới chuyển lên trong kỳ"), brief.tickets_escalated_in, ""),
    ]
    for ticket in brief.tickets_overdue:
        rows.append((ticket.number, ticket.get_category_display(), f"{ticket.unit.name} · {when(ticket.due_at)}"))
    rows.append((_("Chỉ đạo và nhiệm vụ"), "", ""))
    for directive in brief.directives_new:
        rows.append((_("Chỉ đạo mới"), directive.number or "", f"{directive.issued_on:%d/%m/%Y} · {directive.title}"))
    rows += [
        (_("Nhiệm vụ chưa hoàn thành"), brief.tasks_open, ""),
        (_("Nhiệm vụ quá hạn"), brief.tasks_overdue_count, ""),
    ]
    for task in brief.tasks_overdue:
        rows.append((task.unit.name, f"{task.progress}%", f"{task.deadline:%d/%m/%Y} · {task.description}"))
    rows.append((_("Số liệu chính"), "", ""))
    if brief.cases is not None:
        n = brief.cases
        rows += [
            (_("F0 mới trong kỳ"), n.new_total, ""),
            (_("trong đó tại cộng đồng"), n.new_community, ""),
            (_("F0 đang điều trị, theo dõi"), n.active, ""),
            (_("F1 phát hiện trong kỳ"), n.new_f1, ""),
            (_("F2 phát hiện trong kỳ"), n.new_f2, ""),
            (_("F1, F2 chưa liên hệ được"), n.to_trace, ""),
            (_("Bước 5S quá hạn"), n.fives_overdue, ""),
        ]
    if brief.tests is not None:
        t = brief.tests
        rows += [
            (_("Mẫu lấy trong kỳ (RT-PCR / test nhanh)"), f"{t.taken_pcr} / {t.taken_rapid}", ""),
            (_("Lượt người được xét nghiệm"), t.people_tested, ""),
            (_("Mẫu dương tính / âm tính / chờ kết quả"), f"{t.positive} / {t.negative} / {t.pending}", ""),
            (
                _("Trả kết quả trong 12 giờ"),
                f"{t.within_target_pct} %" if t.within_target_pct is not None else "—",
                "",
            ),
        ]
    if brief.isolation is not None:
        iso = brief.isolation
        rows += [
            (
                _("Cách ly tập trung: mới / đang cách ly / hoàn thành"),
                f"{iso.facility.new} / {iso.facility.current} / {iso.facility.released}",
                "",
            ),
            (
                _("Cách ly tại nhà: mới / đang cách ly / hoàn thành"),
                f"{iso.home.new} / {iso.home.current} / {iso.home.released}",
                "",
            ),
            (
                _("F0 đang điều trị (tầng 1 / 2 / 3)"),
                iso.treatment_current,
                " / ".join(str(n) for _t, _label, n in iso.tier_rows()),
            ),
            (
                _("F0 thở oxy"),
                iso.on_oxygen,
                "; ".join(f"{label}: {n}" for _m, label, n in iso.oxygen_used()),
            ),
            (_("F0 nhận điều trị mới / ra viện trong kỳ"), f"{iso.treatment_new} / {iso.discharged}", ""),
            (_("Tử vong trong kỳ"), iso.died, ""),
            (_("Giường cách ly, điều trị còn trống"), iso.beds_free, ""),
        ]

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = str(_("Giao ban"))
    name = brief.centre.name if brief.centre else brief.unit.name
    sheet.append([f"{_('GIAO BAN')} · {name}"])
    sheet.append([_("Kỳ báo cáo từ %(start)s đến %(end)s") % {"start": when(brief.start), "end": when(brief.until)}])
    sheet["A1"].font = Font(bold=True, size=13)
    section_titles = {str(r[0]) for r in rows if r[1] == "" and r[2] == ""}
    for label, value, detail in rows:
        sheet.append([str(label), value, detail])
        if str(label) in section_titles:
            sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
    sheet.column_dimensions["A"].width = 42
    sheet.column_dimensions["B"].width = 24
    sheet.column_dimensions["C"].width = 80
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
