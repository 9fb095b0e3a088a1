"""Result files from a lab machine (CSV UTF-8 or Excel): every row is checked first; wrong rows are reported by
row and field, valid rows are applied in bulk, and a corrected file can be uploaded again — rows already applied
with the same result count as `unchanged`, so re-uploading never duplicates or flips anything."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from chihuy.accounts.access import require_perm
from chihuy.accounts.roles import Perm
from chihuy.core.audit import audit_record
from chihuy.core.errors import ApplicationError
from chihuy.core.tabular import read_table
from chihuy.labs import policies
from chihuy.labs.models import Lab, Sample
from chihuy.labs.services._common import code_or_none, lab_ids_of, require_lab_member
from chihuy.labs.services.results import (
    Effects,
    ResultInput,
    apply_results,
    check_result,
    parse_ct,
    parse_result,
    tubes_by_code,
)

ALIASES = {
    "ma_mau": "ma_mau",
    "sample_id": "ma_mau",
    "sample_code": "ma_mau",
    "ma_ong": "ma_mau",
    "ma_so_mau": "ma_mau",
    "ket_qua": "ket_qua",
    "result": "ket_qua",
    "ket_luan": "ket_qua",
    "so_mau_gop": "so_mau_gop",
    "pool_size": "so_mau_gop",
    "gop": "so_mau_gop",
    "ghi_chu": "ghi_chu",
    "note": "ghi_chu",
}
CT_PREFIX = "ct_"
ERROR_VALUES_CAP = 5000


@dataclass
class ResultImportReport:
    rows: int = 0
    applied: int = 0
    unchanged: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    positives: int = 0
    follow_ups: int = 0
    notified: int = 0
    cases: list[str] = field(default_factory=list)
    not_confirmed: list[dict[str, Any]] = field(default_factory=list)
    file_sha256: str = ""
    columns: list[str] = field(default_factory=list)  # the file's columns in order (jsonb does not keep key order)

    def as_dict(self) -> dict[str, Any]:
        return {
            "columns": self.columns,
            "rows": self.rows,
            "applied": self.applied,
            "unchanged": self.unchanged,
            "errors": self.errors,
            "positives": self.positives,
            "follow_ups": self.follow_ups,
            "notified": self.notified,
            "cases": self.cases,
            "not_confirmed": self.not_confirmed,
            "file_sha256": self.file_sha256,
        }


def _row_input(number: int, values: dict[str, str], ct_rule: dict[str, Any]) -> ResultInput:
    code = code_or_none(values.get("ma_mau", ""))
    if code is None:
        raise ApplicationError.field("ma_mau", _("Mã mẫu trống hoặc không hợp lệ."))
    result = parse_result(values.get("ket_qua", ""))
    if result is None:
        raise ApplicationError.field(
            "ket_qua",
            _("Kết quả “%(v)s” không hiểu được (dương tính / âm tính / không xác định).")
            % {"v": values.get("ket_qua", "")[:30]},
        )
    pool_raw = values.get("so_mau_gop", "").strip()
    pool: int | None = None
    if pool_raw:
        if not pool_raw.isdigit() or not 1 <= int(pool_raw) <= 50:
            raise ApplicationError.field("so_mau_gop", _("Số mẫu gộp “%(v)s” không hợp lệ.") % {"v": pool_raw[:10]})
        pool = int(pool_raw)
    ct_raw = {k[len(CT_PREFIX) :]: v for k, v in values.items() if k.startswith(CT_PREFIX) and v.strip()}
    ct = parse_ct(ct_raw, rule=ct_rule) if ct_raw else {}
    return ResultInput(
        code=code, result=result, ct_values=ct, pool_size=pool, note=values.get("ghi_chu", "")[:300], row=number
    )


def _still_as_checked(
    checked: list[tuple[Any, ResultInput]], report: ResultImportReport, originals: dict[int, dict[str, str]]
) -> list[tuple[Any, ResultInput]]:
    """Lock the tubes about to be written and keep those whose result is still the one the file was checked
    against: a result entered by form while a large file was being checked is never overwritten (the row is
    reported). Inside the apply's transaction."""
    ids = [tube.id for tube, _item in checked]
    current: dict[int, str] = {}
    for start in range(0, len(ids), 1000):
        current.update(
            Sample.objects.select_for_update().filter(pk__in=ids[start : start + 1000]).values_list("pk", "result")
        )
    kept = [(tube, item) for tube, item in checked if current.get(tube.id) == tube.result]
    if len(kept) == len(checked):
        return checked
    for tube, item in checked:
        if current.get(tube.id) != tube.result:
            report.errors.append(
                {
                    "row": item.row,
                    "field": "ket_qua",
                    "message": _("Mẫu %(c)s vừa được ghi kết quả khác trong lúc kiểm tra tệp: không ghi đè.")
                    % {"c": item.code},
                    "values": originals.get(item.row or 0, {}),
                }
            )
    report.errors.sort(key=lambda e: (e["row"], e["field"]))
    return kept


