"""Daily reports: the computed indicators equal what the services wrote (16:00 boundary), the workflow and every
bad transition, who may save / submit / approve, reconciliation, missing and late units by the deadline, the sweep's
alerts, consolidation sums and roll-ups."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine

from chihuy.accounts.roles import Role
from chihuy.cases import services as cases
from chihuy.cases.enums import DetectionWay
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.core.models import AuditEvent
from chihuy.labs.services.samples import sample_take
from chihuy.notify.models import Delivery, Message
from chihuy.places.enums import AgeBand
from chihuy.reports import daily, facts
from chihuy.reports.enums import ReportStatus
from chihuy.reports.models import DailyReport
from chihuy.vaccination.models import Dose, Vaccine
from tests.conftest import BAN_GIANG, BINH_LU, LAI_CHAU, MUONG_SO, PHONG_THO, TAM_DUONG, unit

pytestmark = pytest.mark.django_db

VN = dt.timezone(dt.timedelta(hours=7))
D11 = dt.date(2021, 11, 11)


def at(day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime(2021, 11, day, hour, minute, tzinfo=VN)


@pytest.fixture
def scene(make_user: Callable[..., Any], make_person: Callable[..., Any]) -> dict[str, Any]:
    """Bản Giang: a community F0 of unknown source on the 10th at 09:00, one at 17:00 (after the cut: the 11th's),
    one found in quarantine on the 11th; Bình Lư: an imported F0 on the 11th; Mường So (another district) one.
    One RT-PCR tube in Bản Giang on the 11th; a first dose on the 11th."""
    officer = make_user(Role.HEALTH_OFFICER, LAI_CHAU)
    with time_machine.travel(at(11, 15), tick=False):
        people = [make_person(unit_path=p) for p in (BAN_GIANG, BAN_GIANG, BAN_GIANG, BINH_LU, MUONG_SO)]

        def report(person: Any, when: dt.datetime, way: str = DetectionWay.COMMUNITY, known: bool = True) -> Any:
            return cases.case_report(
                actor=officer,
                person=person,
                detection_way=way,
                detected_at=when,
                sample_date=when.date(),
                source_known=known,
            )

        report(people[0], at(10, 9), known=False)
        report(people[1], at(10, 17))
        report(people[2], at(11, 8), DetectionWay.QUARANTINE)
        report(people[3], at(11, 8), DetectionWay.IMPORTED)
        report(people[4], at(11, 10))
        sample_take(actor=officer, code="LC-0001", person_ids=[people[2].pk], collected_at=at(11, 7))
        Dose.objects.create(
            person=people[1],
            unit_path=BAN_GIANG,
            dose_number=1,
            vaccine=Vaccine.objects.get(code="AZ"),
            given_on=D11,
            age_band=AgeBand.A50_64,
        )
    facts.facts_rebuild()
    return {
        "officer": officer,
        "commune": make_user(Role.HEALTH_OFFICER, BAN_GIANG, phone="0912000111"),
        "binh_lu": make_user(Role.DUTY_OFFICER, BINH_LU),
        "district": make_user(Role.COMMANDER, TAM_DUONG),
        "other_district": make_user(Role.COMMANDER, PHONG_THO),
        "province": make_user(Role.COMMANDER, LAI_CHAU),
    }


AFTER_CUT = at(11, 16, 30)  # the 11th's report is due at 17:00


# --- indicators --------------------------------------------------------------------------------------------


def test_indicators_count_the_writes_by_reporting_day(scene: dict[str, Any]) -> None:
    with time_machine.travel(AFTER_CUT, tick=False):
        day10 = daily.report_indicators(unit=unit(BAN_GIANG), day=dt.date(2021, 11, 10))
        day11 = daily.report_indicators(unit=unit(BAN_GIANG), day=D11)
        district = daily.report_indicators(unit=unit(TAM_DUONG), day=D11)

    assert (day10["f0_new"], day10["f0_community"], day10["f0_unknown_source"]) == (1, 1, 1)
    # The 17:00 case of the 10th belongs to the 11th, with the quarantine one.
    assert {k: day11[k] for k in ("f0_new", "f0_community", "f0_quarantine", "f0_imported", "f0_unknown_source")} == {
        "f0_new": 2,
        "f0_community": 1,
        "f0_quarantine": 1,
        "f0_imported": 0,
        "f0_unknown_source": 0,
    }
    assert (day11["f0_total"], day11["f0_treating"], day11["died_total"]) == (3, 3, 0)
    assert (day11["tests_pcr"], day11["tests_pending"], day11["tests_on_time_pct"]) == (1, 1, None)
    assert (day11["dose_1"], day11["dose_2"]) == (1, 0)
    assert (day11["iso_facility_current"], day11["beds_free"]) == (0, 0)
    assert (district["f0_new"], district["f0_imported"], district["f0_total"]) == (3, 1, 4)  # Mường So is not in it


# --- workflow ----------------------------------------------------------------------------------------------


def test_save_submit_approve(scene: dict[str, Any]) -> None:
    commune, district = scene["commune"], scene["district"]
    bg = unit(BAN_GIANG)
    with time_machine.travel(AFTER_CUT, tick=False):
        draft = daily.report_save(actor=commune, unit=bg, day=D11, manual={"oxygen_cylinders": "12", "f0_new": 3})
        assert (draft.status, draft.manual, draft.submitted_at) == (
            ReportStatus.DRAFT,
            {"oxygen_cylinders": 12, "f0_new": 3},
            None,
        )
        report = daily.report_submit(actor=commune, unit=bg, day=D11, note="Ổn định")
    assert report.status == ReportStatus.SUBMITTED
    assert report.submitted_at == AFTER_CUT and report.submitted_by == commune
    assert report.computed["f0_new"] == 2 and report.note == "Ổn định"
    assert not daily.is_late(report)
    view = daily.report_view(actor=district, unit=bg, day=D11)
    assert view.reconciliation == [
        {"key": "f0_new", "label": "F0 mới trong ngày", "computed": 2, "manual": 3, "difference": 1}
    ]
    assert (view.can_edit, view.can_review) == (False, True)

    approved = daily.report_approve(actor=district, report=report)
    assert (approved.status, approved.reviewed_by) == (ReportStatus.APPROVED, district)
    actions = list(AuditEvent.objects.filter(object_type="reports.dailyreport").values_list("action", flat=True))
    assert sorted(actions) == ["daily_report.approve", "daily_report.save", "daily_report.submit"]


def test_the_frozen_snapshot_does_not_follow_later_writes(scene: dict[str, Any], make_person: Any) -> None:
    with time_machine.travel(AFTER_CUT, tick=False):
        report = daily.report_submit(actor=scene["commune"], unit=unit(BAN_GIANG), day=D11)
        cases.case_report(
            actor=scene["officer"],
            person=make_person(),
            detection_way=DetectionWay.COMMUNITY,
            detected_at=at(11, 10),
            sample_date=D11,
        )
    facts.facts_rebuild()
    view = daily.report_view(actor=scene["district"], unit=unit(BAN_GIANG), day=D11)
    assert view.computed["f0_new"] == 2
    assert daily.report_indicators(unit=unit(BAN_GIANG), day=D11)["f0_new"] == 3
    assert report.computed == view.computed


def bad(call: Callable[[], Any]) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        call()
    return caught.value


def test_bad_transitions_are_refused_and_change_nothing(scene: dict[str, Any]) -> None:
    commune, district = scene["commune"], scene["district"]
    bg = unit(BAN_GIANG)
    with time_machine.travel(AFTER_CUT, tick=False):
        report = daily.report_submit(actor=commune, unit=bg, day=D11, manual={"beds_icu": 2})
        twice = bad(lambda: daily.report_submit(actor=commune, unit=bg, day=D11))
        edit = bad(lambda: daily.report_save(actor=commune, unit=bg, day=D11, manual={"beds_icu": 5}))
        no_note = bad(lambda: daily.report_return(actor=district, report=report, note="  "))
        daily.report_approve(actor=district, report=report)
        after_approval = bad(lambda: daily.report_submit(actor=commune, unit=bg, day=D11))
        approve_again = bad(lambda: daily.report_approve(actor=district, report=report))
        return_approved = bad(lambda: daily.report_return(actor=district, report=report, note="Sai số"))
        tomorrow = bad(lambda: daily.report_save(actor=commune, unit=bg, day=D11 + dt.timedelta(days=1), manual={}))

    assert (twice.code, twice.message) == (
        ErrorCode.INVALID_TRANSITION,
        "Báo cáo ngày 11/11/2021 đã được gửi, đang chờ duyệt.",
    )
    assert edit.code == ErrorCode.INVALID_TRANSITION
    assert (no_note.code, no_note.details[0]["field"]) == (ErrorCode.VALIDATION, "note")
    assert after_approval.message == "Báo cáo ngày 11/11/2021 đã được duyệt, không thể thay đổi."
    assert approve_again.code == return_approved.code == ErrorCode.INVALID_TRANSITION
    assert (tomorrow.code, tomorrow.details[0]["field"]) == (ErrorCode.VALIDATION, "day")
    stored = DailyReport.objects.get()
    assert (stored.status, stored.manual) == (ReportStatus.APPROVED, {"beds_icu": 2})


def test_manual_figures_must_be_whole_numbers_not_below_zero(scene: dict[str, Any]) -> None:
    with time_machine.travel(AFTER_CUT, tick=False):
        error = bad(
            lambda: daily.report_save(
                actor=scene["commune"],
                unit=unit(BAN_GIANG),
                day=D11,
                manual={"oxygen_cylinders": -1, "checkpoint_people": "nhiều", "beds_icu": 1.5, "bogus": 1},
            )
        )
    assert error.code == ErrorCode.VALIDATION
    assert [d["field"] for d in error.details] == ["oxygen_cylinders", "checkpoint_people", "beds_icu", "bogus"]
    assert error.details[0]["message"] == "Bình oxy: nhập số nguyên không âm."
    assert not DailyReport.objects.exists()


def test_a_returned_report_is_corrected_and_resubmitted_keeping_its_first_submission(scene: dict[str, Any]) -> None:
    commune, district = scene["commune"], scene["district"]
    bg = unit(BAN_GIANG)
    with time_machine.travel(AFTER_CUT, tick=False):
        report = daily.report_submit(actor=commune, unit=bg, day=D11, manual={"f0_new": 5})
    with time_machine.travel(at(11, 17, 30), tick=False):
        returned = daily.report_return(actor=district, report=report, note="Số F0 tự đếm lệch 3 ca")
        assert (returned.status, returned.review_note) == (ReportStatus.RETURNED, "Số F0 tự đếm lệch 3 ca")
        daily.report_save(actor=commune, unit=bg, day=D11, manual={"f0_new": 2})
        again = daily.report_submit(actor=commune, unit=bg, day=D11)
    assert (again.status, again.submitted_at, again.manual) == (ReportStatus.SUBMITTED, AFTER_CUT, {"f0_new": 2})
    message = Message.objects.get(template="reports.returned")
    assert "Số F0 tự đếm lệch 3 ca" in message.body
    assert Delivery.objects.filter(message=message, user=commune).exists()


# --- permissions -------------------------------------------------------------------------------------------


def test_who_may_save_submit_and_approve(scene: dict[str, Any], make_user: Any) -> None:
    bg = unit(BAN_GIANG)
    with time_machine.travel(AFTER_CUT, tick=False):
        report = daily.report_submit(actor=scene["commune"], unit=bg, day=D11)
        # The commune cannot approve itself; the district cannot write the commune's report; another district
        # does not see it; an analyst cannot submit.
        self_approval = bad(lambda: daily.report_approve(actor=scene["commune"], report=report))
        district_writes = bad(lambda: daily.report_save(actor=scene["district"], unit=bg, day=D11, manual={}))
        other = bad(lambda: daily.report_approve(actor=scene["other_district"], report=report))
        other_view = bad(lambda: daily.report_view(actor=scene["other_district"], unit=bg, day=D11))
        analyst = make_user(Role.ANALYST, BINH_LU)
        analyst_submits = bad(lambda: daily.report_submit(actor=analyst, unit=unit(BINH_LU), day=D11))
        sibling = bad(lambda: daily.report_submit(actor=scene["binh_lu"], unit=bg, day=D11))
    assert self_approval.code == ErrorCode.PERMISSION_DENIED
    assert district_writes.code == ErrorCode.PERMISSION_DENIED
    assert other.code == other_view.code == sibling.code == ErrorCode.NOT_FOUND
    assert analyst_submits.code == ErrorCode.PERMISSION_DENIED
    assert DailyReport.objects.get().status == ReportStatus.SUBMITTED
    # The province may approve a commune too ("by the unit directly above or higher").
    assert daily.report_approve(actor=scene["province"], report=report).status == ReportStatus.APPROVED


# --- missing, late, sweep ----------------------------------------------------------------------------------


def test_missing_and_late_by_the_deadline(scene: dict[str, Any]) -> None:
    district = unit(TAM_DUONG)
    communes = daily.units_below(district)
    with time_machine.travel(AFTER_CUT, tick=False):
        daily.report_submit(actor=scene["commune"], unit=unit(BAN_GIANG), day=D11)
        before = daily.reports_missing(actor=scene["district"], unit=district, day=D11)
        states = {r.unit.path: r.state for r in daily.report_queue(actor=scene["district"], unit=district, day=D11)}
    with time_machine.travel(at(11, 18), tick=False):
        daily.report_submit(actor=scene["binh_lu"], unit=unit(BINH_LU), day=D11)
        after = daily.reports_missing(actor=scene["district"], unit=district, day=D11)

    assert before.missing == [] and before.late == []  # not due before 17:00
    assert states[BAN_GIANG] == "submitted" and states[BINH_LU] == "pending"
    assert [r.unit.path for r in after.late] == [BINH_LU]
    assert sorted(r.unit.path for r in after.missing) == sorted(
        u.path for u in communes if u.path not in (BAN_GIANG, BINH_LU)
    )
    assert after.deadline == at(11, 17)


def test_the_sweep_alerts_each_missing_unit_once(scene: dict[str, Any], make_user: Any) -> None:
    muong_so_officer = make_user(Role.HEALTH_OFFICER, MUONG_SO, phone="0912000222")
    with time_machine.travel(AFTER_CUT, tick=False):
        daily.report_submit(actor=scene["commune"], unit=unit(BAN_GIANG), day=D11)
        early = daily.reports_sweep()  # the 11th is not due yet; the 10th is, and nobody reported it
    from chihuy.places.models import Unit

    below_province = Unit.objects.filter(level__in=["district", "commune"], is_active=True).count()
    assert early == below_province
    with time_machine.travel(at(11, 17, 5), tick=False):
        first = daily.reports_sweep()
        second = daily.reports_sweep()
    assert (first, second) == (below_province - 1, 0)  # Bản Giang reported the 11th
    message = Message.objects.get(source=f"reports.missing:{unit(MUONG_SO).pk}:2021-11-11")
    assert message.subject.startswith("[BÁO CÁO] Xã Mường So chưa gửi báo cáo ngày 11/11/2021")
    assert Delivery.objects.filter(message=message, user=muong_so_officer).exists()
    assert not Message.objects.filter(source=f"reports.missing:{unit(BAN_GIANG).pk}:2021-11-11").exists()


# --- consolidation, roll-ups -------------------------------------------------------------------------------


def test_the_district_consolidates_its_communes(scene: dict[str, Any]) -> None:
    with time_machine.travel(AFTER_CUT, tick=False):
        daily.report_submit(actor=scene["commune"], unit=unit(BAN_GIANG), day=D11, manual={"oxygen_cylinders": 2})
        daily.report_submit(actor=scene["binh_lu"], unit=unit(BINH_LU), day=D11, manual={"oxygen_cylinders": 3})
    with time_machine.travel(at(11, 18), tick=False):
        report = daily.report_consolidate(actor=scene["district"], unit=unit(TAM_DUONG), day=D11)
    assert report.manual == {"oxygen_cylinders": 5}
    assert (report.computed["f0_new"], report.computed["f0_imported"]) == (3, 1)
    assert report.count("submitted") == 2
    assert len(report.missing) == len(report.rows) - 2 and report.late == []
    assert report.own is None


def test_a_week_sums_flows_and_takes_stocks_at_its_last_day(scene: dict[str, Any]) -> None:
    first, last = daily.week_of(D11)
    assert (first, last) == (dt.date(2021, 11, 8), dt.date(2021, 11, 14))
    with time_machine.travel(at(11, 16, 30), tick=False):
        daily.report_submit(actor=scene["commune"], unit=unit(BAN_GIANG), day=D11, manual={"beds_icu": 2, "f0_new": 2})
        rollup = daily.report_rollup(actor=scene["district"], unit=unit(BAN_GIANG), first=first, last=last)
    assert (rollup.computed["f0_new"], rollup.computed["f0_unknown_source"], rollup.computed["f0_treating"]) == (
        3,
        1,
        3,
    )
    assert (rollup.manual, rollup.reports, rollup.days) == ({"beds_icu": 2, "f0_new": 2}, 1, 7)
    assert daily.month_of(D11) == (dt.date(2021, 11, 1), dt.date(2021, 11, 30))


def test_consolidation_reads_a_fixed_number_of_statements(scene: dict[str, Any]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    with time_machine.travel(at(11, 18), tick=False):
        daily.report_submit(actor=scene["commune"], unit=unit(BAN_GIANG), day=D11)
        daily.report_consolidate(actor=scene["district"], unit=unit(TAM_DUONG), day=D11)  # warms the caches
        for path, actor in ((TAM_DUONG, scene["district"]), (LAI_CHAU, scene["province"])):
            place = unit(path)
            with CaptureQueriesContext(connection) as queries:
                daily.report_consolidate(actor=actor, unit=place, day=D11)
            counts.append(len(queries))
    # The province (8 districts) reads as many statements as a district (13 communes).
    assert counts[0] == counts[1]


def test_the_sweep_command(scene: dict[str, Any]) -> None:
    import io

    from django.core.management import call_command

    out = io.StringIO()
    with time_machine.travel(at(11, 17, 5), tick=False):
        call_command("reports_sweep", stdout=out)
        call_command("reports_sweep", stdout=out)
    first, second = out.getvalue().splitlines()
    assert second == '{"units_alerted": 0}' and first != second
