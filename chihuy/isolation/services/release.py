"""Release from quarantine by the rule in force at the stay's start: not before its release date, and only when each
test day of the clock is matched by a distinct negative test collected on or after that day's due date; then the
post-release health monitoring (14 days under 5599, 7 under 10696; arrivals to 28 days after entry). Also: the test
days marked from lab results, monitorings closed when they run out, and stays ended by a positive result.

The negative tests come from `labs` through `chihuy.response.isolation` (siblings do not import each other): this
module takes them as plain (collected_at, method) pairs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from chihuy.accounts.access import require_perm
from chihuy.accounts.roles import Perm
from chihuy.core import clock
from chihuy.core.audit import audit_record
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.isolation.enums import (
    HOLDING_STATUSES,
    Cohort,
    MonitoringReason,
    MonitoringStatus,
    StayEventKind,
    StayKind,
    StayStatus,
    TestTaskStatus,
)
from chihuy.isolation.models import Monitoring, Room, Stay, StayEvent, StayTest
from chihuy.isolation.services import capacity
from chihuy.isolation.services._common import require_stay_place
from chihuy.isolation.services.stays import lock_facility, stay_end

Negative = tuple[dt.datetime, str]  # (collected_at, test method)

_OPEN_TESTS = (TestTaskStatus.PENDING, TestTaskStatus.REQUESTED)


def _d(value: dt.date) -> str:
    return value.strftime("%d/%m/%Y")


@dataclass(frozen=True, slots=True)
class Readiness:
    """Whether a stay may be released today, and if not, every reason (the stay page explains it)."""

    ready: bool
    reasons: list[str]
    matched: dict[int, Negative]  # test day → the negative that answers it
    missing: list[tuple[int, dt.date]]  # (test day, due date) without a negative


def match_tests(test_dates: Sequence[tuple[int, dt.date]], negatives: Iterable[Negative]) -> dict[int, Negative]:
    """Each test day answered by a distinct negative collected on or after its due date. Days are taken latest
    first: any negative that serves a later day also serves every earlier one, so this finds the most matches."""
    pool = sorted(negatives, key=lambda n: n[0])
    matched: dict[int, Negative] = {}
    for day, due in sorted(test_dates, key=lambda t: t[1], reverse=True):
        for i in range(len(pool) - 1, -1, -1):
            if clock.localdate(pool[i][0]) >= due:
                matched[day] = pool.pop(i)
                break
    return matched


def test_dates(stay: Stay) -> list[tuple[int, dt.date]]:
    return [(int(day), stay.clock_start_on + dt.timedelta(days=int(day) - 1)) for day in stay.test_days]


def release_readiness(stay: Stay, negatives: Iterable[Negative], on: dt.date | None = None) -> Readiness:
    """What the release rule says of `stay` on `on` (today): its release date reached, its test days answered."""
    on = on or clock.today()
    reasons: list[str] = []
    if stay.status != StayStatus.ACTIVE:
        reasons.append(_("Lượt này không còn đang cách ly (%(s)s).") % {"s": StayStatus(stay.status).label})
    if stay.kind == StayKind.TREATMENT or stay.cohort == Cohort.F0 or stay.release_on is None:
        reasons.append(_("Người điều trị F0 ra viện theo tiêu chí ra viện, không theo lịch cách ly."))
    elif on < stay.release_on:
        reasons.append(
            _("Chưa đến ngày hoàn thành cách ly: sớm nhất ngày %(d)s (%(src)s).")
            % {"d": _d(stay.release_on), "src": stay.rule_source or _("quy định đang áp dụng")}
        )
    dates = test_dates(stay)
    matched = match_tests(dates, [n for n in negatives if clock.localdate(n[0]) >= stay.clock_start_on])
    missing = [(day, due) for day, due in dates if day not in matched]
    if missing:
        reasons.append(
            _("Chưa có kết quả âm tính cho %(days)s.")
            % {
                "days": ", ".join(
                    _("xét nghiệm ngày thứ %(n)s (lấy mẫu từ %(d)s)") % {"n": day, "d": _d(due)} for day, due in missing
                )
            }
        )
    return Readiness(ready=not reasons, reasons=reasons, matched=matched, missing=missing)


def _perm_for(stay: Stay) -> str:
    return Perm.HOME_ISOLATION if stay.kind == StayKind.HOME else Perm.STAY_WORK


@transaction.atomic
def stay_release(
    *, actor: Any, stay: Stay, negatives: Sequence[Negative], at: dt.datetime | None = None
) -> tuple[Stay, Monitoring | None]:
    """Release a person from quarantine when the rule allows (its date reached, its test days negative): the stay
    ends RELEASED, its test days are marked negative, and the post-release health monitoring starts the same day
    for the rule's `monitoring_days` (arrivals: up to the total days after entry)."""
    perm = _perm_for(stay)
    require_perm(actor, perm)
    require_stay_place(actor, stay)
    stay = Stay.objects.select_for_update().get(pk=stay.pk)
    now = at or clock.now()
    today = clock.localdate(now)
    readiness = release_readiness(stay, negatives, today)
    if not readiness.ready:
        field = "tests" if stay.status == StayStatus.ACTIVE and stay.release_on and today >= stay.release_on else "stay"
        raise ApplicationError(
            ErrorCode.INVALID_TRANSITION,
            " ".join(readiness.reasons),
            [{"field": field, "message": reason} for reason in readiness.reasons],
        )
    reason = _("Hoàn thành cách ly theo %(src)s.") % {"src": stay.rule_source or _("quy định đang áp dụng")}
    stay = stay_end(actor=actor, stay=stay, status=StayStatus.RELEASED, reason=reason, at=now, perm=perm)
    for day, (collected_at, _method) in readiness.matched.items():
        StayTest.objects.filter(stay=stay, day=day).exclude(status=TestTaskStatus.NEGATIVE).update(
            status=TestTaskStatus.NEGATIVE, resulted_at=collected_at
        )
    monitoring = None
    if stay.monitoring_days > 0:
        monitoring = Monitoring(
            person_id=stay.person_id,
            unit_path=stay.unit_path,
            stay=stay,
            reason=MonitoringReason.ARRIVAL if stay.cohort == Cohort.ARRIVAL else MonitoringReason.AFTER_QUARANTINE,
            starts_on=today,
            ends_on=today + dt.timedelta(days=stay.monitoring_days - 1),
            rule_source=stay.rule_source,
        )
        monitoring.full_clean(exclude=["person", "stay"])
        monitoring.save()
        audit_record(
            actor=actor,
            action="create",
            obj=monitoring,
            unit_path=monitoring.unit_path,
            after={"reason": monitoring.reason, "starts_on": monitoring.starts_on, "ends_on": monitoring.ends_on},
        )
    return stay, monitoring


