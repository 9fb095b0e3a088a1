"""Writes of contacts: one by one or as a pasted/Excel line list (every row validated before anything is
written), each qualified by the rule in force on its exposure date, each cascading; removal cascades down."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from chihuy.accounts.access import require_in_jurisdiction, require_perm
from chihuy.accounts.roles import Perm
from chihuy.cases import levels
from chihuy.cases.enums import CaseStatus, LevelCause, Setting
from chihuy.cases.models import Case, Classification, Contact
from chihuy.cases.rules import Exposure, max_level, qualify_contact
from chihuy.core import clock
from chihuy.core.audit import audit_record, snapshot
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.core.tabular import read_table
from chihuy.core.text import fold
from chihuy.people.models import Person
from chihuy.people.services import person_create
from chihuy.people.validators import normalize_national_id, normalize_phone
from chihuy.places.models import Unit


def _active_case(person_id: int) -> Case | None:
    return Case.objects.filter(person_id=person_id, status=CaseStatus.ACTIVE).order_by("detected_at").first()


@transaction.atomic
def contact_add(
    *,
    actor: Any,
    source_person: Person,
    contact_person: Person,
    exposure_at: dt.datetime,
    setting: str = Setting.OTHER,
    relation: str = "",
    duration_minutes: int | None = None,
    distance_m: float | None = None,
    masked: bool | None = None,
    physical_contact: bool = False,
    note: str = "",
) -> Contact:
    """Record that `contact_person` was exposed to `source_person`. The contact may live in another unit:
    it then lands in that unit's tracing queue too."""
    require_perm(actor, Perm.CONTACT_CHANGE)
    require_in_jurisdiction(actor, source_person.unit_path, field="source_person")
    if source_person.pk == contact_person.pk:
        raise ApplicationError.field("contact_person", _("Một người không thể là tiếp xúc của chính mình."))
    if setting not in Setting.values:
        raise ApplicationError.field("setting", _("Bối cảnh tiếp xúc không hợp lệ."))
    if exposure_at > clock.now() + dt.timedelta(minutes=5):
        raise ApplicationError.field("exposure_at", _("Thời điểm tiếp xúc không được ở tương lai."))
    if duration_minutes is not None and not 0 <= duration_minutes <= 60 * 24 * 30:
        raise ApplicationError.field("duration_minutes", _("Thời gian tiếp xúc không hợp lệ."))
    if distance_m is not None and not 0 <= distance_m <= 1000:
        raise ApplicationError.field("distance_m", _("Khoảng cách không hợp lệ (0–1000 m)."))
    own = Classification.objects.filter(person=contact_person).first()
    if own is not None and own.isolated_at is not None and exposure_at > own.isolated_at:
        raise ApplicationError.field(
            "exposure_at",
            _("Người này đã được cách ly từ %(t)s; tiếp xúc sau đó không tính.")
            % {"t": clock.local(own.isolated_at).strftime("%H:%M %d/%m/%Y")},
        )
    if Contact.objects.filter(
        source_person=source_person, contact_person=contact_person, exposure_at=exposure_at, is_active=True
    ).exists():
        raise ApplicationError.field(
            "contact_person", _("Tiếp xúc này đã được ghi (cùng người, cùng thời điểm)."), ErrorCode.CONFLICT
        )
    source_case = _active_case(source_person.pk)
    window = None
    if source_case is not None:
        window = (source_case.infectious_from, source_case.infectious_until)
    qualification = qualify_contact(
        Exposure(setting, exposure_at, duration_minutes, distance_m, masked, physical_contact),
        source_is_f0=source_case is not None,
        window=window,
    )
    contact = Contact(
        source_person=source_person,
        source_unit_path=source_person.unit_path,
        source_case=source_case,
        contact_person=contact_person,
        unit_path=contact_person.unit_path,
        relation=relation.strip()[:100],
        setting=setting,
        exposure_at=exposure_at,
        duration_minutes=duration_minutes,
        distance_m=distance_m,
        masked=masked,
        physical_contact=physical_contact,
        note=note.strip()[:300],
        qualifies=qualification.qualifies,
        qualify_reason=qualification.reason[:300],
        rule_source=qualification.rule_source[:300],
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    contact.full_clean(exclude=["source_person", "contact_person", "source_case", "created_by"])
    contact.save()
    audit_record(actor=actor, action="create", obj=contact, after=snapshot(contact))
    if contact.qualifies:
        src = Classification.objects.filter(person=source_person).exclude(level=None).first()
        if src is not None and src.level is not None and src.level + 1 <= max_level(clock.localdate(exposure_at)):
            levels.propagate(
                {
                    contact_person.pk: levels.State(
                        src.level + 1, src.root_case_id, contact.pk, [*src.path, contact_person.pk], exposure_at
                    )
                },
                cause=LevelCause.CONTACT_ADDED,
                reason=contact.qualify_reason,
                case=source_case,
            )
    return contact


@transaction.atomic
def contact_deactivate(*, actor: Any, contact: Contact, reason: str) -> Contact:
    """A contact entered in error: it stops counting, and whoever was classified through it is re-levelled."""
    require_perm(actor, Perm.CONTACT_CHANGE)
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    require_in_jurisdiction(actor, contact.source_unit_path, field="contact")
    if not reason.strip():
        raise ApplicationError.field("reason", _("Ghi lý do hủy tiếp xúc."))
    if not contact.is_active:
        return contact
    affected = levels.descendants_of_edge(contact)
    contact.is_active = False
    contact.deactivated_reason = reason.strip()[:300]
    contact.save(update_fields=["is_active", "deactivated_reason", "updated_at"])
    audit_record(
        actor=actor,
        action="deactivate",
        obj=contact,
        before={"is_active": True},
        after={"is_active": False},
        details={"reason": reason.strip()},
    )
    levels.withdraw(
        affected,
        cause=LevelCause.CONTACT_REMOVED,
        reason=_("Hủy tiếp xúc: %(r)s") % {"r": reason.strip()},
        case=contact.source_case,
    )
    return contact


# --- line lists --------------------------------------------------------------------------------

LINE_COLUMNS = [
    "ho_ten",
    "so_dien_thoai",
    "cccd",
    "nam_sinh",
    "gioi_tinh",
    "dia_chi",
    "ma_don_vi",
    "quan_he",
    "boi_canh",
    "thoi_diem_tiep_xuc",
    "thoi_gian_phut",
    "khoang_cach_m",
    "deo_khau_trang",
    "tiep_xuc_truc_tiep",
]
LINE_ALIASES = {
    "ten": "ho_ten",
    "ho_va_ten": "ho_ten",
    "sdt": "so_dien_thoai",
    "dien_thoai": "so_dien_thoai",
    "cmnd": "cccd",
    "cccd_cmnd": "cccd",
    "so_cccd": "cccd",
    "nam": "nam_sinh",
    "gioi": "gioi_tinh",
    "quan_he_voi_f0": "quan_he",
    "moi_quan_he": "quan_he",
    "noi_tiep_xuc": "boi_canh",
    "ngay_tiep_xuc": "thoi_diem_tiep_xuc",
    "thoi_gian": "thoi_gian_phut",
    "khoang_cach": "khoang_cach_m",
    "khau_trang": "deo_khau_trang",
}
SETTING_WORDS = {
    "ho gia dinh": Setting.HOUSEHOLD,
    "gia dinh": Setting.HOUSEHOLD,
    "cung nha": Setting.HOUSEHOLD,
    "noi lam viec": Setting.WORKPLACE,
    "co quan": Setting.WORKPLACE,
    "cong ty": Setting.WORKPLACE,
    "truong hoc": Setting.SCHOOL,
    "truong": Setting.SCHOOL,
    "dia diem cong cong": Setting.VENUE,
    "cho": Setting.VENUE,
    "quan an": Setting.VENUE,
    "phuong tien": Setting.VEHICLE,
    "xe": Setting.VEHICLE,
    "xe khach": Setting.VEHICLE,
    "co so y te": Setting.HEALTHCARE,
    "benh vien": Setting.HEALTHCARE,
    "khac": Setting.OTHER,
}
YES = {"co", "x", "yes", "y", "1", "true", "dung"}
NO = {"khong", "no", "n", "0", "false", "sai"}
SEX_WORDS = {"nam": "M", "m": "M", "nu": "F", "f": "F"}
_DATETIME = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:\s+(\d{1,2})[:h](\d{2})?)?$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?")


