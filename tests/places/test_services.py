"""Villages, sites and populations: written through services, audited, bad input refused whole."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import CommandError, call_command

from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.core.models import AuditEvent
from chihuy.places.enums import SiteKind
from chihuy.places.models import Population, Site, Unit
from chihuy.places.selectors import unit_population
from chihuy.places.services import (
    population_import,
    population_set,
    site_create,
    site_deactivate,
    site_update,
    village_create,
)
from tests.conftest import BAN_GIANG

HEADER = "ma_don_vi,nam,0-11,12-17,18-49,50-64,65+\n"
BANDS = ["0-11", "12-17", "18-49", "50-64", "65+"]


def events(**filters: Any) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(**filters).order_by("pk"))


# --- villages ------------------------------------------------------------------------------------


def test_village_under_a_commune_takes_its_path_layout_and_coordinates(commune: Unit, admin_user: Any) -> None:
    village = village_create(commune=commune, code=" 01 ", name=" Bản Nà Bỏ ", actor=admin_user)
    village.refresh_from_db()
    assert (village.path, village.code, village.name, village.level, village.depth) == (
        BAN_GIANG + "01/",
        "01",
        "Bản Nà Bỏ",
        "village",
        3,
    )
    assert (village.layout, village.latitude) == (commune.layout, commune.latitude)
    assert village.longitude == commune.longitude
    [event] = events(object_type="places.unit", object_id=str(village.pk))
    assert (event.action, event.unit_path, event.after["name"]) == ("create", BAN_GIANG + "01/", "Bản Nà Bỏ")


@pytest.mark.parametrize(
    ("code", "field", "error_code"),
    [("01", "code", ErrorCode.CONFLICT), ("0/1", "code", ErrorCode.VALIDATION), ("", "code", ErrorCode.VALIDATION)],
)
def test_bad_village_codes_are_refused(commune: Unit, code: str, field: str, error_code: str) -> None:
    village_create(commune=commune, code="01", name="Bản Một")
    count = Unit.objects.count()
    with pytest.raises(ApplicationError) as exc:
        village_create(commune=commune, code=code, name="Bản Khác")
    assert (exc.value.code, exc.value.details[0]["field"]) == (error_code, field)
    assert Unit.objects.count() == count


def test_a_village_must_sit_under_a_commune(district: Unit) -> None:
    with pytest.raises(ApplicationError) as exc:
        village_create(commune=district, code="01", name="Bản Một")
    assert exc.value.details == [{"field": "commune", "message": "Thôn, bản phải thuộc một xã."}]
    assert not Unit.objects.filter(path=district.path + "01/").exists()


# --- sites ---------------------------------------------------------------------------------------


def test_site_create_update_deactivate_are_audited(commune: Unit, admin_user: Any) -> None:
    site = site_create(actor=admin_user, unit=commune, kind=SiteKind.HEALTH_FACILITY, name=" Trạm Y tế xã ")
    assert (site.name, site.unit_path, site.latitude) == ("Trạm Y tế xã", BAN_GIANG, commune.latitude)
    site_update(actor=admin_user, site=site, phone=" 02133876543 ", name="Trạm Y tế Bản Giang")
    site.refresh_from_db()
    assert (site.name, site.phone) == ("Trạm Y tế Bản Giang", "02133876543")
    site_deactivate(actor=admin_user, site=site)
    site_deactivate(actor=admin_user, site=site)  # twice: one event
    site.refresh_from_db()
    assert site.is_active is False
    recorded = events(object_type="places.site", object_id=str(site.pk))
    assert [e.action for e in recorded] == ["create", "update", "deactivate"]
    assert (recorded[1].before, recorded[1].after) == (
        {"name": "Trạm Y tế xã", "phone": ""},
        {"name": "Trạm Y tế Bản Giang", "phone": "02133876543"},
    )


def test_site_update_refuses_fields_it_does_not_own(commune: Unit, sibling_commune: Unit, admin_user: Any) -> None:
    site = site_create(actor=admin_user, unit=commune, kind=SiteKind.LAB, name="Phòng XN")
    with pytest.raises(ApplicationError) as exc:
        site_update(actor=admin_user, site=site, unit_path=sibling_commune.path)
    assert exc.value.details[0]["field"] == "unit_path"
    site.refresh_from_db()
    assert site.unit_path == BAN_GIANG


@pytest.mark.parametrize(
    ("where", "kind", "name", "field"),
    [
        ("district", SiteKind.VENUE, "Chợ", "unit"),
        ("commune", "bar", "Chợ", "kind"),
        ("commune", SiteKind.LAB, "Phòng XN", "name"),  # same name and kind in the unit
    ],
)
def test_bad_sites_are_refused_and_nothing_written(
    commune: Unit, district: Unit, admin_user: Any, where: str, kind: str, name: str, field: str
) -> None:
    site_create(actor=admin_user, unit=commune, kind=SiteKind.LAB, name="Phòng XN")
    with pytest.raises(ApplicationError) as exc:
        site_create(actor=admin_user, unit={"district": district, "commune": commune}[where], kind=kind, name=name)
    assert exc.value.details[0]["field"] == field
    assert list(Site.objects.values_list("name", flat=True)) == ["Phòng XN"]


# --- populations ---------------------------------------------------------------------------------


def test_population_import_applies_every_row(district: Unit, commune: Unit, sibling_commune: Unit) -> None:
    data = (HEADER + '03418,2019,100,50,300,80,20\n03412,2019,"1.200",60,400,90,30\n').encode()
    report = population_import(actor=None, within=district, data=data, filename="dan-so.csv")
    assert report.as_dict() == {"total_rows": 2, "applied_rows": 2, "errors": []}
    assert unit_population(commune) == {
        "year": 2019,
        "total": 550,
        "bands": dict(zip(BANDS, [100, 50, 300, 80, 20], strict=True)),
        "is_estimate": False,
    }
    assert unit_population(district)["bands"] == dict(zip(BANDS, [1300, 110, 700, 170, 50], strict=True))
    assert Population.objects.get(unit=sibling_commune, age_band="0-11").source == "dan-so.csv"
    [event] = events(action="import", object_type="places.population")
    assert (event.unit_path, event.details) == (district.path, {"rows": 2})


def test_population_import_reports_row_errors_and_writes_nothing(district: Unit, commune: Unit) -> None:
    population_set(unit=commune, year=2018, counts={"0-11": 7}, is_estimate=True, source="before")
    data = (
        HEADER
        + "03418,2019,100,50,300,80,20\n"  # row 2 fine
        + "99999,2019,1,1,1,1,1\n"  # row 3 unknown unit
        + "03412,2019,1,-5,1,1,nhiều\n"  # row 4 two bad numbers
        + "3418,2019,1,1,1,1,1\n"  # row 5 the same unit and year as row 2
        + "03454,19,1,1,1,1,1\n"  # row 6 Phong Thổ's commune: outside Tam Đường; bad year
    ).encode()
    report = population_import(actor=None, within=district, data=data, filename="dan-so.csv")
    assert [(e["row"], e["field"]) for e in report.errors] == [
        (3, "unit_code"),
        (4, "12-17"),
        (4, "65+"),
        (5, "unit_code"),
        (6, "unit_code"),
        (6, "year"),
    ]
    assert report.errors[0]["message"] == "Mã đơn vị “99999” không có trong địa bàn."
    assert report.errors[3]["message"] == "Trùng với dòng 2."
    assert (report.total_rows, report.applied_rows) == (5, 0)
    assert list(Population.objects.values_list("unit_id", "year", "age_band", "count")) == [
        (commune.pk, 2018, "0-11", 7)
    ]
    assert events(action="import") == []


def test_population_import_refuses_a_file_without_the_band_columns(district: Unit) -> None:
    with pytest.raises(ApplicationError) as exc:
        population_import(actor=None, within=district, data=b"ma_don_vi,nam\n03418,2019\n", filename="x.csv")
    assert [d["field"] for d in exc.value.details] == [f"columns.{b}" for b in BANDS]
    assert not Population.objects.exists()


def test_import_population_command(tmp_path: Any, district: Unit, capsys: Any) -> None:
    good = tmp_path / "ok.csv"
    good.write_text(HEADER + "03418,2019,1,2,3,4,5\n", encoding="utf-8")
    call_command("import_population", str(good), unit="12/106/")
    assert capsys.readouterr().out.strip() == "Đã nhập 1/1 dòng."
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "03418,2020,1,2,3,4,x\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"^1 lỗi; không dòng nào được ghi\.$"):
        call_command("import_population", str(bad), unit="106")
    assert "Dòng 2, cột 65+" in capsys.readouterr().err
    assert set(Population.objects.values_list("year", flat=True)) == {2019}


def test_unit_population_counts_each_leaf_once_and_reads_the_latest_year(commune: Unit, district: Unit) -> None:
    village = village_create(commune=commune, code="01", name="Bản Một")
    population_set(unit=commune, year=2019, counts={"0-11": 1000, "65+": 1000}, is_estimate=False, source="x")
    population_set(unit=village, year=2019, counts={"0-11": 10, "65+": 5}, is_estimate=True, source="demo")
    population_set(unit=commune, year=2015, counts={"0-11": 99999}, is_estimate=False, source="old")
    expected = {"0-11": 10, "12-17": 0, "18-49": 0, "50-64": 0, "65+": 5}
    assert unit_population(commune) == {"year": 2019, "total": 15, "bands": expected, "is_estimate": True}
    assert unit_population(district) == unit_population(commune)
    assert unit_population(commune, year=2015)["total"] == 99999


def test_unit_population_of_a_unit_without_figures(other_district: Unit) -> None:
    assert unit_population(other_district) == {
        "year": None,
        "total": 0,
        "bands": dict.fromkeys(BANDS, 0),
        "is_estimate": False,
    }


def test_population_import_names_villages_by_commune_and_village_code(
    district: Unit, commune: Unit, sibling_commune: Unit
) -> None:
    # Every commune numbers its villages from 01: a bare "01" cannot say which one is meant.
    mine = village_create(commune=commune, code="01", name="Bản Một")
    village_create(commune=sibling_commune, code="01", name="Bản Một khác")
    data = (HEADER + f"{commune.code}/01,2019,1,2,3,4,5\n01,2019,1,1,1,1,1\n").encode()
    report = population_import(actor=None, within=district, data=data, filename="x.csv")
    assert [(e["row"], e["field"]) for e in report.errors] == [(3, "unit_code")]
    assert not Population.objects.exists()
    report = population_import(
        actor=None, within=district, data=(HEADER + f"{commune.code}/01,2019,1,2,3,4,5\n").encode(), filename="x.csv"
    )
    assert report.errors == []
    assert list(Population.objects.values_list("unit_id", flat=True).distinct()) == [mine.pk]
