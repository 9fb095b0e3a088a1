"""Exports of the web shell. The export itself is audited: who took which rows out, with which filters."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chihuy.accounts.selectors import audit_list
from chihuy.core.audit import audit_record
from chihuy.core.tabular import write_xlsx

AUDIT_EXPORT_CAP = 50_000
AUDIT_HEADERS = [
    "id",
    gettext_lazy("thời điểm"),
    gettext_lazy("người dùng"),
    gettext_lazy("thao tác"),
    gettext_lazy("loại đối tượng"),
    gettext_lazy("mã đối tượng"),
    gettext_lazy("đối tượng"),
    gettext_lazy("địa bàn"),
    gettext_lazy("trước"),
    gettext_lazy("sau"),
    gettext_lazy("chi tiết"),
    "IP",
    gettext_lazy("kênh"),
]


@transaction.atomic
def audit_export(*, actor: Any, within: str | None, filters: dict[str, Any]) -> bytes:
    """The filtered events (newest first, at most AUDIT_EXPORT_CAP rows) as an Excel workbook."""
    events = list(audit_list(actor=actor, within=within, **filters)[:AUDIT_EXPORT_CAP])
    rows = [
        [
            e.pk,
            timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"),
            e.actor_username,
            e.action,
            e.object_type,
            e.object_id,
            e.object_repr,
            e.unit_path,
            _text(e.before),
            _text(e.after),
            _text(e.details),
            e.ip_address or "",
            e.channel,
        ]
        for e in events
    ]
    audit_record(
        actor=actor,
        action="export",
        object_type="core.auditevent",
        object_repr=_("%(n)s dòng nhật ký") % {"n": len(rows)},
        unit_path=within or actor.unit_path,
        details={
            "filters": {k: str(v) for k, v in filters.items() if v},
            "rows": len(rows),
            "capped": len(rows) == AUDIT_EXPORT_CAP,
        },
    )
    return write_xlsx(title="Nhat ky", headers=[str(h) for h in AUDIT_HEADERS], rows=rows)


def _text(value: Any) -> str:
    if not value:
        return ""
    import json

    return json.dumps(value, ensure_ascii=False, default=str)[:32000]
