"""Reading uploads: every problem with the file as a whole is one clear error naming the file or column."""

from __future__ import annotations

import datetime as dt
import io
import unicodedata

import pytest
from django.test import override_settings

from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.core.tabular import read_table, write_xlsx

ALIASES = {"ho_ten": "full_name", "ma_xa": "unit_code", "ngay_sinh": "birth_date"}
REQUIRED = ["full_name", "unit_code"]


def read(data: bytes, filename: str = "ds.csv", **kwargs: object) -> object:
    return read_table(data, filename=filename, required=REQUIRED, aliases=ALIASES, **kwargs)  # type: ignore[arg-type]


def cp1258(text: str) -> bytes:
    """Text as Excel's "CSV" saves it on a Vietnamese Windows: cp1258, tone marks as combining characters."""
    out = b""
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            base, *marks = unicodedata.normalize("NFD", ch)
            composed = unicodedata.normalize("NFC", base + "".join(m for m in marks if m in "\u0302\u0306\u031b"))
            out += composed.encode("cp1258") + "".join(m for m in marks if m not in "\u0302\u0306\u031b").encode(
                "cp1258"
            )
    return out


def error_of(data: bytes, filename: str = "ds.csv", **kwargs: object) -> ApplicationError:
    with pytest.raises(ApplicationError) as exc:
        read(data, filename, **kwargs)
    return exc.value


def test_csv_rows_are_keyed_by_folded_aliased_headers_with_file_row_numbers() -> None:
    data = "\ufeffHọ tên;Mã xã;Ghi chú\nLò Văn Pằn;03418;\n;;\nTòng Thị Ơn;03412;bản 2\n".encode()
    table = read(data)
    assert table.headers == ["full_name", "unit_code", "ghi_chu"]
    assert [(r.number, r.values) for r in table.rows] == [
        (2, {"full_name": "Lò Văn Pằn", "unit_code": "03418", "ghi_chu": ""}),
        (4, {"full_name": "Tòng Thị Ơn", "unit_code": "03412", "ghi_chu": "bản 2"}),
    ]


def test_xlsx_round_trip_with_dates_and_whole_numbers() -> None:
    data = write_xlsx(
        title="Danh sách",
        headers=["Họ tên", "Mã xã", "Ngày sinh"],
        rows=[["Lò Văn Pằn", 3418, dt.datetime(1990, 5, 17)], ["Tòng Thị Ơn", "03412", None]],
    )
    table = read(data, "ds.xlsx")
    assert [(r.number, r.values) for r in table.rows] == [
        (2, {"full_name": "Lò Văn Pằn", "unit_code": "3418", "birth_date": "1990-05-17"}),
        (3, {"full_name": "Tòng Thị Ơn", "unit_code": "03412", "birth_date": ""}),
    ]


@override_settings(CHIHUY_MAX_IMPORT_BYTES=2 * 1048576)
def test_oversized_upload_names_the_file_and_the_limit() -> None:
    exc = error_of(b"ho_ten,ma_xa\n" + b"x" * (2 * 1048576))
    assert exc.code == ErrorCode.UPLOAD_TOO_LARGE
    assert exc.http_status == 413
    assert exc.message == "Tệp quá lớn (2.0 MB); tối đa 2.0 MB."
    assert exc.details == [{"field": "file", "message": "Tệp quá lớn."}]


def test_explicit_size_limit_wins() -> None:
    exc = error_of(b"ho_ten,ma_xa\nA,1\n", max_bytes=10)
    assert exc.code == ErrorCode.UPLOAD_TOO_LARGE


def test_non_utf8_csv_says_so_and_how_to_fix_it() -> None:
    data = cp1258("Họ tên,Mã xã\nLò Văn Pằn,03418\n")
    assert data[:3] == b"Ho\xf2"  # "Họ": o + combining dot below
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    exc = error_of(data)
    assert exc.code == ErrorCode.BAD_FILE
    assert exc.details[0]["field"] == "file"
    assert exc.message.startswith("Tệp không phải mã UTF-8 (lỗi ở byte 2).")
    assert "CSV UTF-8" in exc.message


@pytest.mark.parametrize(
    "data",
    [b"PK\x03\x04 not really a zip", b"ho_ten,ma_xa\nA,1\n", io.BytesIO(b"\x00" * 64).getvalue()],
    ids=["broken zip", "csv named xlsx", "zeros"],
)
def test_malformed_xlsx_is_one_file_error(data: bytes) -> None:
    exc = error_of(data, "ds.xlsx")
    assert (exc.code, exc.message) == (ErrorCode.BAD_FILE, "Tệp Excel hỏng hoặc không phải .xlsx.")
    assert exc.details == [{"field": "file", "message": "Tệp Excel hỏng hoặc không phải .xlsx."}]


def test_missing_column_is_named() -> None:
    exc = error_of("Họ tên,Ngày sinh\nLò Văn Pằn,01/01/1990\n".encode())
    assert (exc.code, exc.message) == (ErrorCode.BAD_FILE, "Thiếu cột: unit_code.")
    assert exc.details == [{"field": "columns.unit_code", "message": "Thiếu cột bắt buộc."}]


def test_missing_columns_in_an_xlsx_are_named_too() -> None:
    data = write_xlsx(title="x", headers=["Ghi chú"], rows=[["a"]])
    exc = error_of(data, "ds.xlsx")
    assert [d["field"] for d in exc.details] == ["columns.full_name", "columns.unit_code"]


@pytest.mark.parametrize("data", [b"", b"  \n\r\n "], ids=["empty", "blank"])
def test_empty_file_is_refused(data: bytes) -> None:
    exc = error_of(data)
    assert (exc.code, exc.message, exc.details) == (
        ErrorCode.BAD_FILE,
        "Tệp rỗng.",
        [{"field": "file", "message": "Tệp rỗng."}],
    )


def test_other_file_kinds_are_refused() -> None:
    exc = error_of(b"%PDF-1.4 ...", "ds.pdf")
    assert exc.code == ErrorCode.BAD_FILE
    assert exc.details == [{"field": "file", "message": "Chỉ nhận tệp CSV (UTF-8) hoặc Excel (.xlsx)."}]


def test_binary_data_named_csv_is_refused() -> None:
    exc = error_of(b"ho_ten,ma_xa\nA\x00B,1\n")
    assert exc.code == ErrorCode.BAD_FILE
    assert exc.details[0]["field"] == "file"


def test_an_empty_first_sheet_is_refused() -> None:
    from openpyxl import Workbook

    out = io.BytesIO()
    Workbook().save(out)
    exc = error_of(out.getvalue(), "ds.xlsx")
    assert (exc.code, exc.message) == (ErrorCode.BAD_FILE, "Trang tính đầu tiên trống.")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("07/11/2021", dt.date(2021, 11, 7)),
        ("7.11.2021", dt.date(2021, 11, 7)),
        (" 7-11-2021 ", dt.date(2021, 11, 7)),
        ("2021-11-07 00:00:00", dt.date(2021, 11, 7)),
        ("31/02/2021", None),
        ("11/2021", None),
        ("", None),
    ],
)
def test_a_sheet_date_is_read_as_officials_type_it(text: str, expected: dt.date | None) -> None:
    from chihuy.core.tabular import parse_date

    assert parse_date(text) == expected
