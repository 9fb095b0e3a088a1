"""Daily reports up the hierarchy (DOMAIN.md "Daily report indicators"): for each unit and reporting day
(16:00 → 16:00) the indicators computed from case-level data (facts, coverage, a system reading of isolation), the
figures only people know typed by hand, and the workflow — a unit saves and submits its own report, the level above
approves or returns it — with lateness against the policy "reports.submission_deadline", the consolidation of a
district or province, and weekly / monthly roll-ups.

Isolation and treatment figures need `isolation.view`, which a report's submitter may lack: they are read for the
unit's area by a *system reader* (the unit's path, that one right), when computed. Their "current" values are
those of the moment of computing (the submission, normally just after the 16:00 cut): the frozen snapshot of a
submitted report is what the bulletin of that day said. Everything else comes from the facts, so a past day
always computes the same.

A submitted report keeps its first `submitted_at` when resubmitted after a return: lateness is that of the first
submission.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chihuy.accounts.access import has_perm, in_jurisdiction, require_perm
from chihuy.accounts.roles import Perm
from chihuy.core import clock
from chihuy.core.audit import audit_record, snapshot
from chihuy.core.errors import ApplicationError, ErrorCode, not_found
from chihuy.core.policies import policy_get
from chihuy.isolation.figures import isolation_numbers
from chihuy.places.enums import UnitLevel
from chihuy.places.models import Unit
from chihuy.reports.coverage import coverage_of
from chihuy.reports.days import day_window, days_window, reporting_day
from chihuy.reports.enums import ReportStatus
from chihuy.reports.facts import FACT_LEVELS, NEW_F0, ORIGINS, facts_cumulative, facts_sum
from chihuy.reports.models import DailyReport

Value = int | float | None

# --- the indicators -----------------------------------------------------------------------------------------

SECTIONS: dict[str, Any] = {
    "cases": gettext_lazy("Ca bệnh F0"),
    "contacts": gettext_lazy("Truy vết F1, F2"),
    "tests": gettext_lazy("Xét nghiệm"),
    "isolation": gettext_lazy("Cách ly, điều trị"),
    "vaccination": gettext_lazy("Tiêm chủng"),
    "resources": gettext_lazy("Giường bệnh, oxy"),
    "checkpoints": gettext_lazy("Chốt kiểm soát"),
    "arrivals": gettext_lazy("Người về từ vùng có dịch"),
    "directives": gettext_lazy("Chỉ đạo"),
}


@dataclass(frozen=True)
class Indicator:
    key: str
    label: Any  # a lazy translation
    section: str
    kind: str = "flow"  # flow: summed over days; stock: taken at the last day; pct / avg: recomputed


COMPUTED: list[Indicator] = [
    Indicator("f0_new", gettext_lazy("F0 mới trong ngày"), "cases"),
    Indicator("f0_community", gettext_lazy("— tại cộng đồng"), "cases"),
    Indicator("f0_quarantine", gettext_lazy("— trong khu cách ly"), "cases"),
    Indicator("f0_lockdown", gettext_lazy("— trong khu phong tỏa"), "cases"),
    Indicator("f0_imported", gettext_lazy("— nhập cảnh, từ vùng dịch về"), "cases"),
    Indicator("f0_unknown_source", gettext_lazy("F0 cộng đồng chưa rõ nguồn lây"), "cases"),
    Indicator("f0_recovered", gettext_lazy("F0 khỏi bệnh, ra viện"), "cases"),
    Indicator("f0_died", gettext_lazy("Tử vong"), "cases"),
    Indicator("f0_treating", gettext_lazy("F0 đang điều trị (cộng dồn)"), "cases", "stock"),
    Indicator("f0_total", gettext_lazy("Tổng số F0 từ đầu dịch"), "cases", "stock"),
    Indicator("died_total", gettext_lazy("Tổng số tử vong từ đầu dịch"), "cases", "stock"),
    Indicator("f1_new", gettext_lazy("F1 phát hiện mới"), "contacts"),
    Indicator("f2_new", gettext_lazy("F2 phát hiện mới"), "contacts"),
    Indicator("tests_pcr", gettext_lazy("Mẫu RT-PCR đã lấy"), "tests"),
    Indicator("tests_rapid", gettext_lazy("Test nhanh đã làm"), "tests"),
    Indicator("tests_positive", gettext_lazy("Mẫu dương tính"), "tests"),
    Indicator("tests_negative", gettext_lazy("Mẫu âm tính"), "tests"),
    Indicator("tests_pending", gettext_lazy("Mẫu chờ kết quả"), "tests"),
    Indicator("tests_resulted", gettext_lazy("Mẫu đã có kết quả"), "tests"),
    Indicator("tests_on_time", gettext_lazy("Mẫu trả kết quả đúng hạn"), "tests"),
    Indicator("tests_on_time_pct", gettext_lazy("Tỷ lệ trả kết quả đúng hạn (%)"), "tests", "pct"),
    Indicator("tests_turnaround_h", gettext_lazy("Thời gian trả kết quả trung bình (giờ)"), "tests", "avg"),
    Indicator("dose_1", gettext_lazy("Mũi 1 đã tiêm"), "vaccination"),
    Indicator("dose_2", gettext_lazy("Mũi 2 đã tiêm"), "vaccination"),
    Indicator("dose_3", gettext_lazy("Mũi 3 (bổ sung, nhắc lại) đã tiêm"), "vaccination"),
    *[
        Indicator(f"cov_{kind}_{gk}", label, "vaccination", "pct")
        for kind, gk, label in (
            ("first", "18p", gettext_lazy("Tỷ lệ ≥ 18 tuổi tiêm ≥ 1 mũi (%)")),
            ("full", "18p", gettext_lazy("Tỷ lệ ≥ 18 tuổi tiêm đủ liều (%)")),
            ("first", "50p", gettext_lazy("Tỷ lệ ≥ 50 tuổi tiêm ≥ 1 mũi (%)")),
            ("full", "50p", gettext_lazy("Tỷ lệ ≥ 50 tuổi tiêm đủ liều (%)")),
            ("full", "65p", gettext_lazy("Tỷ lệ ≥ 65 tuổi tiêm đủ liều (%)")),
            ("first", "12_17", gettext_lazy("Tỷ lệ 12–17 tuổi tiêm ≥ 1 mũi (%)")),
            ("full", "12_17", gettext_lazy("Tỷ lệ 12–17 tuổi tiêm đủ liều (%)")),
            ("booster", "18p", gettext_lazy("Tỷ lệ ≥ 18 tuổi tiêm mũi nhắc lại (%)")),
        )
    ],
    Indicator("iso_facility_new", gettext_lazy("Cách ly tập trung: mới"), "isolation"),
    Indicator("iso_facility_current", gettext_lazy("Cách ly tập trung: đang cách ly"), "isolation", "stock"),
    Indicator("iso_facility_released", gettext_lazy("Cách ly tập trung: hoàn thành"), "isolation"),
    Indicator("iso_home_new", gettext_lazy("Cách ly tại nhà: mới"), "isolation"),
    Indicator("iso_home_current", gettext_lazy("Cách ly tại nhà: đang cách ly"), "isolation", "stock"),
    Indicator("iso_home_released", gettext_lazy("Cách ly tại nhà: hoàn thành"), "isolation"),
    Indicator("treatment_current", gettext_lazy("F0 đang điều trị tại cơ sở"), "isolation", "stock"),
    Indicator("treatment_tier_1", gettext_lazy("— tầng 1"), "isolation", "stock"),
    Indicator("treatment_tier_2", gettext_lazy("— tầng 2"), "isolation", "stock"),
    Indicator("treatment_tier_3", gettext_lazy("— tầng 3"), "isolation", "stock"),
    Indicator("severe_mask", gettext_lazy("Thở oxy gọng mũi, mặt nạ"), "isolation", "stock"),
    Indicator("severe_hfnc", gettext_lazy("Thở oxy dòng cao (HFNC)"), "isolation", "stock"),
    Indicator("severe_non_invasive", gettext_lazy("Thở máy không xâm nhập"), "isolation", "stock"),
    Indicator("severe_invasive", gettext_lazy("Thở máy xâm nhập"), "isolation", "stock"),
    Indicator("severe_ecmo", gettext_lazy("ECMO"), "isolation", "stock"),
    Indicator("beds_free", gettext_lazy("Giường cách ly, điều trị còn trống"), "isolation", "stock"),
]

# What the system cannot know, typed by the unit. A key also in COMPUTED is a hand count of a computed indicator:
# both are shown with the difference (reconciliation).
MANUAL: list[Indicator] = [
    Indicator("f0_new", gettext_lazy("F0 mới trong ngày (đơn vị tự đếm)"), "cases"),
    Indicator("f0_community", gettext_lazy("F0 mới tại cộng đồng (đơn vị tự đếm)"), "cases"),
    Indicator("f0_died", gettext_lazy("Tử vong (đơn vị tự đếm)"), "cases"),
    Indicator("f1_new", gettext_lazy("F1 phát hiện mới (đơn vị tự đếm)"), "contacts"),
    Indicator("severe_mask", gettext_lazy("Thở oxy gọng mũi, mặt nạ"), "resources", "stock"),
    Indicator("severe_hfnc", gettext_lazy("Thở oxy dòng cao (HFNC)"), "resources", "stock"),
    Indicator("severe_non_invasive", gettext_lazy("Thở máy không xâm nhập"), "resources", "stock"),
    Indicator("severe_invasive", gettext_lazy("Thở máy xâm nhập"), "resources", "stock"),
    Indicator("severe_ecmo", gettext_lazy("ECMO"), "resources", "stock"),
    Indicator("beds_covid", gettext_lazy("Giường điều trị COVID-19 (tổng số)"), "resources", "stock"),
    Indicator("beds_icu", gettext_lazy("Giường hồi sức tích cực (ICU)"), "resources", "stock"),
    Indicator("oxygen_cylinders", gettext_lazy("Bình oxy"), "resources", "stock"),
    Indicator("oxygen_litres", gettext_lazy("Oxy lỏng (lít)"), "resources", "stock"),
    Indicator("oxygen_concentrators", gettext_lazy("Máy tạo oxy"), "resources", "stock"),
    Indicator("checkpoint_people", gettext_lazy("Lượt người qua chốt"), "checkpoints"),
    Indicator("checkpoint_vehicles", gettext_lazy("Lượt phương tiện qua chốt"), "checkpoints"),
    Indicator("checkpoint_rapid_tests", gettext_lazy("Test nhanh tại chốt"), "checkpoints"),
    Indicator("arrivals_hcm", gettext_lazy("Từ TP Hồ Chí Minh"), "arrivals"),
    Indicator("arrivals_binh_duong", gettext_lazy("Từ Bình Dương"), "arrivals"),
    Indicator("arrivals_dong_nai", gettext_lazy("Từ Đồng Nai"), "arrivals"),
    Indicator("arrivals_ha_noi", gettext_lazy("Từ Hà Nội"), "arrivals"),
    Indicator("arrivals_other", gettext_lazy("Từ vùng có dịch khác"), "arrivals"),
    Indicator("directives_issued", gettext_lazy("Văn bản chỉ đạo ban hành trong ngày"), "directives"),
]
COMPUTED_BY_KEY = {i.key: i for i in COMPUTED}
MANUAL_BY_KEY = {i.key: i for i in MANUAL}
MANUAL_MAX = 10_000_000  # larger is a typing error, not a figure
_COVERAGE_GROUPS = {"18p": "18+", "50p": "50+", "65p": "65+", "12_17": "12-17"}


@dataclass
class SystemReader:
    """Reads one unit's area with only the rights a report needs that its submitter may not hold."""

    unit_path: str
    perms: frozenset[str] = frozenset({Perm.ISOLATION_VIEW})
    is_authenticated: bool = True
    username: str = ""
    pk: None = None


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _computed(unit: Unit, first: dt.date, last: dt.date, *, isolation: bool = True) -> dict[str, Value]:
    """The computed indicators of `unit`'s subtree over the reporting days first … last: flows summed, stocks at
    the end of `last`."""
    flows = facts_sum(unit_ids=[unit.pk], metrics=None, first=first, last=last).get(unit.pk, {})
    totals = facts_cumulative(unit_ids=[unit.pk], metrics=[*NEW_F0, "f0_recovered", "f0_died"], on=last).get(
        unit.pk, {}
    )
    out: dict[str, Value] = {"f0_new": sum(flows.get(m, 0) for m in NEW_F0)}
    for origin, metrics in ORIGINS.items():
        out[f"f0_{origin}"] = sum(flows.get(m, 0) for m in metrics)
    for key in ("f0_unknown_source", "f0_recovered", "f0_died", "f1_new", "f2_new", "dose_1", "dose_2", "dose_3"):
        out[key] = flows.get(key, 0)
    f0_total = sum(totals.get(m, 0) for m in NEW_F0)
    out["f0_total"] = f0_total
    out["died_total"] = totals.get("f0_died", 0)
    out["f0_treating"] = f0_total - totals.get("f0_recovered", 0) - totals.get("f0_died", 0)
    for key in ("pcr", "rapid", "positive", "negative", "pending", "resulted", "on_time"):
        out[f"tests_{key}"] = flows.get(f"tests_{key}", 0)
    resulted = flows.get("tests_resulted", 0)
    out["tests_on_time_pct"] = _pct(flows.get("tests_on_time", 0), resulted)
    minutes = flows.get("tests_turnaround_min", 0)
    out["tests_turnaround_h"] = round(minutes / resulted / 60, 1) if resulted else None
    coverage = coverage_of([unit], on=last)[unit.pk]
    for key in (i.key for i in COMPUTED if i.key.startswith("cov_")):
        _cov, kind, group = key.split("_", 2)
        out[key] = coverage.pct(kind, _COVERAGE_GROUPS[group])
    if isolation:
        start, end = days_window(first, last)
        iso = isolation_numbers(actor=SystemReader(unit.path), within=unit.path, start=start, end=end)
        out |= {
            "iso_facility_new": iso.facility.new,
            "iso_facility_current": iso.facility.current,
            "iso_facility_released": iso.facility.released,
            "iso_home_new": iso.home.new,
            "iso_home_current": iso.home.current,
            "iso_home_released": iso.home.released,
            "treatment_current": iso.treatment_current,
            **{f"treatment_tier_{t}": n for t, _label, n in iso.tier_rows()},
            **{f"severe_{mode}": n for mode, _label, n in iso.oxygen_rows()},
            "beds_free": iso.beds_free,
        }
    return out


