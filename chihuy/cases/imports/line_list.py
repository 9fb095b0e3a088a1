"""Import a line list of historical cases (the public "BN…" lists of 2020–2021): every row validated first,
the infector chains and the clusters rebuilt, nothing written if any row is wrong.

Historical lists are anonymised: a case is created without a person record (its age and sex stay on the
case), so no contact or F-level follows from it; the chains are CaseSource rows (infector → infectee). A
number already stored with the same data is skipped, so re-uploading a file is harmless; the same number
with different data is set aside for review, never overwritten.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chihuy.accounts.access import has_perm, require_perm, view_path
from chihuy.accounts.roles import Perm
from chihuy.cases.enums import CaseStatus, DetectionWay
from chihuy.cases.imports.chains import CHUNK, cycles, stored_numbers
from chihuy.cases.imports.rows import (
    ALIASES,
    COLUMNS,
    REQUIRED,
    CaseImportReport,
    Line,
    UnitNames,
    normalize_case_number,
    row_age,
    row_status,
    row_way,
    split_infectors,
    way_of,
)
from chihuy.cases.models import Case, CaseSource, Cluster
from chihuy.cases.rules import infectious_window
from chihuy.cases.services.clusters import cluster_add_cases, cluster_create
from chihuy.core import clock
from chihuy.core.audit import audit_record
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.core.tabular import parse_date, read_table
from chihuy.core.text import clean_name, fold
from chihuy.people.imports import SEX_WORDS
from chihuy.places.models import Unit

CASE_IMPORT = "cases.import"


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
    units = UnitNames()
    lines: list[Line] = []
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

        detected_on = parse_date(v.get("ngay_phat_hien", ""))
        if detected_on is None:
            bad("ngay_phat_hien", _("Thiếu hoặc sai ngày phát hiện (dd/mm/yyyy)."))
        elif detected_on > today:
            bad("ngay_phat_hien", _("Ngày phát hiện không được ở tương lai."))
        sample_date = onset_date = None
        if v.get("ngay_lay_mau"):
            sample_date = parse_date(v["ngay_lay_mau"])
            if sample_date is None:
                bad("ngay_lay_mau", _("Ngày lấy mẫu “%(v)s” sai (dd/mm/yyyy).") % {"v": v["ngay_lay_mau"]})
            elif detected_on is not None and sample_date > detected_on:
                bad("ngay_lay_mau", _("Ngày lấy mẫu sau ngày phát hiện."))
            elif detected_on is not None and sample_date < detected_on - dt.timedelta(days=30):
                bad("ngay_lay_mau", _("Ngày lấy mẫu sớm hơn ngày phát hiện quá 30 ngày."))
        if v.get("ngay_khoi_phat"):
            onset_date = parse_date(v["ngay_khoi_phat"])
            if onset_date is None:
                bad("ngay_khoi_phat", _("Ngày khởi phát “%(v)s” sai (dd/mm/yyyy).") % {"v": v["ngay_khoi_phat"]})
            elif onset_date > today:
                bad("ngay_khoi_phat", _("Ngày khởi phát không được ở tương lai."))

        age = row_age(v, detected_on, bad)
        sex = SEX_WORDS.get(fold(v.get("gioi_tinh", "")))
        if sex is None:
            bad("gioi_tinh", _("Giới tính “%(v)s”: ghi Nam hoặc Nữ.") % {"v": v.get("gioi_tinh")})
        way = row_way(v, bad)
        status = row_status(v, bad)
        unit = units.resolve(v, within=within, bad=bad)
        cluster = clean_name(v.get("o_dich", ""))[:200]
        if v.get("ho_ten"):
            report.names_ignored += 1
        if errs:
            report.errors.extend(errs)
            continue
        assert unit is not None and detected_on is not None and sex is not None
        if not v.get("hinh_thuc") and not way_of(v.get("noi_phat_hien", "")):
            report.way_defaulted += 1
        lines.append(
            Line(
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

    stored = stored_numbers({n for _row, infs in declared.values() for n in infs} - declared.keys())
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
    for cycle in cycles({n: [i for i in infs if i in declared] for n, (_r, infs) in declared.items()}):
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


def _set_aside_existing(lines: list[Line], within: str, report: CaseImportReport) -> list[Line]:
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
    fresh: list[Line] = []
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


def _clusters(actor: Any, home: Unit, fresh: list[Line], report: CaseImportReport) -> dict[str, Cluster | None]:
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
    fresh: list[Line],
    clusters: dict[str, Cluster | None],
    report: CaseImportReport,
    filename: str,
) -> None:
    now = clock.now()
    tz = timezone.get_current_timezone()
    cases: list[Case] = []
    windows: dict[tuple[dt.date | None, dt.date], tuple[dt.date, dt.date | None]] = {}
    for line in fresh:
        # A list gives the day, not the hour: noon of that day. Sample (or, failing it, detection) starts the
        # infectious window when there is no onset; the sample date itself is not invented.
        detected_at = timezone.make_aware(dt.datetime.combine(line.detected_on, dt.time(12)), tz)
        start = (line.onset_date, line.sample_date or line.detected_on)
        if start not in windows:  # the policy is read once per distinct day, not once per row
            windows[start] = infectious_window(onset_date=start[0], sample_date=start[1])
        begin, end = windows[start]
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
    ids.update(stored_numbers({n for line in fresh for n in line.infectors} - ids.keys()))
    links = [CaseSource(infector_id=ids[i], infectee_id=ids[line.number]) for line in fresh for i in line.infectors]
    CaseSource.objects.bulk_create(links, batch_size=500)
    members: dict[str, list[int]] = {}
    spelling: dict[str, str] = {}
    opened: dict[str, dt.date] = {}
    for line in fresh:
        if line.cluster:
            key = fold(line.cluster)
            members.setdefault(key, []).append(ids[line.number])
            spelling.setdefault(key, line.cluster)
            opened[key] = min(opened.get(key, line.detected_on), line.detected_on)
    for key, case_ids in members.items():
        cluster = clusters.get(key)
        if cluster is None:
            cluster = cluster_create(
                actor=actor,
                name=spelling[key],
                unit=home,
                case_ids=case_ids,
                opened_on=opened[key],
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
