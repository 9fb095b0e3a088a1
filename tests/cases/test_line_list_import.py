"""Import of a historical line list of cases: chains and clusters rebuilt exactly, row errors named with
nothing written, re-upload idempotent, duplicates queued, cycles refused, jurisdiction kept.

The fixture is SHAPED LIKE Vietnam's public patient list of early 2020 (numbers BN1…BN40, a handful of
imported cases, a village cluster, a returning-flight cluster, a hospital cluster; infectors written "BN17",
"NB 3", "bn-6", "9"; a three-month-old baby) but is NOT COPIED from it: ages, dates and links are made up.
That list is national; ours is set on real Lai Châu units (GSO codes as in tests/conftest.py), the demo
province.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from chihuy.accounts.roles import Role
from chihuy.cases.enums import CaseStatus, DetectionWay
from chihuy.cases.imports import case_line_list_import, normalize_case_number, split_infectors
from chihuy.cases.models import Case, CaseSource, Cluster
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.core.models import AuditEvent, Job, JobStatus
from chihuy.core.tabular import write_xlsx
from tests.conftest import BAN_GIANG, BINH_LU, LAI_CHAU, MUONG_SO, PHONG_THO, TAM_DUONG, session_client

HEADERS = [
    "Mã bệnh nhân",
    "Tuổi",
    "Giới tính",
    "Tỉnh",
    "Huyện",
    "Xã",
    "Ngày phát hiện",
    "Ngày lấy mẫu",
    "Ngày khởi phát",
    "Hình thức phát hiện",
    "Nguồn lây",
    "Ổ dịch",
    "Tình trạng",
]
SL = "Ổ dịch Sơn Lôi"
VN = "Ổ dịch chuyến bay VN0054"
BM = "Ổ dịch Bạch Mai"
LC = "Lai Châu"
TP, TD, PT, BG, TPH = "Thành phố Lai Châu", "Tam Đường", "Phong Thổ", "Bản Giang", "Phường Tân Phong"
NC, CD, VD, K, MT = "Nhập cảnh", "Cộng đồng", "Từ vùng dịch về", "Khỏi", "Mường Tè"
# fmt: off
LINE_LIST = [
    ("BN1", "66", "Nam", LC, TP, "", "23/01/2020", "22/01/2020", "17/01/2020", NC, "", "", "Khỏi bệnh"),
    ("BN2", "28", "Nam", LC, "TP Lai Châu", TPH, "23/01/2020", "22/01/2020", "20/01/2020", "Sàng lọc", "BN1", "", K),
    ("BN3", "25", "Nữ", LC, TD, "", "30/01/2020", "29/01/2020", "25/01/2020", "Nhập cảnh (từ vùng dịch về)", "", "", K),
    ("BN4", "29", "Nam", LC, "Huyện Tam Đường", "", "30/01/2020", "29/01/2020", "", VD, "", "", K),
    ("BN5", "23", "Nữ", LC, TD, "", "31/01/2020", "30/01/2020", "", VD, "", "", K),
    ("BN6", "42", "Nữ", LC, TD, BG, "01/02/2020", "31/01/2020", "29/01/2020", CD, "BN3", SL, K),
    ("BN7", "73", "Nam", LC, PT, "", "01/02/2020", "", "", NC, "", "", K),
    ("BN8", "29", "Nữ", LC, TD, "", "04/02/2020", "03/02/2020", "", VD, "", "", K),
    ("BN9", "30", "Nữ", LC, TD, BG, "04/02/2020", "03/02/2020", "", CD, "NB 3", SL, K),
    ("BN10", "49", "Nữ", LC, TD, BG, "06/02/2020", "05/02/2020", "03/02/2020", CD, "bn-6", SL, K),
    ("BN11", "3 tháng", "Nữ", LC, TD, BG, "07/02/2020", "06/02/2020", "", CD, "BN6", SL, K),
    ("BN12", "16", "Nữ", LC, TD, "Bình Lư", "08/02/2020", "07/02/2020", "", CD, "9", SL, K),
    ("BN13", "42", "Nam", LC, TD, BG, "09/02/2020", "08/02/2020", "", CD, "BN10 và BN11", SL, K),
    ("BN14", "55", "Nữ", LC, TD, BG, "10/02/2020", "09/02/2020", "", "Trong khu cách ly", "BN10; BN13", SL, K),
    ("BN15", "1", "Nữ", LC, TD, BG, "11/02/2020", "10/02/2020", "", "Trong khu phong tỏa", "BN14", SL, K),
    ("BN16", "50", "Nam", LC, TD, BG, "13/02/2020", "12/02/2020", "", "Phong tỏa", "BN14", SL, K),
    ("BN17", "26", "Nữ", LC, TP, TPH, "06/03/2020", "05/03/2020", "02/03/2020", NC, "", VN, ""),
    ("BN18", "27", "Nữ", LC, TP, "", "07/03/2020", "", "", NC, "", VN, ""),
    ("BN19", "64", "Nữ", LC, TP, TPH, "07/03/2020", "06/03/2020", "", CD, "BN17", VN, ""),
    ("BN20", "27", "Nam", LC, TP, "", "07/03/2020", "06/03/2020", "", CD, "BN 17", VN, ""),
    ("BN21", "61", "Nam", LC, PT, "Mường So", "08/03/2020", "07/03/2020", "", "Khu cách ly", "BN17", VN, ""),
    ("BN22", "25", "Nam", LC, PT, "", "08/03/2020", "07/03/2020", "", NC, "", "", ""),
    ("BN23", "66", "Nam", LC, TD, "", "08/03/2020", "07/03/2020", "", NC, "", "", ""),
    ("BN24", "49", "Nữ", LC, PT, "", "09/03/2020", "08/03/2020", "", NC, "", VN, ""),
    ("BN25", "60", "Nữ", LC, PT, "", "09/03/2020", "08/03/2020", "", NC, "", VN, ""),
    ("BN26", "24", "Nữ", LC, "Sìn Hồ", "", "09/03/2020", "08/03/2020", "", NC, "", VN, ""),
    ("BN27", "50", "Nữ", LC, "Sìn Hồ", "", "09/03/2020", "08/03/2020", "", NC, "", VN, ""),
    ("BN28", "30", "Nam", LC, "Than Uyên", "", "09/03/2020", "08/03/2020", "", NC, "", VN, ""),
    ("BN29", "58", "Nam", LC, "Than Uyên", "", "10/03/2020", "09/03/2020", "", "Khu cách ly", "BN28", VN, ""),
    ("BN30", "36", "Nam", LC, "Tân Uyên", "", "10/03/2020", "09/03/2020", "", NC, "", "", ""),
    ("BN31", "49", "Nữ", LC, "Tân Uyên", "", "20/03/2020", "19/03/2020", "15/03/2020", "Bệnh viện", "", BM, ""),
    ("BN32", "24", "Nữ", LC, TP, "", "21/03/2020", "20/03/2020", "", "Bệnh viện", "BN31", BM, ""),
    ("BN33", "37", "Nữ", LC, "Nậm Nhùn", "", "22/03/2020", "21/03/2020", "", "Cơ sở y tế", "BN31", BM, ""),
    ("BN34", "85", "Nam", LC, MT, "", "22/03/2020", "21/03/2020", "18/03/2020", "BV", "BN31, BN32", BM, "Tử vong"),
    ("BN35", "41", "Nam", LC, "Nậm Nhùn", "", "23/03/2020", "22/03/2020", "", CD, "BN33", BM, ""),
    ("BN36", "20", "Nữ", LC, "Nậm Nhùn", "", "24/03/2020", "23/03/2020", "", CD, "BN 35", BM, ""),
    ("BN37", "59", "Nữ", LC, "Mường Tè", "", "24/03/2020", "23/03/2020", "", "Khu cách ly", "bn34", BM, ""),
    ("BN38", "33", "Nam", LC, "Mường Tè", "", "25/03/2020", "24/03/2020", "", "Khu cách ly", "37", BM, ""),
    ("BN39", "8", "Nam", LC, "Mường Tè", "", "26/03/2020", "25/03/2020", "", "Khu cách ly", "BN38 và BN36", BM, ""),
    ("BN40", "", "", LC, "Mường Tè", "", "27/03/2020", "26/03/2020", "", "", "BN39", BM, ""),
]
# fmt: on
CHAINS = {
    ("BN1", "BN2"),
    ("BN3", "BN6"),
    ("BN3", "BN9"),
    ("BN6", "BN10"),
    ("BN6", "BN11"),
    ("BN9", "BN12"),
    ("BN10", "BN13"),
    ("BN11", "BN13"),
    ("BN10", "BN14"),
    ("BN13", "BN14"),
    ("BN14", "BN15"),
    ("BN14", "BN16"),
    ("BN17", "BN19"),
    ("BN17", "BN20"),
    ("BN17", "BN21"),
    ("BN28", "BN29"),
    ("BN31", "BN32"),
    ("BN31", "BN33"),
    ("BN31", "BN34"),
    ("BN32", "BN34"),
    ("BN33", "BN35"),
    ("BN35", "BN36"),
    ("BN34", "BN37"),
    ("BN37", "BN38"),
    ("BN38", "BN39"),
    ("BN36", "BN39"),
    ("BN39", "BN40"),
}
CLUSTERS = {
    SL: {f"BN{n}" for n in (6, 9, 10, 11, 12, 13, 14, 15, 16)},
    VN: {f"BN{n}" for n in (17, 18, 19, 20, 21, 24, 25, 26, 27, 28, 29)},
    BM: {f"BN{n}" for n in range(31, 41)},
}


def csv_bytes(rows: list[tuple[str, ...]], headers: list[str] = HEADERS) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode()


def row(number: str, **values: str) -> tuple[str, ...]:
    """A valid row of a case in Bản Giang, with some columns changed."""
    base = dict(zip(HEADERS, ["", "40", "Nam", LC, TD, BG, "01/11/2021", "", "", "", "", "", ""], strict=True))
    base["Mã bệnh nhân"] = number
    keys = {
        "tuoi": "Tuổi",
        "tinh": "Tỉnh",
        "huyen": "Huyện",
        "xa": "Xã",
        "phat_hien": "Ngày phát hiện",
        "lay_mau": "Ngày lấy mẫu",
        "khoi_phat": "Ngày khởi phát",
        "nguon": "Nguồn lây",
        "o_dich": "Ổ dịch",
    }
    for key, value in values.items():
        base[keys[key]] = value
    return tuple(base[h] for h in HEADERS)


@pytest.fixture
def province_officer(make_user: Callable[..., Any]) -> Any:
    return make_user(Role.HEALTH_OFFICER, LAI_CHAU)


def run(actor: Any, data: bytes, filename: str = "ds-benh-nhan.csv") -> Any:
    return case_line_list_import(actor=actor, within=actor.unit_path, data=data, filename=filename)


def pairs() -> set[tuple[str, str]]:
    return set(CaseSource.objects.values_list("infector__number", "infectee__number"))


def test_the_line_list_imports_with_its_chains_and_clusters_intact(province_officer: Any) -> None:
    report = run(province_officer, csv_bytes(LINE_LIST))

    assert report.errors == []
    assert (report.total_rows, report.created, report.skipped, report.links) == (40, 40, 0, 27)
    assert report.duplicates == []
    assert report.clusters_created == [SL, VN, BM]
    assert report.way_defaulted == 1  # BN40 has no detection way: counted, not hidden
    assert pairs() == CHAINS
    clusters = {c.name: c for c in Cluster.objects.all()}
    assert set(clusters) == set(CLUSTERS)
    for name, members in CLUSTERS.items():
        assert set(Case.objects.filter(cluster=clusters[name]).values_list("number", flat=True)) == members
        assert clusters[name].unit_path == LAI_CHAU  # the importer's unit
    assert (clusters[SL].opened_on, clusters[SL].last_case_on) == (dt.date(2020, 2, 1), dt.date(2020, 2, 13))
    assert (clusters[BM].opened_on, clusters[BM].last_case_on) == (dt.date(2020, 3, 20), dt.date(2020, 3, 27))
    assert not Case.objects.filter(person__isnull=False).exists()  # anonymised: no person records

    cases = {c.number: c for c in Case.objects.all()}
    assert {n: cases[n].unit_path for n in ("BN1", "BN2", "BN3", "BN6", "BN12", "BN21", "BN26")} == {
        "BN1": "12/105/",
        "BN2": "12/105/03387/",  # Phường Tân Phong
        "BN3": TAM_DUONG,
        "BN6": BAN_GIANG,
        "BN12": BINH_LU,
        "BN21": MUONG_SO,
        "BN26": "12/108/",  # Sìn Hồ
    }
    assert (cases["BN11"].age, cases["BN11"].sex) == (0, "F")
    assert (cases["BN40"].age, cases["BN40"].sex) == (None, "U")
    assert {n: cases[n].detection_way for n in ("BN1", "BN3", "BN6", "BN14", "BN15", "BN31", "BN33", "BN40")} == {
        "BN1": DetectionWay.IMPORTED,
        "BN3": DetectionWay.IMPORTED,
        "BN6": DetectionWay.COMMUNITY,
        "BN14": DetectionWay.QUARANTINE,
        "BN15": DetectionWay.LOCKDOWN,
        "BN31": DetectionWay.HOSPITAL,
        "BN33": DetectionWay.HOSPITAL,
        "BN40": DetectionWay.COMMUNITY,
    }
    # The infectious window: 2 days before onset, else before the sample, else before detection.
    assert cases["BN1"].infectious_from == dt.date(2020, 1, 15)
    assert cases["BN4"].infectious_from == dt.date(2020, 1, 27)
    assert cases["BN7"].infectious_from == dt.date(2020, 1, 30)
    assert cases["BN7"].sample_date is None  # not invented
    assert [cases[n].source_known for n in ("BN1", "BN2", "BN17", "BN39")] == [False, True, False, True]
    assert [cases[n].status for n in ("BN1", "BN17", "BN34")] == [
        CaseStatus.RECOVERED,
        CaseStatus.ACTIVE,
        CaseStatus.DIED,
    ]
    assert cases["BN1"].detected_at.date() == dt.date(2020, 1, 23)
    assert cases["BN1"].created_by == province_officer
    event = AuditEvent.objects.get(action="import", object_type="cases.case")
    assert event.details["created"] == 40
    assert (event.details["links"], event.details["clusters_created"], event.details["skipped"]) == (27, 3, 0)
    assert event.actor == province_officer


def test_every_bad_row_is_named_by_row_and_column_and_nothing_is_written(province_officer: Any) -> None:
    rows = [
        row("BN1"),
        row("BN2", tinh="Hà Nội"),
        row("BN3", huyen="Điện Biên Phủ"),
        row("BN4", phat_hien="05/11/2021", lay_mau="06/11/2021"),
        row("BN5", khoi_phat="15/11/2021"),
        row("BN6", tuoi="bốn mươi"),
        row("bn 1", o_dich="Ổ dịch Bản Giang"),
        row("BN7", nguon="BN1, BN999"),
        row("BN8", nguon="BN1 hoặc BN2"),
        row("BN9", phat_hien="31/02/2021"),
    ]
    report = run(province_officer, csv_bytes(rows))

    assert [(e["row"], e["field"], e["message"]) for e in report.errors] == [
        (3, "tinh", "Không tìm thấy tỉnh “Hà Nội”."),
        (4, "huyen", "Không tìm thấy huyện “Điện Biên Phủ” (Tỉnh Lai Châu)."),
        (5, "ngay_lay_mau", "Ngày lấy mẫu sau ngày phát hiện."),
        (6, "ngay_khoi_phat", "Ngày khởi phát không được ở tương lai."),
        (7, "tuoi", "Tuổi “bốn mươi” không hợp lệ (0–120)."),
        (8, "so_ca", "Số ca BN1 trùng với dòng 2."),
        (9, "nguon_lay", "Ca nguồn BN999 không có trong tệp và chưa có trong hệ thống."),
        (10, "nguon_lay", "Nguồn lây “BN1 hoặc BN2” không phải số ca (ví dụ: BN17)."),
        (11, "ngay_phat_hien", "Thiếu hoặc sai ngày phát hiện (dd/mm/yyyy)."),
    ]
    assert report.created == 0
    assert not Case.objects.exists()
    assert not CaseSource.objects.exists()
    assert not Cluster.objects.exists()
    assert not AuditEvent.objects.filter(action="import").exists()


def test_a_re_upload_is_idempotent(province_officer: Any) -> None:
    data = csv_bytes(LINE_LIST)
    run(province_officer, data)
    ids = sorted(Case.objects.values_list("pk", flat=True))

    again = run(province_officer, data)

    assert again.errors == []
    assert (again.created, again.skipped, again.links, again.duplicates) == (0, 40, 0, [])
    assert (again.clusters_created, again.clusters_joined) == ([], [])
    assert sorted(Case.objects.values_list("pk", flat=True)) == ids
    assert pairs() == CHAINS
    assert Cluster.objects.count() == 3


def test_the_same_number_with_different_data_is_queued_not_written(province_officer: Any) -> None:
    run(province_officer, csv_bytes(LINE_LIST))
    changed = [list(r) for r in LINE_LIST]
    changed[12][1] = "43"  # BN13 a year older
    changed[12][10] = "BN10"  # and one infector fewer
    new = row("BN41", phat_hien="28/03/2020", lay_mau="27/03/2020", nguon="BN 40", o_dich=BM)

    report = run(province_officer, csv_bytes([tuple(r) for r in changed] + [new]))

    assert report.errors == []
    bn13 = Case.objects.get(number="BN13")
    assert report.duplicates == [
        {"row": 14, "number": "BN13", "reason": "different_data", "case_id": bn13.pk, "fields": ["tuoi", "nguon_lay"]}
    ]
    assert (report.created, report.skipped, report.links, report.clusters_joined) == (1, 39, 1, [BM])
    assert bn13.age == 42  # untouched
    assert pairs() == CHAINS | {("BN40", "BN41")}
    assert Case.objects.get(number="BN41").cluster.name == BM


def test_an_infector_already_stored_is_linked(province_officer: Any) -> None:
    run(province_officer, csv_bytes(LINE_LIST))
    report = run(province_officer, csv_bytes([row("BN41", nguon="17; bn-19", phat_hien="09/03/2020")]))
    assert (report.errors, report.created, report.links) == ([], 1, 2)
    assert pairs() == CHAINS | {("BN17", "BN41"), ("BN19", "BN41")}


def test_cycles_in_the_infector_links_are_refused_naming_the_rows(province_officer: Any) -> None:
    rows = [
        row("BN1", nguon="BN2"),
        row("BN2", nguon="BN1"),
        row("BN3", nguon="BN1"),
        row("BN4", nguon="BN6"),
        row("BN5", nguon="BN4"),
        row("BN6", nguon="BN5"),
        row("BN7", nguon="BN7"),
    ]
    report = run(province_officer, csv_bytes(rows))
    assert [(e["row"], e["field"], e["message"]) for e in report.errors] == [
        (2, "nguon_lay", "Nguồn lây tạo vòng lặp giữa các ca BN1, BN2 (dòng 2, 3)."),
        (3, "nguon_lay", "Nguồn lây tạo vòng lặp giữa các ca BN1, BN2 (dòng 2, 3)."),
        (5, "nguon_lay", "Nguồn lây tạo vòng lặp giữa các ca BN4, BN5, BN6 (dòng 5, 6, 7)."),
        (6, "nguon_lay", "Nguồn lây tạo vòng lặp giữa các ca BN4, BN5, BN6 (dòng 5, 6, 7)."),
        (7, "nguon_lay", "Nguồn lây tạo vòng lặp giữa các ca BN4, BN5, BN6 (dòng 5, 6, 7)."),
        (8, "nguon_lay", "Ca BN7 không thể là nguồn lây của chính nó."),
    ]
    assert not Case.objects.exists()


def test_a_district_user_cannot_import_into_another_district(make_user: Callable[..., Any]) -> None:
    district_officer = make_user(Role.HEALTH_OFFICER, TAM_DUONG)
    rows = [
        row("BN1"),
        row("BN2", huyen="Phong Thổ", xa="Mường So"),
        row("BN3", huyen="Phong Thổ", xa=""),
        row("BN4", huyen="", xa=""),  # the province alone: above the user's district
    ]
    report = run(district_officer, csv_bytes(rows))
    assert [(e["row"], e["field"], e["message"]) for e in report.errors] == [
        (3, "xa", "“Xã Mường So” không thuộc địa bàn của bạn."),
        (4, "huyen", "“Huyện Phong Thổ” không thuộc địa bàn của bạn."),
        (5, "tinh", "“Tỉnh Lai Châu” không thuộc địa bàn của bạn."),
    ]
    assert not Case.objects.exists()

    ok = run(district_officer, csv_bytes([row("BN1", o_dich="Ổ dịch Bản Giang")]))
    assert (ok.errors, ok.created) == ([], 1)
    assert Cluster.objects.get().unit_path == TAM_DUONG
    assert not Case.objects.filter(unit_path__startswith=PHONG_THO).exists()


def test_a_stored_number_outside_the_area_is_queued_without_its_data(
    province_officer: Any, make_user: Callable[..., Any]
) -> None:
    run(province_officer, csv_bytes([row("BN1", huyen="Phong Thổ", xa="Mường So")]))
    district_officer = make_user(Role.HEALTH_OFFICER, TAM_DUONG)
    report = run(district_officer, csv_bytes([row("BN1")]))
    assert report.duplicates == [{"row": 2, "number": "BN1", "reason": "other_area", "fields": []}]
    assert report.created == 0


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("BN123", "BN123"),
        ("NB 123", "BN123"),
        ("bn-123", "BN123"),
        ("123", "BN123"),
        ("BN0017", "BN17"),
        ("Bệnh nhân 17", "BN17"),
        (" bn 17 ", "BN17"),
        ("CH000012", "CH000012"),
    ],
)
def test_case_numbers_are_normalised(text: str, number: str) -> None:
    assert normalize_case_number(text) == number


def test_infectors_are_split_on_commas_semicolons_and_va() -> None:
    assert split_infectors("BN17, NB 18; 19 và bn-20 và BN17") == ["BN17", "BN18", "BN19", "BN20"]
    assert split_infectors("") == []
    with pytest.raises(ValueError):
        split_infectors("BN17, tiếp xúc F1")


def test_an_excel_file_with_other_header_spellings_imports(province_officer: Any) -> None:
    data = write_xlsx(
        title="DS",
        headers=["Số ca", "Năm sinh", "Giới", "Tỉnh/TP", "Quận/Huyện", "Mã xã", "Ngày xác định", "Lây từ"],
        rows=[
            ["BN1", 1980, "Nam", "Lai Châu", "Tam Đường", "03418", dt.datetime(2021, 11, 1), ""],
            ["BN2", 1990, "Nữ", "Lai Châu", "Tam Đường", "3412", dt.datetime(2021, 11, 2), "BN1"],
        ],
    )
    report = run(province_officer, data, filename="ds.xlsx")
    assert report.errors == []
    assert list(Case.objects.order_by("number").values_list("number", "age", "unit_path")) == [
        ("BN1", 41, BAN_GIANG),
        ("BN2", 31, BINH_LU),
    ]
    assert pairs() == {("BN1", "BN2")}


def test_import_needs_the_case_import_permission(make_user: Callable[..., Any]) -> None:
    tracer = make_user(Role.TRACER, BAN_GIANG)
    with pytest.raises(ApplicationError) as caught:
        run(tracer, csv_bytes([row("BN1")]))
    assert caught.value.code == ErrorCode.PERMISSION_DENIED
    assert not Case.objects.exists()


# --- the screen and the API ---------------------------------------------------------------------------


def test_the_import_screen_imports_a_small_file_and_offers_the_template(province_officer: Any) -> None:
    client = session_client(province_officer)
    page = client.get("/cases/import/")
    assert page.status_code == 200
    assert 'id="case-import-template"' in page.content.decode()

    template = client.get("/cases/import/mau.xlsx")
    assert template.status_code == 200
    sheet = load_workbook(io.BytesIO(template.content)).active
    assert sheet is not None
    assert [c.value for c in sheet[1]][:3] == ["so_ca", "tuoi", "nam_sinh"]

    upload = SimpleUploadedFile("ds.csv", csv_bytes(LINE_LIST))
    response = client.post("/cases/import/", {"file": upload})
    assert response.status_code == 200
    body = response.content.decode()
    assert '<strong id="case-import-created">40</strong>' in body
    assert Case.objects.count() == 40

    bad = SimpleUploadedFile("ds.csv", csv_bytes([row("BN50", tinh="Hà Nội")]))
    body = client.post("/cases/import/", {"file": bad}).content.decode()
    assert 'id="case-import-errors"' in body
    assert "Không tìm thấy tỉnh “Hà Nội”." in body
    assert Case.objects.count() == 40


def test_the_import_screen_is_refused_without_the_permission(make_user: Callable[..., Any]) -> None:
    tracer = make_user(Role.TRACER, BAN_GIANG)
    client = session_client(tracer)
    assert client.get("/cases/import/").status_code == 403
    upload = SimpleUploadedFile("ds.csv", csv_bytes([row("BN1")]))
    assert client.post("/cases/import/", {"file": upload}).status_code == 403
    assert not Case.objects.exists()


def test_a_background_import_from_the_screen_shows_its_job(
    province_officer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = session_client(province_officer)
    upload = SimpleUploadedFile("ds.csv", csv_bytes(LINE_LIST))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/cases/import/", {"file": upload, "background": "1"})
    assert response.status_code == 302
    job = Job.objects.get()
    assert response["Location"] == f"/jobs/{job.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert '<strong id="case-import-created">40</strong>' in page
    assert pairs() == CHAINS


def test_the_api_queues_a_job_and_reports_progress(
    province_officer: Any, api_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = api_client(province_officer)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post("/api/case-imports", {"file": SimpleUploadedFile("ds.csv", csv_bytes(LINE_LIST))})
    assert len(callbacks) == 1
    assert response.status_code == 202, response.content
    job_id = response.json()["job_id"]
    assert response.json()["status_url"] == f"/api/case-imports/{job_id}"
    body = client.get(f"/api/case-imports/{job_id}").json()
    assert (body["status"], body["done"], body["total"], body["percent"]) == (JobStatus.SUCCEEDED, 40, 40, 100)
    assert (body["result"]["created"], body["result"]["links"]) == (40, 27)
    assert client.get(f"/api/jobs/{job_id}").json()["kind"] == "cases.import"
    assert pairs() == CHAINS


def test_an_api_import_with_a_bad_row_fails_its_job_and_writes_nothing(
    province_officer: Any, api_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = api_client(province_officer)
    data = csv_bytes([row("BN1"), row("BN2", nguon="BN3")])
    with django_capture_on_commit_callbacks(execute=True):
        job_id = client.post("/api/case-imports", {"file": SimpleUploadedFile("ds.csv", data)}).json()["job_id"]
    body = client.get(f"/api/case-imports/{job_id}").json()
    assert body["status"] == JobStatus.FAILED
    assert body["result"]["errors"] == [
        {"row": 3, "field": "nguon_lay", "message": "Ca nguồn BN3 không có trong tệp và chưa có trong hệ thống."}
    ]
    assert not Case.objects.exists()


def test_the_api_refuses_an_import_without_the_permission(make_user: Callable[..., Any], api_client: Any) -> None:
    tracer = make_user(Role.TRACER, BAN_GIANG)
    response = api_client(tracer).post(
        "/api/case-imports", {"file": SimpleUploadedFile("ds.csv", csv_bytes([row("BN1")]))}
    )
    assert response.status_code == 403
    assert not Job.objects.exists()


def test_imported_cases_without_a_person_are_not_overdue_5s_steps(province_officer: Any) -> None:
    from chihuy.cases.selectors import fives_overdue

    run(province_officer, csv_bytes([row("BN1", phat_hien="01/11/2021")]))
    assert Case.objects.get(number="BN1").status == CaseStatus.ACTIVE
    assert fives_overdue(actor=province_officer) == []


def test_imported_cases_show_on_the_case_screens(province_officer: Any) -> None:
    run(province_officer, csv_bytes(LINE_LIST))
    client = session_client(province_officer)
    bn13 = Case.objects.get(number="BN13")
    assert client.get("/cases/").status_code == 200
    page = client.get(f"/cases/{bn13.pk}/")
    assert page.status_code == 200
    assert "BN13" in page.content.decode()
    cluster = Cluster.objects.get(name=SL)
    assert client.get(f"/clusters/{cluster.pk}/").status_code == 200
    graph = client.get(f"/clusters/{cluster.pk}/graph.json").json()
    label = {n["id"]: n["label"] for n in graph["nodes"]}
    drawn = {(label[e["source"]], label[e["target"]]) for e in graph["edges"] if e["kind"] == "transmission"}
    assert drawn == {(a, b) for a, b in CHAINS if a in CLUSTERS[SL] and b in CLUSTERS[SL]}
