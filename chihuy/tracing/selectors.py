"""Reads of tracing: venues (by area, by public code, by the owner's token), the visitor records of registry
people, F1 candidates in the reader's queue, ingest batches. Outside the reader's area is "not found"."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from chihuy.accounts.access import require_perm, scope_q, view_path
from chihuy.accounts.roles import Perm
from chihuy.core.errors import not_found
from chihuy.core.models import AuditEvent
from chihuy.core.pagination import Page, keyset_page
from chihuy.core.text import fold
from chihuy.people.models import Person
from chihuy.tracing import times
from chihuy.tracing.enums import CandidateStatus, VenueStatus
from chihuy.tracing.models import CheckIn, ExposureCandidate, ExposureRun, IngestBatch, Venue, Visitor


def venue_qs(actor: Any, *, within: str | None = None) -> QuerySet[Venue]:
    require_perm(actor, Perm.VENUE_VIEW)
    return Venue.objects.filter(scope_q(actor, within=within)).select_related("site", "unit")


VENUE_ORDER = ["unit_path", "id"]
# The Excel list stops here: past it, narrow the filters (a province holds ~10,000 venues).
EXPORT_CAP = 50_000


def venue_filtered(
    *,
    actor: Any,
    within: str | None = None,
    status: str | None = None,
    category: str | None = None,
    q: str = "",
) -> QuerySet[Venue]:
    """The area's venues narrowed by status, category and a search on the code (exact), name or address."""
    qs = venue_qs(actor, within=within)
    if status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category=category)
    q = q.strip()
    if q:
        qs = qs.filter(Q(code=q.upper()) | Q(site__name__icontains=q) | Q(site__address__icontains=q))
    return qs


def venue_list(
    *,
    actor: Any,
    within: str | None = None,
    status: str | None = None,
    category: str | None = None,
    q: str = "",
    cursor: str | None = None,
    limit: int = 50,
) -> Page[Venue]:
    qs = venue_filtered(actor=actor, within=within, status=status, category=category, q=q)
    return keyset_page(qs, order=VENUE_ORDER, cursor=cursor, limit=limit)


def venue_export(
    *, actor: Any, within: str | None = None, status: str | None = None, category: str | None = None, q: str = ""
) -> list[Venue]:
    """The same venues as the list, all of them (capped), for the Excel file."""
    qs = venue_filtered(actor=actor, within=within, status=status, category=category, q=q)
    return list(qs.order_by(*VENUE_ORDER)[:EXPORT_CAP])


def venue_checkin_counts(*, venue: Venue, now: dt.datetime) -> dict[str, int]:
    """Check-ins at the venue over the last 24 hours and 7 days: a range on the (day, venue, t_in) index for each of the
    eight days. Counts only — no one's visit is read, so this is not a query of a person's check-ins."""
    end = times.to_minute(now)
    day = end - 24 * 60
    start = end - 7 * 24 * 60
    row = (
        CheckIn.objects.starting_between(start + 1, end)
        .filter(venue_id=venue.pk)
        .aggregate(week=Count("id"), day=Count("id", filter=Q(t_in__gt=day)))
    )
    return {"day": int(row["day"] or 0), "week": int(row["week"] or 0)}


def venue_history(venue: Venue, *, limit: int = 50) -> list[AuditEvent]:
    """Registration, status changes and edits of a venue, oldest first (its audit events, on their object index)."""
    events = AuditEvent.objects.filter(object_type=Venue._meta.label_lower, object_id=str(venue.pk)).order_by(
        "at", "id"
    )
    return list(events[:limit])


def venue_counts(*, actor: Any, within: str | None = None) -> dict[str, int]:
    """Venues of the area per status (the list's tabs)."""
    rows = venue_qs(actor, within=within).order_by().values("status").annotate(n=Count("id"))
    counts = {s: 0 for s in VenueStatus.values}
    counts.update({r["status"]: r["n"] for r in rows})
    return counts


def venue_map_points(*, actor: Any, within: str | None = None, limit: int = 2000) -> list[dict[str, Any]]:
    """Active and pending venues with coordinates, for the map (capped; the list has them all)."""
    rows = (
        venue_qs(actor, within=within)
        .exclude(status=VenueStatus.INACTIVE)
        .filter(site__latitude__isnull=False, site__longitude__isnull=False)
        .values("id", "code", "category", "status", "site__name", "site__latitude", "site__longitude")[:limit]
    )
    return [
        {
            "id": r["id"],
            "code": r["code"],
            "name": r["site__name"],
            "category": r["category"],
            "status": r["status"],
            "lat": r["site__latitude"],
            "lng": r["site__longitude"],
        }
        for r in rows
    ]