@dataclass
class LineError:
    row: int
    column: str
    message: str


@dataclass
class LineReport:
    created: list[int] = field(default_factory=list)  # contact ids
    errors: list[LineError] = field(default_factory=list)
    qualified: int = 0
    new_people: int = 0
    matched_people: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": len(self.created),
            "qualified": self.qualified,
            "new_people": self.new_people,
            "matched_people": self.matched_people,
            "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in self.errors],
        }


def _parse_datetime(text: str, default: dt.datetime | None) -> dt.datetime | None:
    text = text.strip()
    if not text:
        return default
    m = _DATETIME.match(text)
    tz = clock.now().tzinfo
    try:
        if m:
            d, mo, y, h, mi = m.groups()
            value = dt.datetime(int(y), int(mo), int(d), int(h or 12), int(mi or 0))
        else:
            iso = _ISO.match(text)
            if not iso:
                return None
            y, mo, d, h, mi = iso.groups()
            value = dt.datetime(int(y), int(mo), int(d), int(h or 12), int(mi or 0))
    except ValueError:
        return None
    from django.utils import timezone

    return timezone.make_aware(value, timezone.get_current_timezone()) if tz is not None else value


def _bool(text: str) -> bool | str | None:
    word = fold(text)
    if not word:
        return None
    if word in YES:
        return True
    if word in NO:
        return False
    return "invalid"


