"""Load real administrative units from `vietnam-provinces` (GSO codes, 2023 data) and `vietnamadminunits`
(coordinates; the post-2025 two-level layout)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.core.text import fold
from chihuy.places.enums import Layout, UnitLevel


@dataclass
class UnitSpec:
    code: str
    name: str
    division_type: str
    level: str
    latitude: float | None = None
    longitude: float | None = None
    children: list[UnitSpec] = field(default_factory=list)


def _vau_db() -> Path:
    import vietnamadminunits

    return Path(vietnamadminunits.__file__).parent / "data" / "dataset.db"


@lru_cache(maxsize=1)
def _nested_divisions() -> list[dict[str, Any]]:
    import vietnam_provinces

    with open(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH, encoding="utf-8") as fh:
        data: list[dict[str, Any]] = json.load(fh)
    return data


def _query(sql: str, params: tuple[Any, ...]) -> list[sqlite3.Row]:
    with sqlite3.connect(f"file:{_vau_db()}?mode=ro", uri=True) as conn:
        conn.row_factory = sqlite3.Row
        return conn.execute(sql, params).fetchall()


def _match_province(name_or_code: str, candidates: list[tuple[str, str]]) -> str:
    """Return the code of the province named or coded `name_or_code` among (code, name) pairs."""
    wanted = fold(name_or_code)
    for code, _name in candidates:
        if name_or_code.strip().lstrip("0") == code.lstrip("0"):
            return code
    for code, name in candidates:
        folded = fold(name)
        for prefix in ("tinh ", "thanh pho "):
            folded = folded.removeprefix(prefix)
        if wanted in (fold(name), folded):
            return code
    raise ApplicationError.field(
        "province", _("Không tìm thấy tỉnh “%(name)s”.") % {"name": name_or_code}, ErrorCode.NOT_FOUND
    )


def province_spec(name_or_code: str, layout: str = Layout.LEGACY) -> UnitSpec:
    if layout == Layout.LEGACY:
        return _legacy_spec(name_or_code)
    if layout == Layout.FROM_2025:
        return _from_2025_spec(name_or_code)
    raise ApplicationError.field("layout", _("Bố cục không hợp lệ."))


def _legacy_spec(name_or_code: str) -> UnitSpec:
    provinces = _nested_divisions()
    code = _match_province(name_or_code, [(str(p["code"]), p["name"]) for p in provinces])
    province = next(p for p in provinces if str(p["code"]) == code)
    coords: dict[tuple[str, str], tuple[float | None, float | None]] = {}
    province_coords: tuple[float | None, float | None] = (None, None)
    for row in _query(
        "SELECT provinceLat, provinceLon, districtCode, districtLat, districtLon, wardCode, wardLat, wardLon "
        "FROM admin_units_legacy WHERE CAST(provinceCode AS INTEGER) = ?",
        (int(code),),
    ):
        province_coords = (row["provinceLat"], row["provinceLon"])
        coords[("d", str(int(row["districtCode"])))] = (row["districtLat"], row["districtLon"])
        coords[("w", str(int(row["wardCode"])))] = (row["wardLat"], row["wardLon"])
    spec = UnitSpec(
        code=f"{province['code']:02d}",
        name=province["name"],
        division_type=province["division_type"],
        level=UnitLevel.PROVINCE,
        latitude=province_coords[0],
        longitude=province_coords[1],
    )
    for district in province["districts"]:
        d_lat, d_lon = coords.get(("d", str(district["code"])), (None, None))
        d_spec = UnitSpec(
            code=f"{district['code']:03d}",
            name=district["name"],
            division_type=district["division_type"],
            level=UnitLevel.DISTRICT,
            latitude=d_lat,
            longitude=d_lon,
        )
        for ward in district["wards"]:
            w_lat, w_lon = coords.get(("w", str(ward["code"])), (None, None))
            d_spec.children.append(
                UnitSpec(
                    code=f"{ward['code']:05d}",
                    name=ward["name"],
                    division_type=ward["division_type"],
                    level=UnitLevel.COMMUNE,
                    latitude=w_lat,
                    longitude=w_lon,
                )
            )
        spec.children.append(d_spec)
    return spec


def _from_2025_spec(name_or_code: str) -> UnitSpec:
    names = _query("SELECT DISTINCT provinceCode, province FROM admin_units", ())
    code = _match_province(name_or_code, [(r["provinceCode"], r["province"]) for r in names])
    rows = _query(
        "SELECT province, provinceCode, provinceLat, provinceLon, ward, wardType, wardCode, wardLat, wardLon "
        "FROM admin_units WHERE provinceCode = ? ORDER BY wardCode",
        (code,),
    )
    first = rows[0]
    province_name = first["province"]
    spec = UnitSpec(
        code=f"{int(code):02d}",
        name=province_name,
        division_type="thành phố trung ương" if province_name.startswith("Thành phố") else "tỉnh",
        level=UnitLevel.PROVINCE,
        latitude=first["provinceLat"],
        longitude=first["provinceLon"],
    )
    for row in rows:
        spec.children.append(
            UnitSpec(
                code=f"{int(row['wardCode']):05d}",
                name=row["ward"],
                division_type=(row["wardType"] or "").lower(),
                level=UnitLevel.COMMUNE,
                latitude=row["wardLat"],
                longitude=row["wardLon"],
            )
        )
    return spec
