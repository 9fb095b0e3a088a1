"""Exposure runs and the F1 candidates they leave in the tracers' queue: recorded once per (F0, exposed visitor) —
a rerun only adds the new ones —, dismissed with a reason, or marked confirmed once `response` has made the
contact in `cases`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from chihuy.accounts.access import in_jurisdiction, require_perm
from chihuy.accounts.roles import Perm
from chihuy.core import clock
from chihuy.core.audit import audit_record
from chihuy.core.errors import ApplicationError, ErrorCode, not_found
from chihuy.people.models import Person
from chihuy.tracing import times
from chihuy.tracing.engine import Exposure
from chihuy.tracing.enums import CandidateStatus
from chihuy.tracing.models import ExposureCandidate, ExposureRun, Venue, Visitor


@dataclass(frozen=True, slots=True)
class Source:
    """An F0 (or a looked-up person) whose visits were searched."""

    person_id: int
    unit_path: str
    case_number: str = ""


def run_start(*, kind: str, actor: Any, unit_path: str, params: dict[str, Any], job: Any = None) -> ExposureRun:
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return ExposureRun.objects.create(
        kind=kind, actor=actor if is_user else None, unit_path=unit_path, params=params, job=job
    )


def run_finish(*, run: ExposureRun, sources: int, visits: int, hits: int, new_candidates: int, elapsed_ms: int) -> None:
    ExposureRun.objects.filter(pk=run.pk).update(
        sources=sources, visits=visits, hits=hits, new_candidates=new_candidates, elapsed_ms=elapsed_ms
    )
    run.sources, run.visits, run.hits, run.new_candidates, run.elapsed_ms = (
        sources,
        visits,
        hits,
        new_candidates,
        elapsed_ms,
    )


@transaction.atomic
def candidates_record(
    *, run: ExposureRun | None, sources: dict[int, Source], exposures: dict[tuple[int, int], Exposure]
) -> list[ExposureCandidate]:
    """Store the exposures not stored before as pending candidates (a dismissed or confirmed one stays as it is).
    Each lands in the queue of the F0's unit and of the exposed person's (the venue's until matched)."""
    if not exposures:
        return []
    source_ids = sorted({s for s, _v in exposures})
    known = set(
        ExposureCandidate.objects.filter(source_person_id__in=source_ids).values_list("source_person_id", "visitor_id")
    )
    fresh = [(key, exp) for key, exp in exposures.items() if key not in known]
    if not fresh:
        return []
    visitor_person = dict(Visitor.objects.filter(pk__in={v for (_s, v), _e in fresh}).values_list("id", "person_id"))
    person_paths = dict(
        Person.objects.filter(pk__in={p for p in visitor_person.values() if p}).values_list("id", "unit_path")
    )
    venue_paths = dict(Venue.objects.filter(pk__in={e.best.venue for _k, e in fresh}).values_list("id", "unit_path"))
    rows = []
    for (source_id, visitor_id), exposure in fresh:
        hit = exposure.best
        source = sources[source_id]
        person_id = visitor_person.get(visitor_id)
        rows.append(
            ExposureCandidate(
                source_person_id=source_id,
                source_unit_path=source.unit_path,
                case_number=source.case_number,
                visitor_id=visitor_id,
                person_id=person_id,
                unit_path=person_paths.get(person_id, "") if person_id else venue_paths[hit.venue],
                venue_id=hit.venue,
                source_from=times.from_minute(hit.source_in),
                source_to=times.from_minute(hit.source_out),
                exposed_from=times.from_minute(hit.exposed_in),
                exposed_to=times.from_minute(hit.exposed_out),
                overlap_minutes=hit.overlap,
                visits=min(exposure.visits, 32767),
                run=run,
            )
        )
    for row in rows:
        if not row.unit_path:  # a matched person without a path cannot happen; the venue's is the fallback
            row.unit_path = venue_paths[row.venue_id]
    ExposureCandidate.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    return rows


def _decidable(actor: Any, candidate: ExposureCandidate) -> ExposureCandidate:
    """The F0's unit decides (a contact is recorded from the F0's side, as in `cases`)."""
    require_perm(actor, Perm.EXPOSURE_WORK)
    if not (in_jurisdiction(actor, candidate.source_unit_path) or in_jurisdiction(actor, candidate.unit_path)):
        raise not_found(_("người nghi tiếp xúc"))
    if not in_jurisdiction(actor, candidate.source_unit_path):
        raise ApplicationError(
            ErrorCode.PERMISSION_DENIED,
            _("Đơn vị quản lý ca F0 %(c)s xác minh người này.") % {"c": candidate.case_number or ""},
        )
    locked = ExposureCandidate.objects.select_for_update().get(pk=candidate.pk)
    if locked.status != CandidateStatus.PENDING:
        raise ApplicationError(
            ErrorCode.INVALID_TRANSITION,
            _("Người này đã được xử lý: %(s)s.") % {"s": CandidateStatus(locked.status).label},
        )
    return locked


@transaction.atomic
def candidate_dismiss(*, actor: Any, candidate: ExposureCandidate, reason: str) -> ExposureCandidate:
    """Not a contact (e.g. a different floor, staff behind glass, a wrong scan): kept with the reason."""
    if not reason.strip():
        raise ApplicationError.field("reason", _("Nhập lý do loại."))
    candidate = _decidable(actor, candidate)
    candidate.status = CandidateStatus.DISMISSED
    candidate.reason = reason.strip()[:300]
    candidate.decided_by = actor
    candidate.decided_at = clock.now()
    candidate.save(update_fields=["status", "reason", "decided_by", "decided_at", "updated_at"])
    audit_record(actor=actor, action="candidate.dismiss", obj=candidate, after={"reason": candidate.reason})
    return candidate


def candidate_check(*, actor: Any, candidate: ExposureCandidate) -> ExposureCandidate:
    """The checks of a confirmation, before `response` records the contact (locks the candidate)."""
    return _decidable(actor, candidate)


@transaction.atomic
def candidate_confirmed(
    *, actor: Any, candidate: ExposureCandidate, person: Person, contact_ref: int, reason: str = ""
) -> ExposureCandidate:
    """`response` made the contact: the candidate is confirmed, linked to the person, and the visitor record of
    that phone now belongs to the person (their later scans are found through it)."""
    candidate = _decidable(actor, candidate)
    candidate.status = CandidateStatus.CONFIRMED
    candidate.person = person
    candidate.unit_path = person.unit_path
    candidate.contact_ref = contact_ref
    candidate.reason = reason.strip()[:300]
    candidate.decided_by = actor
    candidate.decided_at = clock.now()
    candidate.save(
        update_fields=[
            "status",
            "person",
            "unit_path",
            "contact_ref",
            "reason",
            "decided_by",
            "decided_at",
            "updated_at",
        ]
    )
    Visitor.objects.filter(pk=candidate.visitor_id, person__isnull=True).update(person=person)
    audit_record(
        actor=actor, action="candidate.confirm", obj=candidate, after={"person": person.pk, "contact": contact_ref}
    )
    return candidate
