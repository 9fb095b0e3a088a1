"""Bulk import of dose records from a CSV/Excel file shaped like the national vaccination platform's export
(CCCD/CMND, Họ và tên, Ngày sinh, Số điện thoại, Mũi tiêm, Loại vắc xin, Số lô, Ngày tiêm, Nơi tiêm; English headers
too; an optional commune column narrows the name match).

Every row is checked first (errors by row and column, nothing written if any). Each row is then matched to a
person of the importer's area: by national ID, else by folded name + birth (date, or year) + commune. A row that
matches no one, several people, someone whose ID differs, or a person who already has that dose number on another
day goes to the review queue (`DoseReview`) with its raw values and candidates; a vaccinator decides it there.
The same person + dose number + date already stored is a duplicate, counted and skipped: importing a file again
adds nothing, and a row already queued is not queued twice.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from chihuy.accounts.access import require_perm, view_path
from chihuy.accounts.roles import Perm
from chihuy.core import clock
from chihuy.core.audit import audit_record
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.core.tabular import parse_date, read_table
from chihuy.core.text import clean_name, fold
from chihuy.people.models import Person
from chihuy.people.validators import normalize_national_id
from chihuy.places.enums import UnitLevel
from chihuy.places.models import Unit
from chihuy.vaccination.enums import DoseSource
from chihuy.vaccination.models import DoseReview, ReviewReason, Vaccine
from chihuy.vaccination.selectors import vaccine_find, vaccine_index
from chihuy.vaccination.services import MAX_DOSE_NUMBER, dose_record

VACCINATION_IMPORT = "vaccination.import"
CHUNK = 900  # below SQLite's parameter limit

# Canonical columns, in the order of the platform's export (the template's order).
COLUMNS = [
    "cccd",
    "ho_ten",
    "ngay_sinh",
    "so_dien_thoai",
    "mui_tiem",
    "loai_vac_xin",
    "so_lo",
    "ngay_tiem",
    "noi_tiem",
    "xa",
]
TEMPLATE_HEADERS = [
    "CCCD/CMND",
    "Họ và tên",
    "Ngày sinh",
    "Số điện thoại",
    "Mũi tiêm (số)",
    "Loại vắc xin",
    "Số lô",
    "Ngày tiêm",
    "Nơi tiêm",
    "Xã/phường",
]
REQUIRED = ["ho_ten", "mui_tiem", "loai_vac_xin", "ngay_tiem"]
ALIASES = {
    "cccd_cmnd": "cccd",
    "cmnd_cccd": "cccd",
    "cmnd": "cccd",
    "so_cccd": "cccd",
    "so_cmnd_cccd": "cccd",
    "national_id": "cccd",
    "id_number": "cccd",
    "ho_va_ten": "ho_ten",
    "full_name": "ho_ten",
    "name": "ho_ten",
    "birth_date": "ngay_sinh",
    "date_of_birth": "ngay_sinh",
    "nam_sinh": "ngay_sinh",
    "dien_thoai": "so_dien_thoai",
    "sdt": "so_dien_thoai",
    "phone": "so_dien_thoai",
    "mui_tiem_so": "mui_tiem",
    "mui": "mui_tiem",
    "mui_so": "mui_tiem",
    "dose": "mui_tiem",
    "dose_number": "mui_tiem",
    "vac_xin": "loai_vac_xin",
    "vaccine": "loai_vac_xin",
    "ten_vac_xin": "loai_vac_xin",
    "lo": "so_lo",
    "lot": "so_lo",
    "lot_number": "so_lo",
    "date": "ngay_tiem",
    "given_on": "ngay_tiem",
    "vaccination_date": "ngay_tiem",
    "dia_diem_tiem": "noi_tiem",
    "co_so_tiem": "noi_tiem",
    "site": "noi_tiem",
    "place": "noi_tiem",
    "xa_phuong": "xa",
    "ma_xa": "xa",
    "commune": "xa",
}
# Where a service's error field lands in the file.
FIELD_COLUMN = {"dose_number": "mui_tiem", "given_on": "ngay_tiem", "vaccine": "loai_vac_xin", "person": "ho_ten"}

_YEAR = re.compile(r"^(\d{4})$")
_DOSE = re.compile(r"^(?:mui|dose|lieu)?\s*(\d{1,2})$")


@dataclass
class DoseImportReport:
    total_rows: int = 0
    created: int = 0
    matched_by_id: int = 0
    matched_by_name: int = 0
    # Rows already stored (same person, dose number and date): skipped. Shaped like the people import's
    # "duplicates" so that the shared job page shows them.
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    queued: list[dict[str, Any]] = field(default_factory=list)  # rows sent to the review queue
    already_queued: int = 0  # rows the queue already holds from an earlier import of the same file
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Line:
    row: int
    raw: dict[str, str]
    full_name: str
    folded: str
    national_id: str
    birth_date: dt.date | None
    birth_year: int | None
    dose_number: int
    vaccine: Vaccine
    given_on: dt.date
    lot: str
    site_name: str
    commune: str  # path, "" when the file does not say
    person_id: int | None = None
    reason: str = ""
    candidates: list[int] = field(default_factory=list)

    @property
    def fingerprint(self) -> str:
        birth = self.birth_date.isoformat() if self.birth_date else str(self.birth_year or "")
        return "|".join(
            [self.folded, birth, self.national_id, str(self.dose_number), self.given_on.isoformat(), self.vaccine.code]
        )[:200]

    def parsed(self) -> dict[str, Any]:
        return {
            "full_name": self.full_name,
            "national_id": self.national_id,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "birth_year": self.birth_year,
            "dose_number": self.dose_number,
            "vaccine_id": self.vaccine.pk,
            "vaccine": self.vaccine.name,
            "given_on": self.given_on.isoformat(),
            "lot": self.lot,
            "site_name": self.site_name,
            "commune": self.commune,
        }


class _Rollback(Exception):
    pass


def dose_import(
    *,
    actor: Any,
    within: str,
    data: bytes,
    filename: str,
    progress: Callable[[int, int], None] | None = None,
    job_id: int | None = None,
) -> DoseImportReport:
    """Check every row, match people, then in one transaction record the matched doses and queue the rest. Any
    row error (including a schedule rule a dose breaks) writes nothing."""
    require_perm(actor, Perm.DOSE_IMPORT)
    within = view_path(actor, within)
    table = read_table(data, filename=filename, required=REQUIRED, aliases=ALIASES)
    report = DoseImportReport(total_rows=len(table.rows))
    total = len(table.rows)
    if not table.rows:
        report.errors.append({"row": 0, "field": "", "message": _("Danh sách trống.")})
        return report
    vaccines = vaccine_index()
    communes = _communes(within)
    today = clock.today()
    lines: list[_Line] = []
    for index, row in enumerate(table.rows):
        if progress is not None and index % 500 == 0:
            progress(index, total)
        line = _parse(row.number, row.values, vaccines=vaccines, communes=communes, today=today, report=report)
        if line is not None:
            lines.append(line)
    if report.errors:
        report.errors.sort(key=_error_order)
        return report

    _match(lines, within)
    to_record, to_queue = _split(lines, report)
    try:
        with transaction.atomic():
            _record(actor, to_record, report, job_id=job_id, progress=progress, total=total)
            if report.errors:
                raise _Rollback
            _queue(actor, to_queue, report, within=within, filename=filename, job_id=job_id)
            audit_record(
                actor=actor,
                action="import",
                object_type="vaccination.dose",
                object_repr=filename,
                unit_path=within,
                details={
                    "rows": report.total_rows,
                    "created": report.created,
                    "duplicates": len(report.duplicates),
                    "queued": len(report.queued),
                    "already_queued": report.already_queued,
                    "job": job_id,
                },
            )
    except _Rollback:
        report.created = 0
        report.errors.sort(key=_error_order)
        return report
    if progress is not None:
        progress(total, total)
    return report


def dose_import_enqueue(*, actor: Any, within: str, data: bytes, filename: str) -> Any:
    """Queue an import as a background job; its progress and report are read from the Job row."""
    from chihuy.core.jobs import job_create
    from chihuy.core.tabular import check_upload
    from chihuy.vaccination.tasks import dose_import_task

    require_perm(actor, Perm.DOSE_IMPORT)
    check_upload(data, filename=filename)
    job = job_create(
        kind=VACCINATION_IMPORT, actor=actor, unit_path=view_path(actor, within), payload=data, input_name=filename
    )
    transaction.on_commit(lambda: dose_import_task.enqueue(job.pk))
    return job


def _error_order(error: dict[str, Any]) -> tuple[int, int]:
    return error["row"], COLUMNS.index(error["field"]) if error["field"] in COLUMNS else 99


# --- steps ---------------------------------------------------------------------------------------------------


def _communes(within: str) -> dict[str, str]:
    """Code or folded name of each commune of the area (and of the commune containing it) → its path."""
    out: dict[str, str] = {}
    for unit in Unit.objects.filter(path__under=within, level=UnitLevel.COMMUNE).only("code", "name", "path"):
        out[unit.code] = unit.path
        out[fold(unit.name)] = unit.path
        out[fold(unit.name.removeprefix("Xã ").removeprefix("Phường ").removeprefix("Thị trấn "))] = unit.path
    return out


def _parse(
    number: int,
    v: dict[str, str],
    *,
    vaccines: dict[str, Vaccine],
    communes: dict[str, str],
    today: dt.date,
    report: DoseImportReport,
) -> _Line | None:
    errors: list[dict[str, Any]] = []

    def bad(column: str, message: str) -> None:
        errors.append({"row": number, "field": column, "message": message})

    full_name = clean_name(v.get("ho_ten", ""))[:150]
    if not full_name:
        bad("ho_ten", _("Thiếu họ và tên."))
    birth_date: dt.date | None = None
    birth_year: int | None = None
    birth_text = v.get("ngay_sinh", "").strip()
    if birth_text:
        if year := _YEAR.match(birth_text):
            birth_year = int(year.group(1))
        else:
            birth_date = parse_date(birth_text)
            birth_year = birth_date.year if birth_date else None
        if birth_year is None:
            bad("ngay_sinh", _("Ngày sinh “%(v)s” sai (dd/mm/yyyy hoặc năm).") % {"v": birth_text})
        elif not 1900 <= birth_year <= today.year or (birth_date is not None and birth_date > today):
            bad("ngay_sinh", _("Ngày sinh “%(v)s” ngoài khoảng hợp lệ.") % {"v": birth_text})
    national_id = ""
    try:
        national_id = normalize_national_id(v.get("cccd", ""))
    except ApplicationError as exc:
        bad("cccd", exc.message)
    dose_number = 0
    match = _DOSE.match(fold(v.get("mui_tiem", "")))
    if match and 1 <= int(match.group(1)) <= MAX_DOSE_NUMBER:
        dose_number = int(match.group(1))
    else:
        bad(
            "mui_tiem",
            _("Mũi tiêm “%(v)s” phải là số từ 1 đến %(n)s.") % {"v": v.get("mui_tiem", ""), "n": MAX_DOSE_NUMBER},
        )
    vaccine = vaccine_find(v.get("loai_vac_xin", ""), index=vaccines)
    if vaccine is None:
        bad("loai_vac_xin", _("Không rõ loại vắc xin “%(v)s”.") % {"v": v.get("loai_vac_xin", "")})
    elif not vaccine.is_active:
        bad("loai_vac_xin", _("Vắc xin %(v)s không còn được dùng.") % {"v": vaccine.name})
    given_on = parse_date(v.get("ngay_tiem", ""))
    if given_on is None:
        bad("ngay_tiem", _("Thiếu hoặc sai ngày tiêm “%(v)s” (dd/mm/yyyy).") % {"v": v.get("ngay_tiem", "")})
    elif given_on > today:
        bad("ngay_tiem", _("Ngày tiêm không được ở tương lai."))
    elif vaccine is not None and given_on < vaccine.available_from:
        bad(
            "ngay_tiem",
            _("Ngày tiêm %(d)s trước ngày vắc xin %(v)s được phép dùng tại Việt Nam (%(a)s).")
            % {"d": f"{given_on:%d/%m/%Y}", "v": vaccine.name, "a": f"{vaccine.available_from:%d/%m/%Y}"},
        )
    elif birth_date is not None and given_on < birth_date:
        bad("ngay_tiem", _("Ngày tiêm trước ngày sinh."))
    commune = ""
    if v.get("xa", "").strip():
        text = v["xa"].strip()
        commune = communes.get(text) or communes.get(fold(text)) or ""
        if not commune:
            bad("xa", _("Không có xã “%(v)s” trong địa bàn nhập.") % {"v": text})
    if errors:
        report.errors.extend(errors)
        return None
    assert vaccine is not None and given_on is not None
    return _Line(
        row=number,
        raw={k: v.get(k, "") for k in COLUMNS if k in v},
        full_name=full_name,
        folded=fold(full_name),
        national_id=national_id,
        birth_date=birth_date,
        birth_year=birth_year,
        dose_number=dose_number,
        vaccine=vaccine,
        given_on=given_on,
        lot=v.get("so_lo", "").strip()[:40],
        site_name=v.get("noi_tiem", "").strip()[:200],
        commune=commune,
    )


def _chunks(values: list[Any]) -> list[list[Any]]:
    return [values[i : i + CHUNK] for i in range(0, len(values), CHUNK)]


def _match(lines: list[_Line], within: str) -> None:
    """National ID first; else folded name + birth (date when both sides have one, else year) + commune."""
    area = Person.objects.filter(unit_path__under=within, is_active=True)
    by_id: dict[str, list[int]] = defaultdict(list)
    for chunk in _chunks(sorted({line.national_id for line in lines if line.national_id})):
        for pk, national_id in (
            area.filter(national_id__in=chunk).exclude(national_id="").values_list("pk", "national_id")
        ):
            by_id[national_id].append(pk)
    by_name: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for chunk in _chunks(sorted({line.folded for line in lines})):
        for rec in area.filter(name_folded__in=chunk).values(
            "pk", "name_folded", "birth_date", "birth_year", "unit_path", "national_id"
        ):
            by_name[rec["name_folded"]].append(dict(rec))
    for line in lines:
        ids = by_id.get(line.national_id, []) if line.national_id else []
        if len(ids) == 1:
            line.person_id = ids[0]
            continue
        if len(ids) > 1:
            line.reason, line.candidates = ReviewReason.AMBIGUOUS, sorted(ids)
            continue
        same_name = [
            p for p in by_name.get(line.folded, []) if not line.commune or p["unit_path"].startswith(line.commune)
        ]
        if line.birth_year is None:
            line.reason = ReviewReason.AMBIGUOUS if same_name else ReviewReason.UNMATCHED
            line.candidates = [p["pk"] for p in same_name][:20]
            continue
        found = [p for p in same_name if p["birth_year"] == line.birth_year]
        if line.birth_date is not None:
            found = [p for p in found if p["birth_date"] in (None, line.birth_date)]
        if len(found) == 1:
            other_id = found[0]["national_id"]
            if line.national_id and other_id and other_id != line.national_id:
                line.reason, line.candidates = ReviewReason.ID_MISMATCH, [found[0]["pk"]]
            else:
                line.person_id = found[0]["pk"]
            continue
        line.reason = ReviewReason.AMBIGUOUS if found else ReviewReason.UNMATCHED
        line.candidates = [p["pk"] for p in (found or same_name)][:20]


def _split(lines: list[_Line], report: DoseImportReport) -> tuple[list[_Line], list[_Line]]:
    """Matched rows to record (in dose order per person) and rows for the queue; duplicates of stored doses or of
    an earlier row are counted and dropped, a different date for a dose number already given is queued."""
    from chihuy.vaccination.models import Dose

    matched = [line for line in lines if line.person_id is not None]
    stored: dict[tuple[int, int], dt.date] = {}
    for chunk in _chunks(sorted({line.person_id for line in matched if line.person_id is not None})):
        for person_id, number, given_on in Dose.objects.filter(person_id__in=chunk, is_active=True).values_list(
            "person_id", "dose_number", "given_on"
        ):
            stored[(person_id, number)] = given_on
    to_record: list[_Line] = []
    seen: dict[tuple[int, int], dt.date] = {}
    for line in sorted(matched, key=lambda x: (x.person_id or 0, x.dose_number, x.row)):
        assert line.person_id is not None
        key = (line.person_id, line.dose_number)
        known = stored.get(key) or seen.get(key)
        if known == line.given_on:
            report.duplicates.append(
                {
                    "row": line.row,
                    "full_name": line.full_name,
                    "person_id": line.person_id,
                    "reason": "duplicate",
                    "reason_label": _("Đã có mũi %(n)s ngày %(d)s")
                    % {"n": line.dose_number, "d": f"{line.given_on:%d/%m/%Y}"},
                }
            )
            continue
        if known is not None:
            line.reason, line.candidates, line.person_id = ReviewReason.CONFLICT, [line.person_id], None
            continue
        seen[key] = line.given_on
        to_record.append(line)
    report.matched_by_id = sum(1 for line in to_record if line.national_id)
    report.matched_by_name = len(to_record) - report.matched_by_id
    to_queue = [line for line in lines if line.person_id is None]
    return to_record, sorted(to_queue, key=lambda x: x.row)


def _record(
    actor: Any,
    lines: list[_Line],
    report: DoseImportReport,
    *,
    job_id: int | None,
    progress: Callable[[int, int], None] | None,
    total: int,
) -> None:
    people = {}
    for chunk in _chunks(sorted({line.person_id for line in lines if line.person_id is not None})):
        people.update(Person.objects.in_bulk(chunk))
    for i, line in enumerate(lines):
        if progress is not None and i % 200 == 0:
            progress(min(total, i), total)
        assert line.person_id is not None
        try:
            with transaction.atomic():
                dose_record(
                    actor=actor,
                    person=people[line.person_id],
                    dose_number=line.dose_number,
                    vaccine=line.vaccine,
                    given_on=line.given_on,
                    lot=line.lot,
                    site_name=line.site_name,
                    source=DoseSource.IMPORT,
                    source_ref=f"import#{job_id or 0} row {line.row}",
                )
        except ApplicationError as exc:
            if exc.code == ErrorCode.PERMISSION_DENIED:
                raise
            details = exc.details if isinstance(exc.details, list) else []
            column = FIELD_COLUMN.get(str(details[0].get("field", "")) if details else "", "")
            report.errors.append({"row": line.row, "field": column, "message": exc.message})
            continue
        report.created += 1


def _queue(
    actor: Any, lines: list[_Line], report: DoseImportReport, *, within: str, filename: str, job_id: int | None
) -> None:
    known: set[str] = set()
    fingerprints = sorted({line.fingerprint for line in lines})
    for chunk in _chunks(fingerprints):
        known.update(
            DoseReview.objects.filter(fingerprint__in=chunk, unit_path__under=within).values_list(
                "fingerprint", flat=True
            )
        )
    created: list[DoseReview] = []
    for line in lines:
        if line.fingerprint in known:
            report.already_queued += 1
            continue
        known.add(line.fingerprint)
        created.append(
            DoseReview(
                job_id=job_id,
                unit_path=line.commune or within,
                filename=filename[:255],
                row_number=line.row,
                raw=line.raw,
                parsed=line.parsed(),
                fingerprint=line.fingerprint,
                reason=line.reason,
                candidates=line.candidates,
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
        )
    DoseReview.objects.bulk_create(created, batch_size=500)
    labels = dict(ReviewReason.choices)
    for review in created:
        report.queued.append(
            {
                "row": review.row_number,
                "full_name": review.parsed["full_name"],
                "reason": review.reason,
                "reason_label": str(labels[review.reason]),
                "review_id": review.pk,
                "candidates": review.candidates,
            }
        )
