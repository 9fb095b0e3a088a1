"""Daily facts per unit: the pre-aggregated numbers every dashboard, level assessment and report roll-up reads.

A fact is (unit, reporting day, metric) → the **subtree total** of that unit (see `models.Fact`). The source
tables (cases, F-level changes, samples, doses) are bucketed by the reporting day of their event (16:00 → 16:00;
a dose by the date it was given) into the *fact unit* of their `unit_path`: the deepest province, district or
commune whose path prefixes it (a village's rows count in its commune). A unit's total is its own rows plus its
children's totals, so the province reads one row per metric and day however many communes lie below.

Kept current by `facts_refresh`, a short incremental job (`manage.py facts_refresh`, every minute from cron or the
worker): the rows changed since the last run name the fact units to recompute — each recomputed whole from its
raw rows (a commune's are a few hundred), then its ancestors from their children's facts. `facts_rebuild`
recomputes everything in one pass (first run, nightly safety net: a case moved to another commune leaves its old
commune stale until the rebuild). `facts_recount` counts a unit's subtree straight from the raw rows: the tests
assert it equals the facts, and the benchmark uses it as the on-the-fly peer.

Flows are stored; stocks are cumulative sums of flows: F0 under treatment on day D = Σ new F0 − Σ recovered −
Σ died up to D (a case ruled out leaves the new counts of its day), people with ≥ 1 dose = Σ first doses.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Q, Sum

from chihuy.cases.enums import COMMUNITY_WAYS, CaseStatus, DetectionWay
from chihuy.cases.models import Case, LevelChange
from chihuy.core import clock
from chihuy.labs.enums import Result, TestMethod
from chihuy.labs.models import Sample
from chihuy.places.enums import AgeBand, UnitLevel
from chihuy.places.models import Unit
from chihuy.reports.days import reporting_day_fn
from chihuy.reports.models import Fact, FactState, FactTotal
from chihuy.vaccination.models import Dose

WATERMARK = "facts"
# Rows committed by a transaction that started before the last run but ended after it carry an older updated_at:
# each run re-reads this much before its bookmark (recomputing a unit twice is harmless).
OVERLAP = dt.timedelta(minutes=5)
FACT_LEVELS = (UnitLevel.PROVINCE, UnitLevel.DISTRICT, UnitLevel.COMMUNE)


def band_key(band: str) -> str:
    """ "50-64" → "50_64", "65+" → "65p", "" (birth unknown) → "unk": metric names stay identifiers."""
    return band.replace("-", "_").replace("+", "p") if band else "unk"


BAND_KEYS = [band_key(b) for b in AgeBand.values] + ["unk"]
# Metric → what it counts. Cases by detection way (the bulletin's origins are groups of ways, see ORIGINS).
METRICS: dict[str, str] = {
    **{f"f0_{way}": f"new F0 detected by {way} (not ruled out)" for way in DetectionWay.values},
    "f0_unknown_source": "new community F0 whose source is not known",
    "f0_recovered": "F0 recovered / discharged that day",
    "f0_died": "F0 who died that day",
    "f0_ruled_out": "F0 ruled out that day",
    "f1_new": "people found as F1 (newly, or moved up from F2 or farther)",
    "f2_new": "people found as F2 (newly, or moved up from F3 or farther)",
    "tests_pcr": "RT-PCR tubes taken",
    "tests_rapid": "rapid antigen tests taken",
    "tests_positive": "tubes taken that day now positive",
    "tests_negative": "tubes taken that day now negative",
    "tests_pending": "tubes taken that day still without result",
    "tests_resulted": "tubes taken that day with a result",
    "tests_on_time": "tubes taken that day resulted by their due time",
    "tests_turnaround_min": "sum of minutes from taking to result, of the resulted tubes",
    "dose_1": "doses number 1 given",
    "dose_2": "doses number 2 given",
    "dose_3": "doses number 3 or more given",
    **{f"first_{b}": f"people (age band {b}) given their first dose" for b in BAND_KEYS},
    **{f"full_{b}": f"people (age band {b}) completing the primary series" for b in BAND_KEYS},
    **{f"booster_{b}": f"people (age band {b}) given their first booster" for b in BAND_KEYS},
}
# The bulletin's four origins of new F0 (DOMAIN.md) as groups of detection ways; "community" = cases.COMMUNITY_WAYS.
ORIGINS: dict[str, list[str]] = {
    "community": [f"f0_{w}" for w in DetectionWay.values if w in COMMUNITY_WAYS],
    "quarantine": [f"f0_{DetectionWay.QUARANTINE}"],
    "lockdown": [f"f0_{DetectionWay.LOCKDOWN}"],
    "imported": [f"f0_{DetectionWay.IMPORTED}"],
}
NEW_F0 = [m for ms in ORIGINS.values() for m in ms]

Cells = dict[tuple[dt.date, str], int]


# --- the tree of fact units ----------------------------------------------------------------------------------


@dataclass
class FactTree:
    """Province, district and commune units by path, with their parent fact unit and children."""

    by_path: dict[str, Unit]
    by_id: dict[int, Unit] = field(default_factory=dict)
    parent: dict[int, int | None] = field(default_factory=dict)
    children: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def load(cls) -> FactTree:
        units = list(Unit.objects.filter(level__in=FACT_LEVELS).only("id", "path", "level", "depth", "parent_id"))
        tree = cls(by_path={u.path: u for u in units}, by_id={u.pk: u for u in units})
        for u in units:
            parent = tree.fact_unit_of(u.path.rsplit("/", 2)[0] + "/") if u.depth else None
            tree.parent[u.pk] = parent.pk if parent else None
            if parent:
                tree.children[parent.pk].append(u.pk)
        return tree

    def fact_unit_of(self, path: str) -> Unit | None:
        """The deepest fact unit whose path prefixes `path` (None outside the tree)."""
        while path:
            unit = self.by_path.get(path)
            if unit is not None:
                return unit
            path = path.rsplit("/", 2)[0] + "/" if path.count("/") > 1 else ""
        return None

    def ancestors(self, unit_id: int) -> list[int]:
        result = []
        parent = self.parent.get(unit_id)
        while parent is not None:
            result.append(parent)
            parent = self.parent.get(parent)
        return result

    def unit(self, unit_id: int) -> Unit:
        return self.by_id[unit_id]


# --- counting raw rows ---------------------------------------------------------------------------------------


Scope = Callable[[str], Q]  # the condition on a unit-path field, given the field's name


def _everywhere(_field: str) -> Q:
    return Q()


def _under(path: str, excluding: Iterable[str] = ()) -> Scope:
    # `under` (core.lookups), not `startswith`: on SQLite a range the unit_path indexes serve, where startswith's
    # case-insensitive LIKE scanned every row (bench/reports: a refresh of 17 units read the 1.5M doses 17 times).
    def scope(field_name: str) -> Q:
        q = Q(**{f"{field_name}__under": path})
        for other in excluding:
            q &= ~Q(**{f"{field_name}__under": other})
        return q

    return scope


def _count(
    scope: Scope, bucket: Callable[[str], Any], day_of: Callable[[dt.datetime], dt.date] | None = None
) -> dict[Any, Cells]:
    """Count the source rows whose unit path is in `scope`, into cells per `bucket(unit_path)` (a fact unit's id;
    or one key for a recount). `day_of`: a `reporting_day_fn()` shared by the caller's many counts."""
    where = scope("unit_path")
    day_of = day_of or reporting_day_fn()
    out: dict[Any, Cells] = defaultdict(lambda: defaultdict(int))

    cases = Case.objects.filter(where).values_list(
        "unit_path", "detected_at", "detection_way", "source_known", "status", "status_changed_at"
    )
    for path, detected_at, way, source_known, status, changed_at in cases.iterator(chunk_size=5000):
        cells = out[bucket(path)]
        if status == CaseStatus.RULED_OUT:
            cells[(day_of(changed_at or detected_at), "f0_ruled_out")] += 1
            continue
        day = day_of(detected_at)
        cells[(day, f"f0_{way}")] += 1
        if way in COMMUNITY_WAYS and not source_known:
            cells[(day, "f0_unknown_source")] += 1
        if status == CaseStatus.RECOVERED:
            cells[(day_of(changed_at or detected_at), "f0_recovered")] += 1
        elif status == CaseStatus.DIED:
            cells[(day_of(changed_at or detected_at), "f0_died")] += 1

    # Found = newly classified at that level, or moved up to it from a farther one (as cases.case_numbers).
    changes = LevelChange.objects.filter(
        scope("classification__unit_path"),
        Q(from_level=None) | Q(from_level__gt=F("to_level")),
        to_level__in=[1, 2],
    ).values_list("classification__unit_path", "at", "to_level")
    for path, at, to_level in changes.iterator(chunk_size=5000):
        out[bucket(path)][(day_of(at), f"f{to_level}_new")] += 1

    samples = Sample.objects.filter(where).values_list(
        "unit_path", "collected_at", "test_method", "result", "resulted_at", "due_at"
    )
    for path, collected_at, method, result, resulted_at, due_at in samples.iterator(chunk_size=5000):
        cells = out[bucket(path)]
        day = day_of(collected_at)
        cells[(day, "tests_pcr" if method == TestMethod.RT_PCR else "tests_rapid")] += 1
        if result == Result.PENDING:
            cells[(day, "tests_pending")] += 1
            continue
        if result == Result.POSITIVE:
            cells[(day, "tests_positive")] += 1
        elif result == Result.NEGATIVE:
            cells[(day, "tests_negative")] += 1
        if resulted_at is not None:
            cells[(day, "tests_resulted")] += 1
            cells[(day, "tests_turnaround_min")] += int((resulted_at - collected_at).total_seconds() // 60)
            if resulted_at <= due_at:
                cells[(day, "tests_on_time")] += 1

    doses = (
        Dose.objects.filter(where, is_active=True)
        .values_list("unit_path", "given_on", "dose_number", "age_band", "completes_primary", "is_booster")
        .annotate(n=Count("id"))
        .order_by()
    )
    for path, given_on, number, band, completes, booster, n in doses.iterator(chunk_size=5000):
        cells = out[bucket(path)]
        cells[(given_on, f"dose_{min(number, 3)}")] += n
        key = band_key(band)
        if number == 1:
            cells[(given_on, f"first_{key}")] += n
        if completes:
            cells[(given_on, f"full_{key}")] += n
        if booster:
            cells[(given_on, f"booster_{key}")] += n
    return out


def _own_scope(tree: FactTree, unit: Unit) -> Scope:
    """The raw rows whose fact unit is `unit`: its subtree minus the subtrees of its child fact units. A commune
    has none (its villages are not fact units): its whole subtree. Above it, the rows registered at the unit itself
    or under a child that is not a fact unit (a village straight under a district) — read exactly, never as the
    whole subtree minus the communes, which scans every row below (bench/reports: a district's refresh read all
    1.5M doses to find none). Every row's unit_path is a unit's path (copied from its unit), so this is the same
    set."""
    if not tree.children.get(unit.pk):
        return _under(unit.path)
    others = list(Unit.objects.filter(parent_id=unit.pk).exclude(level__in=FACT_LEVELS).values_list("path", flat=True))

    def scope(field_name: str) -> Q:
        q = Q(**{field_name: unit.path})
        for other in others:
            q |= Q(**{f"{field_name}__under": other})
        return q

    return scope


def facts_recount(*, unit: Unit) -> Cells:
    """The facts of `unit` counted straight from the raw rows of its subtree (no facts read)."""
    return {k: v for k, v in _count(_under(unit.path), lambda _path: 0).get(0, {}).items() if v}


# --- writing facts -------------------------------------------------------------------------------------------


@dataclass
class RefreshResult:
    units: int = 0  # fact units recomputed (dirty ones and their ancestors)
    rows: int = 0  # fact rows written
    full: bool = False


def _write(unit_id: int, cells: Cells, *, fresh: bool = False) -> int:
    """Store a unit's cells: only the changed ones (a province's history is thousands of rows and one refresh
    changes a handful); `fresh` when the table was just emptied. Returns the fact rows written."""
    wanted = {k: v for k, v in cells.items() if v}
    if fresh:
        Fact.objects.bulk_create(
            [Fact(unit_id=unit_id, day=d, metric=m, value=v) for (d, m), v in wanted.items()], batch_size=2000
        )
        written = len(wanted)
    else:
        existing = {
            (d, m): (pk, v)
            for pk, d, m, v in Fact.objects.filter(unit_id=unit_id).values_list("pk", "day", "metric", "value")
        }
        stale = [pk for key, (pk, _v) in existing.items() if key not in wanted]
        changed = [Fact(pk=existing[k][0], value=v) for k, v in wanted.items() if k in existing and existing[k][1] != v]
        added = [
            Fact(unit_id=unit_id, day=d, metric=m, value=v) for (d, m), v in wanted.items() if (d, m) not in existing
        ]
        if stale:
            Fact.objects.filter(pk__in=stale).delete()
        Fact.objects.bulk_update(changed, ["value"], batch_size=2000)
        Fact.objects.bulk_create(added, batch_size=2000)
        written = len(stale) + len(changed) + len(added)
        FactTotal.objects.filter(unit_id=unit_id).delete()
    totals: dict[str, list[Any]] = {}
    for (d, m), v in wanted.items():
        t = totals.setdefault(m, [0, d])
        t[0] += v
        t[1] = max(t[1], d)
    FactTotal.objects.bulk_create(
        [FactTotal(unit_id=unit_id, metric=m, value=v, last_day=d) for m, (v, d) in totals.items()], batch_size=2000
    )
    return written


def _children_cells(children: list[int]) -> Cells:
    if not children:
        return {}
    rows = Fact.objects.filter(unit_id__in=children).values_list("day", "metric").annotate(v=Sum("value")).order_by()
    return {(d, m): v for d, m, v in rows}


def _add(a: Cells, b: Cells) -> Cells:
    out: Cells = defaultdict(int, a)
    for k, v in b.items():
        out[k] += v
    return out


@transaction.atomic
def facts_rebuild() -> RefreshResult:
    """Recompute every fact from the raw rows in one pass (first run, nightly, after a repair)."""
    started = clock.now()
    tree = FactTree.load()
    ids = {path: u.pk for path, u in tree.by_path.items()}
    path_cache: dict[str, int | None] = {}

    def bucket(path: str) -> int | None:
        if path not in path_cache:
            unit = tree.fact_unit_of(path)
            path_cache[path] = unit.pk if unit else None
        return path_cache[path]

    own = _count(_everywhere, bucket)
    own.pop(None, None)
    totals: dict[int, Cells] = {}
    for unit in sorted(tree.by_path.values(), key=lambda u: -u.depth):
        cells: Cells = own.get(unit.pk, {})
        for child in tree.children.get(unit.pk, []):
            cells = _add(cells, totals[child])
        totals[unit.pk] = cells
    Fact.objects.all().delete()
    FactTotal.objects.all().delete()
    rows = sum(_write(unit_id, cells, fresh=True) for unit_id, cells in totals.items())
    _bookmark(started)
    return RefreshResult(units=len(ids), rows=rows, full=True)


def _bookmark(at: dt.datetime, note: str = "") -> None:
    FactState.objects.update_or_create(key=WATERMARK, defaults={"at": at, "note": note})


def _changed_paths(since: dt.datetime) -> set[str]:
    paths: set[str] = set()
    for qs in (
        Case.objects.filter(updated_at__gte=since).values_list("unit_path", flat=True),
        LevelChange.objects.filter(at__gte=since).values_list("classification__unit_path", flat=True),
        Sample.objects.filter(updated_at__gte=since).values_list("unit_path", flat=True),
        Dose.objects.filter(updated_at__gte=since).values_list("unit_path", flat=True),
    ):
        paths.update(qs.distinct().order_by())
    return paths


@transaction.atomic
def facts_refresh() -> RefreshResult:
    """Bring the facts up to date with the rows changed since the last run (a full rebuild the first time)."""
    state = FactState.objects.select_for_update().filter(key=WATERMARK).first()
    if state is None:
        return facts_rebuild()
    started = clock.now()
    tree = FactTree.load()
    dirty = {u.pk for u in (tree.fact_unit_of(p) for p in _changed_paths(state.at - OVERLAP)) if u is not None}
    result = facts_recompute(tree=tree, unit_ids=dirty)
    _bookmark(started)
    return result


def facts_recompute(*, tree: FactTree | None = None, unit_ids: Iterable[int]) -> RefreshResult:
    """Recompute the given fact units from their raw rows, then their ancestors from their children's facts."""
    tree = tree or FactTree.load()
    dirty = set(unit_ids)
    todo = set(dirty)
    for unit_id in dirty:
        todo.update(tree.ancestors(unit_id))
    result = RefreshResult()
    # One reporting-day function for every unit: its boundary hour is a policy read per calendar date, and each
    # unit's own would read them all again (bench/reports: 8,480 policy queries, a third of an 83-unit refresh).
    day_of = reporting_day_fn()
    for unit in sorted((tree.unit(i) for i in todo if i in tree.by_id), key=lambda u: -u.depth):
        own = _count(_own_scope(tree, unit), lambda _path: 0, day_of).get(0, {})
        cells = _add(own, _children_cells(tree.children.get(unit.pk, [])))
        result.rows += _write(unit.pk, cells)
        result.units += 1
    return result


# --- reading facts -------------------------------------------------------------------------------------------


def facts_series(
    *, unit_ids: Iterable[int], metrics: Iterable[str] | None, first: dt.date, last: dt.date
) -> dict[int, dict[str, dict[dt.date, int]]]:
    """unit → metric → day → value over [first, last] (days without a fact are absent: zero)."""
    qs = Fact.objects.filter(unit_id__in=list(unit_ids), day__gte=first, day__lte=last)
    if metrics is not None:
        qs = qs.filter(metric__in=list(metrics))
    out: dict[int, dict[str, dict[dt.date, int]]] = defaultdict(lambda: defaultdict(dict))
    for unit_id, day, metric, value in qs.values_list("unit_id", "day", "metric", "value"):
        out[unit_id][metric][day] = value
    return out


def facts_sum(
    *, unit_ids: Iterable[int], metrics: Iterable[str] | None, first: dt.date, last: dt.date
) -> dict[int, dict[str, int]]:
    """unit → metric → Σ over the days [first, last]."""
    qs = Fact.objects.filter(unit_id__in=list(unit_ids), day__gte=first, day__lte=last)
    if metrics is not None:
        qs = qs.filter(metric__in=list(metrics))
    out: dict[int, dict[str, int]] = defaultdict(dict)
    for unit_id, metric, value in qs.values_list("unit_id", "metric").annotate(v=Sum("value")).order_by():
        out[unit_id][metric] = value
    return out


def facts_cumulative(
    *, unit_ids: Iterable[int], metrics: Iterable[str] | None, on: dt.date | None = None
) -> dict[int, dict[str, int]]:
    """unit → metric → Σ over every day up to `on` (default: all): the kept total minus the days after `on`, so a
    recent day reads a handful of rows instead of the whole history."""
    ids = list(unit_ids)
    qs = FactTotal.objects.filter(unit_id__in=ids)
    if metrics is not None:
        metrics = list(metrics)
        qs = qs.filter(metric__in=metrics)
    out: dict[int, dict[str, int]] = defaultdict(dict)
    for unit_id, metric, value in qs.values_list("unit_id", "metric", "value"):
        out[unit_id][metric] = value
    if on is not None:
        later = facts_sum(unit_ids=ids, metrics=metrics, first=on + dt.timedelta(days=1), last=dt.date.max)
        for unit_id, values in later.items():
            for metric, value in values.items():
                out[unit_id][metric] = out[unit_id].get(metric, 0) - value
    return out


def facts_updated_at() -> dt.datetime | None:
    """When the facts were last brought up to date (shown on dashboards: "số liệu đến …")."""
    return FactState.objects.filter(key=WATERMARK).values_list("at", flat=True).first()
