"""Real units from the reference data: Lai Châu's tree, idempotent reloads, the 2025 two-level layout."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import CommandError, call_command

from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.places.enums import Layout, UnitLevel
from chihuy.places.models import Unit
from chihuy.places.services import units_load_province
from tests.conftest import BAN_GIANG, LAI_CHAU

DISTRICTS = [
    ("105", "Thành phố Lai Châu"),
    ("106", "Huyện Tam Đường"),
    ("107", "Huyện Mường Tè"),
    ("108", "Huyện Sìn Hồ"),
    ("109", "Huyện Phong Thổ"),
    ("110", "Huyện Than Uyên"),
    ("111", "Huyện Tân Uyên"),
    ("112", "Huyện Nậm Nhùn"),
]


def test_lai_chau_has_its_real_districts_and_communes(province: Unit) -> None:
    assert (province.code, province.name, province.level, province.depth) == ("12", "Tỉnh Lai Châu", "province", 0)
    districts = list(Unit.objects.filter(parent=province).order_by("code").values_list("code", "name"))
    assert districts == DISTRICTS
    communes = Unit.objects.filter(path__under=LAI_CHAU, level=UnitLevel.COMMUNE)
    assert communes.count() == 106
    assert set(communes.values_list("depth", flat=True)) == {2}
    assert all(len(code) == 5 and code.isdigit() for code in communes.values_list("code", flat=True))
    assert all(u.path == f"{u.parent.path}{u.code}/" for u in communes.select_related("parent"))


def test_ban_giang_is_where_the_seed_puts_it(commune: Unit, district: Unit) -> None:
    assert (commune.name, commune.division_type, commune.path, commune.parent_id) == (
        "Xã Bản Giang",
        "xã",
        BAN_GIANG,
        district.pk,
    )
    assert [u.path for u in _ancestors(commune)] == ["12/", "12/106/"]


def _ancestors(unit: Unit) -> list[Unit]:
    from chihuy.places.selectors import unit_ancestors

    return unit_ancestors(unit)


def test_every_commune_has_coordinates_inside_lai_chau(db: Any) -> None:
    communes = Unit.objects.filter(path__under=LAI_CHAU, level=UnitLevel.COMMUNE)
    assert communes.filter(latitude__isnull=True).count() == 0
    assert communes.filter(longitude__isnull=True).count() == 0
    # Lai Châu lies roughly between 21.7–22.9 N and 102.2–103.9 E.
    for lat, lon in communes.values_list("latitude", "longitude"):
        assert 21.5 < lat < 23.0 and 102.0 < lon < 104.0


def test_reloading_changes_nothing(province: Unit) -> None:
    before = list(Unit.objects.order_by("pk").values_list("pk", "path", "name", "latitude", "longitude"))
    result = units_load_province(province="Lai Châu")
    assert (result.created, result.updated, result.root.pk) == (0, 115, province.pk)
    assert list(Unit.objects.order_by("pk").values_list("pk", "path", "name", "latitude", "longitude")) == before


def test_the_2025_layout_loads_as_two_levels(db: Any) -> None:
    result = units_load_province(province="Lào Cai", layout=Layout.FROM_2025)
    root = result.root
    assert (root.code, root.name, root.layout, root.level, root.depth) == ("15", "Tỉnh Lào Cai", "2025", "province", 0)
    below = Unit.objects.filter(path__under=root.path).exclude(pk=root.pk)
    assert result.created == 1 + below.count() == 100
    assert set(below.values_list("level", "depth", "layout", "parent_id")) == {("commune", 1, "2025", root.pk)}
    assert below.filter(latitude__isnull=True).count() == 0


def test_a_province_loaded_in_one_layout_refuses_the_other(province: Unit) -> None:
    count = Unit.objects.count()
    with pytest.raises(ApplicationError) as exc:
        units_load_province(province="Lai Châu", layout=Layout.FROM_2025)
    assert exc.value.code == ErrorCode.CONFLICT
    assert exc.value.details[0]["field"] == "layout"
    assert Unit.objects.count() == count


def test_an_unknown_province_is_named(db: Any) -> None:
    with pytest.raises(ApplicationError) as exc:
        units_load_province(province="Atlantis")
    assert (exc.value.code, exc.value.message) == (ErrorCode.NOT_FOUND, "Không tìm thấy tỉnh “Atlantis”.")


def reference_size(code: int) -> tuple[int, int]:
    """(districts, units in all) of a province in vietnam-provinces' own JSON."""
    import json

    import vietnam_provinces

    with open(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH, encoding="utf-8") as fh:
        province = next(p for p in json.load(fh) if p["code"] == code)
    districts = province["districts"]
    return len(districts), 1 + len(districts) + sum(len(d["wards"]) for d in districts)


def test_load_units_command_by_name_and_by_code(db: Any, capsys: Any) -> None:
    districts, total = reference_size(10)
    assert (districts, total) == (9, 162)
    call_command("load_units", province="Lào Cai")
    assert capsys.readouterr().out.strip() == f"Tỉnh Lào Cai: {total} đơn vị mới, 0 đơn vị cập nhật."
    root = Unit.objects.get(parent__isnull=True, code="10")
    assert Unit.objects.filter(parent=root).count() == districts
    assert Unit.objects.filter(path__under="10/").count() == total
    call_command("load_units", province="10")
    assert capsys.readouterr().out.strip() == f"Tỉnh Lào Cai: 0 đơn vị mới, {total} đơn vị cập nhật."


def test_load_units_command_reports_errors_as_command_errors(db: Any) -> None:
    with pytest.raises(CommandError, match="bố cục khác"):
        call_command("load_units", province="Lai Châu", layout="2025")