def results_import(
    *,
    actor: Any,
    lab: Lab,
    data: bytes,
    filename: str,
    progress: Callable[[int, int], None] | None = None,
    source: str = "",
) -> tuple[ResultImportReport, Effects]:
    """Check every row, then apply the valid ones in one transaction. Returns the report (errors by row) and the
    effects for `response` (individual positives to confirm as F0)."""
    from chihuy.labs import notifications  # noqa: F401  (registers the templates)

    require_perm(actor, Perm.LAB_WORK)
    require_lab_member(actor, lab)
    ct_rule = policies.ct_rule()
    genes = {str(g).lower() for g in ct_rule["genes"]}
    # "CT-N", "Ct N", "CtN" and "ct_n" are one column (headers are folded, spaces made underscores).
    ct_aliases = {f"ct{sep}{g}": f"{CT_PREFIX}{g}" for g in genes for sep in ("", "-", "_", ".")}
    table = read_table(data, filename=filename, required=["ma_mau", "ket_qua"], aliases={**ALIASES, **ct_aliases})
    report = ResultImportReport(
        rows=len(table.rows), file_sha256=hashlib.sha256(data).hexdigest(), columns=[h for h in table.headers if h]
    )
    known = {f"{CT_PREFIX}{g}" for g in genes}
    unknown = [h for h in table.headers if h[:3] in ("ct_", "ct-", "ct.") and h not in known]
    if unknown:
        raise ApplicationError.field(
            f"columns.{unknown[0]}", _("Cột Ct “%(c)s” không thuộc gen nào trong danh mục.") % {"c": unknown[0]}
        )
    total = len(table.rows)
    inputs: list[ResultInput] = []
    seen: dict[str, ResultInput] = {}
    conflicting: set[str] = set()
    for row in table.rows:
        try:
            item = _row_input(row.number, row.values, ct_rule)
        except ApplicationError as exc:
            detail = exc.details[0] if isinstance(exc.details, list) and exc.details else {}
            report.errors.append({"row": row.number, "field": detail.get("field", ""), "message": exc.message})
            continue
        first = seen.get(item.code)
        if first is None:
            seen[item.code] = item
            inputs.append(item)
            continue
        if first.result != item.result or first.ct_values != item.ct_values:
            conflicting.add(item.code)
            message = _("Mẫu %(c)s có kết quả khác ở dòng %(r)s: không ghi mẫu này.") % {"c": item.code, "r": first.row}
        else:
            message = _("Mẫu %(c)s lặp lại dòng %(r)s (bỏ qua dòng này).") % {"c": item.code, "r": first.row}
        report.errors.append({"row": item.row, "field": "ma_mau", "message": message})
    for item in inputs:
        if item.code in conflicting:
            report.errors.append(
                {
                    "row": item.row,
                    "field": "ma_mau",
                    "message": _("Mẫu %(c)s có kết quả mâu thuẫn trong tệp.") % {"c": item.code},
                }
            )
    inputs = [i for i in inputs if i.code not in conflicting]
    if progress:
        progress(len(inputs) // 4, total)
    tubes = tubes_by_code([i.code for i in inputs])
    labs = lab_ids_of(actor) | {lab.pk}
    checked = []
    for item in inputs:
        tube = tubes.get(item.code)
        if tube is None:
            report.errors.append(
                {
                    "row": item.row,
                    "field": "ma_mau",
                    "message": _("Không có mẫu %(c)s trong các mẫu gửi đến phòng xét nghiệm.") % {"c": item.code},
                }
            )
            continue
        problem = check_result(tube, item, labs)
        if problem is None:
            checked.append((tube, item))
        elif problem[0] == "unchanged":
            report.unchanged += 1
        else:
            field_name = {"code": "ma_mau", "result": "ket_qua", "pool_size": "so_mau_gop", "ct": "ct"}.get(
                problem[0], problem[0]
            )
            report.errors.append({"row": item.row, "field": field_name, "message": problem[1]})
    report.errors.sort(key=lambda e: (e["row"], e["field"]))
    # Each wrong row keeps its values as uploaded, so the lab gets back exactly those rows to correct (the job
    # drops the file itself when it ends); capped so that a file of garbage does not make a huge report.
    originals = {row.number: row.values for row in table.rows}
    for error in report.errors[:ERROR_VALUES_CAP]:
        error["values"] = originals.get(error["row"], {})
    if progress:
        progress(total // 2, total)
    with transaction.atomic():
        checked = _still_as_checked(checked, report, originals)
        effects = apply_results(actor=actor, checked=checked, source=source or "file")
        report.applied = len(checked)
        report.positives = sum(1 for _t, i in checked if i.result == "positive")
        report.follow_ups = effects.follow_ups
        report.notified = effects.notified
        audit_record(
            actor=actor,
            action="import",
            obj=lab,
            details={
                "file": filename[:200],
                "sha256": report.file_sha256,
                "rows": report.rows,
                "applied": report.applied,
                "unchanged": report.unchanged,
                "errors": len(report.errors),
            },
        )
    if progress:
        progress(total, total)
    return report, effects