def report_indicators(*, unit: Unit, day: dt.date, isolation: bool = True) -> dict[str, Value]:
    """The computed indicators of `unit` (its whole subtree) for the reporting day `day`, from the facts (cases,
    contacts, tests, doses), coverage (cumulative to the day) and a system reading of isolation."""
    return _computed(unit, day, day, isolation=isolation)


def reconciliation(computed: dict[str, Any], manual: dict[str, Any]) -> list[dict[str, Any]]:
    """Where a hand count exists for a computed indicator: both, and the difference (hand − computed)."""
    rows = []
    for key, value in manual.items():
        if key in COMPUTED_BY_KEY and value is not None and computed.get(key) is not None:
            rows.append(
                {
                    "key": key,
                    "label": str(COMPUTED_BY_KEY[key].label),
                    "computed": computed[key],
                    "manual": value,
                    "difference": value - computed[key],
                }
            )
    return rows


def manual_clean(values: dict[str, Any]) -> dict[str, int]:
    """The hand-entered figures as integers ≥ 0 (blank = not given); an unknown key or a bad value names its field."""
    clean: dict[str, int] = {}
    details = []
    for key, raw in values.items():
        if key not in MANUAL_BY_KEY:
            details.append(
                {"field": key, "message": _("Chỉ tiêu “%(key)s” không có trong mẫu báo cáo.") % {"key": key}}
            )
            continue
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        try:
            number = int(str(raw).strip().replace(".", "").replace(",", "")) if isinstance(raw, str) else raw
            if isinstance(number, bool) or not isinstance(number, int) or number < 0 or number > MANUAL_MAX:
                raise ValueError
        except ValueError:
            label = MANUAL_BY_KEY[key].label
            details.append({"field": key, "message": _("%(label)s: nhập số nguyên không âm.") % {"label": label}})
            continue
        clean[key] = number
    if details:
        raise ApplicationError(ErrorCode.VALIDATION, details[0]["message"], details)
    return clean


