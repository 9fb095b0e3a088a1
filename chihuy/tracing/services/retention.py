"""Privacy: check-ins older than the policy's retention are deleted (a scheduled job, `manage.py checkins_purge`),
then the visitor records (phone, name, CCCD) left with no check-in and no F1 candidate. Candidates already found
keep their own copy of the times and their visitor (they are the tracers' records, not check-in data)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Exists, OuterRef, Q

from chihuy.core import clock
from chihuy.core.audit import audit_record
from chihuy.tracing import times
from chihuy.tracing.models import CHECKIN_DAY, CheckIn, ExposureCandidate, Visitor
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
            # The days before the cutoff's, then the cutoff's day up to it: ranges of the day-led index.
            before = Q(day_bucket__lt=times.day_of(cutoff)) | Q(day_bucket=times.day_of(cutoff), t_in__lt=cutoff)
            oldest = CheckIn.objects.alias(day_bucket=CHECKIN_DAY).filter(before).values("id")[:CHUNK]
            count = CheckIn.objects.filter(id__in=oldest).delete()[0]
        if not count:
            break
        deleted += count
    visitors = _orphans_purge(kept_days=times.days_between(cutoff, times.to_minute(clock.now()) + times.DAY))
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


def _orphans_purge(*, kept_days: list[int]) -> int:
    """Visitors without any check-in left and never an F1 candidate (those stay: the tracers' records point to them).
    "Any check-in left" is looked up in each day still kept (`kept_days`: the cutoff's to tomorrow's), the index's
    leading day given, so each visitor costs a few index seeks and never a scan of the check-ins."""
    deleted = 0
    remaining = CheckIn.objects.alias(day_bucket=CHECKIN_DAY).filter(day_bucket__in=kept_days)
    while True:
        with transaction.atomic():
            orphans = (
                Visitor.objects.filter(~Exists(remaining.filter(visitor_id=OuterRef("pk"))))
                .filter(~Exists(ExposureCandidate.objects.filter(visitor_id=OuterRef("pk"))))
                .values("id")[:CHUNK]
            )
            count = Visitor.objects.filter(id__in=orphans).delete()[0]
        if not count:
            return deleted
        deleted += count
