"""Privacy: check-ins older than the policy's retention are deleted (a scheduled job, `manage.py checkins_purge`),
then the visitor records (phone, name, CCCD) left with no check-in and no F1 candidate. Candidates already found
keep their own copy of the times and their visitor (they are the tracers' records, not check-in data)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Exists, OuterRef

from chihuy.core import clock
from chihuy.core.audit import audit_record
from chihuy.tracing import times
from chihuy.tracing.models import CheckIn, ExposureCandidate, Visitor
from chihuy.tracing.policies import checkin_rule

CHUNK = 50_000


def checkins_purge(*, today: dt.date | None = None) -> int:
    """Delete every check-in that began before the first day kept; returns how many. In chunks of ids, each its own
    transaction, so a purge of millions never holds one long lock."""
    today = today or clock.today()
    rule = checkin_rule(today)
    cutoff = times.day_start_minute(today - dt.timedelta(days=rule.retention_days))
    deleted = 0
    while True:
        with transaction.atomic():
            oldest = CheckIn.objects.filter(t_in__lt=cutoff).values("id")[:CHUNK]
            count = CheckIn.objects.filter(id__in=oldest).delete()[0]
        if not count:
            break
        deleted += count
    visitors = _orphans_purge()
    if deleted or visitors:
        audit_record(
            actor=None,
            action="checkin.purge",
            object_type="tracing.checkin",
            details={
                "before": times.from_minute(cutoff).isoformat(),
                "deleted": deleted,
                "retention_days": rule.retention_days,
                "visitors_deleted": visitors,
            },
        )
    return deleted


def _orphans_purge() -> int:
    """Visitors without any check-in left and never an F1 candidate (those stay: the tracers' records point to them)."""
    deleted = 0
    while True:
        with transaction.atomic():
            orphans = (
                Visitor.objects.filter(~Exists(CheckIn.objects.filter(visitor_id=OuterRef("pk"))))
                .filter(~Exists(ExposureCandidate.objects.filter(visitor_id=OuterRef("pk"))))
                .values("id")[:CHUNK]
            )
            count = Visitor.objects.filter(id__in=orphans).delete()[0]
        if not count:
            return deleted
        deleted += count