# --- deadline -----------------------------------------------------------------------------------------------


def submission_deadline(day: dt.date) -> dt.datetime:
    """When the report of reporting day `day` is due (policy "reports.submission_deadline": an hour of `day`)."""
    hour = int(policy_get("reports.submission_deadline", on=day, default={"hour": 17})["hour"])
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def is_late(report: DailyReport) -> bool:
    return report.submitted_at is not None and report.submitted_at > submission_deadline(report.day)


def last_closed_day(moment: dt.datetime | None = None) -> dt.date:
    """The latest reporting day that has ended (the one a unit reports on now)."""
    return reporting_day(moment or clock.now()) - dt.timedelta(days=1)


# --- reads --------------------------------------------------------------------------------------------------


def _require_view(actor: Any, unit: Unit) -> None:
    require_perm(actor, Perm.REPORT_VIEW)
    if not in_jurisdiction(actor, unit.path):
        raise not_found(_("Không tìm thấy đơn vị trong địa bàn của bạn."))


def _check_day(day: dt.date) -> None:
    if day > last_closed_day():
        raise ApplicationError.field("day", _("Ngày báo cáo chưa kết thúc (số liệu chốt lúc 16h00)."))


@dataclass
class ReportView:
    """A unit's report for a day as a screen shows it: the stored report (or a new one not saved yet), the
    computed figures (frozen once submitted, live before), the reconciliation and what the reader may do."""

    report: DailyReport
    computed: dict[str, Value]
    reconciliation: list[dict[str, Any]]
    deadline: dt.datetime
    late: bool
    can_edit: bool
    can_review: bool

    @property
    def frozen(self) -> bool:
        return self.report.status in (ReportStatus.SUBMITTED, ReportStatus.APPROVED)


