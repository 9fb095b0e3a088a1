"""The commander's dashboard and the public level page: key numbers of a unit with their day-over-day change, the
epi curve of new F0 by origin, the children's table, the map of communes coloured by epidemic level, coverage and
isolation capacity — read from the kept figures only (daily facts, their totals, level assessments, the beds kept on
each facility), never from person or case rows. So the number of queries is fixed, whatever the number of communes
or cases below the unit (tests/reports/test_dashboard.py pins it; bench/reports.py times the province).

The 5S overdue count is the one figure without a kept count: `fives_panel` reads it from the open cases (capped,
`cases.selectors.fives_overdue`), separately from `dashboard_build`, and the screen loads it on its own.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chihuy.accounts.access import has_perm, in_jurisdiction, require_perm
from chihuy.accounts.roles import Perm
from chihuy.core import clock
from chihuy.core.errors import ApplicationError, ErrorCode, not_found
from chihuy.places.enums import AgeBand, UnitLevel
from chihuy.places.models import Unit
from chihuy.reports.coverage import GROUP_LABELS, KINDS, Coverage, coverage_of
from chihuy.reports.days import reporting_day
from chihuy.reports.enums import LEVEL_COLOURS, EpidemicLevel
from chihuy.reports.facts import (
    FACT_LEVELS,
    NEW_F0,
    ORIGINS,
    band_key,
    facts_cumulative,
    facts_series,
    facts_sum,
    facts_updated_at,
)
from chihuy.reports.models import LevelAssessment

CURVE_DAYS = (28, 60)
ORIGIN_LABELS = {
    "community": gettext_lazy("Cộng đồng"),
    "quarantine": gettext_lazy("Trong khu cách ly"),
    "lockdown": gettext_lazy("Trong khu phong tỏa"),
    "imported": gettext_lazy("Nhập cảnh, từ vùng dịch về"),
}
ORIGIN_COLOURS = {"community": "#c62828", "quarantine": "#1565c0", "lockdown": "#6a1b9a", "imported": "#ef6c00"}
# A level older than this is not "in force" any more: the weekly assessment has not run for the unit.
LEVEL_MAX_AGE = dt.timedelta(days=42)
FIVES_CAP = 500
PUBLIC_CACHE_SECONDS = 60

_STOCK = [*NEW_F0, "f0_recovered", "f0_died"]
_DAY_METRICS = [
    *NEW_F0,
    "f0_unknown_source",
    "f0_recovered",
    "f0_died",
    "f1_new",
    "f2_new",
    "tests_pcr",
    "tests_rapid",
    "tests_positive",
    "tests_resulted",
    "tests_on_time",
    "dose_1",
    "dose_2",
    "dose_3",
    *[f"{kind}_{band_key(b)}" for kind in ("first", "full") for b in [*AgeBand.values, ""]],
]
_BANDS_BY_KEY = {band_key(b): b for b in AgeBand.values} | {"unk": ""}


@dataclass
class KeyNumber:
    key: str
    label: str
    value: float | None
    previous: float | None
    suffix: str = ""  # "%" for shares
    up_is_good: bool = False  # doses, coverage, recoveries, results on time: a rise reads green, not red

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return round(self.value - self.previous, 1)


@dataclass
class ChildRow:
    unit: Unit
    new_7d: int
    population: int | None
    per_100k: float | None
    level: int | None
    first_18: float | None
    full_50: float | None

    @property
    def level_colour(self) -> str:
        return LEVEL_COLOURS.get(self.level or 0, "#9e9e9e")


@dataclass
class MapPoint:
    unit_id: int
    name: str
    lat: float
    lng: float
    new_7d: int
    level: int | None

    def as_dict(self, *, with_counts: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.unit_id,
            "name": self.name,
            "lat": self.lat,
            "lng": self.lng,
            "level": self.level,
            "colour": LEVEL_COLOURS.get(self.level or 0, "#9e9e9e"),
        }
        parts = [self.name]
        if self.level:
            parts.append(_("Cấp %(level)s") % {"level": self.level})
        if with_counts:
            out["new_7d"] = self.new_7d
            parts.append(_("%(n)s F0 mới trong 7 ngày") % {"n": self.new_7d})
        out["tip"] = " · ".join(parts)
        return out


@dataclass
class Capacity:
    facilities: int
    total: int
    occupied: int
    reserved: int
    free: int


@dataclass
class Dashboard:
    unit: Unit
    day: dt.date
    generated_at: dt.datetime
    facts_at: dt.datetime | None
    numbers: list[KeyNumber] = field(default_factory=list)
    origins: list[KeyNumber] = field(default_factory=list)
    curve_days: int = 28
    curve: dict[str, Any] = field(default_factory=dict)  # labels, days, datasets [{key, label, colour, data}]
    children: list[ChildRow] = field(default_factory=list)
    points: list[MapPoint] = field(default_factory=list)
    level: LevelAssessment | None = None
    coverage: Coverage | None = None
    capacity: Capacity | None = None  # None: the reader may not see isolation

    @property
    def previous_day(self) -> dt.date:
        return self.day - dt.timedelta(days=1)

    def number(self, key: str) -> KeyNumber:
        return next(n for n in [*self.numbers, *self.origins] if n.key == key)

    @property
    def level_label(self) -> str:
        return str(EpidemicLevel(self.level.level).label) if self.level else ""

    @property
    def level_colour(self) -> str:
        return LEVEL_COLOURS.get(self.level.level, "#9e9e9e") if self.level else "#9e9e9e"

    @property
    def coverage_rows(self) -> list[tuple[str, float | None, float | None, float | None]]:
        """(age group, % ≥ 1 dose, % full, % booster) for the bulletin's groups."""
        cov = self.coverage
        if cov is None:
            return []
        return [
            (str(GROUP_LABELS[g]), cov.pct("first", g), cov.pct("full", g), cov.pct("booster", g))
            for g in ("12-17", "18+", "50+", "65+")
        ]


