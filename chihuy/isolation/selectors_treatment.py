"""Reads of treatment (issue 6, helper E): F0 under treatment by tier and oxygen modality, a patient's stay with
its transfer chain and daily records, the free beds of a treatment facility, the capacity forecast."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from chihuy.accounts.access import require_perm
from chihuy.accounts.roles import Perm
from chihuy.core.errors import not_found
from chihuy.isolation.enums import HOLDING_STATUSES, FacilityKind, OxygenMode, StayKind, StayStatus, Tier
from chihuy.isolation.models import Bed, Facility, Stay, TreatmentRecord
from chihuy.isolation.selectors import facility_list, stay_scope_q
from chihuy.isolation.services.treatment import chain_ids


def treatment_list(
    *,
    actor: Any,
    within: str | None = None,
    tier: int | None = None,
    oxygen_mode: str = "",
    clinical_state: str = "",
    facility_id: int | None = None,
    status: str = StayStatus.ACTIVE,
    search: str = "",
) -> QuerySet[Stay]:
    """Treatment stays of the area (active by default; "all" for every status), newest first."""
    require_perm(actor, Perm.ISOLATION_VIEW)
    qs = Stay.objects.filter(stay_scope_q(actor, within=within), kind=StayKind.TREATMENT).select_related(
        "person", "facility", "room", "bed"
    )
    if status and status != "all":
        qs = qs.filter(status=status)
    if tier:
        qs = qs.filter(tier=tier)
    if oxygen_mode:
        qs = qs.filter(oxygen_mode=oxygen_mode)
    if clinical_state:
        qs = qs.filter(clinical_state=clinical_state)
    if facility_id:
        qs = qs.filter(facility_id=facility_id)
    text = search.strip()
    if text:
        qs = qs.filter(Q(case_number__iexact=text) | Q(person__full_name__icontains=text))
    return qs.order_by("-clock_start_on", "-id")


def treatment_counts(*, actor: Any, within: str | None = None) -> tuple[dict[int, int], dict[str, int]]:
    """F0 under treatment in the area per tier and per oxygen modality (none left out): one grouped query."""
    by_tier: dict[int, int] = dict.fromkeys(Tier.values, 0)
    by_oxygen: dict[str, int] = {m: 0 for m in OxygenMode.values if m != OxygenMode.NONE}
    rows = (
        treatment_list(actor=actor, within=within)
        .order_by()
        .values("tier", "oxygen_mode")
        .annotate(n=Count("pk"))
        .values_list("tier", "oxygen_mode", "n")
    )
    for tier, oxygen_mode, n in rows:
        if tier in by_tier:
            by_tier[tier] += n
        if oxygen_mode in by_oxygen:
            by_oxygen[oxygen_mode] += n
    return by_tier, by_oxygen


def treatment_get(*, actor: Any, stay_id: int) -> Stay:
    require_perm(actor, Perm.ISOLATION_VIEW)
    stay = (
        Stay.objects.filter(stay_scope_q(actor), pk=stay_id, kind=StayKind.TREATMENT)
        .select_related("person", "facility", "room", "bed", "previous", "previous__facility")
        .first()
    )
    if stay is None:
        raise not_found(_("lượt điều trị"))
    return stay


def treatment_chain(stay: Stay) -> list[Stay]:
    """The stays of the transfer chain ending at `stay` (first first), and its successor if it was transferred."""
    ids = chain_ids(stay)
    chain = list(Stay.objects.filter(pk__in=ids).select_related("facility", "bed").order_by("clock_start_on", "pk"))
    chain.sort(key=lambda s: ids.index(s.pk))
    after = Stay.objects.filter(previous=stay, kind=StayKind.TREATMENT).select_related("facility", "bed")
    return chain + list(after)


def treatment_records(stay: Stay) -> list[TreatmentRecord]:
    """Daily records of the whole chain, newest day first (each with its stay's facility)."""
    return list(
        TreatmentRecord.objects.filter(stay_id__in=chain_ids(stay))
        .select_related("stay__facility", "recorded_by")
        .order_by("-on", "-stay_id")
    )


def treatment_facilities(*, actor: Any, within: str | None = None) -> list[Facility]:
    return list(facility_list(actor=actor, within=within, kind=FacilityKind.TREATMENT, open_only=True))


def free_beds(*, facility: Facility) -> list[Bed]:
    """Beds of the facility one can be placed in now (open room, not being disinfected, not held)."""
    held = Stay.objects.filter(facility=facility, status__in=HOLDING_STATUSES, bed__isnull=False).values("bed_id")
    return list(
        Bed.objects.filter(facility=facility, is_active=True, room__is_closed=False, room__cleaning_since__isnull=True)
        .exclude(pk__in=held)
        .select_related("room")
        .order_by("room__zone__position", "room__position", "room__code", "position", "code")
    )


def bed_get(*, facility: Facility, bed_id: int | None) -> Bed | None:
    if bed_id is None:
        return None
    return Bed.objects.select_related("room").filter(facility=facility, pk=bed_id).first()
