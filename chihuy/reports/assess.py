"""Assessing the epidemic level of units: the inputs from the daily facts, the rule set in force, the stored
assessment, a commander's decision, the capacity declaration (criterion 3) and the rule values as policy rows.

Inputs of a unit for the week ending on the reporting day `week_end` (the 7 reporting days up to it):
community cases (facts ORIGINS["community"]), all new cases (NEW_F0), community cases of unknown source, coverage
(`coverage_of(on=week_end)`) and the population of its subtree (the same call's denominators), and whether its
treatment capacity was declared not met. Everything reads the facts, never raw rows: `levels_assess_all` assesses
every province, district and commune in one pass (a handful of bulk reads, one bulk insert and one bulk update).

A decided (confirmed or overridden) assessment keeps its level when the week is assessed again; its computed
fields follow the new data and the screens say "tính lại khác quyết định" when the two differ.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from chihuy.accounts.access import in_jurisdiction, require_in_jurisdiction, require_perm
from chihuy.accounts.models import User
from chihuy.accounts.roles import Perm
from chihuy.core import clock
from chihuy.core.audit import audit_record, snapshot
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.core.models import Policy
from chihuy.core.policies import policy_get, policy_row, policy_set
from chihuy.notify.templates import register
from chihuy.places.enums import UnitLevel
from chihuy.places.models import Unit
from chihuy.reports import levels
from chihuy.reports.coverage import Coverage, coverage_of
from chihuy.reports.days import reporting_day
from chihuy.reports.enums import AssessmentStatus, AssessmentTrigger, RuleSet
from chihuy.reports.facts import FACT_LEVELS, NEW_F0, ORIGINS, facts_sum
from chihuy.reports.levels_selectors import latest_levels  # noqa: F401  (the contract names it here too)
from chihuy.reports.models import CapacityDeclaration, LevelAssessment

WEEK = 7
COMMUNITY = ORIGINS["community"]
UNKNOWN = "f0_unknown_source"
COMPUTED_FIELDS = [
    "unit_path",
    "rule_set",
    "rule_source",
    "rule_values",
    "inputs",
    "computed_level",
    "explanation",
    "previous_level",
    "trigger",
    "assessed_at",
    "assessed_by",
]

register(
    "reports.level_changed",
    subject="[CẤP ĐỘ DỊCH] {{ unit }}: cấp {{ level }} (tuần đến {{ week_end }})",
    body=(
        "Cấp độ dịch của {{ unit }} tuần đến ngày {{ week_end }} được {{ decided_by }} {{ verb }}: cấp {{ level }}"
        "{% if previous %} (trước đó cấp {{ previous }}){% endif %}. Lý do: {{ reason }}"
        "{% if ref %} — văn bản {{ ref }}{% endif %}. Hệ thống tính: {{ explanation }}"
    ),
)


def last_completed_day() -> dt.date:
    """The latest reporting day already closed (today's bulletin is still open)."""
    return reporting_day(clock.now()) - dt.timedelta(days=1)


@dataclass
class Rule:
    rule_set: str
    source: str
    values: dict[str, Any]


def rule_in_force(day: dt.date) -> Rule:
    """The rule set in force on `day` (policy "level.rule_set") and its values (policy "level.<rule set>")."""
    rule_set = str(policy_get("level.rule_set", on=day, default={"rule_set": RuleSet.QD_4800})["rule_set"])
    return rule_values_of(rule_set, day)


def rule_values_of(rule_set: str, day: dt.date) -> Rule:
    row = policy_row(f"level.{rule_set}", on=day)
    values = levels.merged(rule_set, row.value if row else None)
    return Rule(rule_set, row.source_document if row else "", values)


@dataclass
class AssessRun:
    week_end: dt.date
    rule_set: str
    units: int = 0
    created: int = 0
    updated: int = 0
    changed: int = 0  # units whose level differs from the week before
    by_level: dict[int, int] = field(default_factory=lambda: defaultdict(int))


@dataclass
class Computed:
    unit: Unit
    outcome: levels.Outcome


# --- computing --------------------------------------------------------------------------------------------------


def _sum(values: dict[str, int], metrics: Iterable[str]) -> int:
    return sum(values.get(m, 0) for m in metrics)


def _population(cov: Coverage | None) -> int | None:
    if cov is None or cov.year is None:
        return None
    total = sum(cov.population.values())
    return total or None


def _capacity_met(unit_ids: list[int], week_end: dt.date) -> dict[int, bool]:
    return dict(
        CapacityDeclaration.objects.filter(unit_id__in=unit_ids, week_end=week_end).values_list("unit_id", "met")
    )


def _compute(units: list[Unit], week_end: dt.date, rule: Rule, *, complete: bool = False) -> dict[int, levels.Outcome]:
    """The outcome of every unit of `units` (province, district or commune). For 2686 a district or province reads
    the colours of its communes: they are computed too (and returned) even when not asked for, unless `complete`
    says `units` already holds every commune."""
    first = week_end - dt.timedelta(days=WEEK - 1)
    ids = [u.pk for u in units]
    out: dict[int, levels.Outcome] = {}
    if rule.rule_set == RuleSet.QD_2686:
        areas = [u for u in units if u.level != UnitLevel.COMMUNE]
        communes = {u.pk: u for u in units if u.level == UnitLevel.COMMUNE}
        if areas and not complete:
            where = Unit.objects.none()
            for area in areas:
                where = where | Unit.objects.filter(level=UnitLevel.COMMUNE, path__startswith=area.path)
            communes.update({u.pk: u for u in where.only("id", "path", "level")})
        sums = facts_sum(unit_ids=list(communes), metrics=[*COMMUNITY, UNKNOWN], first=first, last=week_end)
        for pk in communes:
            values = sums.get(pk, {})
            out[pk] = levels.assess_2686_commune(
                community_cases=_sum(values, COMMUNITY),
                unknown_source_cases=values.get(UNKNOWN, 0),
                values=rule.values,
            )
        under: dict[str, list[int]] = defaultdict(list)  # an ancestor's path → the levels of its communes
        for commune in communes.values():
            parts = commune.path.strip("/").split("/")
            for i in range(1, len(parts)):
                under["/".join(parts[:i]) + "/"].append(out[commune.pk].level)
        for area in areas:
            out[area.pk] = levels.assess_2686_area(commune_levels=under.get(area.path, []), values=rule.values)
        return out
    sums = facts_sum(unit_ids=ids, metrics=[*NEW_F0, UNKNOWN], first=first, last=week_end)
    coverage = coverage_of(units, on=week_end)
    capacity = _capacity_met(ids, week_end)
    for unit in units:
        values = sums.get(unit.pk, {})
        cov = coverage.get(unit.pk)
        population = _population(cov)
        met = capacity.get(unit.pk, True)
        if rule.rule_set == RuleSet.QD_218:
            out[unit.pk] = levels.assess_218(
                new_cases=_sum(values, NEW_F0),
                population=population,
                full_pct=cov.pct("full", "all") if cov else None,
                high_risk_full_pct=cov.pct("full", "50+") if cov else None,
                capacity_met=met,
                values=rule.values,
            )
        else:
            out[unit.pk] = levels.assess_4800(
                community_cases=_sum(values, COMMUNITY),
                population=population,
                adult_one_dose_pct=cov.pct("first", "18+") if cov else None,
                over50_full_pct=cov.pct("full", "50+") if cov else None,
                capacity_met=met,
                values=rule.values,
            )
    return out


def _previous_levels(unit_ids: list[int], week_end: dt.date) -> dict[int, int]:
    """The level in force the week before: each unit's latest assessment of the four weeks before `week_end`."""
    rows = (
        LevelAssessment.objects.filter(
            unit_id__in=unit_ids, week_end__lt=week_end, week_end__gte=week_end - dt.timedelta(days=4 * WEEK)
        )
        .order_by("unit_id", "week_end")
        .values_list("unit_id", "level")
    )
    return {unit_id: level for unit_id, level in rows}  # the latest week wins


def _store(
    *,
    units: list[Unit],
    outcomes: dict[int, levels.Outcome],
    week_end: dt.date,
    rule: Rule,
    actor: Any,
    trigger: str,
    is_demo: bool = False,
) -> tuple[list[LevelAssessment], int, int]:
    ids = [u.pk for u in units]
    existing = {a.unit_id: a for a in LevelAssessment.objects.filter(unit_id__in=ids, week_end=week_end)}
    previous = _previous_levels(ids, week_end)
    now = clock.now()
    by = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    new: list[LevelAssessment] = []
    changed: list[LevelAssessment] = []
    result = []
    for unit in units:
        outcome = outcomes[unit.pk]
        row = existing.get(unit.pk)
        if row is None:
            row = LevelAssessment(unit=unit, week_end=week_end, status=AssessmentStatus.COMPUTED, is_demo=is_demo)
            new.append(row)
        else:
            changed.append(row)
        row.unit_path = unit.path
        row.rule_set = rule.rule_set
        row.rule_source = rule.source[:300]
        row.rule_values = rule.values
        row.inputs = outcome.inputs | {"band": outcome.band, "coverage_high": outcome.coverage_high}
        row.computed_level = outcome.level
        row.explanation = outcome.explanation
        row.previous_level = previous.get(unit.pk)
        row.trigger = trigger
        row.assessed_at = now
        row.assessed_by = by
        row.updated_at = now  # bulk_update does not apply auto_now
        if row.status == AssessmentStatus.COMPUTED:
            row.level = outcome.level
        result.append(row)
    LevelAssessment.objects.bulk_create(new, batch_size=1000)
    LevelAssessment.objects.bulk_update(changed, [*COMPUTED_FIELDS, "level", "updated_at"], batch_size=1000)
    return result, len(new), len(changed)


@transaction.atomic
def levels_assess_all(
    *, week_end: dt.date, actor: Any = None, trigger: str = AssessmentTrigger.WEEKLY, is_demo: bool = False
) -> AssessRun:
    """Assess every province, district and commune for the week ending `week_end`, by the rule set in force then."""
    rule = rule_in_force(week_end)
    units = list(Unit.objects.filter(level__in=FACT_LEVELS, is_active=True).only("id", "path", "level", "name"))
    outcomes = _compute(units, week_end, rule, complete=True)
    rows, created, updated = _store(
        units=units, outcomes=outcomes, week_end=week_end, rule=rule, actor=actor, trigger=trigger, is_demo=is_demo
    )
    run = AssessRun(week_end=week_end, rule_set=rule.rule_set, units=len(rows), created=created, updated=updated)
    for row in rows:
        run.by_level[row.level] += 1
        if row.previous_level is not None and row.previous_level != row.level:
            run.changed += 1
    audit_record(
        actor=actor,
        action="create",
        object_type="reports.levelassessment",
        object_id=str(week_end),
        object_repr=_("Đánh giá cấp độ dịch tuần đến %(day)s") % {"day": week_end.strftime("%d/%m/%Y")},
        details={
            "rule_set": rule.rule_set,
            "units": run.units,
            "created": created,
            "updated": updated,
            "changed": run.changed,
            "trigger": trigger,
        },
    )
    return run


@transaction.atomic
def level_assess_unit(*, actor: Any, unit: Unit, week_end: dt.date | None = None) -> LevelAssessment:
    """Assess one unit now (on demand), by the rule set in force on `week_end` (default: the last closed day)."""
    require_perm(actor, Perm.LEVEL_ASSESS)
    require_in_jurisdiction(actor, unit.path)
    if unit.level not in FACT_LEVELS:
        raise ApplicationError.field("unit", _("Chỉ đánh giá cấp độ dịch cho tỉnh, huyện, xã."))
    week_end = week_end or last_completed_day()
    if week_end > last_completed_day():
        raise ApplicationError.field("week_end", _("Ngày cuối tuần phải là một ngày báo cáo đã kết thúc."))
    rule = rule_in_force(week_end)
    outcomes = _compute([unit], week_end, rule)
    before = LevelAssessment.objects.filter(unit=unit, week_end=week_end).first()
    rows, _c, _u = _store(
        units=[unit], outcomes=outcomes, week_end=week_end, rule=rule, actor=actor, trigger=AssessmentTrigger.ON_DEMAND
    )
    row = rows[0]
    audit_record(
        actor=actor,
        action="update" if before else "create",
        obj=row,
        before=snapshot(before, ["computed_level", "level", "explanation"]) if before else None,
        after=snapshot(row, ["computed_level", "level", "explanation"]),
    )
    return row


# --- decisions, capacity, rule values -----------------------------------------------------------------------------


@transaction.atomic
def level_decide(*, actor: Any, assessment: LevelAssessment, level: int, reason: str, ref: str = "") -> LevelAssessment:
    """Confirm (the computed level) or override (another level) the level of a unit: the actor's unit or below,
    with a reason; the decision is audited and the unit's command centre told when the level in force changes."""
    require_perm(actor, Perm.LEVEL_DECIDE)
    if not in_jurisdiction(actor, assessment.unit_path):
        raise ApplicationError.field(
            "assessment", _("Không tìm thấy đánh giá trong địa bàn của bạn."), ErrorCode.NOT_FOUND
        )
    if level not in (1, 2, 3, 4):
        raise ApplicationError.field("level", _("Cấp độ phải từ 1 đến 4."))
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError.field("reason", _("Phải ghi lý do xác nhận hoặc điều chỉnh cấp độ."))
    row = LevelAssessment.objects.select_for_update().select_related("unit").get(pk=assessment.pk)
    before = snapshot(row, ["level", "status", "decision_reason", "decision_ref"])
    old_level = row.level
    row.level = level
    row.status = AssessmentStatus.CONFIRMED if level == row.computed_level else AssessmentStatus.OVERRIDDEN
    row.decision_reason = reason[:500]
    row.decision_ref = (ref or "").strip()[:200]
    row.decided_at = clock.now()
    row.decided_by = actor
    row.full_clean()
    row.save()
    audit_record(
        actor=actor,
        action="update",
        obj=row,
        before=before,
        after=snapshot(row, ["level", "status", "decision_reason", "decision_ref"]),
    )
    if level != old_level:
        _tell_unit(row, actor=actor, previous=old_level)
    return row


def _tell_unit(row: LevelAssessment, *, actor: Any, previous: int) -> None:
    from chihuy.notify.services import message_enqueue

    users = [
        u
        for u in User.objects.filter(unit_path=row.unit_path, is_active=True).exclude(pk=actor.pk).order_by("pk")
        if {Perm.LEVEL_ASSESS, Perm.LEVEL_DECIDE} & set(u.perms)
    ]
    if not users:
        return
    message_enqueue(
        template="reports.level_changed",
        context={
            "unit": row.unit.name,
            "level": row.level,
            "previous": previous,
            "week_end": row.week_end.strftime("%d/%m/%Y"),
            "decided_by": actor.get_full_name() or actor.username,
            "verb": _("xác nhận") if row.status == AssessmentStatus.CONFIRMED else _("điều chỉnh"),
            "reason": row.decision_reason,
            "ref": row.decision_ref,
            "explanation": row.explanation,
        },
        users=users,
        urgent=row.level >= 3,
        unit=row.unit,
        source=f"level:{row.pk}",
    )


@transaction.atomic
def capacity_declare(*, actor: Any, unit: Unit, week_end: dt.date, met: bool, reason: str = "") -> CapacityDeclaration:
    """Declare whether `unit`'s treatment capacity met the need in the week (criterion 3); "not met" needs a why."""
    require_perm(actor, Perm.LEVEL_ASSESS)
    require_in_jurisdiction(actor, unit.path)
    reason = (reason or "").strip()
    if not met and not reason:
        raise ApplicationError.field("reason", _("Ghi rõ vì sao năng lực điều trị chưa đáp ứng."))
    row, created = CapacityDeclaration.objects.select_for_update().get_or_create(
        unit=unit,
        week_end=week_end,
        defaults={
            "unit_path": unit.path,
            "met": met,
            "reason": reason[:500],
            "declared_at": clock.now(),
            "declared_by": actor,
        },
    )
    before = None if created else snapshot(row, ["met", "reason"])
    if not created:
        row.met, row.reason, row.declared_at, row.declared_by = met, reason[:500], clock.now(), actor
        row.save()
    audit_record(
        actor=actor,
        action="create" if created else "update",
        obj=row,
        before=before,
        after=snapshot(row, ["met", "reason", "week_end"]),
    )
    return row


def can_edit_rules(user: Any) -> bool:
    """Threshold editing: a sysadmin (user.manage) or a commander at province level (level.decide at depth 0)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    perms = set(user.perms)
    if Perm.USER_MANAGE in perms:
        return True
    unit = getattr(user, "unit", None)
    return Perm.LEVEL_DECIDE in perms and unit is not None and unit.level == UnitLevel.PROVINCE


def rule_values_set(
    *, actor: Any, rule_set: str, values: dict[str, Any], valid_from: dt.date, source_document: str, note: str = ""
) -> Policy:
    """New thresholds of a rule set from `valid_from` (a new policy row; the rows before are kept, the one in force
    ends the day before). The values are checked for the shape the rule reads."""
    if not can_edit_rules(actor):
        raise ApplicationError(ErrorCode.PERMISSION_DENIED, _("Bạn không có quyền sửa ngưỡng cấp độ dịch."))
    if rule_set not in RuleSet.values:
        raise ApplicationError.field("rule_set", _("Bộ tiêu chí không hợp lệ."))
    if not (source_document or "").strip():
        raise ApplicationError.field("source_document", _("Ghi văn bản làm căn cứ."))
    full = levels.merged(rule_set, values)
    _check_values(rule_set, full)
    return policy_set(
        key=f"level.{rule_set}",
        value=full,
        valid_from=valid_from,
        source_document=source_document.strip(),
        verified=False,
        note=note,
        actor=actor,
    )


def _check_values(rule_set: str, v: dict[str, Any]) -> None:
    def bad(name: str, message: str) -> ApplicationError:
        return ApplicationError.field(name, message)

    if rule_set == RuleSet.QD_2686:
        for key in levels.DEFAULTS[RuleSet.QD_2686]:
            if not isinstance(v.get(key), int | float) or not 0 < v[key] <= 100:
                raise bad(key, _("Giá trị phải là số dương (phần trăm ≤ 100)."))
        return
    bands = v.get("bands")
    if (
        not isinstance(bands, list)
        or not bands
        or bands[0] != 0
        or any(not isinstance(b, int | float) for b in bands)
        or any(b >= c for b, c in itertools.pairwise(bands))
    ):
        raise bad("bands", _("Các ngưỡng phải bắt đầu bằng 0 và tăng dần."))
    count = len(bands) + 1 + (1 if rule_set == RuleSet.QD_218 else 0)
    if rule_set == RuleSet.QD_218:
        top = v.get("level4_above_per_100k_week")
        if not isinstance(top, int | float) or top <= bands[-1]:
            raise bad("level4_above_per_100k_week", _("Ngưỡng cấp 4 phải lớn hơn ngưỡng cuối."))
    for name in ("matrix_high_coverage", "matrix_low_coverage"):
        matrix = v.get(name)
        if not isinstance(matrix, list) or len(matrix) != count or any(m not in (1, 2, 3, 4) for m in matrix):
            raise bad(name, _("Cần %(n)s cấp (1–4), mỗi nhóm ca một cấp.") % {"n": count})
    if v.get("capacity_not_met") not in levels.CAPACITY_SWITCH:
        raise bad("capacity_not_met", _("Chọn “giữ cấp” hoặc “nâng 1 cấp”."))