def report_find(*, unit: Unit, day: dt.date) -> DailyReport | None:
    return DailyReport.objects.filter(unit=unit, day=day).select_related("submitted_by", "reviewed_by").first()


def report_view(*, actor: Any, unit: Unit, day: dt.date) -> ReportView:
    _require_view(actor, unit)
    report = report_find(unit=unit, day=day) or DailyReport(unit=unit, unit_path=unit.path, day=day)
    frozen = report.status in (ReportStatus.SUBMITTED, ReportStatus.APPROVED)
    computed = dict(report.computed) if frozen else report_indicators(unit=unit, day=day)
    own = actor.unit_path == unit.path
    return ReportView(
        report=report,
        computed=computed,
        reconciliation=reconciliation(computed, report.manual),
        deadline=submission_deadline(day),
        late=is_late(report),
        can_edit=own and has_perm(actor, Perm.REPORT_SUBMIT) and not frozen and day <= last_closed_day(),
        can_review=(not own and has_perm(actor, Perm.REPORT_APPROVE) and report.status == ReportStatus.SUBMITTED),
    )


def report_get(*, actor: Any, report_id: int) -> DailyReport:
    require_perm(actor, Perm.REPORT_VIEW)
    report = DailyReport.objects.select_related("unit").filter(pk=report_id).first()
    if report is None or not in_jurisdiction(actor, report.unit_path):
        raise not_found(_("Không tìm thấy báo cáo."))
    return report


