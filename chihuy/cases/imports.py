"""Import a line list of historical cases (the public "BN…" lists of 2020–2021) from CSV or Excel: every row
validated first, the infector chains and the clusters rebuilt, nothing written if any row is wrong.

Historical lists are anonymised: a case is created without a person record (its age and sex stay on the
case), so no contact or F-level follows from it; the chains are CaseSource rows (infector → infectee). A
number already stored with the same data is skipped, so re-uploading a file is harmless; the same number
with different data is set aside for review, never overwritten.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chihuy.accounts.access import has_perm, require_perm, view_path
from chihuy.accounts.roles import Perm
from chihuy.cases.enums import CaseStatus, DetectionWay
from chihuy.cases.models import Case, CaseSource, Cluster
from chihuy.cases.rules import infectious_window
from chihuy.cases.services.clusters import cluster_add_cases, cluster_create
from chihuy.core import clock
from chihuy.core.audit import audit_record
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.core.tabular import read_table
from chihuy.core.text import clean_name, fold
from chihuy.people.imports import SEX_WORDS
from chihuy.places.enums import UnitLevel
from chihuy.places.models import Unit

CASE_IMPORT = "cases.import"

# The columns of the template, in order; ALIASES folds the headers real lists use onto them.
COLUMNS = [
    "so_ca",
    "tuoi",
    "nam_sinh",
    "gioi_tinh",
    "tinh",
    "huyen",
    "xa",
    "ma_don_vi",
    "ngay_phat_hien",
    "ngay_lay_mau",
    "ngay_khoi_phat",
    "hinh_thuc",
    "noi_phat_hien",
    "nguon_lay",
    "o_dich",
    "tinh_trang",
    "ho_ten",
]
REQUIRED = ["so_ca", "ngay_phat_hien"]
ALIASES = {
    **{c: c for c in COLUMNS},
    "ma_benh_nhan": "so_ca",
    "ma_bn": "so_ca",
    "benh_nhan": "so_ca",
    "bn": "so_ca",
    "so_benh_nhan": "so_ca",
    "ma_ca": "so_ca",
    "ma_so_ca": "so_ca",
    "ca_benh": "so_ca",
    "ca_so": "so_ca",
    "case_number": "so_ca",
    "tuoi_benh_nhan": "tuoi",
    "age": "tuoi",
    "birth_year": "nam_sinh",
    "gioi": "gioi_tinh",
    "sex": "gioi_tinh",
    "tinh_thanh": "tinh",
    "tinh_thanh_pho": "tinh",
    "tinh_tp": "tinh",
    "province": "tinh",
    "quan_huyen": "huyen",
    "huyen_thi_xa": "huyen",
    "quan": "huyen",
    "district": "huyen",
    "xa_phuong": "xa",
    "phuong_xa": "xa",
    "xa_phuong_thi_tran": "xa",
    "phuong": "xa",
    "commune": "xa",
    "ma_xa": "ma_don_vi",
    "unit_code": "ma_don_vi",
    "ngay_xac_dinh": "ngay_phat_hien",
    "ngay_duong_tinh": "ngay_phat_hien",
    "ngay_xac_nhan": "ngay_phat_hien",
    "ngay_cong_bo": "ngay_phat_hien",
    "ngay_phat_hien_duong_tinh": "ngay_phat_hien",
    "detected_on": "ngay_phat_hien",
    "sample_date": "ngay_lay_mau",
    "ngay_khoi_phat_trieu_chung": "ngay_khoi_phat",
    "onset_date": "ngay_khoi_phat",
    "hinh_thuc_phat_hien": "hinh_thuc",
    "phat_hien": "hinh_thuc",
    "detection_way": "hinh_thuc",
    "noi_phat_hien_ca_benh": "noi_phat_hien",
    "nguon_lay_nhiem": "nguon_lay",
    "lay_tu": "nguon_lay",
    "lay_nhiem_tu": "nguon_lay",
    "ca_nguon": "nguon_lay",
    "nguon": "nguon_lay",
    "infector": "nguon_lay",
    "infectors": "nguon_lay",
    "cum_dich": "o_dich",
    "chum_ca_benh": "o_dich",
    "cluster": "o_dich",
    "trang_thai": "tinh_trang",
    "ket_qua_dieu_tri": "tinh_trang",
    "ho_va_ten": "ho_ten",
}

# Searched in this order inside the folded text: "nhập cảnh, cách ly ngay" is an imported case.
WAY_WORDS: list[tuple[str, str]] = [
    ("nhap canh", DetectionWay.IMPORTED),
    ("vung dich", DetectionWay.IMPORTED),
    ("nuoc ngoai", DetectionWay.IMPORTED),
    ("imported", DetectionWay.IMPORTED),
    ("phong toa", DetectionWay.LOCKDOWN),
    ("lockdown", DetectionWay.LOCKDOWN),
    ("cach ly", DetectionWay.QUARANTINE),
    ("quarantine", DetectionWay.QUARANTINE),
    ("chot", DetectionWay.CHECKPOINT),
    ("kiem dich", DetectionWay.CHECKPOINT),
    ("checkpoint", DetectionWay.CHECKPOINT),
    ("benh vien", DetectionWay.HOSPITAL),
    ("co so y te", DetectionWay.HOSPITAL),
    ("tram y te", DetectionWay.HOSPITAL),
    ("phong kham", DetectionWay.HOSPITAL),
    ("hospital", DetectionWay.HOSPITAL),
    (" bv ", DetectionWay.HOSPITAL),  # "BV Bạch Mai": a whole word only
    ("cong dong", DetectionWay.COMMUNITY),
    ("sang loc", DetectionWay.COMMUNITY),
    ("community", DetectionWay.COMMUNITY),
]
STATUS_WORDS: list[tuple[str, str]] = [
    ("tu vong", CaseStatus.DIED),
    ("died", CaseStatus.DIED),
    ("khoi", CaseStatus.RECOVERED),
    ("ra vien", CaseStatus.RECOVERED),
    ("recovered", CaseStatus.RECOVERED),
    ("dieu tri", CaseStatus.ACTIVE),
    ("active", CaseStatus.ACTIVE),
]
CHUNK = 900  # below SQLite's parameter limit

# "BN123", "NB 123", "bn-123", "BN0123", "bệnh nhân 123", "ca 123", "123" → "BN123". A number in our own
# form ("CH000012") is kept as written.
_BN = re.compile(r"^(?:bn|nb|benh nhan|ca)?\s*[-.#:]?\s*0*(\d{1,9})$")
_OTHER = re.compile(r"^[A-Z]{1,6}-?\d{1,20}$")
_SEPARATORS = re.compile(r"[,;/&+\n]|\bvà\b|\bva\b", re.IGNORECASE)
_DATE_PARTS = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})")
_MONTHS_OLD = re.compile(r"^\d{1,2}\s*(?:thang|th)$")
_UNIT_PREFIXES = ("thanh pho ", "thi tran ", "thi xa ", "tinh ", "huyen ", "quan ", "phuong ", "xa ", "tp ", "tx ")


def normalize_case_number(text: str) -> str:
    """The case number in one form; ValueError if it is not a case number."""
    folded = fold(text)
    if match := _BN.match(folded):
        return f"BN{int(match.group(1))}"
    compact = re.sub(r"\s+", "", str(text or "")).upper()
    if _OTHER.match(compact) and len(compact) <= 30:
        return compact.replace("-", "")
    raise ValueError(text)


def split_infectors(text: str) -> list[str]:
    """One or several infector numbers separated by commas, semicolons or "và"; ValueError names the bad one."""
    found: list[str] = []
    for part in _SEPARATORS.split(text or ""):
        if not part.strip():
            continue
        number = normalize_case_number(part)
        if number not in found:
            found.append(number)
    return found


@dataclass
class CaseImportReport:
    total_rows: int = 0
    created: int = 0
    skipped: int = 0  # same number, same data: already imported
    links: int = 0
    clusters_created: list[str] = field(default_factory=list)
    clusters_joined: list[str] = field(default_factory=list)
    way_defaulted: int = 0
    names_ignored: int = 0
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "total_rows": self.total_rows,
            "created": self.created,
            "skipped": self.skipped,
            "links": self.links,
            "clusters_created": self.clusters_created,
            "clusters_joined": self.clusters_joined,
            "way_defaulted": self.way_defaulted,
            "names_ignored": self.names_ignored,
            "duplicates": self.duplicates,
            "errors": self.errors,
        }


@dataclass
class _Line:
    """A row that passed its own checks: the values of the case it would create."""

    row: int
    number: str
    unit: Unit
    age: int | None
    sex: str
    detection_way: str
    detected_on: dt.date
    sample_date: dt.date | None
    onset_date: dt.date | None
    place_detected: str
    infectors: list[str]
    cluster: str
    status: str

    def compared(self) -> dict[str, Any]:
        """What "the same data" means for a re-upload, by column."""
        return {
            "don_vi": self.unit.path,
            "tuoi": self.age,
            "gioi_tinh": self.sex,
            "ngay_phat_hien": self.detected_on,
            "ngay_lay_mau": self.sample_date,
            "ngay_khoi_phat": self.onset_date,
            "hinh_thuc": self.detection_way,
            "nguon_lay": sorted(self.infectors),
            "o_dich": fold(self.cluster),
            "tinh_trang": self.status,
        }


def case_line_list_import(
    *, actor: Any, within: str, data: bytes, filename: str, progress: Callable[[int, int], None] | None = None
) -> CaseImportReport:
    """Validate every row, then create the new cases, their infector links and their clusters in one
    transaction. `within` is the importer's area (a sub-unit of their jurisdiction): every case must lie in
    it, and clusters named in the file are found or created in that unit."""
    require_perm(actor, Perm.CASE_IMPORT)
    within = view_path(actor, within)
    home = Unit.objects.filter(path=within).first()
    if home is None:
        raise ApplicationError.field("unit", _("Không tìm thấy đơn vị trong địa bàn của bạn."), ErrorCode.NOT_FOUND)
    table = read_table(data, filename=filename, required=REQUIRED, aliases=ALIASES)
    report = CaseImportReport(total_rows=len(table.rows))
    total = len(table.rows)
    today = clock.today()
    units = _UnitNames()
    lines: list[_Line] = []
    first_row: dict[str, int] = {}
    declared: dict[str, tuple[int, list[str]]] = {}  # every parsed number → (row, infectors), for links and cycles

    for index, row in enumerate(table.rows):
        if progress is not None and index % 500 == 0:
            progress(index, total)
        v = row.values
        errs: list[dict[str, Any]] = []

        def bad(column: str, message: str, _row: int = row.number, _errs: list[dict[str, Any]] = errs) -> None:
            _errs.append({"row": _row, "field": column, "message": message})

        number = ""
        try:
            number = normalize_case_number(v.get("so_ca", ""))
        except ValueError:
            bad("so_ca", _("Số ca “%(v)s” không hợp lệ (ví dụ: BN123).") % {"v": v.get("so_ca", "")})
        if number and number in first_row:
            bad("so_ca", _("Số ca %(n)s trùng với dòng %(r)s.") % {"n": number, "r": first_row[number]})
            number = ""
        infectors: list[str] = []
        try:
            infectors = split_infectors(v.get("nguon_lay", ""))
        except ValueError as exc:
            bad("nguon_lay", _("Nguồn lây “%(v)s” không phải số ca (ví dụ: BN17).") % {"v": str(exc).strip()})
        if number and number in infectors:
            bad("nguon_lay", _("Ca %(n)s không thể là nguồn lây của chính nó.") % {"n": number})
            infectors = [i for i in infectors if i != number]
        if number:
            first_row[number] = row.number
            declared[number] = (row.number, infectors)

        detected_on = _date(v.get("ngay_phat_hien", ""))
        if detected_on is None:
            bad("ngay_phat_hien", _("Thiếu hoặc sai ngày phát hiện (dd/mm/yyyy)."))
        elif detected_on > today:
            bad("ngay_phat_hien", _("Ngày phát hiện không được ở tương lai."))
        sample_date = onset_date = None
        if v.get("ngay_lay_mau"):
            sample_date = _date(v["ngay_lay_mau"])
            if sample_date is None:
                bad("ngay_lay_mau", _("Ngày lấy mẫu “%(v)s” sai (dd/mm/yyyy).") % {"v": v["ngay_lay_mau"]})
            elif detected_on is not None and sample_date > detected_on:
                bad("ngay_lay_mau", _("Ngày lấy mẫu sau ngày phát hiện."))
            elif detected_on is not None and sample_date < detected_on - dt.timedelta(days=30):
                bad("ngay_lay_mau", _("Ngày lấy mẫu sớm hơn ngày phát hiện quá 30 ngày."))
        if v.get("ngay_khoi_phat"):
            onset_date = _date(v["ngay_khoi_phat"])
            if onset_date is None:
                bad("ngay_khoi_phat", _("Ngày khởi phát “%(v)s” sai (dd/mm/yyyy).") % {"v": v["ngay_khoi_phat"]})
            elif onset_date > today:
                bad("ngay_khoi_phat", _("Ngày khởi phát không được ở tương lai."))

        age = _age(v, detected_on, bad)
        sex = SEX_WORDS.get(fold(v.get("gioi_tinh", "")))
        if sex is None:
            bad("gioi_tinh", _("Giới tính “%(v)s”: ghi Nam hoặc Nữ.") % {"v": v.get("gioi_tinh")})
        way = _way(v, bad)
        status = _status(v, bad)
        unit = units.resolve(v, within=within, bad=bad)
        cluster = clean_name(v.get("o_dich", ""))[:200]
        if v.get("ho_ten"):
            report.names_ignored += 1
        if errs:
            report.errors.extend(errs)
            continue
        assert unit is not None and detected_on is not None and sex is not None
        if not v.get("hinh_thuc") and not _way_of(v.get("noi_phat_hien", "")):
            report.way_defaulted += 1
        lines.append(
            _Line(
                row=row.number,
                number=number,
                unit=unit,
                age=age,
                sex=sex,
                detection_way=way or DetectionWay.COMMUNITY,
                detected_on=detected_on,
                sample_date=sample_date,
                onset_date=onset_date,
                place_detected=v.get("noi_phat_hien", "")[:300],
                infectors=infectors,
                cluster=cluster,
                status=status or CaseStatus.ACTIVE,
            )
        )
    if not table.rows:
        report.errors.append({"row": 0, "field": "", "message": _("Danh sách trống.")})

    stored = _stored_numbers({n for _row, infs in declared.values() for n in infs} - declared.keys())
    for row_number, infs in declared.values():
        for infector in infs:
            if infector not in declared and infector not in stored:
                report.errors.append(
                    {
                        "row": row_number,
                        "field": "nguon_lay",
                        "message": _("Ca nguồn %(i)s không có trong tệp và chưa có trong hệ thống.") % {"i": infector},
                    }
                )
    for cycle in _cycles({n: [i for i in infs if i in declared] for n, (_r, infs) in declared.items()}):
        rows = sorted(declared[n][0] for n in cycle)
        names = ", ".join(sorted(cycle, key=lambda n: declared[n][0]))
        for row_number in rows:
            report.errors.append(
                {
                    "row": row_number,
                    "field": "nguon_lay",
                    "message": _("Nguồn lây tạo vòng lặp giữa các ca %(n)s (dòng %(r)s).")
                    % {"n": names, "r": ", ".join(map(str, rows))},
                }
            )

    fresh = _set_aside_existing(lines, within, report)
    clusters = _clusters(actor, home, fresh, report)
    report.errors.sort(key=lambda e: (e["row"], COLUMNS.index(e["field"]) if e["field"] in COLUMNS else 99))
    if report.errors:
        return report
    try:
        _write(actor=actor, home=home, fresh=fresh, clusters=clusters, report=report, filename=filename)
    except IntegrityError as exc:
        raise ApplicationError(
            ErrorCode.CONFLICT, _("Một số ca vừa được tạo bởi lượt nhập khác; hãy tải tệp lên lại.")
        ) from exc
    if progress is not None:
        progress(total, total)
    return report


def case_import_enqueue(*, actor: Any, within: str, data: bytes, filename: str) -> Any:
    """Queue a line-list import as a background job; its progress and report are read from the Job row."""
    from chihuy.cases.tasks import case_import_task
    from chihuy.core.jobs import job_create
    from chihuy.core.tabular import check_upload

    require_perm(actor, Perm.CASE_IMPORT)
    check_upload(data, filename=filename)
    job = job_create(
        kind=CASE_IMPORT, actor=actor, unit_path=view_path(actor, within), payload=data, input_name=filename
    )
    transaction.on_commit(lambda: case_import_task.enqueue(job.pk))
    return job


# --- row checks ---------------------------------------------------------------------------------------


def _date(text: str) -> dt.date | None:
    text = (text or "").strip()
    match = _DATE_PARTS.match(text)
    try:
        if match:
            day, month, year = match.groups()
            return dt.date(int(year), int(month), int(day))
        if iso := _ISO_DATE.match(text):
            year, month, day = iso.groups()
            return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None
    return None


def _age(v: dict[str, str], detected_on: dt.date | None, bad: Callable[[str, str], None]) -> int | None:
    text = fold(v.get("tuoi", ""))
    if text:
        if text.isdigit() and int(text) <= 120:
            return int(text)
        if _MONTHS_OLD.match(text):  # "6 tháng": an infant
            return 0
        bad("tuoi", _("Tuổi “%(v)s” không hợp lệ (0–120).") % {"v": v["tuoi"]})
        return None
    year = v.get("nam_sinh", "").strip()
    if year:
        limit = (detected_on or clock.today()).year
        if year.isdigit() and 1900 <= int(year) <= limit:
            return limit - int(year)
        bad("nam_sinh", _("Năm sinh phải từ 1900 đến %(y)s.") % {"y": limit})
    return None


def _way_of(text: str) -> str:
    folded = fold(text)
    if folded in DetectionWay.values:
        return folded
    padded = f" {folded} "
    return next((way for word, way in WAY_WORDS if word in padded), "")


def _way(v: dict[str, str], bad: Callable[[str, str], None]) -> str:
    """From "hình thức" if given (an unknown word is an error), else from "nơi phát hiện" (often a place name,
    so an unknown word there is not)."""
    if v.get("hinh_thuc"):
        way = _way_of(v["hinh_thuc"])
        if not way:
            bad(
                "hinh_thuc",
                _(
                    "Hình thức phát hiện “%(v)s” không rõ (cộng đồng, khu cách ly, khu phong tỏa, nhập cảnh, "
                    "chốt kiểm soát, cơ sở y tế)."
                )
                % {"v": v["hinh_thuc"]},
            )
        return way
    return _way_of(v.get("noi_phat_hien", ""))


def _status(v: dict[str, str], bad: Callable[[str, str], None]) -> str:
    folded = fold(v.get("tinh_trang", ""))
    if not folded:
        return ""
    status = next((s for word, s in STATUS_WORDS if word in folded), "")
    if not status:
        bad("tinh_trang", _("Tình trạng “%(v)s” không rõ (đang điều trị, khỏi, tử vong).") % {"v": v["tinh_trang"]})
    return status


class _UnitNames:
    """Units named in a file: by GSO code or by name, with or without "Tỉnh/Huyện/Xã …"; communes are
    looked up under the district (or province) named on the same row, a parent at a time."""

    def __init__(self) -> None:
        upper = Unit.objects.filter(level__in=[UnitLevel.PROVINCE, UnitLevel.DISTRICT], is_active=True)
        self.provinces = [u for u in upper if u.level == UnitLevel.PROVINCE]
        self.districts = [u for u in upper if u.level == UnitLevel.DISTRICT]
        self.communes: dict[str, list[Unit]] = {}
        self.by_code: dict[str, Unit | None] = {}

    @staticmethod
    def _matches(units: Iterable[Unit], text: str) -> list[Unit]:
        wanted = _short(text)
        code = text.strip().lstrip("0")
        return [u for u in units if (code and u.code.lstrip("0") == code) or _short(u.name) == wanted]

    def _communes_under(self, path: str) -> list[Unit]:
        if path not in self.communes:
            self.communes[path] = list(
                Unit.objects.filter(path__under=path, level=UnitLevel.COMMUNE, is_active=True).order_by("path")
            )
        return self.communes[path]

    def resolve(self, v: dict[str, str], *, within: str, bad: Callable[[str, str], None]) -> Unit | None:
        """The most precise unit the row names (commune, else district, else province), inside `within`."""
        province_text, district_text = v.get("tinh", ""), v.get("huyen", "")
        commune_text, code = v.get("xa", ""), v.get("ma_don_vi", "").strip()
        province = district = commune = None
        if province_text:
            found = self._matches(self.provinces, province_text)
            if not found:
                bad("tinh", _("Không tìm thấy tỉnh “%(v)s”.") % {"v": province_text})
                return None
            province = found[0]
        if district_text:
            pool = [d for d in self.districts if province is None or d.path.startswith(province.path)]
            found = self._matches(pool, district_text)
            if len(found) != 1:
                message = (
                    _("Không tìm thấy huyện “%(v)s”%(p)s.")
                    if not found
                    else _("Có nhiều huyện tên “%(v)s”%(p)s: ghi thêm tỉnh.")
                )
                bad("huyen", message % {"v": district_text, "p": f" ({province.name})" if province else ""})
                return None
            district = found[0]
        if code:
            key = code.zfill(5) if code.isdigit() else code
            if key not in self.by_code:
                self.by_code[key] = (
                    Unit.objects.filter(path=key).first()
                    or Unit.objects.filter(level=UnitLevel.COMMUNE, code=key, is_active=True).first()
                )
            commune = self.by_code[key]
            if commune is None:
                bad("ma_don_vi", _("Không có đơn vị mã “%(v)s”.") % {"v": code})
                return None
            parent = district or province
            if parent is not None and not commune.path.startswith(parent.path):
                bad("ma_don_vi", _("Xã mã %(c)s không thuộc %(p)s.") % {"c": code, "p": parent.name})
                return None
        elif commune_text:
            parent = district or province
            parent_path = parent.path if parent is not None else within
            found = self._matches(self._communes_under(parent_path), commune_text)
            if len(found) != 1:
                message = (
                    _("Không tìm thấy xã “%(v)s”.") if not found else _("Có nhiều xã tên “%(v)s”: ghi thêm huyện.")
                )
                bad("xa", message % {"v": commune_text})
                return None
            commune = found[0]
        unit = commune or district or province
        if unit is None:
            bad("tinh", _("Ghi tỉnh, huyện hoặc xã của ca bệnh."))
            return None
        if not unit.path.startswith(within):
            column = ("ma_don_vi" if code else "xa") if commune else ("huyen" if district else "tinh")
            bad(column, _("“%(u)s” không thuộc địa bàn của bạn.") % {"u": unit.name})
            return None
        return unit


def _short(name: str) -> str:
    folded = fold(name)
    for prefix in _UNIT_PREFIXES:
        if folded.startswith(prefix):
            return folded[len(prefix) :]
    return folded


# --- the file as a whole ------------------------------------------------------------------------------


def _stored_numbers(numbers: set[str]) -> dict[str, int]:
    """Cases already stored, by number, wherever they are: a chain crosses units, and a number is all the
    importer learns (it is what they typed), as a contact's unit sees the source case's number only."""
    found: dict[str, int] = {}
    ordered = sorted(numbers)
    for i in range(0, len(ordered), CHUNK):
        found.update(Case.objects.filter(number__in=ordered[i : i + CHUNK]).values_list("number", "pk"))
    return found


def _cycles(edges: dict[str, list[str]]) -> list[list[str]]:
    """Strongly connected components of more than one case (Tarjan, without recursion: chains are long)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in edges:
        if root in index:
            continue
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(edges.get(root, [])))]
        while work:
            node, successors = work[-1]
            descended = False
            for nxt in successors:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(edges.get(nxt, []))))
                    descended = True
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if descended:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(component)
    return found


