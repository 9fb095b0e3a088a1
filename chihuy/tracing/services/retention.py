"""Privacy: check-ins older than the policy's retention are deleted (a scheduled job, `manage.py checkins_purge`).
Candidates already found keep their own copy of the times (they are the tracers' records, not check-in data)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from chihuy.core import clock
from chihuy.core.audit import audit_record
from chihuy.tracing import times
from chihuy.tracing.models import CheckIn
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
    if deleted:
        audit_record(
            actor=None,
            action="checkin.purge",
            object_type="tracing.checkin",
            details={
                "before": times.from_minute(cutoff).isoformat(),
                "deleted": deleted,
                "retention_days": rule.retention_days,
            },
        )
    return deleted
