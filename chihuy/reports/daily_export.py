"""Daily reports as a provincial bulletin (Bản tin): "BẢN TIN … Tình hình dịch COVID-19 từ 16h00 ngày … đến 16h00
ngày …", the computed indicators by section, the figures typed by hand, the reconciliation and — for a district or
province — its units' submissions; as an Excel workbook and a PDF (WeasyPrint, the fonts of the project's PDFs).

One `Bulletin` shape serves a unit's report, a consolidation and a week/month roll-up."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from chihuy.core import clock
from chihuy.reports.daily import (
    COMPUTED,
    MANUAL,
    SECTIONS,
    Consolidation,
    ReportView,
    Rollup,
    Value,
    reconciliation,
)


@dataclass
class Bulletin:
    title: str
    unit_name: str
    period: str  # "từ 16h00 ngày … đến 16h00 ngày …"
    status: str
    generated_at: dt.datetime
    sections: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)  # computed, by section
    manual: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)  # typed by hand, by section
    reconciliation: list[dict[str, Any]] = field(default_factory=list)
    units: list[list[str]] = field(default_factory=list)  # a consolidation's rows: unit, state, submitted, late
    missing: list[str] = field(default_factory=list)
    note: str = ""

    @property
    def filename(self) -> str:
        return "ban-tin"


def fmt(value: Value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    return f"{value:,}".replace(",", ".")


def _hour(moment: dt.datetime) -> str:
    local = clock.local(moment)
    return _("%(h)sh%(m)02d ngày %(d)s") % {"h": local.hour, "m": local.minute, "d": f"{local:%d/%m/%Y}"}


def period(start: dt.datetime, end: dt.datetime) -> str:
    return _("từ %(start)s đến %(end)s") % {"start": _hour(start), "end": _hour(end)}


def _by_section(indicators: list[Any], values: dict[str, Any], *, skip_absent: bool) -> list[tuple[str, list]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for ind in indicators:
        if ind.key not in values and skip_absent:
            continue
        out.setdefault(ind.section, []).append((str(ind.label), fmt(values.get(ind.key))))
    return [(str(SECTIONS[s]), rows) for s, rows in out.items()]


def _title(unit_name: str) -> str:
    return _("BẢN TIN · %(unit)s") % {"unit": unit_name.upper()}


def bulletin_of_report(view: ReportView) -> Bulletin:
    from chihuy.reports.days import day_window

    report = view.report
    start, end = day_window(report.day)
    return Bulletin(
        title=_title(report.unit.name),
        unit_name=report.unit.name,
        period=period(start, end),
        status=report.get_status_display(),
        generated_at=clock.now(),
        sections=_by_section(COMPUTED, view.computed, skip_absent=True),
        manual=_by_section(MANUAL, report.manual, skip_absent=True),
        reconciliation=view.reconciliation,
        note=report.note,
    )


def bulletin_of_consolidation(c: Consolidation) -> Bulletin:
    def when(moment: dt.datetime | None) -> str:
        return clock.local(moment).strftime("%H:%M %d/%m") if moment else ""

    units = [
        [
            row.unit.name,
            row.state_label,
            when(row.report.submitted_at if row.report else None),
            _("Muộn") if row.late and row.report else "",
        ]
        for row in c.rows
    ]
    return Bulletin(
        title=_title(c.unit.name),
        unit_name=c.unit.name,
        period=period(c.start, c.end),
        status=_("Tổng hợp từ %(n)s/%(total)s đơn vị đã gửi")
        % {"n": sum(1 for r in c.rows if r.report and r.report.submitted_at), "total": len(c.rows)},
        generated_at=clock.now(),
        sections=_by_section(COMPUTED, c.computed, skip_absent=True),
        manual=_by_section(MANUAL, c.manual, skip_absent=True),
        reconciliation=reconciliation(c.computed, c.manual),
        units=units,
        missing=[r.unit.name for r in c.missing],
    )


def bulletin_of_rollup(r: Rollup) -> Bulletin:
    return Bulletin(
        title=_title(r.unit.name),
        unit_name=r.unit.name,
        period=period(r.start, r.end),
        status=_("Tổng hợp %(days)s ngày, %(n)s báo cáo đã gửi") % {"days": r.days, "n": r.reports},
        generated_at=clock.now(),
        sections=_by_section(COMPUTED, r.computed, skip_absent=True),
        manual=_by_section(MANUAL, r.manual, skip_absent=True),
        reconciliation=reconciliation(r.computed, r.manual),
    )


def bulletin_xlsx(b: Bulletin) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = str(_("Bản tin"))
    sheet.append([b.title])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([_("Tình hình dịch COVID-19 %(period)s") % {"period": b.period}])
    sheet.append([b.status])

    def heading(text: str) -> None:
        sheet.append([])
        sheet.append([text])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)

    for title, rows in b.sections:
        heading(title)
        for label, value in rows:
            sheet.append([label, value])
    if b.manual:
        heading(_("Số liệu đơn vị nhập"))
        for title, rows in b.manual:
            for label, value in rows:
                sheet.append([f"{title}: {label}", value])
    if b.reconciliation:
        heading(_("Đối chiếu số liệu"))
        sheet.append([_("Chỉ tiêu"), _("Hệ thống tính"), _("Đơn vị nhập"), _("Chênh lệch")])
        for row in b.reconciliation:
            sheet.append([row["label"], row["computed"], row["manual"], row["difference"]])
    if b.units:
        heading(_("Tình hình gửi báo cáo của các đơn vị"))
        sheet.append([_("Đơn vị"), _("Trạng thái"), _("Gửi lúc"), ""])
        for unit_row in b.units:
            sheet.append(unit_row)
    if b.note:
        heading(_("Ghi chú"))
        sheet.append([b.note])
    sheet.column_dimensions["A"].width = 56
    sheet.column_dimensions["B"].width = 22
    sheet.column_dimensions["C"].width = 16
    sheet.column_dimensions["D"].width = 12
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def bulletin_html(b: Bulletin) -> str:
    return render_to_string("web/daily_reports/bulletin_pdf.html", {"b": b})


def bulletin_pdf(b: Bulletin) -> bytes:
    """The bulletin as PDF; raises OSError when the OS lacks Pango (the callers answer 503 and offer Excel)."""
    from weasyprint import HTML

    return bytes(HTML(string=bulletin_html(b)).write_pdf())
