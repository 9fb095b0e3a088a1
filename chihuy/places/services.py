"""Writes of the places domain: units from the reference data, villages, sites, populations.

places sits below accounts in the layers, so these services cannot check roles or jurisdiction: their
callers do, with `chihuy.accounts.access` (the API in `chihuy/api/units.py`, the web views, the demo).
Every write is still validated and audited here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from chihuy.core.audit import audit_record, diff, snapshot
from chihuy.core.errors import ApplicationError, ErrorCode, save_validated
from chihuy.core.tabular import read_table
from chihuy.places.enums import AgeBand, Layout, SiteKind, UnitLevel
from chihuy.places.loaders import UnitSpec, province_spec
from chihuy.places.models import Population, Site, Unit


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    root: Unit | None = None


@transaction.atomic
def units_load_province(*, province: str, layout: str = Layout.LEGACY) -> LoadResult:
    """Load (or refresh) one province's tree. Idempotent: units are keyed by parent and code."""
    spec = province_spec(province, layout)
    existing_root = Unit.objects.filter(parent__isnull=True, code=spec.code).first()
    if existing_root is not None and existing_root.layout != layout:
        raise ApplicationError.field(
            "layout",
            _("Tỉnh %(name)s đã được nạp theo bố cục khác (%(layout)s).")
            % {"name": existing_root.name, "layout": existing_root.get_layout_display()},
            ErrorCode.CONFLICT,
        )
    result = LoadResult()
    result.root = _upsert(spec, parent=None, layout=layout, result=result)
    return result


def _upsert(spec: UnitSpec, *, parent: Unit | None, layout: str, result: LoadResult) -> Unit:
    path = f"{parent.path if parent else ''}{spec.code}/"
    values = {
        "name": spec.name,
        "division_type": spec.division_type,
        "level": spec.level,
        "layout": layout,
        "path": path,
        "depth": (parent.depth + 1) if parent else 0,
        "latitude": spec.latitude,
        "longitude": spec.longitude,
    }
    unit, created = Unit.objects.update_or_create(parent=parent, code=spec.code, defaults=values)
    if created:
        result.created += 1
    else:
        result.updated += 1
    for child in spec.children:
        _upsert(child, parent=unit, layout=layout, result=result)
    return unit


@transaction.atomic
def village_create(
    *,
    commune: Unit,
    code: str,
    name: str,
    latitude: float | None = None,
    longitude: float | None = None,
    is_demo: bool = False,
    actor: Any = None,
) -> Unit:
    if commune.level != UnitLevel.COMMUNE:
        raise ApplicationError.field("commune", _("Thôn, bản phải thuộc một xã."))
    code = code.strip()
    if not code.isalnum():
        raise ApplicationError.field("code", _("Mã thôn chỉ gồm chữ và số."))
    if Unit.objects.filter(parent=commune, code=code).exists():
        raise ApplicationError.field("code", _("Mã thôn đã có trong xã."), ErrorCode.CONFLICT)
    village = Unit(
        parent=commune,
        code=code,
        name=name.strip(),
        division_type="thôn",
        level=UnitLevel.VILLAGE,
        layout=commune.layout,
        path=f"{commune.path}{code}/",
        depth=commune.depth + 1,
        latitude=latitude if latitude is not None else commune.latitude,
        longitude=longitude if longitude is not None else commune.longitude,
        is_demo=is_demo,
    )
    save_validated(village)
    audit_record(actor=actor, action="create", obj=village, after=snapshot(village))
    return village


SITE_FIELDS = ["kind", "name", "address", "phone", "latitude", "longitude"]


@transaction.atomic
def site_create(
    *,
    actor: Any,
    unit: Unit,
    kind: str,
    name: str,
    address: str = "",
    phone: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
) -> Site:
    if unit.level not in (UnitLevel.COMMUNE, UnitLevel.VILLAGE):
        raise ApplicationError.field("unit", _("Cơ sở phải gắn với một xã (hoặc thôn)."))
    if kind not in SiteKind.values:
        raise ApplicationError.field("kind", _("Loại cơ sở không hợp lệ."))
    if Site.objects.filter(unit=unit, kind=kind, name=name.strip()).exists():
        raise ApplicationError.field("name", _("Đã có cơ sở cùng tên và loại trong đơn vị."), ErrorCode.CONFLICT)
    site = Site(
        unit=unit,
        unit_path=unit.path,
        kind=kind,
        name=name.strip(),
        address=address.strip(),
        phone=phone.strip(),
        latitude=latitude if latitude is not None else unit.latitude,
        longitude=longitude if longitude is not None else unit.longitude,
    )
    save_validated(site)
    audit_record(actor=actor, action="create", obj=site, after=snapshot(site))
    return site