def _set_aside_existing(lines: list[_Line], within: str, report: CaseImportReport) -> list[_Line]:
    """Rows whose number is stored: the same data is skipped (a re-upload), different data is queued for
    review with the columns that differ. The rest are new."""
    numbers = [line.number for line in lines]
    stored: dict[str, dict[str, Any]] = {}
    for i in range(0, len(numbers), CHUNK):
        for found in Case.objects.filter(number__in=numbers[i : i + CHUNK]).values(
            "pk",
            "number",
            "unit_path",
            "age",
            "sex",
            "detected_at",
            "sample_date",
            "onset_date",
            "detection_way",
            "cluster__name",
            "status",
        ):
            stored[found["number"]] = dict(found)
    sources: dict[int, list[str]] = {}
    ids = [row["pk"] for row in stored.values()]
    for i in range(0, len(ids), CHUNK):
        for infectee, infector in CaseSource.objects.filter(infectee_id__in=ids[i : i + CHUNK]).values_list(
            "infectee_id", "infector__number"
        ):
            sources.setdefault(infectee, []).append(infector)
    fresh: list[_Line] = []
    for line in lines:
        row = stored.get(line.number)
        if row is None:
            fresh.append(line)
            continue
        if not row["unit_path"].startswith(within):
            report.duplicates.append({"row": line.row, "number": line.number, "reason": "other_area", "fields": []})
            continue
        theirs = {
            "don_vi": row["unit_path"],
            "tuoi": row["age"],
            "gioi_tinh": row["sex"],
            "ngay_phat_hien": clock.localdate(row["detected_at"]),
            "ngay_lay_mau": row["sample_date"],
            "ngay_khoi_phat": row["onset_date"],
            "hinh_thuc": row["detection_way"],
            "nguon_lay": sorted(sources.get(row["pk"], [])),
            "o_dich": fold(row["cluster__name"] or ""),
            "tinh_trang": row["status"],
        }
        differ = [k for k, value in line.compared().items() if theirs[k] != value]
        if differ:
            report.duplicates.append(
                {
                    "row": line.row,
                    "number": line.number,
                    "reason": "different_data",
                    "case_id": row["pk"],
                    "fields": differ,
                }
            )
        else:
            report.skipped += 1
    return fresh