# --- the workflow -------------------------------------------------------------------------------------------

TRANSITIONS: dict[str, set[str]] = {
    ReportStatus.DRAFT: {ReportStatus.SUBMITTED},
    ReportStatus.RETURNED: {ReportStatus.SUBMITTED},
    ReportStatus.SUBMITTED: {ReportStatus.APPROVED, ReportStatus.RETURNED},
    ReportStatus.APPROVED: set(),
}
_FIELDS = ["status", "computed", "manual", "note", "submitted_at", "submitted_by", "reviewed_at", "review_note"]


def _require_own(actor: Any, unit: Unit) -> None:
    require_perm(actor, Perm.REPORT_SUBMIT)
    if not in_jurisdiction(actor, unit.path):
        raise not_found(_("Không tìm thấy đơn vị trong địa bàn của bạn."))
    if actor.unit_path != unit.path:
        raise ApplicationError(
            ErrorCode.PERMISSION_DENIED, _("Chỉ đơn vị %(unit)s lập và gửi báo cáo của mình.") % {"unit": unit.name}
        )


def _transition_error(report: DailyReport, to: str) -> ApplicationError:
    if report.status == ReportStatus.APPROVED:
        message = _("Báo cáo ngày %(day)s đã được duyệt, không thể thay đổi.")
    elif report.status == ReportStatus.SUBMITTED and to == ReportStatus.SUBMITTED:
        message = _("Báo cáo ngày %(day)s đã được gửi, đang chờ duyệt.")
    else:
        message = _("Báo cáo ngày %(day)s đang ở trạng thái “%(status)s”, không thực hiện được thao tác này.")
    return ApplicationError(
        ErrorCode.INVALID_TRANSITION,
        message % {"day": f"{report.day:%d/%m/%Y}", "status": report.get_status_display()},
    )


def _locked(unit: Unit, day: dt.date) -> DailyReport:
    report = DailyReport.objects.select_for_update().filter(unit=unit, day=day).first()
    return report or DailyReport(unit=unit, unit_path=unit.path, day=day)


