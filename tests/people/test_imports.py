"""Bulk import: every row checked first; errors named by row and column; duplicates set aside; nothing
written when any row fails."""

from __future__ import annotations

from typing import Any

import pytest

from chihuy.core.audit import snapshot
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.core.models import AuditEvent
from chihuy.core.tabular import write_xlsx
from chihuy.people.imports import person_import
from chihuy.people.models import Person, PersonNameKey
from chihuy.places.services import village_create
from tests.conftest import BAN_GIANG, TAM_DUONG

HEADER = "Họ tên,Ngày sinh,Năm sinh,Giới tính,CCCD,Số điện thoại,Mã xã\n"


def registry() -> list[Any]:
    return [
        [tuple(snapshot(p).items()) for p in Person.objects.order_by("pk")],
        PersonNameKey.objects.count(),
        AuditEvent.objects.count(),
    ]


def run(actor: Any, text: str, within: str = BAN_GIANG, filename: str = "ds.csv") -> Any:
    return person_import(actor=actor, within=within, data=(HEADER + text).encode(), filename=filename)


@pytest.fixture
def officer(make_user: Any) -> Any:
    return make_user("health_officer", TAM_DUONG)


def test_a_good_file_creates_everyone_indexed_and_audited_once(officer: Any, commune: Any) -> None:
    village = village_create(commune=commune, code="01", name="Bản Một")
    report = run(
        officer,
        "Lò Văn Một,17/05/1990,,Nam,012090000123,+84 912 345 678,03418\n"
        "Lò Thị Hai,,1972,Nữ,,,03418/01\n"
        "Tòng Văn Ba,1985-02-03,,nam,,,12/106/03412/\n",
        within=TAM_DUONG,
    )
    assert report.as_dict() == {"total_rows": 3, "created": 3, "duplicates": [], "errors": []}
    people = {p.full_name: p for p in Person.objects.all()}
    one = people["Lò Văn Một"]
    assert (str(one.birth_date), one.sex, one.national_id, one.phone) == (
        "1990-05-17",
        "M",
        "012090000123",
        "0912345678",
    )
    assert (people["Lò Thị Hai"].unit_id, people["Lò Thị Hai"].sex) == (village.pk, "F")
    assert people["Tòng Văn Ba"].unit_path == "12/106/03412/"
    assert sorted(PersonNameKey.objects.filter(person=one).values_list("key", flat=True)) == [
        "lo van mot",
        "mot",
        "van mot",
    ]
    [event] = AuditEvent.objects.filter(action="import")
    assert (event.actor_username, event.unit_path) == (officer.username, TAM_DUONG)


def test_an_xlsx_file_imports_too(officer: Any) -> None:
    data = write_xlsx(title="ds", headers=["Họ tên", "Năm sinh", "Mã xã"], rows=[["Lò Văn Một", 1990, "03418"]])
    report = person_import(actor=officer, within=TAM_DUONG, data=data, filename="ds.xlsx")
    assert (report.created, report.errors) == (1, [])
    assert Person.objects.get().birth_year == 1990


def test_bad_rows_are_named_by_row_and_column_and_nothing_is_written(
    officer: Any, make_person: Any, tomorrow: str
) -> None:
    make_person(full_name="Người Có Sẵn")
    before = registry()
    report = run(
        officer,
        "Lò Văn Một,,1990,Nam,,,03418\n"  # row 2: fine
        f"Lò Văn Hai,{tomorrow},,Nam,,,03418\n"  # row 3: born tomorrow
        "Lò Văn Ba,31/02/1990,,Nam,,,03418\n"  # row 4: no such date
        "Lò Văn Bốn,,1990,Không biết,12345,0123,03418\n"  # row 5: sex, ID, phone
        "Lò Văn Năm,,1990,Nam,,,03454\n"  # row 6: Phong Thổ, outside Tam Đường
        ",,1990,Nam,,,03418\n",  # row 7: no name
        within=TAM_DUONG,
    )
    assert [(e["row"], e["field"]) for e in report.errors] == [
        (3, "birth_date"),
        (4, "birth_date"),
        (5, "sex"),
        (5, "national_id"),
        (5, "phone"),
        (6, "unit_code"),
        (7, "full_name"),
    ]
    assert report.errors[0]["message"] == "Ngày sinh không được ở tương lai."
    assert report.errors[1]["message"] == "Ngày sinh “31/02/1990” không đúng dạng dd/mm/yyyy."
    assert report.errors[5]["message"] == "Mã xã/thôn “03454” không có trong địa bàn."
    assert report.created == 0
    assert registry() == before


def test_duplicates_are_set_aside_and_the_rest_created(officer: Any, make_person: Any) -> None:
    by_id = make_person(full_name="Lò Văn Cũ", national_id="012090000123")
    by_name = make_person(full_name="Tòng Thị Ơn", birth_year=1975)
    by_phone = make_person(full_name="Hoàng Văn Lả", phone="0987654321")
    report = run(
        officer,
        "Lò Văn Khác,,,,012090000123,,03418\n"  # row 2: same CCCD as by_id
        "TONG THI ON,,1975,Nữ,,,03418\n"  # row 3: same folded name + year + commune
        "Hoang Van La,,,,,0987 654 321,03418\n"  # row 4: same phone + similar name
        "Giàng A Mới,,,,012190000999,,03418\n"  # row 5: new
        "Giàng A Mới Hai,,,,012190000999,,03418\n",  # row 6: same CCCD as row 5 of the file
        within=TAM_DUONG,
    )
    assert report.errors == []
    assert [(d["row"], d["reason"], d.get("person_id", d.get("row_match"))) for d in report.duplicates] == [
        (2, "national_id", by_id.pk),
        (3, "name_birth_commune", by_name.pk),
        (4, "phone_name", by_phone.pk),
        (6, "national_id_in_file", 5),
    ]
    assert report.created == 1
    assert Person.objects.filter(full_name="Giàng A Mới").count() == 1
    assert Person.objects.count() == 4


def test_a_bad_file_is_one_error_and_nothing_written(officer: Any) -> None:
    with pytest.raises(ApplicationError) as exc:
        person_import(actor=officer, within=TAM_DUONG, data=b"ten,tuoi\nA,3\n", filename="x.csv")
    assert (exc.value.code, [d["field"] for d in exc.value.details]) == (ErrorCode.BAD_FILE, ["columns.unit_code"])
    assert not Person.objects.exists()


def test_import_needs_the_import_permission(make_user: Any) -> None:
    with pytest.raises(ApplicationError) as exc:
        run(make_user("tracer", TAM_DUONG), "Lò Văn Một,,1990,Nam,,,03418\n", within=TAM_DUONG)
    assert exc.value.code == ErrorCode.PERMISSION_DENIED
    assert not Person.objects.exists()


@pytest.fixture
def tomorrow() -> str:
    import datetime as dt

    from chihuy.core import clock

    return (clock.today() + dt.timedelta(days=1)).strftime("%d/%m/%Y")