def venue_get(*, actor: Any, venue_id: int) -> Venue:
    venue = venue_qs(actor).filter(pk=venue_id).first()
    if venue is None:
        raise not_found(_("địa điểm"))
    return venue


def venue_by_code(code: str) -> Venue:
    """The venue of a scanned QR (public): any status, the page says when it does not accept check-ins."""
    venue = Venue.objects.select_related("site", "unit").filter(code=code.strip().upper()).first()
    if venue is None:
        raise not_found(_("địa điểm"))
    return venue


def venue_by_token(token: str) -> Venue:
    """The venue of the owner's private link."""
    venue = Venue.objects.select_related("site", "unit").filter(manage_token=token).first() if token else None
    if venue is None:
        raise not_found(_("địa điểm"))
    return venue


def visitor_by_token(token: str) -> Visitor | None:
    return Visitor.objects.filter(token=token).first() if token else None


def visitors_of_people(person_ids: Iterable[int]) -> dict[int, set[int]]:
    """person id → the visitor records that are theirs: linked to them, or with their phone number or CCCD."""
    ids = list(person_ids)
    result: dict[int, set[int]] = {pid: set() for pid in ids}
    if not ids:
        return result
    people = list(Person.objects.filter(pk__in=ids).values_list("id", "phone", "national_id"))
    by_phone = {phone: pid for pid, phone, _n in people if phone}
    by_nid = {nid: pid for pid, _p, nid in people if nid}
    condition = Q(person_id__in=ids)
    if by_phone:
        condition |= Q(phone__in=list(by_phone))
    if by_nid:
        condition |= Q(national_id__in=list(by_nid))
    for vid, pid, phone, nid in Visitor.objects.filter(condition).values_list(
        "id", "person_id", "phone", "national_id"
    ):
        for owner in (pid, by_phone.get(phone), by_nid.get(nid) if nid else None):
            if owner in result:
                result[owner].add(vid)
    return result


def candidate_qs(actor: Any, *, within: str | None = None) -> QuerySet[ExposureCandidate]:
    """Candidates of the reader's F0s and candidates exposed in (or living in) the reader's area."""
    require_perm(actor, Perm.EXPOSURE_WORK)
    path = view_path(actor, within)
    return ExposureCandidate.objects.filter(Q(unit_path__startswith=path) | Q(source_unit_path__startswith=path))


def candidate_get(*, actor: Any, candidate_id: int) -> ExposureCandidate:
    candidate = (
        candidate_qs(actor)
        .select_related("visitor", "venue", "venue__site", "person", "source_person", "decided_by")
        .filter(pk=candidate_id)
        .first()
    )
    if candidate is None:
        raise not_found(_("người nghi tiếp xúc"))
    return candidate


def sources_near(visitor_ids: Iterable[int]) -> dict[int, int]:
    """How many F0 each visitor is a candidate of (pending or confirmed): "near 3 F0" raises the priority."""
    rows = (
        ExposureCandidate.objects.filter(visitor_id__in=list(visitor_ids))
        .exclude(status=CandidateStatus.DISMISSED)
        .order_by()
        .values("visitor_id")
        .annotate(n=Count("source_person_id", distinct=True))
    )
    return {r["visitor_id"]: r["n"] for r in rows}


def run_get(*, actor: Any, run_id: int) -> ExposureRun:
    require_perm(actor, Perm.EXPOSURE_WORK)
    run = ExposureRun.objects.filter(scope_q(actor), pk=run_id).select_related("job").first()
    if run is None:
        raise not_found(_("lượt tìm tiếp xúc"))
    return run


def batch_list(*, actor: Any, cursor: str | None = None, limit: int = 50) -> Page[IngestBatch]:
    require_perm(actor, Perm.CHECKIN_INGEST)
    return keyset_page(IngestBatch.objects.filter(scope_q(actor)), order=["-id"], cursor=cursor, limit=limit)


def name_matches(a: str, b: str) -> bool:
    """A visitor's typed name against a registry name, accents and case aside."""
    return fold(a).split() == fold(b).split()
