"""Reads of the epidemic levels: the level in force per unit, a unit's rows with their children, one unit's history,
an assessment by id (404 outside the reader's area), the rule values in force."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from chihuy.accounts.access import in_jurisdiction, require_perm
from chihuy.accounts.roles import Perm
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.core.models import Policy
from chihuy.places.models import Unit
from chihuy.reports import levels
from chihuy.reports.enums import LEVEL_COLOURS, AssessmentStatus, RuleSet
from chihuy.reports.facts import FACT_LEVELS
from chihuy.reports.models import CapacityDeclaration, LevelAssessment

CHUNK = 5000


def latest_levels(unit_ids: Iterable[int]) -> dict[int, LevelAssessment]:
    """The level in force per unit: its assessment of the latest week assessed (units never assessed are absent).
    Two queries whatever the number of units: the latest week, then the rows of the weeks around it."""
    ids = list(unit_ids)
    out: dict[int, LevelAssessment] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        latest = (
            LevelAssessment.objects.filter(unit_id__in=chunk).order_by("-week_end").values_list("week_end", flat=True)
        ).first()
        if latest is None:
            continue
        rows = LevelAssessment.objects.filter(
            unit_id__in=chunk, week_end__gt=latest - dt.timedelta(days=56), week_end__lte=latest
        ).order_by("unit_id", "week_end")
        for row in rows:
            out[row.unit_id] = row  # the latest week wins
        missing = [i for i in chunk if i not in out]
        if missing:
            for row in LevelAssessment.objects.filter(unit_id__in=missing).order_by("unit_id", "week_end"):
                out[row.unit_id] = row
    return out


@dataclass
class LevelRow:
    unit: Unit
    assessment: LevelAssessment | None

    @property
    def colour(self) -> str:
        return LEVEL_COLOURS.get(self.assessment.level, "#6c757d") if self.assessment else "#6c757d"

    @property
    def change(self) -> int:
        a = self.assessment
        if a is None or a.previous_level is None:
            return 0
        return a.level - a.previous_level

    @property
    def differs(self) -> bool:
        """Decided, and the latest computation says otherwise ("tính lại khác quyết định")."""
        a = self.assessment
        return a is not None and a.status != AssessmentStatus.COMPUTED and a.computed_level != a.level


def level_unit_rows(*, actor: Any, unit: Unit) -> list[LevelRow]:
    """`unit` (inside the actor's area) then its child fact units, each with its level in force."""
    require_perm(actor, Perm.REPORT_VIEW)
    if not in_jurisdiction(actor, unit.path):
        raise ApplicationError.field("unit", _("Không tìm thấy đơn vị trong địa bàn của bạn."), ErrorCode.NOT_FOUND)
    children = list(Unit.objects.filter(parent=unit, level__in=FACT_LEVELS, is_active=True).order_by("name"))
    units = [unit, *children]
    found = latest_levels([u.pk for u in units])
    return [LevelRow(u, found.get(u.pk)) for u in units]


def level_history(*, actor: Any, unit: Unit, weeks: int = 12) -> list[LevelAssessment]:
    require_perm(actor, Perm.REPORT_VIEW)
    if not in_jurisdiction(actor, unit.path):
        raise ApplicationError.field("unit", _("Không tìm thấy đơn vị trong địa bàn của bạn."), ErrorCode.NOT_FOUND)
    return list(LevelAssessment.objects.filter(unit=unit).select_related("decided_by").order_by("-week_end")[:weeks])


def assessment_get(*, actor: Any, assessment_id: int) -> LevelAssessment:
    require_perm(actor, Perm.REPORT_VIEW)
    row = LevelAssessment.objects.select_related("unit", "decided_by").filter(pk=assessment_id).first()
    if row is None or not in_jurisdiction(actor, row.unit_path):
        raise ApplicationError(ErrorCode.NOT_FOUND, _("Không tìm thấy đánh giá cấp độ dịch."))
    return row


def assessment_list(
    *, actor: Any, within: str | None = None, week_end: dt.date | None = None, level: int | None = None
) -> Any:
    """Assessments visible to the actor (a queryset, newest week first, then by unit path), for keyset paging."""
    from chihuy.accounts.access import scope_q

    require_perm(actor, Perm.REPORT_VIEW)
    qs = LevelAssessment.objects.filter(scope_q(actor, within=within)).select_related("unit")
    if week_end is not None:
        qs = qs.filter(week_end=week_end)
    if level is not None:
        qs = qs.filter(level=level)
    return qs


def capacity_of(*, unit: Unit, week_end: dt.date) -> CapacityDeclaration | None:
    return CapacityDeclaration.objects.filter(unit=unit, week_end=week_end).select_related("declared_by").first()


def rule_table_of(assessment: LevelAssessment) -> levels.RuleTable:
    inputs = assessment.inputs or {}
    return levels.rule_table(
        assessment.rule_set, assessment.rule_values, band=inputs.get("band"), high=inputs.get("coverage_high")
    )


def rule_rows(*, rule_set: str) -> list[Policy]:
    """Every policy row of a rule set's thresholds, oldest first (the rows replaced are kept)."""
    if rule_set not in RuleSet.values:
        raise ApplicationError.field("rule_set", _("Bộ tiêu chí không hợp lệ."))
    return list(Policy.objects.filter(key=f"level.{rule_set}").order_by("valid_from"))