def _day(day: dt.date | None) -> dt.date:
    """The reporting day asked for, never later than the one running now."""
    today = reporting_day(clock.now())
    return min(day, today) if day else today


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _levels_in_force(unit_ids: list[int], day: dt.date) -> dict[int, LevelAssessment]:
    """The level in force on `day` per unit: its latest assessment of a week ending on or before `day` (one query;
    at most six weeks of rows per unit)."""
    if not unit_ids:
        return {}
    out: dict[int, LevelAssessment] = {}
    rows = LevelAssessment.objects.filter(
        unit_id__in=unit_ids, week_end__lte=day, week_end__gt=day - LEVEL_MAX_AGE
    ).order_by("unit_id", "-week_end")
    for row in rows.only("id", "unit_id", "week_end", "level", "computed_level", "status", "explanation"):
        out.setdefault(row.unit_id, row)
    return out


def _coverage_before(coverage: Coverage, day_values: dict[str, int]) -> Coverage:
    """The coverage of the day before: today's minus the people vaccinated on the day itself."""
    vaccinated: dict[str, dict[str, int]] = {kind: dict(v) for kind, v in coverage.vaccinated.items()}
    for metric, value in day_values.items():
        kind, _sep, key = metric.partition("_")
        if kind in KINDS and key in _BANDS_BY_KEY:
            band = _BANDS_BY_KEY[key]
            vaccinated.setdefault(kind, {})[band] = vaccinated.get(kind, {}).get(band, 0) - value
    return Coverage(unit_id=coverage.unit_id, year=coverage.year, population=coverage.population, vaccinated=vaccinated)


def _fact_children(unit: Unit) -> list[Unit]:
    return list(
        Unit.objects.filter(parent=unit, level__in=FACT_LEVELS, is_active=True)
        .only("id", "path", "name", "level", "depth", "latitude", "longitude")
        .order_by("code")
    )