@transaction.atomic
def report_save(
    *, actor: Any, unit: Unit, day: dt.date, manual: dict[str, Any], note: str | None = None
) -> DailyReport:
    """Save the unit's own draft: the hand-entered figures (replacing the previous ones) and the computed ones
    as they are now. A submitted or approved report cannot change."""
    _require_own(actor, unit)
    _check_day(day)
    clean = manual_clean(manual)
    report = _locked(unit, day)
    if report.status not in (ReportStatus.DRAFT, ReportStatus.RETURNED):
        raise _transition_error(report, ReportStatus.DRAFT)
    before = snapshot(report, _FIELDS) if report.pk else None
    report.manual = clean
    if note is not None:
        report.note = note.strip()[:5000]
    report.computed = report_indicators(unit=unit, day=day)
    report.save()
    audit_record(actor=actor, action="daily_report.save", obj=report, before=before, after=snapshot(report, _FIELDS))
    return report


@transaction.atomic
def report_submit(
    *, actor: Any, unit: Unit, day: dt.date, manual: dict[str, Any] | None = None, note: str | None = None
) -> DailyReport:
    """Submit the unit's report of `day` (saving `manual`/`note` if given): the computed indicators are frozen as
    they are now. Submitting twice, or after approval, is refused."""
    _require_own(actor, unit)
    _check_day(day)
    report = _locked(unit, day)
    if ReportStatus.SUBMITTED not in TRANSITIONS[report.status]:
        raise _transition_error(report, ReportStatus.SUBMITTED)
    before = snapshot(report, _FIELDS) if report.pk else None
    if manual is not None:
        report.manual = manual_clean(manual)
    if note is not None:
        report.note = note.strip()[:5000]
    report.computed = report_indicators(unit=unit, day=day)
    report.status = ReportStatus.SUBMITTED
    if report.submitted_at is None:  # a resubmission after a return keeps the first (lateness is the first's)
        report.submitted_at = clock.now()
    report.submitted_by = actor
    report.save()
    audit_record(actor=actor, action="daily_report.submit", obj=report, before=before, after=snapshot(report, _FIELDS))
    return report


def _require_reviewer(actor: Any, report: DailyReport) -> None:
    require_perm(actor, Perm.REPORT_APPROVE)
    if not in_jurisdiction(actor, report.unit_path):
        raise not_found(_("Không tìm thấy báo cáo."))
    if report.unit_path == actor.unit_path:
        raise ApplicationError(
            ErrorCode.PERMISSION_DENIED, _("Báo cáo của đơn vị do cấp trên trực tiếp hoặc cao hơn duyệt.")
        )


def _review(actor: Any, report: DailyReport, to: str, note: str, action: str) -> DailyReport:
    _require_reviewer(actor, report)
    report = DailyReport.objects.select_for_update().get(pk=report.pk)
    if to not in TRANSITIONS[report.status]:
        raise _transition_error(report, to)
    before = snapshot(report, _FIELDS)
    report.status = to
    report.reviewed_at = clock.now()
    report.reviewed_by = actor
    report.review_note = note
    report.save()
    audit_record(actor=actor, action=action, obj=report, before=before, after=snapshot(report, _FIELDS))
    return report


@transaction.atomic
def report_approve(*, actor: Any, report: DailyReport, note: str = "") -> DailyReport:
    """Approve a submitted report of a unit below the actor's (final)."""
    return _review(actor, report, ReportStatus.APPROVED, note.strip()[:500], "daily_report.approve")


@transaction.atomic
def report_return(*, actor: Any, report: DailyReport, note: str) -> DailyReport:
    """Return a submitted report to its unit to be corrected: the note says what to correct."""
    note = (note or "").strip()[:500]
    if not note:
        raise ApplicationError.field("note", _("Ghi rõ lý do trả lại báo cáo."))
    report = _review(actor, report, ReportStatus.RETURNED, note, "daily_report.return")
    if report.submitted_by is not None and report.submitted_by.is_active:
        from chihuy.notify.services import message_enqueue
        from chihuy.reports import notifications  # noqa: F401  (registers the templates)

        message_enqueue(
            template="reports.returned",
            context={
                "unit": report.unit.name,
                "day": f"{report.day:%d/%m/%Y}",
                "reviewer": getattr(actor, "full_name", "") or actor.username,
                "note": note,
                "url": f"/bao-cao-ngay/?ngay={report.day.isoformat()}",
            },
            users=[report.submitted_by],
            unit=report.unit,
            source=f"reports.returned:{report.pk}",
        )
    return report


