"""Writes of clusters (ổ dịch): create, add cases, close and reopen; the sweep that closes clusters with no
new case for the policy's number of days."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from chihuy.accounts.access import require_in_jurisdiction, require_perm
from chihuy.accounts.roles import Perm
from chihuy.cases.enums import ClusterKind, ClusterStatus
from chihuy.cases.models import Case, Cluster
from chihuy.core import clock
from chihuy.core.audit import audit_record, snapshot
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.core.policies import policy_get
from chihuy.places.models import Unit


@transaction.atomic
def cluster_create(
    *,
    actor: Any,
    name: str,
    unit: Unit,
    kind: str = ClusterKind.OTHER,
    case_ids: list[int] | None = None,
    note: str = "",
    opened_on: dt.date | None = None,
    is_demo: bool = False,
) -> Cluster:
    """`opened_on` defaults to today; an imported historical line list gives its first case's day."""
    require_perm(actor, Perm.CLUSTER_CHANGE)
    require_in_jurisdiction(actor, unit.path)
    if not name.strip():
        raise ApplicationError.field("name", _("Nhập tên ổ dịch."))
    if kind not in ClusterKind.values:
        raise ApplicationError.field("kind", _("Loại ổ dịch không hợp lệ."))
    if Cluster.objects.filter(unit=unit, name=name.strip()).exists():
        raise ApplicationError.field("name", _("Đã có ổ dịch tên này ở đơn vị này."), ErrorCode.CONFLICT)
    cluster = Cluster(
        name=name.strip()[:200],
        unit=unit,
        unit_path=unit.path,
        kind=kind,
        opened_on=opened_on or clock.today(),
        note=note.strip(),
        is_demo=is_demo,
    )
    cluster.full_clean(exclude=["unit"])
    cluster.save()
    audit_record(actor=actor, action="create", obj=cluster, after=snapshot(cluster))
    if case_ids:
        cluster = cluster_add_cases(actor=actor, cluster=cluster, case_ids=case_ids)
    return cluster


@transaction.atomic
def cluster_add_cases(*, actor: Any, cluster: Cluster, case_ids: list[int]) -> Cluster:
    """Cases join the cluster; its first and last case dates follow; a closed cluster with a new case reopens."""
    from chihuy.cases.selectors import case_visible_qs

    require_perm(actor, Perm.CLUSTER_CHANGE)
    cluster = Cluster.objects.select_for_update().get(pk=cluster.pk)
    require_in_jurisdiction(actor, cluster.unit_path, field="cluster")
    cases = list(case_visible_qs(actor).filter(pk__in=set(case_ids)))
    missing = sorted(set(case_ids) - {c.pk for c in cases})
    if missing:
        raise ApplicationError.field(
            "case_ids", _("Không tìm thấy ca #%(ids)s.") % {"ids": ", #".join(map(str, missing))}, ErrorCode.NOT_FOUND
        )
    Case.objects.filter(pk__in=[c.pk for c in cases]).update(cluster=cluster)
    _refresh_dates(cluster)
    if (
        cluster.status == ClusterStatus.CLOSED
        and cluster.last_case_on
        and cluster.closed_on
        and (cluster.last_case_on >= cluster.closed_on)
    ):
        cluster.status = ClusterStatus.ACTIVE
        cluster.closed_on = None
        cluster.save(update_fields=["status", "closed_on", "updated_at"])
    audit_record(actor=actor, action="update", obj=cluster, after={"added_case_ids": sorted(c.pk for c in cases)})
    return cluster


def _refresh_dates(cluster: Cluster) -> None:
    last = Case.objects.filter(cluster=cluster).aggregate(last=Max("detected_at"))["last"]
    cluster.last_case_on = clock.localdate(last) if last else None
    cluster.save(update_fields=["last_case_on", "updated_at"])


@transaction.atomic
def cluster_close_stale(*, on: dt.date | None = None) -> list[int]:
    """Close every active cluster whose last case is older than the policy's days (the scheduled sweep)."""
    day = on or clock.today()
    days = int(policy_get("cluster.close_after_days", on=day)["days"])
    limit = day - dt.timedelta(days=days)
    stale = list(Cluster.objects.select_for_update().filter(status=ClusterStatus.ACTIVE, last_case_on__lt=limit))
    for cluster in stale:
        cluster.status = ClusterStatus.CLOSED
        cluster.closed_on = day
        cluster.save(update_fields=["status", "closed_on", "updated_at"])
        audit_record(
            actor=None,
            action="update",
            obj=cluster,
            before={"status": ClusterStatus.ACTIVE},
            after={"status": ClusterStatus.CLOSED},
            details={"reason": _("%(d)s ngày không có ca mới.") % {"d": days}},
        )
    return [c.pk for c in stale]