@transaction.atomic
def monitoring_end(*, on: dt.date | None = None) -> int:
    """Close the health monitorings whose last day is before `on` (the daily sweep); idempotent."""
    on = on or clock.today()
    ending = list(Monitoring.objects.filter(status=MonitoringStatus.ACTIVE, ends_on__lt=on).order_by("pk"))
    if not ending:
        return 0
    Monitoring.objects.filter(pk__in=[m.pk for m in ending]).update(
        status=MonitoringStatus.DONE, updated_at=clock.now()
    )
    for m in ending:
        audit_record(
            actor=None,
            action="update",
            obj=m,
            unit_path=m.unit_path,
            before={"status": m.status},
            after={"status": "done"},
        )
    return len(ending)


def tests_results_record(
    *,
    negatives: Mapping[int, Sequence[Negative]],
    positives: Mapping[int, dt.date] | None = None,
) -> int:
    """Mark the open test days of people's stays from their results (person id → negatives since their clock
    started; person id → the day a positive tube was taken): a test day takes a distinct negative collected on or
    after its due date; a positive answers the latest test day due by the day it was taken. Returns the rows
    marked. Unscoped: called by `response` after a lab result, for people the tubes identified."""
    positives = positives or {}
    people = set(negatives) | set(positives)
    if not people:
        return 0
    stays = list(
        Stay.objects.filter(person_id__in=people, tests__status__in=_OPEN_TESTS)
        .exclude(kind=StayKind.TREATMENT)
        .distinct()
        .order_by("pk")
    )
    marked = 0
    for stay in stays:
        tests = list(StayTest.objects.filter(stay=stay).order_by("day"))
        done = [t for t in tests if t.status == TestTaskStatus.NEGATIVE]
        open_tests = [t for t in tests if t.status in _OPEN_TESTS]
        mine = [n for n in negatives.get(stay.person_id, ()) if clock.localdate(n[0]) >= stay.clock_start_on]
        # Negatives already counted for a day stay with it; the others may answer the open days.
        used = {t.resulted_at for t in done}
        free = [n for n in mine if n[0] not in used]
        matched = match_tests([(t.day, t.due_on) for t in open_tests], free)
        for test in open_tests:
            if test.day in matched:
                StayTest.objects.filter(pk=test.pk).update(
                    status=TestTaskStatus.NEGATIVE, resulted_at=matched[test.day][0]
                )
                marked += 1
        positive_on = positives.get(stay.person_id)
        if positive_on is not None:
            due = [t for t in open_tests if t.day not in matched and t.due_on <= positive_on]
            if due:
                StayTest.objects.filter(pk=due[-1].pk).update(status=TestTaskStatus.POSITIVE, resulted_at=clock.now())
                marked += 1
    return marked