@transaction.atomic
def site_update(*, actor: Any, site: Site, **changes: Any) -> Site:
    before = snapshot(site)
    for key, value in changes.items():
        if key not in SITE_FIELDS:
            raise ApplicationError.field(key, _("Không sửa được trường này."))
        setattr(site, key, value.strip() if isinstance(value, str) else value)
    save_validated(site)
    old, new = diff(before, snapshot(site))
    audit_record(actor=actor, action="update", obj=site, before=old, after=new)
    return site


@transaction.atomic
def site_deactivate(*, actor: Any, site: Site) -> Site:
    if site.is_active:
        site.is_active = False
        site.save(update_fields=["is_active", "updated_at"])
        audit_record(actor=actor, action="deactivate", obj=site, before={"is_active": True}, after={"is_active": False})
    return site


# --- populations ---------------------------------------------------------------------------

POPULATION_ALIASES = {
    "ma_don_vi": "unit_code",
    "ma": "unit_code",
    "unit_code": "unit_code",
    "code": "unit_code",
    "ma_xa": "unit_code",
    "nam": "year",
    "year": "year",
    "0_11": "0-11",
    "12_17": "12-17",
    "18_49": "18-49",
    "50_64": "50-64",
    "65": "65+",
    "65_": "65+",
    "tu_65": "65+",
    "65_tro_len": "65+",
}


@dataclass
class ImportReport:
    total_rows: int = 0
    applied_rows: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"total_rows": self.total_rows, "applied_rows": self.applied_rows, "errors": self.errors}


def _unit_keys(within: Unit) -> dict[str, Unit]:
    """How a file may name a unit: its path, a district's or commune's GSO code, or a village as
    "commune/village" ("03418/01"). A bare village code is ambiguous (every commune has a "01")."""
    keys: dict[str, Unit] = {}
    for unit in Unit.objects.filter(path__under=within.path).select_related("parent"):
        keys[unit.path] = unit
        if unit.level != UnitLevel.VILLAGE:
            keys[unit.code] = unit
        elif unit.parent is not None:
            keys[f"{unit.parent.code}/{unit.code}"] = unit
    return keys


@transaction.atomic
def population_set(*, unit: Unit, year: int, counts: dict[str, int], is_estimate: bool, source: str) -> None:
    for band, count in counts.items():
        Population.objects.update_or_create(
            unit=unit,
            year=year,
            age_band=band,
            defaults={"count": count, "unit_path": unit.path, "is_estimate": is_estimate, "source": source},
        )


def population_import(*, actor: Any, within: Unit, data: bytes, filename: str, source: str = "") -> ImportReport:
    """Import populations by unit and age band. Every row is validated first; nothing is applied if any fails."""
    table = read_table(
        data, filename=filename, required=["unit_code", "year", *AgeBand.values], aliases=POPULATION_ALIASES
    )
    report = ImportReport(total_rows=len(table.rows))
    units = _unit_keys(within)
    valid: list[tuple[Unit, int, dict[str, int]]] = []
    seen: dict[tuple[str, int], int] = {}
    for row in table.rows:
        errors: list[dict[str, Any]] = []
        code = row.values.get("unit_code", "")
        unit = units.get(code) or (units.get(code.zfill(5)) or units.get(code.zfill(3)) if code.isdigit() else None)
        if unit is None:
            errors.append(
                {
                    "row": row.number,
                    "field": "unit_code",
                    "message": _("Mã đơn vị “%(code)s” không có trong địa bàn.") % {"code": code},
                }
            )
        year_text = row.values.get("year", "")
        year = int(year_text) if year_text.isdigit() else 0
        if not 1979 <= year <= 2100:
            errors.append(
                {
                    "row": row.number,
                    "field": "year",
                    "message": _("Năm không hợp lệ: “%(v)s”.") % {"v": year_text},
                }
            )
        counts: dict[str, int] = {}
        for band in AgeBand.values:
            text = row.values.get(band, "").replace(".", "").replace(",", "").replace(" ", "")
            if not text.isdigit():
                errors.append(
                    {
                        "row": row.number,
                        "field": band,
                        "message": _("Số dân nhóm %(band)s phải là số nguyên không âm.") % {"band": band},
                    }
                )
            else:
                counts[band] = int(text)
        if unit is not None and year and (unit.code, year) in seen:
            errors.append(
                {
                    "row": row.number,
                    "field": "unit_code",
                    "message": _("Trùng với dòng %(other)s.") % {"other": seen[(unit.code, year)]},
                }
            )
        if errors:
            report.errors.extend(errors)
            continue
        assert unit is not None
        seen[(unit.code, year)] = row.number
        valid.append((unit, year, counts))
    if report.errors:
        return report
    with transaction.atomic():
        for unit, year, counts in valid:
            population_set(unit=unit, year=year, counts=counts, is_estimate=False, source=source or filename)
        audit_record(
            actor=actor,
            action="import",
            object_type="places.population",
            object_repr=filename,
            unit_path=within.path,
            details={"rows": len(valid)},
        )
    report.applied_rows = len(valid)
    return report