def _clusters(actor: Any, home: Unit, fresh: list[_Line], report: CaseImportReport) -> dict[str, Cluster | None]:
    """Cluster names of the new rows, by folded name → the importer's cluster of that name (None: to create).
    A new name needs the right to manage clusters: without it the row is an error, not a silent drop."""
    names = {fold(line.cluster) for line in fresh if line.cluster}
    known = {fold(c.name): c for c in Cluster.objects.filter(unit=home)}
    result: dict[str, Cluster | None] = {name: known.get(name) for name in names}
    if not has_perm(actor, Perm.CLUSTER_CHANGE):
        for line in fresh:
            if line.cluster and result.get(fold(line.cluster)) is None:
                report.errors.append(
                    {
                        "row": line.row,
                        "field": "o_dich",
                        "message": _("Chưa có ổ dịch “%(c)s” và bạn không có quyền tạo ổ dịch.") % {"c": line.cluster},
                    }
                )
    return result


@transaction.atomic
def _write(
    *,
    actor: Any,
    home: Unit,
    fresh: list[_Line],
    clusters: dict[str, Cluster | None],
    report: CaseImportReport,
    filename: str,
) -> None:
    now = clock.now()
    tz = timezone.get_current_timezone()
    cases: list[Case] = []
    for line in fresh:
        # A list gives the day, not the hour: noon of that day. Sample (or, failing it, detection) starts the
        # infectious window when there is no onset; the sample date itself is not invented.
        detected_at = timezone.make_aware(dt.datetime.combine(line.detected_on, dt.time(12)), tz)
        begin, end = infectious_window(onset_date=line.onset_date, sample_date=line.sample_date or line.detected_on)
        case = Case(
            number=line.number,
            person=None,
            unit=line.unit,
            unit_path=line.unit.path,
            age=line.age,
            sex=line.sex,
            detection_way=line.detection_way,
            detected_at=detected_at,
            # The list's date is when the case was made public: the report. The import time is in the audit.
            reported_at=detected_at,
            sample_date=line.sample_date,
            onset_date=line.onset_date,
            place_detected=line.place_detected,
            source_known=bool(line.infectors),
            status=line.status,
            status_reason=_("Theo danh sách ca đã nhập.") if line.status != CaseStatus.ACTIVE else "",
            status_changed_at=now if line.status != CaseStatus.ACTIVE else None,
            infectious_from=begin,
            infectious_until=end,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        try:
            case.clean_fields(exclude=["person", "unit", "cluster", "created_by"])
        except ValidationError as exc:  # lengths and choices were checked per row; this is a last guard
            raise ApplicationError(ErrorCode.VALIDATION, f"{line.number}: {exc.messages[0]}") from exc
        cases.append(case)
    Case.objects.bulk_create(cases, batch_size=500)
    ids = {c.number: c.pk for c in cases}
    ids.update(_stored_numbers({n for line in fresh for n in line.infectors} - ids.keys()))
    links = [CaseSource(infector_id=ids[i], infectee_id=ids[line.number]) for line in fresh for i in line.infectors]
    CaseSource.objects.bulk_create(links, batch_size=500)
    members: dict[str, list[int]] = {}
    spelling: dict[str, str] = {}
    for line in fresh:
        if line.cluster:
            members.setdefault(fold(line.cluster), []).append(ids[line.number])
            spelling.setdefault(fold(line.cluster), line.cluster)
    for key, case_ids in members.items():
        cluster = clusters.get(key)
        if cluster is None:
            first = min(line.detected_on for line in fresh if fold(line.cluster) == key)
            cluster = cluster_create(
                actor=actor,
                name=spelling[key],
                unit=home,
                case_ids=case_ids,
                opened_on=first,
                note=_("Tạo khi nhập danh sách ca “%(f)s”.") % {"f": filename},
            )
            report.clusters_created.append(cluster.name)
        else:
            cluster_add_cases(actor=actor, cluster=cluster, case_ids=case_ids)
            report.clusters_joined.append(cluster.name)
    report.created = len(cases)
    report.links = len(links)
    audit_record(
        actor=actor,
        action="import",
        object_type="cases.case",
        object_repr=filename,
        unit_path=home.path,
        details={
            "created": len(cases),
            "first_id": min(ids[c.number] for c in cases) if cases else None,
            "last_id": max(ids[c.number] for c in cases) if cases else None,
            "skipped": report.skipped,
            "duplicates": len(report.duplicates),
            "links": len(links),
            "clusters_created": len(report.clusters_created),
            "clusters_joined": len(report.clusters_joined),
        },
    )