def _communes(unit: Unit) -> list[Unit]:
    """The communes of the map: every commune of the unit's subtree with coordinates (the commune itself)."""
    qs = Unit.objects.filter(level=UnitLevel.COMMUNE, is_active=True, latitude__isnull=False, longitude__isnull=False)
    qs = qs.filter(pk=unit.pk) if unit.level == UnitLevel.COMMUNE else qs.filter(path__startswith=unit.path)
    return list(qs.only("id", "path", "name", "latitude", "longitude").order_by("path"))


def dashboard_unit(*, actor: Any, unit_id: int | None = None, path: str | None = None) -> Unit:
    """The unit a dashboard is asked for (by id, or the scope path): a province, district or commune inside the
    reader's area, else "not found"."""
    require_perm(actor, Perm.REPORT_VIEW)
    qs = Unit.objects.filter(level__in=FACT_LEVELS)
    unit = qs.filter(pk=unit_id).first() if unit_id else qs.filter(path=path).first() if path else None
    if unit is None or not in_jurisdiction(actor, unit.path):
        raise not_found(_("Không tìm thấy đơn vị trong địa bàn của bạn."))
    return unit


def dashboard_build(*, actor: Any, unit: Unit, day: dt.date | None = None, curve_days: int = 28) -> Dashboard:
    """The dashboard of `unit` (inside the reader's area, else not found) for the reporting day `day` (default: the
    one running now). A fixed number of queries: facts, fact totals, populations, level assessments, facilities."""
    require_perm(actor, Perm.REPORT_VIEW)
    if unit.level not in FACT_LEVELS or not in_jurisdiction(actor, unit.path):
        raise not_found(_("Không tìm thấy đơn vị trong địa bàn của bạn."))
    day = _day(day)
    curve_days = curve_days if curve_days in CURVE_DAYS else CURVE_DAYS[0]
    board = Dashboard(unit=unit, day=day, generated_at=clock.now(), facts_at=facts_updated_at(), curve_days=curve_days)
    yesterday = day - dt.timedelta(days=1)
    first = day - dt.timedelta(days=curve_days - 1)

    series = facts_series(unit_ids=[unit.pk], metrics=_DAY_METRICS, first=first, last=day).get(unit.pk, {})

    def on(metric: str, when: dt.date) -> int:
        return series.get(metric, {}).get(when, 0)

    def total(metrics: list[str], when: dt.date) -> int:
        return sum(on(m, when) for m in metrics)

    # Stocks: cumulative flows up to yesterday (kept totals minus the later days), today = yesterday + today's flows.
    before = facts_cumulative(unit_ids=[unit.pk], metrics=_STOCK, on=yesterday).get(unit.pk, {})
    treated_before = sum(before.get(m, 0) for m in NEW_F0) - before.get("f0_recovered", 0) - before.get("f0_died", 0)
    treated_now = treated_before + total(NEW_F0, day) - on("f0_recovered", day) - on("f0_died", day)

    children = _fact_children(unit)
    communes = _communes(unit)
    coverage = coverage_of([unit, *children], on=day)
    board.coverage = coverage[unit.pk]
    cov_before = _coverage_before(
        board.coverage, {m: on(m, day) for m in _DAY_METRICS if m.startswith(("first_", "full_"))}
    )

    def numbers(when: dt.date) -> dict[str, float | None]:
        cov = board.coverage if when == day else cov_before
        assert cov is not None
        return {
            "new_f0": total(NEW_F0, when),
            "unknown_source": on("f0_unknown_source", when),
            "under_treatment": treated_now if when == day else treated_before,
            "recovered": on("f0_recovered", when),
            "died": on("f0_died", when),
            "f1_new": on("f1_new", when),
            "f2_new": on("f2_new", when),
            "tests_taken": on("tests_pcr", when) + on("tests_rapid", when),
            "tests_positive": on("tests_positive", when),
            "tests_on_time_pct": _pct(on("tests_on_time", when), on("tests_resulted", when)),
            "doses": total(["dose_1", "dose_2", "dose_3"], when),
            "first_18_pct": cov.pct("first", "18+"),
            "full_50_pct": cov.pct("full", "50+"),
        }

    now_values, before_values = numbers(day), numbers(yesterday)
    labels = {
        "new_f0": _("F0 mới"),
        "unknown_source": _("F0 cộng đồng chưa rõ nguồn lây"),
        "under_treatment": _("F0 đang điều trị"),
        "recovered": _("Khỏi bệnh"),
        "died": _("Tử vong"),
        "f1_new": _("F1 phát hiện"),
        "f2_new": _("F2 phát hiện"),
        "tests_taken": _("Mẫu xét nghiệm đã lấy"),
        "tests_positive": _("Mẫu dương tính"),
        "tests_on_time_pct": _("Trả kết quả đúng hạn (12 giờ)"),
        "doses": _("Mũi tiêm trong ngày"),
        "first_18_pct": _("Người ≥ 18 tuổi đã tiêm ≥ 1 mũi"),
        "full_50_pct": _("Người ≥ 50 tuổi tiêm đủ liều"),
    }
    good_up = {"recovered", "tests_taken", "tests_on_time_pct", "doses", "first_18_pct", "full_50_pct"}
    board.numbers = [
        KeyNumber(
            key,
            str(label),
            now_values[key],
            before_values[key],
            "%" if key.endswith("_pct") else "",
            up_is_good=key in good_up,
        )
        for key, label in labels.items()
    ]
    board.origins = [
        KeyNumber(f"origin_{origin}", str(ORIGIN_LABELS[origin]), total(ms, day), total(ms, yesterday))
        for origin, ms in ORIGINS.items()
    ]
    days = [first + dt.timedelta(days=i) for i in range(curve_days)]
    board.curve = {
        "days": [d.isoformat() for d in days],
        "labels": [d.strftime("%d/%m") for d in days],
        "datasets": [
            {
                "key": origin,
                "label": str(ORIGIN_LABELS[origin]),
                "colour": ORIGIN_COLOURS[origin],
                "data": [total(ms, d) for d in days],
            }
            for origin, ms in ORIGINS.items()
        ],
    }

    # Children and map communes: seven days of new F0 in one query, the levels in force in another.
    week_first = day - dt.timedelta(days=6)
    ids = sorted({u.pk for u in [unit, *children, *communes]})
    week = facts_sum(unit_ids=ids, metrics=NEW_F0, first=week_first, last=day)
    levels = _levels_in_force(ids, day)
    board.level = levels.get(unit.pk)
    for child in children:
        cov = coverage[child.pk]
        population = cov.denominator("all") if cov.year is not None else None
        new_7d = sum(week.get(child.pk, {}).values())
        level = levels.get(child.pk)
        board.children.append(
            ChildRow(
                unit=child,
                new_7d=new_7d,
                population=population,
                per_100k=round(100_000 * new_7d / population, 1) if population else None,
                level=level.level if level else None,
                first_18=cov.pct("first", "18+"),
                full_50=cov.pct("full", "50+"),
            )
        )
    for commune in communes:
        level = levels.get(commune.pk)
        board.points.append(
            MapPoint(
                unit_id=commune.pk,
                name=commune.name,
                lat=float(commune.latitude or 0),
                lng=float(commune.longitude or 0),
                new_7d=sum(week.get(commune.pk, {}).values()),
                level=level.level if level else None,
            )
        )
    if has_perm(actor, Perm.ISOLATION_VIEW):
        board.capacity = _capacity(actor, unit)
    return board