@transaction.atomic
def stays_end_positive(*, actor: Any, stays: Sequence[Stay], reasons: Mapping[int, str]) -> list[Stay]:
    """End holding stays with status POSITIVE (the person moves to F0 care), each with its reason naming the case:
    beds freed, emptied rooms to disinfection, capacity recounted. Authorised by the result or the F0 report that
    caused it (a lab technician records it, not the facility), so no stay permission is asked here; the web's own
    action checks the officer's permission in `chihuy.response.isolation.stay_positive`."""
    now = clock.now()
    user = actor if getattr(actor, "is_authenticated", False) else None
    facility_ids = sorted({s.facility_id for s in stays if s.facility_id})
    for facility_id in facility_ids:
        lock_facility(facility_id)
    ended: list[Stay] = []
    for stay in Stay.objects.select_for_update().filter(pk__in=[s.pk for s in stays]).order_by("pk"):
        if stay.status not in HOLDING_STATUSES:
            continue
        before = {"status": stay.status}
        stay.status = StayStatus.POSITIVE if stay.status == StayStatus.ACTIVE else StayStatus.CANCELLED
        stay.ended_at = now
        stay.end_reason = reasons.get(stay.pk, _("Kết quả xét nghiệm dương tính."))[:400]
        stay.save(update_fields=["status", "ended_at", "end_reason", "updated_at"])
        StayTest.objects.filter(stay=stay, status__in=_OPEN_TESTS).update(status=TestTaskStatus.CANCELLED)
        StayEvent.objects.create(
            stay=stay, at=now, kind=StayEventKind.ENDED, reason=stay.end_reason, from_bed=stay.bed, actor=user
        )
        audit_record(
            actor=actor,
            action="update",
            obj=stay,
            before=before,
            after={"status": stay.status, "reason": stay.end_reason},
        )
        ended.append(stay)
    for room_id in sorted({s.room_id for s in ended if s.room_id}):
        if not Stay.objects.filter(room_id=room_id, status__in=HOLDING_STATUSES).exists():
            Room.objects.filter(pk=room_id).update(cleaning_since=now)
    if facility_ids:
        capacity.facility_refresh(facility_ids)
    return ended


def tests_due(*, on: dt.date, place_path: str) -> list[StayTest]:
    """Open test days due by `on` of active quarantine stays kept in places under `place_path` (what the daily
    sweep sends to labs)."""
    return list(
        StayTest.objects.filter(
            status=TestTaskStatus.PENDING,
            due_on__lte=on,
            stay__status=StayStatus.ACTIVE,
            stay__kind__in=[StayKind.FACILITY, StayKind.HOME],
            stay__place_path__startswith=place_path,
        )
        .select_related("stay", "stay__facility", "stay__home")
        .order_by("stay__facility_id", "stay__home_id", "stay_id", "day")
    )


def tests_requested(*, links: Sequence[tuple[int, int]]) -> int:
    """(test day id, labs target id): the test days were sent to sampling."""
    done = 0
    for test_id, target_id in links:
        done += StayTest.objects.filter(pk=test_id, status=TestTaskStatus.PENDING).update(
            status=TestTaskStatus.REQUESTED, target_id=target_id
        )
    return done


def people_with_open_tests(person_ids: Iterable[int] | None = None) -> QuerySet[Stay, int]:
    """The ids of people (of `person_ids`; None: everyone) in a quarantine stay with a test day still open, as a
    query (usable as a subquery)."""
    qs = Stay.objects.filter(status__in=HOLDING_STATUSES, tests__status__in=_OPEN_TESTS)
    if person_ids is not None:
        qs = qs.filter(person_id__in=list(person_ids))
    return qs.values_list("person_id", flat=True).distinct()
