"""The exposure engine wired into 5S (issue 7): when an F0 is confirmed, on demand for a person and a window, and
for every active F0 after a late bulk ingest, the F0's check-ins are matched against everyone else's and the
people found land in the tracers' queue as F1 candidates. A tracer confirms one (then it becomes a contact in
`cases`, qualified by the rule in force like any other, and cascades) or dismisses it with a reason: never an
F1 without a person's decision."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from chihuy.accounts.access import require_in_jurisdiction, require_perm, user_path
from chihuy.accounts.roles import Perm
from chihuy.cases import selectors as case_selectors
from chihuy.cases.enums import Setting
from chihuy.cases.models import Case, Contact
from chihuy.cases.services import case_report as cases_case_report
from chihuy.cases.services.contacts import contact_add, person_match
from chihuy.core import clock
from chihuy.core.audit import audit_record
from chihuy.core.errors import ApplicationError
from chihuy.core.jobs import job_create
from chihuy.core.models import Job, JobStatus
from chihuy.people.models import Person
from chihuy.people.services import person_create
from chihuy.places.models import Unit
from chihuy.tracing import engine, times
from chihuy.tracing.enums import RunKind
from chihuy.tracing.models import ExposureCandidate, ExposureRun
from chihuy.tracing.policies import exposure_rule, longest_dwell
from chihuy.tracing.selectors import visitors_of_people
from chihuy.tracing.services.candidates import (
    Source,
    candidate_check,
    candidate_confirmed,
    candidates_record,
    run_finish,
    run_start,
)
from chihuy.tracing.services.ingest import IngestReport

BATCH_SOURCES = 100  # F0 per step of a batch run (progress is reported between steps)


@dataclass
class Found:
    run: ExposureRun
    exposures: dict[tuple[int, int], engine.Exposure] = field(default_factory=dict)
    candidates: list[ExposureCandidate] = field(default_factory=list)


def _window(cw: case_selectors.CaseWindow, now: dt.datetime) -> tuple[int, int]:
    lo = times.day_start_minute(cw.infectious_from)
    until = cw.infectious_until or clock.localdate(now)
    return lo, min(times.day_start_minute(until + dt.timedelta(days=1)) - 1, times.to_minute(now))


def _search(
    *, sources: dict[int, Source], windows: dict[int, tuple[int, int]], record: bool, run: ExposureRun
) -> tuple[dict[tuple[int, int], engine.Exposure], list[ExposureCandidate], int, int]:
    rule = exposure_rule()
    visitors = visitors_of_people(sources)
    visits = engine.source_visits(windows, visitors)
    exclude = {v for ids in visitors.values() for v in ids}
    hits = engine.near_checkins(
        visits, window=rule.window, min_overlap=rule.min_overlap, max_dwell=longest_dwell(), exclude=exclude
    )
    exposures = engine.aggregate(hits)
    created = candidates_record(run=run, sources=sources, exposures=exposures) if record else []
    return exposures, created, len(visits), len(hits)


def _sources_of(
    windows_of_cases: list[case_selectors.CaseWindow],
) -> tuple[dict[int, Source], dict[int, tuple[int, int]]]:
    now = clock.now()
    sources: dict[int, Source] = {}
    windows: dict[int, tuple[int, int]] = {}
    for cw in windows_of_cases:
        if cw.person_id in sources:  # a person with two active cases: the earlier one (oldest first)
            continue
        sources[cw.person_id] = Source(cw.person_id, cw.unit_path, cw.number)
        windows[cw.person_id] = _window(cw, now)
    return sources, windows


@transaction.atomic
def exposures_for_cases(
    *, actor: Any, case_ids: list[int] | None = None, person_ids: list[int] | None = None
) -> Found | None:
    """Right after F0 are confirmed (a report, a lab's positives; by case or by person): part of confirming, so no
    further permission."""
    if not case_ids and not person_ids:
        return None
    cws = case_selectors.active_case_windows(case_ids=case_ids, person_ids=person_ids)
    if not cws:
        return None
    started = time.perf_counter()
    sources, windows = _sources_of(cws)
    run = run_start(
        kind=RunKind.CASE, actor=actor, unit_path=cws[0].unit_path, params={"cases": [c.number for c in cws]}
    )
    exposures, created, visits, hits = _search(sources=sources, windows=windows, record=True, run=run)
    run_finish(
        run=run,
        sources=len(sources),
        visits=visits,
        hits=hits,
        new_candidates=len(created),
        elapsed_ms=int((time.perf_counter() - started) * 1000),
    )
    return Found(run, exposures, created)


@transaction.atomic
def case_report(**kwargs: Any) -> Case:
    """`cases.case_report`, then the new F0's venue exposures (the screens and the API report through here)."""
    case = cases_case_report(**kwargs)
    exposures_for_cases(actor=kwargs["actor"], case_ids=[case.pk])
    return case


@transaction.atomic
def exposures_find(*, actor: Any, person: Person, date_from: dt.date, date_to: dt.date) -> Found:
    """On demand: who was near `person`'s check-ins between two days. When the person is an active F0, the people
    found are recorded as candidates (only those not already); otherwise the result is only shown."""
    require_perm(actor, Perm.EXPOSURE_WORK)
    require_in_jurisdiction(actor, person.unit_path, field="person")
    if date_to < date_from:
        raise ApplicationError.field("date_to", _("Ngày kết thúc phải sau ngày bắt đầu."))
    if (date_to - date_from).days > 31:
        raise ApplicationError.field("date_to", _("Tìm tối đa 31 ngày một lần."))
    started = time.perf_counter()
    lo = times.day_start_minute(date_from)
    hi = times.day_start_minute(date_to + dt.timedelta(days=1)) - 1
    active = case_selectors.active_case_windows(person_ids=[person.pk])
    number = active[0].number if active else ""
    sources = {person.pk: Source(person.pk, person.unit_path, number)}
    run = run_start(
        kind=RunKind.PERSON,
        actor=actor,
        unit_path=person.unit_path,
        params={"person": person.pk, "from": date_from.isoformat(), "to": date_to.isoformat(), "case": number},
    )
    exposures, created, visits, hits = _search(
        sources=sources, windows={person.pk: (lo, hi)}, record=bool(active), run=run
    )
    run_finish(
        run=run,
        sources=1,
        visits=visits,
        hits=hits,
        new_candidates=len(created),
        elapsed_ms=int((time.perf_counter() - started) * 1000),
    )
    # The person's check-ins were read (and others' near them): recorded like every read of check-in data.
    audit_record(
        actor=actor,
        action="exposure.query",
        obj=person,
        details={
            "from": date_from.isoformat(),
            "to": date_to.isoformat(),
            "run": run.pk,
            "visits": visits,
            "found": len(exposures),
            "new_candidates": len(created),
        },
    )
    return Found(run, exposures, created)


def exposures_batch(*, actor: Any, within: str, progress: Callable[[int, int], None] | None = None) -> ExposureRun:
    """Every active F0 of the area again (after a late bulk ingest): only new candidates are added. In steps of
    `BATCH_SOURCES` F0, each its own transaction, with progress between steps."""
    started = time.perf_counter()
    cws = case_selectors.active_case_windows(within=within)
    sources, windows = _sources_of(cws)
    run = run_start(kind=RunKind.BATCH, actor=actor, unit_path=within, params={"within": within})
    ids = list(sources)
    total_visits = total_hits = total_new = 0
    for start in range(0, len(ids), BATCH_SOURCES):
        step = ids[start : start + BATCH_SOURCES]
        with transaction.atomic():
            _e, created, visits, hits = _search(
                sources={i: sources[i] for i in step}, windows={i: windows[i] for i in step}, record=True, run=run
            )
        total_visits += visits
        total_hits += hits
        total_new += len(created)
        if progress is not None:
            progress(min(start + BATCH_SOURCES, len(ids)), len(ids))
    if progress is not None and not ids:
        progress(0, 0)
    run_finish(
        run=run,
        sources=len(ids),
        visits=total_visits,
        hits=total_hits,
        new_candidates=total_new,
        elapsed_ms=int((time.perf_counter() - started) * 1000),
    )
    return run


# A bulk batch holding check-ins that began longer ago than this is late data: someone may have been near an F0
# whose exposures were already searched.
LATE_MINUTES = 60
BATCH_JOB = "tracing.exposures_batch"


def exposures_after_ingest(*, actor: Any, report: IngestReport) -> Job | None:
    """After a bulk ingest with late check-ins, queue a batch over the sender's area — unless one is already queued
    there (it has not started, so it will read these rows too): a stream of late batches queues one run at a time.
    A consequence of an accepted ingest, so no exposure.work right is asked of the sender."""
    if not report.accepted or report.earliest_accepted is None:
        return None
    if report.earliest_accepted > times.to_minute(clock.now()) - LATE_MINUTES:
        return None
    path = user_path(actor)
    queued = Job.objects.filter(kind=BATCH_JOB, unit_path=path, status=JobStatus.QUEUED).order_by("id").first()
    if queued is not None:
        return queued
    job = job_create(
        kind=BATCH_JOB, actor=actor, unit_path=path, params={"within": path, "after_batch": report.batch_id}
    )
    from chihuy.response.tasks import exposures_batch_task

    transaction.on_commit(lambda: exposures_batch_task.enqueue(job.pk))
    return job


def exposures_batch_start(*, actor: Any, within: str | None = None) -> Job:
    """Queue a batch run over the actor's area (or a part of it); the job reports progress."""
    require_perm(actor, Perm.EXPOSURE_WORK)
    path = within or user_path(actor)
    require_in_jurisdiction(actor, path, field="within")
    job = job_create(kind=BATCH_JOB, actor=actor, unit_path=path, params={"within": path})
    from chihuy.response.tasks import exposures_batch_task

    transaction.on_commit(lambda: exposures_batch_task.enqueue(job.pk))
    return job


@transaction.atomic
def candidate_confirm(
    *,
    actor: Any,
    candidate: ExposureCandidate,
    person: Person | None = None,
    unit: Unit | None = None,
    birth_year: int | None = None,
    sex: str = "",
    distance_m: float | None = None,
    masked: bool | None = None,
    physical_contact: bool = False,
    duration_minutes: int | None = None,
    note: str = "",
) -> Contact:
    """The tracer reached the person and confirms the exposure: the person (matched, picked, or created from the
    scan's name and phone in `unit`) becomes a contact of the F0 at the venue, qualified by the rule in force
    (distance, mask, minutes) like any other contact, and the candidate is closed."""
    candidate = candidate_check(actor=actor, candidate=candidate)
    visitor = candidate.visitor
    if person is None and candidate.person_id:
        person = candidate.person
    if person is None:
        person = person_match({"national_id": visitor.national_id, "phone": visitor.phone, "full_name": visitor.name})
    if person is None:
        if unit is None:
            raise ApplicationError.field(
                "unit", _("Chưa có người này trong danh sách dân cư: chọn nơi ở (xã, thôn) để tạo mới.")
            )
        if not visitor.name:
            raise ApplicationError.field("person", _("Lượt quét không có họ tên: chọn người có sẵn."))
        person = person_create(
            actor=actor,
            referral=True,
            confirm_new=True,
            full_name=visitor.name,
            phone=visitor.phone,
            national_id=visitor.national_id,
            unit=unit,
            birth_year=birth_year,
            sex=sex or "U",
        )
    if person.pk == candidate.source_person_id:
        raise ApplicationError.field("person", _("Đây là chính ca F0."))
    venue_name = candidate.venue.site.name
    contact = contact_add(
        actor=actor,
        source_person=candidate.source_person,
        contact_person=person,
        exposure_at=max(candidate.exposed_from, candidate.source_from),
        setting=Setting.VENUE,
        relation=_("Cùng địa điểm: %(v)s") % {"v": venue_name},
        duration_minutes=duration_minutes if duration_minutes is not None else candidate.overlap_minutes,
        distance_m=distance_m,
        masked=masked,
        physical_contact=physical_contact,
        note=(note or _("Quét mã QR tại %(v)s (mã %(c)s)") % {"v": venue_name, "c": candidate.venue.code})[:300],
    )
    candidate_confirmed(actor=actor, candidate=candidate, person=person, contact_ref=contact.pk, reason=note)
    return contact
