"""Reads of the labs domain. A user sees what lies in their area (by `unit_path`) and, in a lab, what was sent
to their lab — not the registry. Out of reach answers 404 like a missing record."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from chihuy.accounts.access import has_perm, require_perm, scope_q
from chihuy.accounts.roles import Perm
from chihuy.core import clock
from chihuy.core.errors import not_found
from chihuy.labs import policies
from chihuy.labs.enums import Result, SampleKind, SampleStatus, TargetReason, TargetStatus, TestMethod
from chihuy.labs.models import Campaign, CampaignTarget, Lab, Sample, SampleMember, Shipment
from chihuy.labs.services._common import code_or_none, lab_ids_of

# --- labs ------------------------------------------------------------------------------------------


def labs_of(actor: Any) -> list[Lab]:
    """The labs a user works in."""
    return list(Lab.objects.filter(pk__in=lab_ids_of(actor)).order_by("name"))


def lab_list(*, actor: Any) -> list[Lab]:
    """Labs a sample can be sent to: every active lab (a commune sends to the province's lab), and the user's."""
    require_perm(actor, Perm.SAMPLE_VIEW)
    return list(Lab.objects.filter(Q(is_active=True) | Q(pk__in=lab_ids_of(actor))).order_by("unit_path", "name"))


def lab_get(*, actor: Any, lab_id: int) -> Lab:
    require_perm(actor, Perm.SAMPLE_VIEW)
    lab = Lab.objects.filter(pk=lab_id).first()
    if lab is None:
        raise not_found()
    return lab


# --- campaigns -------------------------------------------------------------------------------------


def _campaign_q(actor: Any, within: str | None = None) -> Q:
    if lab_only(actor):  # the campaigns whose tubes go to the technician's labs
        return Q(lab_id__in=lab_ids_of(actor)) & (scope_q(actor, within=within) if within else Q())
    return scope_q(actor, within=within)


def campaign_list(*, actor: Any, within: str | None = None, status: str = "") -> QuerySet[Campaign]:
    require_perm(actor, Perm.SAMPLE_VIEW)
    qs = Campaign.objects.filter(_campaign_q(actor, within)).select_related("unit", "lab")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-planned_on", "-id")


def campaign_get(*, actor: Any, campaign_id: int) -> Campaign:
    require_perm(actor, Perm.SAMPLE_VIEW)
    campaign = Campaign.objects.filter(_campaign_q(actor), pk=campaign_id).select_related("unit", "lab").first()
    if campaign is None:
        raise not_found()
    return campaign


def campaign_targets(*, actor: Any, campaign: Campaign, status: str = "", reason: str = "") -> QuerySet[CampaignTarget]:
    require_perm(actor, Perm.SAMPLE_VIEW)
    if lab_only(actor):  # the lab sees the people of the tubes it received, not the campaign's list of residents
        return CampaignTarget.objects.none()
    qs = (
        CampaignTarget.objects.filter(campaign=campaign)
        .select_related("person", "person__unit", "sample", "source_sample")
        .order_by("person__unit_path", "person__name_folded", "id")
    )
    if status:
        qs = qs.filter(status=status)
    if reason:
        qs = qs.filter(reason=reason)
    return qs


@dataclass
class CampaignProgress:
    targets: int
    by_status: dict[str, int]
    follow_ups_pending: int
    samples: int
    by_result: dict[str, int]
    by_sample_status: dict[str, int]
    overdue: int
    people_sampled: int


def campaign_progress(campaign: Campaign) -> CampaignProgress:
    """Counts for the campaign page and its tally: 4 grouped queries whatever the campaign's size."""
    by_status = dict(
        CampaignTarget.objects.filter(campaign=campaign, reason=TargetReason.PLANNED)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    follow_ups = CampaignTarget.objects.filter(
        campaign=campaign,
        status=TargetStatus.PENDING,
        reason__in=[TargetReason.RETEST, TargetReason.CONFIRM, TargetReason.INCONCLUSIVE],
    ).count()
    rows = list(Sample.objects.filter(campaign=campaign).values_list("result", "status").annotate(n=Count("id")))
    by_result: dict[str, int] = {}
    by_sample_status: dict[str, int] = {}
    for result, status, n in rows:
        by_result[result] = by_result.get(result, 0) + n
        by_sample_status[status] = by_sample_status.get(status, 0) + n
    overdue = Sample.objects.filter(campaign=campaign, result=Result.PENDING, due_at__lt=clock.now()).count()
    sampled = SampleMember.objects.filter(sample__campaign=campaign).values("person_id").distinct().count()
    return CampaignProgress(
        targets=sum(by_status.values()),
        by_status=by_status,
        follow_ups_pending=follow_ups,
        samples=sum(by_result.values()),
        by_result=by_result,
        by_sample_status=by_sample_status,
        overdue=overdue,
        people_sampled=sampled,
    )


def follow_up_list(
    *, actor: Any, within: str | None = None, campaign: Campaign | None = None
) -> QuerySet[CampaignTarget]:
    """Open follow-up tubes to take (retests of positive pools, RT-PCR confirmations, repeats), oldest first."""
    require_perm(actor, Perm.SAMPLE_VIEW)
    if lab_only(actor):
        return CampaignTarget.objects.none()
    qs = CampaignTarget.objects.filter(
        scope_q(actor, within=within),
        status=TargetStatus.PENDING,
        reason__in=[TargetReason.RETEST, TargetReason.CONFIRM, TargetReason.INCONCLUSIVE],
    ).select_related("person", "person__unit", "source_sample", "campaign")
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    return qs.order_by("created_at", "id")


# --- samples ---------------------------------------------------------------------------------------


def lab_only(actor: Any) -> bool:
    """A lab technician (lab work, no sampling in the field) sees only what was sent to their labs, whatever the
    area of their unit: "labs see what was sent to them, not the whole registry"."""
    return has_perm(actor, Perm.LAB_WORK) and not has_perm(actor, Perm.SAMPLE_TAKE)


def sample_visible_qs(actor: Any, *, within: str | None = None) -> QuerySet[Sample]:
    """Tubes of the reader's area, and tubes sent to the reader's labs (only those, for a lab technician)."""
    labs = lab_ids_of(actor)
    if lab_only(actor):
        q = Q(lab_id__in=labs)
        if within:
            q &= scope_q(actor, within=within)
        return Sample.objects.filter(q)
    q = scope_q(actor, within=within)
    if labs and not within:
        q |= Q(lab_id__in=labs)
    return Sample.objects.filter(q)


def sample_get(*, actor: Any, sample_id: int) -> Sample:
    require_perm(actor, Perm.SAMPLE_VIEW)
    sample = (
        sample_visible_qs(actor)
        .filter(pk=sample_id)
        .select_related("campaign", "lab", "shipment", "unit", "collected_by", "result_by", "received_by")
        .first()
    )
    if sample is None:
        raise not_found()
    return sample


def sample_get_by_code(*, actor: Any, code: str) -> Sample:
    require_perm(actor, Perm.SAMPLE_VIEW)
    clean = code_or_none(code)
    sample = (
        sample_visible_qs(actor).filter(code=clean).select_related("campaign", "lab", "shipment", "unit").first()
        if clean
        else None
    )
    if sample is None:
        raise not_found()
    return sample


def sample_members(sample: Sample) -> list[SampleMember]:
    return list(
        SampleMember.objects.filter(sample=sample).select_related("person", "person__unit").order_by("position")
    )


def sample_list(
    *,
    actor: Any,
    within: str | None = None,
    lab: Lab | None = None,
    campaign: Campaign | None = None,
    status: str = "",
    result: str = "",
    overdue: bool = False,
) -> QuerySet[Sample]:
    require_perm(actor, Perm.SAMPLE_VIEW)
    qs = sample_visible_qs(actor, within=within).select_related("campaign", "lab", "unit")
    if lab is not None:
        qs = qs.filter(lab=lab)
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    if status:
        qs = qs.filter(status=status)
    if result:
        qs = qs.filter(result=result)
    if overdue:
        qs = qs.filter(result=Result.PENDING, due_at__lt=clock.now())
    return qs.order_by("-collected_at", "-id")


def overdue_list(*, actor: Any, lab: Lab | None = None, within: str | None = None) -> QuerySet[Sample]:
    """Tubes past the turnaround target without a result, the longest waiting first."""
    return sample_list(actor=actor, lab=lab, within=within, overdue=True).order_by("due_at", "id")


def person_tests(*, actor: Any, person_id: int) -> list[SampleMember]:
    """A person's test history (newest first), for their page: tubes the reader may see."""
    require_perm(actor, Perm.SAMPLE_VIEW)
    visible = sample_visible_qs(actor).values("pk")
    return list(
        SampleMember.objects.filter(person_id=person_id, sample__in=visible)
        .select_related("sample", "sample__lab", "sample__campaign")
        .order_by("-sample__collected_at")[:100]
    )


def rapid_positive_within(*, person_id: int, around: dt.datetime, hours: float, exclude: int) -> bool:
    """Another positive rapid test of the person within `hours` of `around` (the 11042 "two within 8 h" rule)."""
    window = dt.timedelta(hours=hours)
    return (
        SampleMember.objects.filter(
            person_id=person_id,
            sample__test_method=TestMethod.RAPID_ANTIGEN,
            sample__result=Result.POSITIVE,
            sample__collected_at__gte=around - window,
            sample__collected_at__lte=around + window,
        )
        .exclude(sample_id=exclude)
        .exists()
    )


# --- shipments -------------------------------------------------------------------------------------


def shipment_visible_qs(actor: Any) -> QuerySet[Shipment]:
    labs = lab_ids_of(actor)
    if lab_only(actor):
        return Shipment.objects.filter(lab_id__in=labs)
    q = scope_q(actor)
    if labs:
        q |= Q(lab_id__in=labs)
    return Shipment.objects.filter(q)


def shipment_list(*, actor: Any, lab: Lab | None = None, status: str = "") -> QuerySet[Shipment]:
    require_perm(actor, Perm.SAMPLE_VIEW)
    qs = shipment_visible_qs(actor).select_related("lab", "unit")
    if lab is not None:
        qs = qs.filter(lab=lab)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-shipped_at", "-id")


def shipment_get(*, actor: Any, shipment_id: int) -> Shipment:
    require_perm(actor, Perm.SAMPLE_VIEW)
    shipment = shipment_visible_qs(actor).filter(pk=shipment_id).select_related("lab", "unit").first()
    if shipment is None:
        raise not_found()
    return shipment


def shipment_tubes(shipment: Shipment) -> dict[str, str]:
    """The codes in a box as sent, with each tube's status (for the lab's scanning screen)."""
    return dict(Sample.objects.filter(shipment=shipment).values_list("code", "status"))


def shipment_get_by_code(*, actor: Any, code: str) -> Shipment:
    require_perm(actor, Perm.SAMPLE_VIEW)
    shipment = shipment_visible_qs(actor).filter(code=code.strip().upper()).select_related("lab", "unit").first()
    if shipment is None:
        raise not_found()
    return shipment


# --- turnaround ------------------------------------------------------------------------------------


@dataclass
class TurnaroundStats:
    target_hours: float
    taken: int
    resulted: int
    median_hours: float | None
    p95_hours: float | None
    within_target_pct: float | None
    backlog: int  # tubes without result (taken, on the road or in the lab)
    in_lab: int  # received, waiting for a result
    overdue: int
    daily_capacity: int | None
    clearance_hours: float | None  # backlog / the labs' daily capacity


def _percentile(sorted_values: list[float], pct: float) -> float | None:
    if not sorted_values:
        return None
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def turnaround_stats(
    *,
    actor: Any,
    lab: Lab | None = None,
    campaign: Campaign | None = None,
    within: str | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
) -> TurnaroundStats:
    """Turnaround of RT-PCR tubes collected in [start, end) (the last 7 days by default): median and 95th
    percentile hours from collection to result, the share within the policy's target, the backlog now, and
    how long the backlog takes at the lab's daily capacity."""
    require_perm(actor, Perm.SAMPLE_VIEW)
    now = clock.now()
    end = end or now
    start = start or end - dt.timedelta(days=7)
    qs = sample_visible_qs(actor, within=within).filter(test_method=TestMethod.RT_PCR)
    if lab is not None:
        qs = qs.filter(lab=lab)
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    window = qs.filter(collected_at__gte=start, collected_at__lt=end)
    pairs = window.exclude(resulted_at=None).values_list("collected_at", "resulted_at")
    hours = sorted((r - c).total_seconds() / 3600 for c, r in pairs if r is not None)
    target = policies.turnaround_hours(clock.localdate(end))
    within_target = sum(1 for h in hours if h <= target)
    pending = qs.filter(result=Result.PENDING).aggregate(
        backlog=Count("id"),
        in_lab=Count("id", filter=Q(status=SampleStatus.RECEIVED)),
        overdue=Count("id", filter=Q(due_at__lt=now)),
    )
    capacity: int | None
    if lab is not None:
        capacity = lab.daily_capacity
    else:
        lab_ids = set(qs.filter(result=Result.PENDING).exclude(lab=None).values_list("lab_id", flat=True).distinct())
        capacity = sum(Lab.objects.filter(pk__in=lab_ids).values_list("daily_capacity", flat=True)) or None
    clearance = round(pending["backlog"] / capacity * 24, 1) if capacity else None
    return TurnaroundStats(
        target_hours=target,
        taken=window.count(),
        resulted=len(hours),
        median_hours=round(statistics.median(hours), 1) if hours else None,
        p95_hours=round(_percentile(hours, 95), 1) if hours else None,  # type: ignore[arg-type]
        within_target_pct=round(100 * within_target / len(hours), 1) if hours else None,
        backlog=pending["backlog"],
        in_lab=pending["in_lab"],
        overdue=pending["overdue"],
        daily_capacity=capacity,
        clearance_hours=clearance,
    )


@dataclass
class SampleNumbers:
    """The tests line of the daily report (DOMAIN.md): tubes taken by method, positive, negative, pending, and
    the share resulted within the target."""

    taken_pcr: int
    taken_rapid: int
    people_tested: int
    positive: int
    negative: int
    pending: int
    within_target_pct: float | None


def sample_numbers(*, actor: Any, within: str | None, start: dt.datetime, end: dt.datetime) -> SampleNumbers:
    require_perm(actor, Perm.SAMPLE_VIEW)
    qs = Sample.objects.filter(scope_q(actor, within=within), collected_at__gte=start, collected_at__lt=end)
    agg = qs.aggregate(
        pcr=Count("id", filter=Q(test_method=TestMethod.RT_PCR)),
        rapid=Count("id", filter=Q(test_method=TestMethod.RAPID_ANTIGEN)),
        positive=Count("id", filter=Q(result=Result.POSITIVE)),
        negative=Count("id", filter=Q(result=Result.NEGATIVE)),
        pending=Count("id", filter=Q(result=Result.PENDING)),
    )
    people = SampleMember.objects.filter(sample__in=qs.values("pk")).count()
    stats = turnaround_stats(actor=actor, within=within, start=start, end=end)
    return SampleNumbers(
        taken_pcr=agg["pcr"],
        taken_rapid=agg["rapid"],
        people_tested=people,
        positive=agg["positive"],
        negative=agg["negative"],
        pending=agg["pending"],
        within_target_pct=stats.within_target_pct,
    )


def can_work_in_lab(actor: Any, lab: Lab) -> bool:
    return lab.pk in lab_ids_of(actor) or (
        has_perm(actor, Perm.LAB_MANAGE) and lab.unit_path.startswith(actor.unit_path or "\x00")
    )


def negative_tests(*, person_ids: list[int], since: dt.datetime) -> dict[int, list[tuple[dt.datetime, str]]]:
    """Each person's negative tests collected since `since` (collection time, method), oldest first: what a
    quarantine's release rule counts (issue 6 reads it through `response`). A negative pool counts for each of its
    people. Unscoped: for rules applied to people a stay already identifies, never for display."""
    found: dict[int, list[tuple[dt.datetime, str]]] = {}
    rows = (
        SampleMember.objects.filter(
            person_id__in=person_ids, sample__result=Result.NEGATIVE, sample__collected_at__gte=since
        )
        .order_by("sample__collected_at")
        .values_list("person_id", "sample__collected_at", "sample__test_method")
    )
    for person_id, collected_at, method in rows:
        found.setdefault(person_id, []).append((collected_at, method))
    return found


def high_ct_tests(
    *, person_ids: list[int], since: dt.datetime, ct_min: float
) -> dict[int, list[tuple[dt.datetime, float]]]:
    """Each person's single-tube RT-PCR positives collected since `since` whose lowest Ct is at least `ct_min`
    (collection time, Ct), oldest first: the "Ct ≥ 30" alternative of a treated F0's discharge (read through
    `response`). Pools are left out: their Ct is diluted and names nobody. Unscoped, like `negative_tests`."""
    found: dict[int, list[tuple[dt.datetime, float]]] = {}
    rows = (
        SampleMember.objects.filter(
            person_id__in=person_ids,
            sample__result=Result.POSITIVE,
            sample__kind=SampleKind.SINGLE,
            sample__test_method=TestMethod.RT_PCR,
            sample__ct_min__gte=ct_min,
            sample__collected_at__gte=since,
        )
        .order_by("sample__collected_at")
        .values_list("person_id", "sample__collected_at", "sample__ct_min")
    )
    for person_id, collected_at, ct in rows:
        found.setdefault(person_id, []).append((collected_at, float(ct or 0)))
    return found