def _capacity(actor: Any, unit: Unit) -> Capacity:
    """Beds of the open facilities in the unit's area, from the figures each facility keeps (no bed scan)."""
    from chihuy.isolation.selectors import capacity_overview

    row = capacity_overview(actor=actor, within=unit.path, with_forecast=False).total
    return Capacity(
        facilities=row.facilities, total=row.total, occupied=row.occupied, reserved=row.reserved, free=row.free
    )


@dataclass
class FivesPanel:
    overdue: int
    capped: bool  # more than FIVES_CAP: the count reads "≥ FIVES_CAP"
    cases: int  # distinct cases behind the overdue steps


def fives_panel(*, actor: Any, unit: Unit) -> FivesPanel | None:
    """The 5S steps overdue now in the unit's area, counted from the open cases (capped at FIVES_CAP): not kept in
    facts, so the screen loads it on its own. None when the reader may not see cases."""
    require_perm(actor, Perm.REPORT_VIEW)
    if not in_jurisdiction(actor, unit.path):
        raise not_found(_("Không tìm thấy đơn vị trong địa bàn của bạn."))
    if not has_perm(actor, Perm.CASE_VIEW):
        return None
    from chihuy.cases.selectors import fives_overdue

    steps = fives_overdue(actor=actor, within=unit.path, limit=FIVES_CAP + 1)
    return FivesPanel(
        overdue=min(len(steps), FIVES_CAP),
        capped=len(steps) > FIVES_CAP,
        cases=len({s.case.pk for s in steps[:FIVES_CAP]}),
    )