@dataclass
class _Line:
    row: int
    values: dict[str, Any]
    exposure: dict[str, Any]


def _validate_lines(
    actor: Any, rows: list[Any], default_exposure: dt.datetime | None
) -> tuple[list[_Line], list[LineError]]:
    lines: list[_Line] = []
    errors: list[LineError] = []
    units_by_code = {}
    for row in rows:
        v = {k: (row.values.get(k) or "").strip() for k in LINE_COLUMNS}
        if not any(v.values()):
            continue
        problems: list[LineError] = []

        def bad(column: str, message: str, _row: int = row.number, _p: list[LineError] = problems) -> None:
            _p.append(LineError(_row, column, message))

        if len(fold(v["ho_ten"])) < 2:
            bad("ho_ten", _("Thiếu họ tên."))
        phone = national_id = ""
        try:
            phone = normalize_phone(v["so_dien_thoai"])
        except ApplicationError as exc:
            bad("so_dien_thoai", exc.message)
        birth_year = None
        if v["nam_sinh"]:
            if v["nam_sinh"].isdigit() and 1900 <= int(v["nam_sinh"]) <= clock.today().year:
                birth_year = int(v["nam_sinh"])
            else:
                bad("nam_sinh", _("Năm sinh không hợp lệ: “%(v)s”.") % {"v": v["nam_sinh"]})
        sex = SEX_WORDS.get(fold(v["gioi_tinh"]), "U")
        try:
            national_id = normalize_national_id(v["cccd"], birth_year=birth_year, sex=sex)
        except ApplicationError as exc:
            bad("cccd", exc.message)
        unit = None
        if v["ma_don_vi"]:
            code = v["ma_don_vi"]
            if code not in units_by_code:
                units_by_code[code] = (
                    Unit.objects.filter(path=code).first()
                    or Unit.objects.filter(code=code.zfill(5), level="commune").first()
                )
            unit = units_by_code[code]
            if unit is None:
                bad("ma_don_vi", _("Không có đơn vị mã “%(c)s”.") % {"c": code})
        setting: str = Setting.OTHER
        if v["boi_canh"]:
            key = fold(v["boi_canh"])
            setting = SETTING_WORDS.get(key) or (key if key in Setting.values else "")
            if not setting:
                bad(
                    "boi_canh",
                    _(
                        "Bối cảnh “%(v)s” không rõ (hộ gia đình, nơi làm việc, trường học, địa điểm công cộng, "
                        "phương tiện, cơ sở y tế, khác)."
                    )
                    % {"v": v["boi_canh"]},
                )
        exposure_at = _parse_datetime(v["thoi_diem_tiep_xuc"], default_exposure)
        if exposure_at is None:
            bad("thoi_diem_tiep_xuc", _("Thiếu hoặc sai thời điểm tiếp xúc (dd/mm/yyyy hh:mm)."))
        duration = distance = None
        if v["thoi_gian_phut"]:
            if v["thoi_gian_phut"].isdigit():
                duration = int(v["thoi_gian_phut"])
            else:
                bad("thoi_gian_phut", _("Thời gian (phút) phải là số."))
        if v["khoang_cach_m"]:
            try:
                distance = float(v["khoang_cach_m"].replace(",", ".").rstrip("m").strip())
            except ValueError:
                bad("khoang_cach_m", _("Khoảng cách (m) phải là số."))
        masked = _bool(v["deo_khau_trang"])
        if masked == "invalid":
            bad("deo_khau_trang", _("Ghi “có” hoặc “không”."))
        physical = _bool(v["tiep_xuc_truc_tiep"])
        if physical == "invalid":
            bad("tiep_xuc_truc_tiep", _("Ghi “có” hoặc “không”."))
        if problems:
            errors.extend(problems)
            continue
        lines.append(
            _Line(
                row=row.number,
                values={
                    "full_name": v["ho_ten"],
                    "phone": phone,
                    "national_id": national_id,
                    "birth_year": birth_year,
                    "sex": sex,
                    "address_text": v["dia_chi"],
                    "unit": unit,
                },
                exposure={
                    "exposure_at": exposure_at,
                    "setting": setting,
                    "relation": v["quan_he"],
                    "duration_minutes": duration,
                    "distance_m": distance,
                    "masked": masked,
                    "physical_contact": bool(physical),
                },
            )
        )
    return lines, errors


