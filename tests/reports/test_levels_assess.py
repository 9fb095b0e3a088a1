"""Assessing levels from the facts: the rule set in force by date, the stored inputs and sentence, all units in
one pass equal to one unit at a time, the week before, decisions (who, where, with a reason), capacity, 2686."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine

from chihuy.accounts.roles import Role
from chihuy.core.errors import ApplicationError
from chihuy.core.models import AuditEvent
from chihuy.notify.models import Message
from chihuy.places.enums import AgeBand
from chihuy.places.models import Population, Unit
from chihuy.reports import assess
from chihuy.reports.enums import AssessmentStatus, AssessmentTrigger
from chihuy.reports.facts import FACT_LEVELS
from chihuy.reports.models import Fact, FactTotal, LevelAssessment
from tests.conftest import BAN_GIANG, BINH_LU, LAI_CHAU, MUONG_SO, PHONG_THO, TAM_DUONG, unit

pytestmark = pytest.mark.django_db

D = dt.date
WEEK = D(2021, 11, 14)
NOON = dt.datetime(2021, 11, 20, 12, tzinfo=dt.timezone(dt.timedelta(hours=7)))

BAN_GIANG_BANDS = {
    AgeBand.A0_11: 1000,
    AgeBand.A12_17: 500,
    AgeBand.A18_49: 2500,
    AgeBand.A50_64: 700,
    AgeBand.A65: 300,
}
BINH_LU_BANDS = {AgeBand.A0_11: 1000, AgeBand.A12_17: 300, AgeBand.A18_49: 2000, AgeBand.A50_64: 500, AgeBand.A65: 200}


def ancestors(path: str) -> list[str]:
    parts = path.strip("/").split("/")
    return ["/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def put(path: str, day: dt.date, metric: str, value: int) -> None:
    """A fact of a commune, added into its district's and province's subtree totals (as facts.py keeps them)."""
    for p in ancestors(path):
        u = unit(p)
        fact, _ = Fact.objects.get_or_create(unit=u, day=day, metric=metric, defaults={"value": 0})
        fact.value += value
        fact.save()
        total, _ = FactTotal.objects.get_or_create(unit=u, metric=metric, defaults={"value": 0, "last_day": day})
        total.value += value
        total.last_day = max(total.last_day, day)
        total.save()


def people(path: str, bands: dict[str, int]) -> None:
    u = unit(path)
    for band, count in bands.items():
        Population.objects.create(unit=u, unit_path=u.path, year=2021, age_band=band, count=count)


@pytest.fixture
def scene(db: Any) -> None:
    """Bản Giang: 5,000 people, 3 community F0 of unknown source and 12 in quarantine in the week to 14/11, 80 % of
    adults with a first dose, 80 % of people ≥ 50 fully vaccinated. Bình Lư: 4,000 people, one community F0 on
    1/11 (the week before), nobody vaccinated. Other communes: no population, no case."""
    people(BAN_GIANG, BAN_GIANG_BANDS)
    people(BINH_LU, BINH_LU_BANDS)
    put(BAN_GIANG, D(2021, 11, 10), "f0_community", 3)
    put(BAN_GIANG, D(2021, 11, 10), "f0_unknown_source", 3)
    put(BAN_GIANG, D(2021, 11, 12), "f0_quarantine", 12)
    put(BINH_LU, D(2021, 11, 1), "f0_community", 1)
    day = D(2021, 10, 1)
    for metric, value in (
        ("first_18_49", 2000),
        ("first_50_64", 600),
        ("first_65p", 200),
        ("full_50_64", 600),
        ("full_65p", 200),
    ):
        put(BAN_GIANG, day, metric, value)


def fact_unit_count() -> int:
    return Unit.objects.filter(level__in=FACT_LEVELS, is_active=True).count()


def row(path: str, week: dt.date = WEEK) -> LevelAssessment:
    return LevelAssessment.objects.get(unit__path=path, week_end=week)


@pytest.mark.parametrize(
    ("day", "rule_set", "source"),
    [
        (D(2021, 10, 11), "2686", "Quyết định 2686/QĐ-BCĐQG 31/5/2021"),
        (D(2021, 10, 12), "4800", "Quyết định 4800/QĐ-BYT 12/10/2021"),
        (D(2022, 1, 26), "4800", "Quyết định 4800/QĐ-BYT 12/10/2021"),
        (D(2022, 1, 27), "218", "Quyết định 218/QĐ-BYT 27/01/2022"),
        (D(2022, 1, 28), "218", "Quyết định 218/QĐ-BYT 27/01/2022"),
    ],
)
def test_rule_in_force_by_date(day: dt.date, rule_set: str, source: str) -> None:
    rule = assess.rule_in_force(day)
    assert (rule.rule_set, rule.source) == (rule_set, source)
    if rule_set == "218":
        assert rule.values["bands"] == [0, 50, 150]
        assert rule.values["level4_above_per_100k_week"] == 600


def test_assess_all_stores_inputs_rule_and_sentence(scene: None) -> None:
    with time_machine.travel(NOON, tick=False):
        run = assess.levels_assess_all(week_end=WEEK)
    assert (run.units, run.created, run.updated, run.rule_set) == (fact_unit_count(), fact_unit_count(), 0, "4800")
    ban_giang = row(BAN_GIANG)
    assert ban_giang.explanation == (
        "Cấp 3: 60 ca cộng đồng/100.000 dân/tuần (≥ 50), 80 % người ≥ 18 tuổi đã tiêm ≥ 1 mũi (≥ 70 %), "
        "80 % người ≥ 50 tuổi đã tiêm đủ liều (≥ 80 %)"
    )
    assert (ban_giang.level, ban_giang.computed_level, ban_giang.status) == (3, 3, AssessmentStatus.COMPUTED)
    assert ban_giang.rule_set == "4800"
    assert ban_giang.rule_source == "Quyết định 4800/QĐ-BYT 12/10/2021"
    assert ban_giang.rule_values["bands"] == [0, 20, 50, 150]
    assert ban_giang.inputs == {
        "community_cases": 3,
        "population": 5000,
        "cases_per_100k_week": 60.0,
        "adult_one_dose_pct": 80.0,
        "over50_full_pct": 80.0,
        "capacity_met": True,
        "band": 3,
        "coverage_high": True,
    }
    district = row(TAM_DUONG)
    assert district.explanation == (
        "Cấp 3: 33,3 ca cộng đồng/100.000 dân/tuần (≥ 20), 45,2 % người ≥ 18 tuổi đã tiêm ≥ 1 mũi (< 70 %), "
        "47,1 % người ≥ 50 tuổi đã tiêm đủ liều (< 80 %)"
    )
    assert row(LAI_CHAU).inputs["population"] == 9000
    assert row(BINH_LU).explanation == (
        "Cấp 1: 0 ca cộng đồng trong tuần, 0 % người ≥ 18 tuổi đã tiêm ≥ 1 mũi (< 70 %), "
        "0 % người ≥ 50 tuổi đã tiêm đủ liều (< 80 %)"
    )
    assert row(MUONG_SO).explanation == (
        "Cấp 1: 0 ca cộng đồng trong tuần, chưa tính được độ bao phủ tiêm chủng (thiếu hoặc sai số dân): "
        "coi như bao phủ thấp"
    )
    # a second run updates the same rows
    with time_machine.travel(NOON, tick=False):
        again = assess.levels_assess_all(week_end=WEEK)
    assert (again.created, again.updated) == (0, fact_unit_count())
    assert LevelAssessment.objects.count() == fact_unit_count()


def test_assess_all_equals_one_unit_at_a_time(scene: None, make_user: Callable[..., Any]) -> None:
    officer = make_user(Role.HEALTH_OFFICER, LAI_CHAU)
    with time_machine.travel(NOON, tick=False):
        assess.levels_assess_all(week_end=WEEK)
        paths = [LAI_CHAU, TAM_DUONG, BAN_GIANG, BINH_LU, PHONG_THO, MUONG_SO]
        batch = {p: (row(p).computed_level, row(p).explanation, row(p).inputs) for p in paths}
        LevelAssessment.objects.all().delete()
        single = {}
        for p in paths:
            one = assess.level_assess_unit(actor=officer, unit=unit(p), week_end=WEEK)
            assert one.trigger == AssessmentTrigger.ON_DEMAND
            single[p] = (one.computed_level, one.explanation, one.inputs)
    assert single == batch


def test_previous_level_and_change(scene: None) -> None:
    with time_machine.travel(NOON, tick=False):
        first = assess.levels_assess_all(week_end=WEEK - dt.timedelta(days=7))
        assert row(BINH_LU, WEEK - dt.timedelta(days=7)).level == 3  # 25/100k, nobody vaccinated
        assert row(BAN_GIANG, WEEK - dt.timedelta(days=7)).level == 1
        second = assess.levels_assess_all(week_end=WEEK)
    assert first.changed == 0
    assert (row(BAN_GIANG).previous_level, row(BAN_GIANG).level) == (1, 3)
    assert (row(BINH_LU).previous_level, row(BINH_LU).level) == (3, 1)
    # Tam Đường (and the province): 11,1/100k → 33,3/100k, low coverage: 2 → 3
    assert (row(TAM_DUONG).previous_level, row(TAM_DUONG).level) == (2, 3)
    assert second.changed == 4


def test_decide_override_then_recompute_keeps_the_decision(scene: None, make_user: Callable[..., Any]) -> None:
    commander = make_user(Role.COMMANDER, TAM_DUONG)
    commune_officer = make_user(Role.HEALTH_OFFICER, BAN_GIANG, email="yte.bangiang@example.vn")
    with time_machine.travel(NOON, tick=False):
        assess.levels_assess_all(week_end=WEEK)
        decided = assess.level_decide(
            actor=commander, assessment=row(BAN_GIANG), level=4, reason="Ổ dịch chưa rõ nguồn", ref="123/QĐ-UBND"
        )
    assert (decided.level, decided.computed_level, decided.status) == (4, 3, AssessmentStatus.OVERRIDDEN)
    assert (decided.decision_reason, decided.decision_ref, decided.decided_by) == (
        "Ổ dịch chưa rõ nguồn",
        "123/QĐ-UBND",
        commander,
    )
    event = AuditEvent.objects.filter(object_type="reports.levelassessment", object_id=str(decided.pk)).get()
    assert (event.before, event.after) == (
        {"level": 3, "status": "computed", "decision_reason": "", "decision_ref": ""},
        {"level": 4, "status": "overridden", "decision_reason": "Ổ dịch chưa rõ nguồn", "decision_ref": "123/QĐ-UBND"},
    )
    message = Message.objects.get(template="reports.level_changed")
    assert message.urgent is True
    assert message.subject == "[CẤP ĐỘ DỊCH] Xã Bản Giang: cấp 4 (tuần đến 14/11/2021)"
    assert list(message.deliveries.values_list("user_id", flat=True).distinct()) == [commune_officer.pk]
    with time_machine.travel(NOON, tick=False):
        assess.levels_assess_all(week_end=WEEK)
    again = row(BAN_GIANG)
    assert (again.level, again.computed_level, again.status) == (4, 3, AssessmentStatus.OVERRIDDEN)
    with time_machine.travel(NOON, tick=False):
        confirmed = assess.level_decide(actor=commander, assessment=again, level=3, reason="Theo tiêu chí")
    assert confirmed.status == AssessmentStatus.CONFIRMED


@pytest.mark.parametrize(
    ("role", "path", "code"),
    [
        (Role.HEALTH_OFFICER, LAI_CHAU, "permission_denied"),
        (Role.COMMANDER, PHONG_THO, "not_found"),
        (Role.COMMANDER, BINH_LU, "not_found"),
    ],
)
def test_decide_refused_changes_nothing(
    scene: None, make_user: Callable[..., Any], role: str, path: str, code: str
) -> None:
    actor = make_user(role, path)
    with time_machine.travel(NOON, tick=False):
        assess.levels_assess_all(week_end=WEEK)
        with pytest.raises(ApplicationError) as exc:
            assess.level_decide(actor=actor, assessment=row(BAN_GIANG), level=4, reason="x")
    assert exc.value.code == code
    assert (row(BAN_GIANG).level, row(BAN_GIANG).status) == (3, AssessmentStatus.COMPUTED)


def test_decide_needs_a_reason_and_a_level(scene: None, make_user: Callable[..., Any]) -> None:
    commander = make_user(Role.COMMANDER, BAN_GIANG)  # own unit
    with time_machine.travel(NOON, tick=False):
        assess.levels_assess_all(week_end=WEEK)
        with pytest.raises(ApplicationError) as exc:
            assess.level_decide(actor=commander, assessment=row(BAN_GIANG), level=4, reason="  ")
        assert exc.value.details == [{"field": "reason", "message": "Phải ghi lý do xác nhận hoặc điều chỉnh cấp độ."}]
        with pytest.raises(ApplicationError) as exc:
            assess.level_decide(actor=commander, assessment=row(BAN_GIANG), level=5, reason="x")
        assert exc.value.details[0]["field"] == "level"
        assert assess.level_decide(actor=commander, assessment=row(BAN_GIANG), level=3, reason="Đúng").status == (
            AssessmentStatus.CONFIRMED
        )
    assert not Message.objects.filter(template="reports.level_changed").exists()  # the level did not change


def test_assess_unit_permissions(scene: None, make_user: Callable[..., Any]) -> None:
    with time_machine.travel(NOON, tick=False):
        with pytest.raises(ApplicationError) as exc:
            assess.level_assess_unit(actor=make_user(Role.TRACER, LAI_CHAU), unit=unit(BAN_GIANG))
        assert exc.value.code == "permission_denied"
        with pytest.raises(ApplicationError) as exc:
            assess.level_assess_unit(actor=make_user(Role.HEALTH_OFFICER, BINH_LU), unit=unit(BAN_GIANG))
        assert exc.value.code == "not_found"
        with pytest.raises(ApplicationError) as exc:
            assess.level_assess_unit(
                actor=make_user(Role.HEALTH_OFFICER, BAN_GIANG), unit=unit(BAN_GIANG), week_end=D(2021, 11, 20)
            )
        assert exc.value.details[0]["field"] == "week_end"
        default = assess.level_assess_unit(actor=make_user(Role.HEALTH_OFFICER, BAN_GIANG), unit=unit(BAN_GIANG))
    assert default.week_end == D(2021, 11, 19)  # noon of the 20th: the 19th is the last closed reporting day
    assert not LevelAssessment.objects.exclude(pk=default.pk).exists()


def test_capacity_not_met_and_the_switch(scene: None, make_user: Callable[..., Any]) -> None:
    commander = make_user(Role.COMMANDER, LAI_CHAU)
    with time_machine.travel(NOON, tick=False):
        with pytest.raises(ApplicationError) as exc:
            assess.capacity_declare(actor=commander, unit=unit(BAN_GIANG), week_end=WEEK, met=False)
        assert exc.value.details[0]["field"] == "reason"
        assess.capacity_declare(actor=commander, unit=unit(BAN_GIANG), week_end=WEEK, met=False, reason="Hết giường")
        assess.levels_assess_all(week_end=WEEK)
        stay = row(BAN_GIANG)
        assert stay.level == 3
        assert stay.explanation.endswith(", năng lực điều trị chưa đáp ứng: giữ cấp theo quy định đang dùng")
        assert stay.inputs["capacity_met"] is False
        assess.rule_values_set(
            actor=commander,
            rule_set="4800",
            values={"capacity_not_met": "up"},
            valid_from=D(2021, 11, 1),
            source_document="Tỉnh điều chỉnh",
        )
        assess.levels_assess_all(week_end=WEEK)
    up = row(BAN_GIANG)
    assert up.level == 4
    assert up.rule_values["capacity_not_met"] == "up"
    assert up.explanation.endswith(", năng lực điều trị chưa đáp ứng: nâng 1 cấp (từ cấp 3)")
    assert assess.rule_in_force(D(2021, 10, 31)).values["capacity_not_met"] == "stay"  # the old row is kept


def test_rule_values_set_checks_shape_and_who(make_user: Callable[..., Any]) -> None:
    district_commander = make_user(Role.COMMANDER, TAM_DUONG)
    province_commander = make_user(Role.COMMANDER, LAI_CHAU)
    with pytest.raises(ApplicationError) as exc:
        assess.rule_values_set(
            actor=district_commander, rule_set="4800", values={}, valid_from=D(2021, 12, 1), source_document="x"
        )
    assert exc.value.code == "permission_denied"
    with pytest.raises(ApplicationError) as exc:
        assess.rule_values_set(
            actor=province_commander,
            rule_set="4800",
            values={"bands": [0, 50, 20, 150]},
            valid_from=D(2021, 12, 1),
            source_document="x",
        )
    assert exc.value.details[0]["field"] == "bands"
    with pytest.raises(ApplicationError) as exc:
        assess.rule_values_set(
            actor=province_commander,
            rule_set="4800",
            values={"matrix_low_coverage": [1, 2]},
            valid_from=D(2021, 12, 1),
            source_document="x",
        )
    assert exc.value.details[0]["field"] == "matrix_low_coverage"


def test_2686_from_the_facts(make_user: Callable[..., Any]) -> None:
    put(BAN_GIANG, D(2021, 10, 5), "f0_community", 3)
    put(BAN_GIANG, D(2021, 10, 5), "f0_unknown_source", 2)
    put(BINH_LU, D(2021, 10, 6), "f0_community", 1)
    with time_machine.travel(dt.datetime(2021, 10, 11, 12, tzinfo=dt.timezone(dt.timedelta(hours=7))), tick=False):
        run = assess.levels_assess_all(week_end=D(2021, 10, 10))
    assert run.rule_set == "2686"
    week = D(2021, 10, 10)
    assert row(BAN_GIANG, week).explanation == "Cấp 4: đỏ — ổ dịch 2 ca cộng đồng không rõ nguồn lây (≥ 2)"
    assert row(BINH_LU, week).explanation == "Cấp 2: vàng — 1 ca cộng đồng rõ nguồn lây"
    assert row(TAM_DUONG, week).explanation == "Cấp 3: cam — 1 xã nguy cơ rất cao"
    assert row(TAM_DUONG, week).inputs["communes_very_high"] == 1
    assert row(MUONG_SO, week).level == 1
    assert row(LAI_CHAU, week).level == 3


def test_latest_levels(scene: None) -> None:
    with time_machine.travel(NOON, tick=False):
        assess.levels_assess_all(week_end=WEEK - dt.timedelta(days=7))
        assess.levels_assess_all(week_end=WEEK)
    ids = [unit(BAN_GIANG).pk, unit(BINH_LU).pk]
    found = assess.latest_levels([*ids, unit(MUONG_SO).pk])
    assert {k: (v.week_end, v.level) for k, v in found.items() if k in ids} == {ids[0]: (WEEK, 3), ids[1]: (WEEK, 1)}
    assert len(found) == 3


def test_weekly_command(scene: None) -> None:
    import io
    import json

    from django.core.management import call_command

    out = io.StringIO()
    with time_machine.travel(NOON, tick=False):
        call_command("levels_assess", "--week-end", "2021-11-14", stdout=out)
    result = json.loads(out.getvalue())
    assert (result["week_end"], result["rule_set"], result["units"], result["created"]) == (
        "2021-11-14",
        "4800",
        fact_unit_count(),
        fact_unit_count(),
    )
    assert result["by_level"] == {"1": fact_unit_count() - 3, "3": 3}
    out = io.StringIO()
    with time_machine.travel(NOON, tick=False):
        call_command("levels_assess", stdout=out)  # default: the last closed reporting day, 19/11
    assert json.loads(out.getvalue())["week_end"] == "2021-11-19"


def test_weekly_task(scene: None) -> None:
    from chihuy.reports.levels_tasks import levels_assess_task

    with time_machine.travel(NOON, tick=False):
        result = levels_assess_task.call(week_end="2021-11-14")
    assert result == {"week_end": "2021-11-14", "rule_set": "4800", "units": fact_unit_count(), "changed": 0}
    assert row(BAN_GIANG).level == 3


def test_assess_all_reads_and_writes_in_a_fixed_number_of_statements(scene: None) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with time_machine.travel(NOON, tick=False):
        with CaptureQueriesContext(connection) as first:
            assess.levels_assess_all(week_end=WEEK)
        with CaptureQueriesContext(connection) as again:
            assess.levels_assess_all(week_end=WEEK)
    # 115 units: policies, units, facts, coverage (totals, later days, populations), capacity, existing rows, the
    # week before, one insert (or one update), the run's audit event, savepoint statements (SQLite's bulk writes
    # take two more: its bound-variable limit splits the batch)
    assert (len(first), len(again)) == ((16, 15) if connection.vendor == "sqlite" else (14, 14))