def dashboard_dict(board: Dashboard, *, fives: FivesPanel | None = None) -> dict[str, Any]:
    """The dashboard as plain data (the API's answer, the same figures as the screen)."""
    cov = board.coverage
    return {
        "unit": {"id": board.unit.pk, "name": board.unit.name, "level": board.unit.level, "path": board.unit.path},
        "day": board.day,
        "generated_at": board.generated_at,
        "facts_at": board.facts_at,
        "numbers": [
            {"key": n.key, "label": n.label, "value": n.value, "previous": n.previous, "change": n.change}
            for n in [*board.numbers, *board.origins]
        ],
        "curve": board.curve,
        "level": (
            {
                "level": board.level.level,
                "label": board.level_label,
                "week_end": board.level.week_end,
                "explanation": board.level.explanation,
            }
            if board.level
            else None
        ),
        "children": [
            {
                "id": c.unit.pk,
                "name": c.unit.name,
                "new_7d": c.new_7d,
                "population": c.population,
                "per_100k": c.per_100k,
                "level": c.level,
                "first_18_pct": c.first_18,
                "full_50_pct": c.full_50,
            }
            for c in board.children
        ],
        "points": [p.as_dict() for p in board.points],
        "coverage_problems": cov.problems if cov else [],
        "capacity": board.capacity.__dict__ if board.capacity else None,
        "fives_overdue": fives.__dict__ if fives else None,
    }


# --- the public page -----------------------------------------------------------------------------------------------


def _public_province(province_code: str | None) -> Unit | None:
    qs = Unit.objects.filter(level=UnitLevel.PROVINCE, is_active=True)
    if province_code:
        qs = qs.filter(code=province_code)
    return qs.order_by("code").first()


def public_summary(*, day: dt.date | None = None, province_code: str | None = None) -> dict[str, Any]:
    """What anyone may see without an account: the level of each commune of the province on a map and aggregate
    counts (new F0 today and over 7 days, under treatment, recovered, deaths, coverage) for the province and its
    districts. No person, no case, no count per commune. Cached for a minute."""
    day = _day(day)
    key = f"reports:public:{province_code or ''}:{day.isoformat()}"
    cached = cache.get(key)
    if cached is not None:
        return dict(cached)
    summary = _public_summary(day, province_code)
    cache.set(key, summary, PUBLIC_CACHE_SECONDS)
    return summary


