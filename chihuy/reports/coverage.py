"""Vaccination coverage of units by age group, from the facts (people given a first dose, completing the primary
series, given a booster — cumulative to a day) against population denominators (`places.Population`, the latest
year loaded up to that day; a leaf counted once, as `places.selectors.unit_population`).

Used by the coverage screens, the level assessment (4800: % of people ≥ 18 with ≥ 1 dose and of people ≥ 50
fully vaccinated; 218: full-dose % of the population and of the high-risk groups), the dashboard and the daily
report. A denominator that is missing, or smaller than the people vaccinated, is named in `problems` and its
percentage is None: never a made-up 100 %.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from chihuy.places.enums import AgeBand
from chihuy.places.models import Population, Unit
from chihuy.places.selectors import covered_paths
from chihuy.reports.facts import BAND_KEYS, band_key, facts_cumulative

KINDS = ("first", "full", "booster")
# The age groups of the bulletin (DOMAIN.md) as unions of the population's age bands.
GROUPS: dict[str, list[str]] = {
    "12-17": [AgeBand.A12_17],
    "18+": [AgeBand.A18_49, AgeBand.A50_64, AgeBand.A65],
    "50+": [AgeBand.A50_64, AgeBand.A65],
    "65+": [AgeBand.A65],
    "all": list(AgeBand.values),
}
GROUP_LABELS = {"12-17": "12–17", "18+": "≥ 18", "50+": "≥ 50", "65+": "≥ 65", "all": _("Toàn dân")}
_TOP = "\U0010ffff"  # sorts above every character of a path: p + _TOP bounds the paths starting with p
METRICS = [f"{kind}_{b}" for kind in KINDS for b in BAND_KEYS]


@dataclass
class Coverage:
    unit_id: int
    year: int | None  # of the population figures
    population: dict[str, int] = field(default_factory=dict)  # age band → people
    vaccinated: dict[str, dict[str, int]] = field(default_factory=dict)  # kind → age band ("" unknown) → people

    def people(self, kind: str, group: str) -> int:
        values = self.vaccinated.get(kind, {})
        bands = GROUPS[group]
        total = sum(values.get(b, 0) for b in bands)
        return total + (values.get("", 0) if group == "all" else 0)

    def denominator(self, group: str) -> int:
        return sum(self.population.get(b, 0) for b in GROUPS[group])

    def pct(self, kind: str, group: str) -> float | None:
        """People of `group` vaccinated (`kind`) per 100, or None when the denominator is missing or too small."""
        denominator = self.denominator(group)
        count = self.people(kind, group)
        if denominator <= 0 or count > denominator:
            return None
        return round(100 * count / denominator, 1)

    @property
    def problems(self) -> list[str]:
        found = []
        if self.year is None:
            found.append(_("Chưa có số dân (mẫu số) của đơn vị."))
            return found
        for group in GROUPS:
            denominator = self.denominator(group)
            for kind in KINDS:
                count = self.people(kind, group)
                if count > denominator:
                    found.append(
                        _(
                            "Nhóm {group}: {count} người đã tiêm nhiều hơn số dân {denominator} — kiểm tra mẫu số."
                        ).format(group=GROUP_LABELS[group], count=count, denominator=denominator)
                    )
                    break
        return found


def populations(units: Iterable[Unit], *, year: int | None = None) -> dict[int, tuple[int | None, dict[str, int]]]:
    """unit → (year, people by age band) of each unit's subtree: the latest year loaded (≤ `year` if given), each
    leaf once. One query for all units, whatever their number."""
    units = list(units)
    if not units:
        return {}
    where = Q()
    for root in _roots([u.path for u in units]):
        where |= Q(unit_path__startswith=root)
    rows = Population.objects.filter(where)
    if year is not None:
        rows = rows.filter(year__lte=year)
    by_path: dict[str, dict[int, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for path, row_year, band, count in (
        rows.values_list("unit_path", "year", "age_band").annotate(n=Sum("count")).order_by()
    ):
        by_path[path][row_year][band] = int(count)
    out: dict[int, tuple[int | None, dict[str, int]]] = {}
    paths = sorted(by_path)
    for unit in units:
        # Sorted, the paths under a unit are one run: found by bisection, not by testing every path against every
        # unit (10,600 communes × 11,368 units took ~10 s in bench/reports' national assessment).
        inside = paths[bisect_left(paths, unit.path) : bisect_left(paths, unit.path + _TOP)]
        years = {y for p in inside for y in by_path[p]}
        if not years:
            out[unit.pk] = (None, {})
            continue
        latest = max(years)
        leaves = [p for p in inside if latest in by_path[p]]
        covered = covered_paths(set(leaves))
        bands: dict[str, int] = defaultdict(int)
        for p in leaves:
            if p not in covered:
                for band, n in by_path[p][latest].items():
                    bands[band] += n
        out[unit.pk] = (latest, dict(bands))
    return out


def _roots(paths: list[str]) -> list[str]:
    """The paths not under another one of the list."""
    roots: list[str] = []
    for p in sorted(paths):
        if not roots or not p.startswith(roots[-1]):
            roots.append(p)
    return roots


def coverage_of(units: Iterable[Unit], *, on: dt.date | None = None) -> dict[int, Coverage]:
    """Coverage of each unit (a province, district or commune: a fact unit) up to the reporting day `on`."""
    units = list(units)
    cumulative = facts_cumulative(unit_ids=[u.pk for u in units], metrics=METRICS, on=on)
    pops = populations(units, year=on.year if on else None)
    bands_by_key = {band_key(b): b for b in AgeBand.values} | {"unk": ""}
    out = {}
    for unit in units:
        year, population = pops.get(unit.pk, (None, {}))
        vaccinated: dict[str, dict[str, int]] = {kind: {} for kind in KINDS}
        for metric, value in cumulative.get(unit.pk, {}).items():
            kind, key = metric.split("_", 1)
            vaccinated[kind][bands_by_key[key]] = value
        out[unit.pk] = Coverage(unit_id=unit.pk, year=year, population=population, vaccinated=vaccinated)
    return out