def person_match(values: dict[str, Any]) -> Person | None:
    """The registered person a line names for sure: same ID number; or same phone and name; or same name,
    birth year and commune. Anything weaker creates a new record (the merge screen cleans up later)."""
    active = Person.objects.filter(is_active=True)
    if values.get("national_id"):
        found = active.filter(national_id=values["national_id"]).exclude(national_id="").first()
        if found:
            return found
    folded = fold(values["full_name"])
    if values.get("phone"):
        found = active.filter(phone=values["phone"], name_folded=folded).exclude(phone="").first()
        if found:
            return found
    unit = values.get("unit")
    if unit is not None and values.get("birth_year"):
        return active.filter(
            name_folded=folded, birth_year=values["birth_year"], unit_path__startswith=unit.commune_path
        ).first()
    return None


def contacts_import(
    *,
    actor: Any,
    source_person: Person,
    data: bytes,
    filename: str,
    default_exposure: dt.datetime | None = None,
) -> LineReport:
    """A line list of contacts (pasted from Excel, CSV or XLSX). Every row is checked first; if any row is
    wrong nothing is written and the report names row and column. People are matched for sure or created
    (in their own unit when they live elsewhere)."""
    require_perm(actor, Perm.CONTACT_CHANGE)
    require_in_jurisdiction(actor, source_person.unit_path, field="source_person")
    table = read_table(data, filename=filename, required=["ho_ten"], aliases=LINE_ALIASES)
    lines, errors = _validate_lines(actor, table.rows, default_exposure)
    report = LineReport(errors=errors)
    if not lines and not errors:
        report.errors.append(LineError(0, "", _("Danh sách trống.")))
    if report.errors:
        return report
    try:
        with transaction.atomic():
            for line in lines:
                try:
                    person = person_match(line.values)
                    if person is None:
                        values = {k: v for k, v in line.values.items() if v not in (None, "")}
                        values.setdefault("unit", source_person.unit if not line.values["address_text"] else None)
                        person = person_create(actor=actor, confirm_new=True, referral=True, **values)
                        report.new_people += 1
                    else:
                        report.matched_people += 1
                    contact = contact_add(
                        actor=actor, source_person=source_person, contact_person=person, **line.exposure
                    )
                except ApplicationError as exc:
                    column = _column_of(exc)
                    report.errors.append(LineError(line.row, column, exc.message))
                    raise _Abort from exc
                report.created.append(contact.pk)
                report.qualified += int(contact.qualifies)
    except _Abort:
        report.created = []
        report.qualified = report.new_people = report.matched_people = 0
    return report


class _Abort(Exception):
    pass


FIELD_COLUMNS = {
    "full_name": "ho_ten",
    "phone": "so_dien_thoai",
    "national_id": "cccd",
    "birth_year": "nam_sinh",
    "unit": "dia_chi",
    "exposure_at": "thoi_diem_tiep_xuc",
    "contact_person": "ho_ten",
    "duration_minutes": "thoi_gian_phut",
    "distance_m": "khoang_cach_m",
}


def _column_of(exc: ApplicationError) -> str:
    for detail in exc.details if isinstance(exc.details, list) else []:
        if isinstance(detail, dict) and detail.get("field"):
            return str(FIELD_COLUMNS.get(detail["field"], detail["field"]))
    return ""
