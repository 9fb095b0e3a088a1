"""Reads of the exposure screens and API: the F1-candidate queue in priority order (most minutes together, then
near the most F0), its tab counts, the rows of an on-demand search, and who may see a scan's full phone number.
Built on `selectors.candidate_qs` (the reader's area)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from chihuy.accounts.access import in_jurisdiction
from chihuy.core.pagination import Page, keyset_page
from chihuy.tracing import engine, times
from chihuy.tracing.enums import CandidateStatus
from chihuy.tracing.models import ExposureCandidate, Venue, Visitor
from chihuy.tracing.selectors import candidate_qs

# Pending first is the default tab; inside a tab: most minutes together, then near the most F0, newest.
QUEUE_ORDER = ["-overlap_minutes", "-near", "-id"]


def _near() -> Coalesce:
    """How many F0 the same visitor is a (pending or confirmed) candidate of — `selectors.sources_near` per row."""
    per_visitor = (
        ExposureCandidate.objects.filter(visitor_id=OuterRef("visitor_id"))
        .exclude(status=CandidateStatus.DISMISSED)
        .order_by()
        .values("visitor_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(per_visitor, output_field=IntegerField()), Value(0))


def candidate_queue_qs(
    *, actor: Any, within: str | None = None, status: str | None = None, source_person_id: int | None = None
) -> QuerySet[ExposureCandidate]:
    qs = (
        candidate_qs(actor, within=within)
        .select_related("visitor", "venue", "venue__site", "person", "source_person")
        .annotate(near=_near())
    )
    if status:
        qs = qs.filter(status=status)
    if source_person_id:
        qs = qs.filter(source_person_id=source_person_id)
    return qs


def candidate_queue(
    *,
    actor: Any,
    within: str | None = None,
    status: str | None = CandidateStatus.PENDING,
    source_person_id: int | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[ExposureCandidate]:
    """The tracers' queue: one tab (status) of the area's candidates, most minutes together first."""
    qs = candidate_queue_qs(actor=actor, within=within, status=status, source_person_id=source_person_id)
    return keyset_page(qs, order=QUEUE_ORDER, cursor=cursor, limit=limit)


def candidate_tab_counts(
    *, actor: Any, within: str | None = None, source_person_id: int | None = None
) -> dict[str, int]:
    qs = candidate_qs(actor, within=within)
    if source_person_id:
        qs = qs.filter(source_person_id=source_person_id)
    counts = {s: 0 for s in CandidateStatus.values}
    counts.update({r["status"]: r["n"] for r in qs.order_by().values("status").annotate(n=Count("id"))})
    return counts


def mask_phone(phone: str) -> str:
    """0912345678 → 0912***678."""
    if len(phone) < 7:
        return "***"
    return f"{phone[:4]}***{phone[-3:]}"


def mask_name(name: str) -> str:
    """Lò Văn Pằn → L. V. P.: enough for a tracer to tell rows apart, not to know who."""
    return " ".join(f"{word[0]}." for word in name.split()) if name else ""


def sees_phone(actor: Any, *paths: str) -> bool:
    """The full number of a scan goes to the F0's unit and to the exposed person's (or the venue's) unit."""
    return any(in_jurisdiction(actor, p) for p in paths if p)


def sees_source(actor: Any, candidate: ExposureCandidate) -> bool:
    """The F0's unit sees who the F0 is; the receiving unit only the case number."""
    return in_jurisdiction(actor, candidate.source_unit_path)


def may_decide(actor: Any, candidate: ExposureCandidate) -> bool:
    """Shown forms only: `services.candidates` decides (the F0's unit, a pending candidate)."""
    return candidate.status == CandidateStatus.PENDING and in_jurisdiction(actor, candidate.source_unit_path)


@dataclass(frozen=True, slots=True)
class HitRow:
    """One person found by an on-demand search, ready for a screen or the API."""

    visitor_id: int
    name: str
    phone: str
    person_id: int | None
    venue_id: int
    venue_code: str
    venue_name: str
    source_from: Any
    source_to: Any
    exposed_from: Any
    exposed_to: Any
    overlap_minutes: int
    visits: int
    near_f0: int


def hit_rows(*, actor: Any, exposures: dict[tuple[int, int], engine.Exposure], source_path: str = "") -> list[HitRow]:
    """The exposures of a search as rows (most minutes together first); the phone masked unless the reader is the
    exposed person's unit (the venue's until matched) or, for an F0's search (`source_path`), the F0's unit."""
    if not exposures:
        return []
    visitor_ids = {v for _s, v in exposures}
    visitors = {v.pk: v for v in Visitor.objects.filter(pk__in=visitor_ids).select_related("person")}
    venues = {
        v.pk: v for v in Venue.objects.filter(pk__in={e.best.venue for e in exposures.values()}).select_related("site")
    }
    near = dict(
        ExposureCandidate.objects.filter(visitor_id__in=visitor_ids)
        .exclude(status=CandidateStatus.DISMISSED)
        .order_by()
        .values("visitor_id")
        .annotate(n=Count("id"))
        .values_list("visitor_id", "n")
    )
    rows = []
    for (_source, visitor_id), exposure in exposures.items():
        hit = exposure.best
        visitor = visitors[visitor_id]
        venue = venues[hit.venue]
        home = visitor.person.unit_path if visitor.person is not None else venue.unit_path
        full = sees_phone(actor, home, source_path)
        rows.append(
            HitRow(
                visitor_id=visitor_id,
                # Outside the units that trace them, neither the number nor the name: a search from another unit
                # (e.g. for its own resident) must not reveal who the F0 or the other visitors were.
                name=visitor.name if full else mask_name(visitor.name),
                phone=visitor.phone if full else mask_phone(visitor.phone),
                person_id=visitor.person_id if visitor.person is not None and in_jurisdiction(actor, home) else None,
                venue_id=venue.pk,
                venue_code=venue.code,
                venue_name=venue.site.name,
                source_from=times.from_minute(hit.source_in),
                source_to=times.from_minute(hit.source_out),
                exposed_from=times.from_minute(hit.exposed_in),
                exposed_to=times.from_minute(hit.exposed_out),
                overlap_minutes=hit.overlap,
                visits=exposure.visits,
                near_f0=near.get(visitor_id, 0),
            )
        )
    rows.sort(key=lambda r: (-r.overlap_minutes, -r.near_f0, r.visitor_id))
    return rows