# --- the units below: queue, missing and late ---------------------------------------------------------------


@dataclass
class QueueRow:
    unit: Unit
    report: DailyReport | None
    state: str  # approved / submitted / returned / draft / missing / pending (not due yet)
    late: bool = False

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])


STATE_LABELS = {
    "approved": ReportStatus.APPROVED.label,
    "submitted": ReportStatus.SUBMITTED.label,
    "returned": ReportStatus.RETURNED.label,
    "draft": gettext_lazy("Đang soạn, chưa gửi"),
    "missing": gettext_lazy("Chưa gửi (quá hạn)"),
    "pending": gettext_lazy("Chưa gửi (chưa đến hạn)"),
}


def units_below(unit: Unit) -> list[Unit]:
    """The units that report to `unit`: its children of the reporting levels (province, district, commune)."""
    return list(Unit.objects.filter(parent=unit, is_active=True, level__in=FACT_LEVELS).order_by("code"))


def _rows(units: Iterable[Unit], day: dt.date, now: dt.datetime) -> list[QueueRow]:
    units = list(units)
    reports = {r.unit_id: r for r in DailyReport.objects.filter(unit__in=units, day=day).select_related("submitted_by")}
    deadline = submission_deadline(day)  # once: not a policy read per row
    overdue = now > deadline
    rows = []
    for u in units:
        report = reports.get(u.pk)
        if report is not None and report.submitted_at is not None:
            rows.append(QueueRow(u, report, str(report.status), late=report.submitted_at > deadline))
        elif report is not None and not overdue:
            rows.append(QueueRow(u, report, "draft"))
        else:
            rows.append(QueueRow(u, report, "missing" if overdue else "pending", late=overdue))
    return rows


def report_queue(*, actor: Any, unit: Unit, day: dt.date) -> list[QueueRow]:
    """The units reporting to `unit` for `day`, each with its report's state (the reviewer's queue)."""
    _require_view(actor, unit)
    return _rows(units_below(unit), day, clock.now())


@dataclass
class Missing:
    day: dt.date
    deadline: dt.datetime
    missing: list[QueueRow] = field(default_factory=list)  # nothing submitted and the deadline passed
    late: list[QueueRow] = field(default_factory=list)  # submitted after the deadline


def reports_missing(*, actor: Any, unit: Unit, day: dt.date) -> Missing:
    """Units below `unit` without a submitted report of `day` by the deadline, and those that submitted late."""
    rows = report_queue(actor=actor, unit=unit, day=day)
    return Missing(
        day=day,
        deadline=submission_deadline(day),
        missing=[r for r in rows if r.state == "missing"],
        late=[r for r in rows if r.report is not None and r.late],
    )


# --- consolidation and roll-ups -----------------------------------------------------------------------------


def _sum_manual(reports: Iterable[DailyReport]) -> dict[str, int]:
    out: dict[str, int] = {}
    for report in reports:
        for key, value in report.manual.items():
            if isinstance(value, int):
                out[key] = out.get(key, 0) + value
    return out


@dataclass
class Consolidation:
    unit: Unit
    day: dt.date
    start: dt.datetime
    end: dt.datetime
    deadline: dt.datetime
    computed: dict[str, Value]  # of the whole subtree
    rows: list[QueueRow]
    manual: dict[str, int]  # the hand figures of the units' submitted reports, summed
    own: DailyReport | None

    @property
    def missing(self) -> list[QueueRow]:
        return [r for r in self.rows if r.state == "missing"]

    @property
    def late(self) -> list[QueueRow]:
        return [r for r in self.rows if r.report is not None and r.late]

    def count(self, state: str) -> int:
        return sum(1 for r in self.rows if r.state == state)


def report_consolidate(*, actor: Any, unit: Unit, day: dt.date) -> Consolidation:
    """The report of a district or province for `day`: its units' reports (state, timing, hand figures summed),
    the computed indicators of its whole subtree and the missing / late units."""
    _require_view(actor, unit)
    rows = _rows(units_below(unit), day, clock.now())
    submitted = [r.report for r in rows if r.report is not None and r.report.submitted_at is not None]
    start, end = day_window(day)
    return Consolidation(
        unit=unit,
        day=day,
        start=start,
        end=end,
        deadline=submission_deadline(day),
        computed=report_indicators(unit=unit, day=day),
        rows=rows,
        manual=_sum_manual(submitted),
        own=report_find(unit=unit, day=day),
    )