def _public_summary(day: dt.date, province_code: str | None) -> dict[str, Any]:
    province = _public_province(province_code)
    if province is None:
        return {"day": day, "province": None, "areas": [], "communes": [], "facts_at": facts_updated_at()}
    districts = _fact_children(province)
    communes = _communes(province)
    areas = [province, *districts]
    ids = [u.pk for u in areas]
    week = facts_sum(unit_ids=ids, metrics=NEW_F0, first=day - dt.timedelta(days=6), last=day)
    today = facts_sum(unit_ids=ids, metrics=NEW_F0, first=day, last=day)
    stock = facts_cumulative(unit_ids=ids, metrics=_STOCK, on=day)
    coverage = coverage_of(areas, on=day)
    levels = _levels_in_force(sorted({*ids, *(c.pk for c in communes)}), day)
    counts: dict[int, dict[str, Any]] = defaultdict(dict)
    for area in areas:
        s = stock.get(area.pk, {})
        cov = coverage[area.pk]
        level = levels.get(area.pk)
        counts[area.pk] = {
            "id": area.pk,
            "name": area.name,
            "level": level.level if level else None,
            "new_today": sum(today.get(area.pk, {}).values()),
            "new_7d": sum(week.get(area.pk, {}).values()),
            "under_treatment": sum(s.get(m, 0) for m in NEW_F0) - s.get("f0_recovered", 0) - s.get("f0_died", 0),
            "recovered": s.get("f0_recovered", 0),
            "died": s.get("f0_died", 0),
            "first_18_pct": cov.pct("first", "18+"),
            "full_18_pct": cov.pct("full", "18+"),
            "full_50_pct": cov.pct("full", "50+"),
        }
    level_counts = {lvl: 0 for lvl in LEVEL_COLOURS}
    points = []
    for commune in communes:
        level = levels.get(commune.pk)
        if level:
            level_counts[level.level] += 1
        points.append(
            MapPoint(
                unit_id=commune.pk,
                name=commune.name,
                lat=float(commune.latitude or 0),
                lng=float(commune.longitude or 0),
                new_7d=0,
                level=level.level if level else None,
            ).as_dict(with_counts=False)
        )
    return {
        "day": day,
        "facts_at": facts_updated_at(),
        "province": counts[province.pk],
        "areas": [counts[d.pk] for d in districts],
        "communes": points,
        "level_counts": level_counts,
    }


def level_legend() -> list[dict[str, Any]]:
    return [
        {"level": int(v), "label": str(label), "colour": LEVEL_COLOURS[int(v)]} for v, label in EpidemicLevel.choices
    ]


# --- the series API ------------------------------------------------------------------------------------------------

SERIES_MAX_DAYS = 366


def facts_series_read(
    *,
    actor: Any,
    unit: Unit,
    metrics: list[str] | None,
    first: dt.date | None = None,
    last: dt.date | None = None,
) -> dict[str, Any]:
    """Daily values of `metrics` (default: every one) for `unit` (inside the reader's area, else not found) over
    [first, last] (default: the 28 days up to the reporting day running now); every day listed, zeros included."""
    from chihuy.reports.facts import METRICS

    require_perm(actor, Perm.REPORT_VIEW)
    if unit.level not in FACT_LEVELS or not in_jurisdiction(actor, unit.path):
        raise ApplicationError.field("unit_id", _("Không tìm thấy đơn vị trong địa bàn của bạn."), ErrorCode.NOT_FOUND)
    unknown = [m for m in metrics or [] if m not in METRICS]
    if unknown:
        raise ApplicationError.field("metrics", _("Chỉ số không có: %(names)s.") % {"names": ", ".join(unknown)})
    last = _day(last)
    first = first or last - dt.timedelta(days=27)
    if first > last:
        raise ApplicationError.field("first", _("Ngày bắt đầu phải trước hoặc bằng ngày kết thúc."))
    if (last - first).days >= SERIES_MAX_DAYS:
        raise ApplicationError.field("first", _("Mỗi lần chỉ lấy tối đa %(n)s ngày.") % {"n": SERIES_MAX_DAYS})
    names = list(metrics) if metrics else list(METRICS)
    values = facts_series(unit_ids=[unit.pk], metrics=names, first=first, last=last).get(unit.pk, {})
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    return {
        "unit_id": unit.pk,
        "first": first,
        "last": last,
        "facts_at": facts_updated_at(),
        "days": days,
        "series": {m: [values.get(m, {}).get(d, 0) for d in days] for m in names},
    }
