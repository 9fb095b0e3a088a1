"""Reads of the places domain. Unit reads are not person-level: every signed-in user may browse the tree."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from django.db.models import Sum

from chihuy.core.errors import not_found
from chihuy.places.enums import AgeBand
from chihuy.places.models import Population, Site, Unit


def unit_get(*, unit_id: int | None = None, path: str | None = None, code: str | None = None) -> Unit:
    qs = Unit.objects.select_related("parent")
    try:
        if unit_id is not None:
            return qs.get(pk=unit_id)
        if path is not None:
            return qs.get(path=path)
        return qs.get(code=code)
    except (Unit.DoesNotExist, Unit.MultipleObjectsReturned, ValueError) as exc:
        raise not_found() from exc


def unit_children(unit: Unit) -> list[Unit]:
    return list(Unit.objects.filter(parent=unit, is_active=True).order_by("code"))


def unit_ancestors(unit: Unit) -> list[Unit]:
    paths = unit.ancestor_paths()[:-1]
    return list(Unit.objects.filter(path__in=paths).order_by("depth"))


def unit_roots() -> list[Unit]:
    return list(Unit.objects.filter(parent__isnull=True, is_active=True).order_by("code"))


def unit_population(unit: Unit, *, year: int | None = None) -> dict[str, object]:
    """Population of the unit's subtree by age band, the latest year loaded, and whether it is an estimate.

    Figures are kept at the lowest unit that has them; a unit's total sums its subtree, counting each
    leaf once (a commune's own row is used only when none of its villages have one).
    """
    rows = Population.objects.filter(unit_path__under=unit.path)
    if year is None:
        latest = rows.order_by("-year").values_list("year", flat=True).first()
        if latest is None:
            return {"year": None, "total": 0, "bands": dict.fromkeys(AgeBand.values, 0), "is_estimate": False}
        year = latest
    rows = rows.filter(year=year)
    # Drop rows of units that have a descendant with figures (avoid double counting).
    covered = covered_paths(set(rows.values_list("unit_path", flat=True).distinct()))
    rows = rows.exclude(unit_path__in=covered)
    by_band = dict(rows.values_list("age_band").annotate(total=Sum("count")).values_list("age_band", "total"))
    bands = {band: int(by_band.get(band) or 0) for band in AgeBand.values}
    return {
        "year": year,
        "total": sum(bands.values()),
        "bands": bands,
        "is_estimate": rows.filter(is_estimate=True).exists(),
    }


def covered_paths(paths: set[str]) -> set[str]:
    """The paths that have a descendant among `paths`. Sorted, a path's descendants follow it directly,
    so one look at the next path decides: O(n log n)."""
    ordered = sorted(paths)
    return {p for p, q in pairwise(ordered) if q.startswith(p)}


def site_list(*, within: str, kind: str | None = None, include_inactive: bool = False) -> list[Site]:
    qs = Site.objects.filter(unit_path__under=within).select_related("unit")
    if kind:
        qs = qs.filter(kind=kind)
    if not include_inactive:
        qs = qs.filter(is_active=True)
    return list(qs.order_by("unit_path", "kind", "name")[:500])


def site_get(*, within: str, site_id: int) -> Site:
    site = Site.objects.select_related("unit").filter(pk=site_id, unit_path__under=within).first()
    if site is None:
        raise not_found()
    return site


def unit_subtree(*, path: str, levels: Sequence[str] | None = None) -> list[Unit]:
    """Active units at and below `path` in tree order (by path), optionally only those of `levels`.

    For the unit switcher and the unit pickers of forms (a province holds ~120 communes and districts)."""
    qs = Unit.objects.filter(path__under=path, is_active=True)
    if levels:
        qs = qs.filter(level__in=levels)
    return list(qs.order_by("path"))


def unit_children_totals(unit: Unit) -> dict[int, int]:
    """Population total of each child's subtree (latest year loaded), keyed by child id: two queries.

    Counts each leaf once, as `unit_population` does (a unit's own rows are ignored when a descendant has rows)."""
    children = unit_children(unit)
    rows = Population.objects.filter(unit_path__under=unit.path)
    latest = rows.order_by("-year").values_list("year", flat=True).first()
    totals = dict.fromkeys((c.pk for c in children), 0)
    if latest is None:
        return totals
    by_path = dict(
        rows.filter(year=latest).values_list("unit_path").annotate(total=Sum("count")).values_list("unit_path", "total")
    )
    covered = covered_paths(set(by_path))
    for path, total in by_path.items():
        if path in covered:
            continue
        for child in children:
            if path.startswith(child.path):
                totals[child.pk] += int(total or 0)
                break
    return totals