@dataclass
class Rollup:
    unit: Unit
    first: dt.date
    last: dt.date
    start: dt.datetime
    end: dt.datetime
    computed: dict[str, Value]
    manual: dict[str, int]  # the unit's own submitted reports: flows summed, stocks of the last one
    days: int
    reports: int  # of the unit's own, submitted or approved, in the period


def report_rollup(*, actor: Any, unit: Unit, first: dt.date, last: dt.date) -> Rollup:
    """A week or month of `unit`: flows summed over the reporting days, stocks taken at the last day."""
    _require_view(actor, unit)
    if last < first:
        raise ApplicationError.field("last", _("Ngày cuối phải sau ngày đầu."))
    if (last - first).days > 366:
        raise ApplicationError.field("last", _("Tổng hợp tối đa một năm."))
    own = list(
        DailyReport.objects.filter(unit=unit, day__gte=first, day__lte=last, submitted_at__isnull=False).order_by("day")
    )
    manual: dict[str, int] = {}
    for report in own:
        for key, value in report.manual.items():
            if not isinstance(value, int) or key not in MANUAL_BY_KEY:
                continue
            manual[key] = value if MANUAL_BY_KEY[key].kind == "stock" else manual.get(key, 0) + value
    start, end = days_window(first, last)
    return Rollup(
        unit=unit,
        first=first,
        last=last,
        start=start,
        end=end,
        computed=_computed(unit, first, last),
        manual=manual,
        days=(last - first).days + 1,
        reports=len(own),
    )


def week_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """Monday … Sunday of the week holding `day`."""
    first = day - dt.timedelta(days=day.weekday())
    return first, first + dt.timedelta(days=6)


def month_of(day: dt.date) -> tuple[dt.date, dt.date]:
    first = day.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)


# --- the sweep ----------------------------------------------------------------------------------------------


def reports_sweep(*, at: dt.datetime | None = None) -> int:
    """Alert every unit (commune, district) still without a submitted report of the latest reporting day whose
    deadline has passed: its command centre's officers on duty and commander, and its health officers. Once per
    unit and day (the message's source names both), so running it every few minutes is harmless."""
    from chihuy.accounts.models import User
    from chihuy.accounts.roles import Role
    from chihuy.command.selectors import centre_alert_recipients, centre_for_unit
    from chihuy.notify.models import Message
    from chihuy.notify.services import BulkItem, message_enqueue_many
    from chihuy.reports import notifications  # noqa: F401  (registers the templates)

    moment = at or clock.now()
    day = last_closed_day(moment)
    if moment <= submission_deadline(day):
        day -= dt.timedelta(days=1)
    deadline = submission_deadline(day)
    submitted = set(DailyReport.objects.filter(day=day, submitted_at__isnull=False).values_list("unit_id", flat=True))
    units = [
        u
        for u in Unit.objects.filter(is_active=True, level__in=FACT_LEVELS)
        .exclude(level=UnitLevel.PROVINCE)
        .order_by("path")
        if u.pk not in submitted
    ]
    sources = {f"reports.missing:{u.pk}:{day.isoformat()}": u for u in units}
    done = set(Message.objects.filter(source__in=list(sources)).values_list("source", flat=True))
    todo = [(source, u) for source, u in sources.items() if source not in done]
    if not todo:
        return 0
    officers: dict[str, list[Any]] = {}
    for user in User.objects.filter(unit_path__in=[u.path for _s, u in todo], is_active=True):
        if Role.HEALTH_OFFICER in (user.roles or []) or Role.COMMANDER in (user.roles or []):
            officers.setdefault(user.unit_path, []).append(user)
    items = []
    for source, u in todo:
        users = {x.pk: x for x in officers.get(u.path, [])}
        centre = centre_for_unit(u)
        if centre is not None:
            users |= {x.pk: x for x in centre_alert_recipients(centre, at=moment)}
        context = {
            "unit": u.name,
            "day": f"{day:%d/%m/%Y}",
            "deadline": clock.local(deadline).strftime("%H:%M %d/%m/%Y"),
            "url": f"/bao-cao-ngay/?ngay={day.isoformat()}",
        }
        # The source is the idempotency key: a unit nobody can be told about is still marked as done.
        items.append(BulkItem(context=context, users=list(users.values()), unit_path=u.path, source=source))
    with transaction.atomic():
        message_enqueue_many(template="reports.missing", items=items, urgent=False)
    return len(items)
