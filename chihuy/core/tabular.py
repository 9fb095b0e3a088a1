"""Read an uploaded CSV or Excel file into rows keyed by folded header names, with row numbers.

Every problem with the file as a whole (size, encoding, format, missing columns) is one
ApplicationError naming it; problems with single rows are the importer's, reported by row number.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _

from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.core.text import fold


@dataclass
class Row:
    number: int  # as the user sees it in the file: the header is row 1
    values: dict[str, str]


@dataclass
class Table:
    headers: list[str]
    rows: list[Row]


def header_key(text: str) -> str:
    return fold(str(text or "")).replace(" ", "_")


def read_table(
    data: bytes | IO[bytes],
    *,
    filename: str,
    required: list[str],
    aliases: dict[str, str] | None = None,
    max_bytes: int | None = None,
) -> Table:
    """Parse CSV (UTF-8) or XLSX. `aliases` maps folded header names to canonical column names."""
    raw = data if isinstance(data, bytes) else data.read()
    check_upload(raw, filename=filename, max_bytes=max_bytes)
    if filename.lower().endswith((".xlsx", ".xlsm")):
        headers, body = _read_xlsx(raw)
    else:
        headers, body = _read_csv(raw)
    alias = aliases or {}
    keys = [alias.get(header_key(h), header_key(h)) for h in headers]
    missing = [c for c in required if c not in keys]
    if missing:
        raise ApplicationError(
            ErrorCode.BAD_FILE,
            _("Thiếu cột: %(cols)s.") % {"cols": ", ".join(missing)},
            [{"field": f"columns.{c}", "message": _("Thiếu cột bắt buộc.")} for c in missing],
        )
    rows: list[Row] = []
    for number, values in body:
        if not any(v.strip() for v in values):
            continue
        record = {keys[i]: (values[i].strip() if i < len(values) else "") for i in range(len(keys)) if keys[i]}
        rows.append(Row(number=number, values=record))
    return Table(headers=keys, rows=rows)


def check_upload(raw: bytes, *, filename: str, max_bytes: int | None = None) -> None:
    """What can be said of a file before reading it: its size, that it is not empty, its kind."""
    limit = max_bytes or settings.CHIHUY_MAX_IMPORT_BYTES
    if len(raw) > limit:
        raise ApplicationError(
            ErrorCode.UPLOAD_TOO_LARGE,
            _("Tệp quá lớn (%(size)s MB); tối đa %(limit)s MB.")
            % {"size": round(len(raw) / 1048576, 1), "limit": round(limit / 1048576, 1)},
            [{"field": "file", "message": _("Tệp quá lớn.")}],
        )
    if not raw.strip():
        raise ApplicationError.field("file", _("Tệp rỗng."), ErrorCode.BAD_FILE)
    if not filename.lower().endswith((".xlsx", ".xlsm", ".csv", ".txt")):
        raise ApplicationError.field("file", _("Chỉ nhận tệp CSV (UTF-8) hoặc Excel (.xlsx)."), ErrorCode.BAD_FILE)


def _read_csv(raw: bytes) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ApplicationError.field(
            "file",
            _(
                "Tệp không phải mã UTF-8 (lỗi ở byte %(pos)s). Trong Excel hãy chọn “Lưu thành” → "
                "“CSV UTF-8 (phân cách bằng dấu phẩy)”."
            )
            % {"pos": exc.start},
            ErrorCode.BAD_FILE,
        ) from exc
    if "\x00" in text:
        raise ApplicationError.field(
            "file", _("Tệp CSV chứa ký tự rỗng (NUL): có thể là tệp nhị phân."), ErrorCode.BAD_FILE
        )
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        headers = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise ApplicationError.field("file", _("Không đọc được dòng tiêu đề."), ErrorCode.BAD_FILE) from exc

    def body() -> Iterator[tuple[int, list[str]]]:
        try:
            for values in reader:
                yield reader.line_num, values
        except csv.Error as exc:
            raise ApplicationError(
                ErrorCode.BAD_FILE,
                _("CSV sai định dạng ở dòng %(row)s: %(err)s") % {"row": reader.line_num, "err": exc},
                [{"field": f"rows.{reader.line_num}", "message": str(exc)}],
            ) from exc

    return headers, _materialise(body())


def _materialise(rows: Iterator[tuple[int, list[str]]]) -> Iterator[tuple[int, list[str]]]:
    # Read everything now, so that a malformed line fails before any row is applied.
    return iter(list(rows))


def _read_xlsx(raw: bytes) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ApplicationError.field("file", _("Tệp Excel hỏng hoặc không phải .xlsx."), ErrorCode.BAD_FILE) from exc
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    try:
        headers = [_cell(v) for v in next(rows)]
    except StopIteration as exc:
        raise ApplicationError.field("file", _("Trang tính đầu tiên trống."), ErrorCode.BAD_FILE) from exc
    body = [(i, [_cell(v) for v in values]) for i, values in enumerate(rows, start=2)]
    workbook.close()
    return headers, iter(body)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return (
            value.isoformat()[:10] if hasattr(value, "hour") and not (value.hour or value.minute) else value.isoformat()
        )
    return str(value)


def write_xlsx(*, title: str, headers: list[str], rows: list[list[Any]]) -> bytes:
    """A simple one-sheet workbook with a bold frozen header row."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook(write_only=False)
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for row in rows:
        sheet.append(row)
    for i, header in enumerate(headers, start=1):
        width = max([len(str(header))] + [len(str(r[i - 1])) for r in rows[:200] if i - 1 < len(r)])
        sheet.column_dimensions[sheet.cell(row=1, column=i).column_letter].width = min(60, width + 2)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


_DATE_PARTS = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})")


def parse_date(text: str) -> dt.date | None:
    """A date as officials type it in a sheet: "07/11/2021", "7.11.2021", "7-11-2021", or ISO "2021-11-07" (what
    Excel cells become); None when it is none of these or not a real date."""
    text = (text or "").strip()
    try:
        if match := _DATE_PARTS.match(text):
            day, month, year = match.groups()
            return dt.date(int(year), int(month), int(day))
        if iso := _ISO_DATE.match(text):
            year, month, day = iso.groups()
            return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None
    return None
