"""What the vaccination screens and API read from the facts: the coverage table of a unit and its child units by
age group (≥ 1 dose, full, booster; % against the population, with the denominators' problems named), and the
campaign targets of an area against the actual coverage. Never a scan of the doses: `coverage.coverage_of`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from chihuy.accounts.access import require_perm, view_path
from chihuy.accounts.roles import Perm
from chihuy.core import clock
from chihuy.core.errors import not_found
from chihuy.places.enums import UnitLevel
from chihuy.places.models import Unit
from chihuy.reports.coverage import GROUP_LABELS, KINDS, Coverage, coverage_of
from chihuy.reports.facts import facts_updated_at
from chihuy.vaccination.selectors import target_qs

# The bulletin's groups, in its order (DOMAIN.md); "all" last.
TABLE_GROUPS = ["12-17", "18+", "50+", "65+", "all"]
FACT_LEVELS = (UnitLevel.PROVINCE, UnitLevel.DISTRICT, UnitLevel.COMMUNE)


@dataclass
class Cell:
    people: int
    pct: float | None


@dataclass
class CoverageRow:
    unit: Unit
    coverage: Coverage
    denominators: dict[str, int] = field(default_factory=dict)
    cells: dict[str, dict[str, Cell]] = field(default_factory=dict)  # group → kind → cell

    @property
    def problems(self) -> list[str]:
        return self.coverage.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "unit_id": self.unit.pk,
            "unit_name": self.unit.name,
            "unit_level": self.unit.level,
            "population_year": self.coverage.year,
            "groups": [
                {
                    "group": group,
                    "label": str(GROUP_LABELS[group]),
                    "population": self.denominators[group],
                    **{
                        kind: {"people": self.cells[group][kind].people, "pct": self.cells[group][kind].pct}
                        for kind in KINDS
                    },
                }
                for group in TABLE_GROUPS
            ],
            "problems": self.problems,
        }


@dataclass
class CoverageTable:
    unit: Unit
    on: dt.date | None
    rows: list[CoverageRow]  # the unit first, then its child fact units
    updated_at: dt.datetime | None


def fact_unit_of(path: str) -> Unit:
    """The province, district or commune a view path stands for (a village → its commune)."""
    unit = Unit.objects.filter(path=path).first()
    if unit is None:
        raise not_found()
    if unit.level == UnitLevel.VILLAGE:
        return Unit.objects.get(path=unit.commune_path)
    return unit


def _row(unit: Unit, coverage: Coverage) -> CoverageRow:
    row = CoverageRow(unit=unit, coverage=coverage)
    for group in TABLE_GROUPS:
        row.denominators[group] = coverage.denominator(group) if coverage.year is not None else 0
        row.cells[group] = {
            kind: Cell(people=coverage.people(kind, group), pct=coverage.pct(kind, group)) for kind in KINDS
        }
    return row


def coverage_table(*, actor: Any, within: str | None = None, on: dt.date | None = None) -> CoverageTable:
    """Coverage of the reader's unit (or the sub-unit `within`) and of each of its child provinces, districts or
    communes: three queries whatever the number of children."""
    require_perm(actor, Perm.VACCINATION_VIEW)
    unit = fact_unit_of(view_path(actor, within))
    children = list(Unit.objects.filter(parent=unit, is_active=True, level__in=FACT_LEVELS).order_by("code"))
    units = [unit, *children]
    found = coverage_of(units, on=on)
    return CoverageTable(unit=unit, on=on, rows=[_row(u, found[u.pk]) for u in units], updated_at=facts_updated_at())


@dataclass
class TargetProgress:
    target: Any
    people: int
    denominator: int
    actual_pct: float | None
    gap: Decimal | None  # target − actual, percentage points (≤ 0: met)
    days_left: int

    @property
    def status(self) -> str:
        if self.actual_pct is None:
            return "no_data"
        return "met" if self.gap is not None and self.gap <= 0 else ("late" if self.days_left < 0 else "behind")


def targets_progress(*, actor: Any, within: str | None = None) -> list[TargetProgress]:
    """The active targets of the area, each with the actual coverage of its unit, group and kind today."""
    targets = list(target_qs(actor, within=within).order_by("due_on", "id"))
    units = {t.unit_id: t.unit for t in targets}
    found = coverage_of(list(units.values())) if units else {}
    today = clock.today()
    out = []
    for target in targets:
        coverage = found[target.unit_id]
        pct = coverage.pct(target.kind, target.age_group)
        out.append(
            TargetProgress(
                target=target,
                people=coverage.people(target.kind, target.age_group),
                denominator=coverage.denominator(target.age_group),
                actual_pct=pct,
                gap=(target.target_pct - Decimal(str(pct))) if pct is not None else None,
                days_left=(target.due_on - today).days,
            )
        )
    return out
