"""The columns of a case line list and the checks of one row: header aliases, case numbers ("NB 123" →
"BN123"), infector lists, dates, age, detection way and status words, units named by code or name."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from chihuy.cases.enums import CaseStatus, DetectionWay
from chihuy.core import clock
from chihuy.core.text import fold
from chihuy.places.enums import UnitLevel
from chihuy.places.models import Unit

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
_ALIASES_BY_COLUMN = {
    "so_ca": [
        "ma_benh_nhan",
        "ma_bn",
        "benh_nhan",
        "bn",
        "so_benh_nhan",
        "ma_ca",
        "ma_so_ca",
        "ca_benh",
        "ca_so",
        "case_number",
    ],
    "tuoi": ["tuoi_benh_nhan", "age"],
    "nam_sinh": ["birth_year"],
    "gioi_tinh": ["gioi", "sex"],
    "tinh": ["tinh_thanh", "tinh_thanh_pho", "tinh_tp", "province"],
    "huyen": ["quan_huyen", "huyen_thi_xa", "quan", "district"],
    "xa": ["xa_phuong", "phuong_xa", "xa_phuong_thi_tran", "phuong", "commune"],
    "ma_don_vi": ["ma_xa", "unit_code"],
    "ngay_phat_hien": [
        "ngay_xac_dinh",
        "ngay_duong_tinh",
        "ngay_xac_nhan",
        "ngay_cong_bo",
        "ngay_phat_hien_duong_tinh",
        "detected_on",
    ],
    "ngay_lay_mau": ["sample_date"],
    "ngay_khoi_phat": ["ngay_khoi_phat_trieu_chung", "onset_date"],
    "hinh_thuc": ["hinh_thuc_phat_hien", "phat_hien", "detection_way"],
    "noi_phat_hien": ["noi_phat_hien_ca_benh"],
    "nguon_lay": ["nguon_lay_nhiem", "lay_tu", "lay_nhiem_tu", "ca_nguon", "nguon", "infector", "infectors"],
    "o_dich": ["cum_dich", "chum_ca_benh", "cluster"],
    "tinh_trang": ["trang_thai", "ket_qua_dieu_tri"],
    "ho_ten": ["ho_va_ten"],
}
ALIASES = {**{c: c for c in COLUMNS}, **{a: c for c, names in _ALIASES_BY_COLUMN.items() for a in names}}

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

# "BN123", "NB 123", "bn-123", "BN0123", "bệnh nhân 123", "ca 123", "123" → "BN123". A number in our own
# form ("CH000012") is kept as written.
_BN = re.compile(r"^(?:bn|nb|benh nhan|ca)?\s*[-.#:]?\s*0*(\d{1,9})$")
_OTHER = re.compile(r"^[A-Z]{1,6}-?\d{1,20}$")
_SEPARATORS = re.compile(r"[,;/&+\n]|\bvà\b|\bva\b", re.IGNORECASE)
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
class Line:
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


def row_age(v: dict[str, str], detected_on: dt.date | None, bad: Callable[[str, str], None]) -> int | None:
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


def way_of(text: str) -> str:
    folded = fold(text)
    if folded in DetectionWay.values:
        return folded
    padded = f" {folded} "
    return next((way for word, way in WAY_WORDS if word in padded), "")


def row_way(v: dict[str, str], bad: Callable[[str, str], None]) -> str:
    """From "hình thức" if given (an unknown word is an error), else from "nơi phát hiện" (often a place name,
    so an unknown word there is not)."""
    if v.get("hinh_thuc"):
        way = way_of(v["hinh_thuc"])
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
    return way_of(v.get("noi_phat_hien", ""))


def row_status(v: dict[str, str], bad: Callable[[str, str], None]) -> str:
    folded = fold(v.get("tinh_trang", ""))
    if not folded:
        return ""
    status = next((s for word, s in STATUS_WORDS if word in folded), "")
    if not status:
        bad("tinh_trang", _("Tình trạng “%(v)s” không rõ (đang điều trị, khỏi, tử vong).") % {"v": v["tinh_trang"]})
    return status


class UnitNames:
    """Units named in a file: by GSO code or by name, with or without "Tỉnh/Huyện/Xã …"; communes are
    looked up under the district (or province) named on the same row, a parent at a time."""

    def __init__(self) -> None:
        upper = Unit.objects.filter(level__in=[UnitLevel.PROVINCE, UnitLevel.DISTRICT], is_active=True)
        self.provinces = [u for u in upper if u.level == UnitLevel.PROVINCE]
        self.districts = [u for u in upper if u.level == UnitLevel.DISTRICT]
        self.communes: dict[str, list[Unit]] = {}
        self.by_code: dict[str, Unit | None] = {}
        self.short: dict[int, str] = {u.pk: _short(u.name) for u in upper}
        # A list names the same few units over and over: each distinct naming is resolved once.
        self.seen: dict[tuple[str, ...], tuple[Unit | None, list[tuple[str, str]]]] = {}

    def _matches(self, units: Iterable[Unit], text: str) -> list[Unit]:
        wanted = _short(text)
        code = text.strip().lstrip("0")
        return [u for u in units if (code and u.code.lstrip("0") == code) or self.short[u.pk] == wanted]

    def _communes_under(self, path: str) -> list[Unit]:
        if path not in self.communes:
            self.communes[path] = list(
                Unit.objects.filter(path__under=path, level=UnitLevel.COMMUNE, is_active=True).order_by("path")
            )
            self.short.update({u.pk: _short(u.name) for u in self.communes[path]})
        return self.communes[path]

    def resolve(self, v: dict[str, str], *, within: str, bad: Callable[[str, str], None]) -> Unit | None:
        """The most precise unit the row names (commune, else district, else province), inside `within`."""
        key = (v.get("tinh", ""), v.get("huyen", ""), v.get("xa", ""), v.get("ma_don_vi", "").strip(), within)
        if key not in self.seen:
            problems: list[tuple[str, str]] = []
            unit = self._resolve(*key, bad=lambda column, message: problems.append((column, message)))
            self.seen[key] = (unit, problems)
        unit, problems = self.seen[key]
        for column, message in problems:
            bad(column, message)
        return unit

    def _resolve(
        self,
        province_text: str,
        district_text: str,
        commune_text: str,
        code: str,
        within: str,
        *,
        bad: Callable[[str, str], None],
    ) -> Unit | None:
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
