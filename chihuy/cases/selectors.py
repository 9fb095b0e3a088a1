"""Reads of the cases domain, always scoped to the reader's jurisdiction: cases, contacts (visible to the
contact's unit and to the source's), F-levels with their path, the tracing queue, clusters and their
suggestions, exposure-site notices (public: approved only, no personal data), the 5S clock."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from chihuy.accounts.access import in_jurisdiction, require_perm, scope_q
from chihuy.accounts.roles import Perm
from chihuy.cases.enums import COMMUNITY_WAYS, CaseStatus, NoticeStatus, TraceStatus
from chihuy.cases.models import (
    Case,
    CaseSource,
    Classification,
    Cluster,
    Contact,
    ExposureNotice,
    ItineraryStop,
    LevelChange,
)
from chihuy.core import clock
from chihuy.core.audit import audit_record
from chihuy.core.errors import not_found
from chihuy.core.pagination import Page, keyset_page
from chihuy.core.policies import policy_get
from chihuy.people.models import Person

# --- cases ---------------------------------------------------------------------------------------


def case_visible_qs(actor: Any, *, within: str | None = None) -> QuerySet[Case]:
    return Case.objects.filter(scope_q(actor, within=within))


def case_list(
    *,
    actor: Any,
    within: str | None = None,
    status: str = "",
    source_unknown: bool = False,
    cluster_id: int | None = None,
    q: str = "",
    cursor: str | None = None,
    limit: int = 50,
) -> Page[Case]:
    """Newest first, keyset-paginated."""
    require_perm(actor, Perm.CASE_VIEW)
    qs = case_visible_qs(actor, within=within).select_related("person", "unit", "cluster")
    if status:
        qs = qs.filter(status=status)
    if source_unknown:
        qs = qs.filter(source_known=False)
    if cluster_id:
        qs = qs.filter(cluster_id=cluster_id)
    if q.strip():
        qs = qs.filter(number__istartswith=q.strip())
    return keyset_page(qs, order=["-detected_at", "-id"], cursor=cursor, limit=limit)


def case_get(*, actor: Any, case_id: int, audit: bool = True) -> Case:
    require_perm(actor, Perm.CASE_VIEW)
    case = (
        case_visible_qs(actor)
        .select_related("person", "person__unit", "unit", "cluster", "created_by")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise not_found()
    if audit and case.person_id:
        audit_record(actor=actor, action="view", obj=case)
    return case


def case_by_number(*, actor: Any, number: str) -> Case:
    require_perm(actor, Perm.CASE_VIEW)
    case = case_visible_qs(actor).filter(number=number.strip().upper()).first()
    if case is None:
        raise not_found()
    return case


def case_sources(case: Case) -> tuple[list[Case], list[Case]]:
    """(infectors, infectees) of a case."""
    infectors = list(Case.objects.filter(pk__in=CaseSource.objects.filter(infectee=case).values("infector_id")))
    infectees = list(Case.objects.filter(pk__in=CaseSource.objects.filter(infector=case).values("infectee_id")))
    return infectors, infectees


# --- contacts and levels -------------------------------------------------------------------------


def contact_visible_qs(actor: Any) -> QuerySet[Contact]:
    """A contact is seen by the contact's unit and by the source's unit."""
    return Contact.objects.filter(scope_q(actor) | scope_q(actor, field="source_unit_path"))


def contacts_of(*, actor: Any, person: Person) -> list[Contact]:
    """The contacts listed for a person (their F1 if they are an F0), newest exposure first."""
    require_perm(actor, Perm.CASE_VIEW)
    return list(
        contact_visible_qs(actor)
        .filter(source_person=person)
        .select_related("contact_person", "contact_person__unit", "contact_person__classification")
        .order_by("-is_active", "-exposure_at", "-id")
    )


def contact_get(*, actor: Any, contact_id: int) -> Contact:
    require_perm(actor, Perm.CASE_VIEW)
    contact = contact_visible_qs(actor).select_related("source_person", "contact_person").filter(pk=contact_id).first()
    if contact is None:
        raise not_found()
    return contact


@dataclass
class PathStep:
    person_id: int
    label: str  # a name inside the reader's area, else "F<n> (ngoài địa bàn)"
    level: int
    visible: bool


def classification_get(*, actor: Any, person_id: int) -> Classification | None:
    require_perm(actor, Perm.CASE_VIEW)
    return (
        Classification.objects.filter(scope_q(actor), person_id=person_id)
        .select_related("root_case", "via", "person")
        .first()
    )


def classification_get_by_id(*, actor: Any, classification_id: int) -> Classification:
    require_perm(actor, Perm.CASE_VIEW)
    found = (
        Classification.objects.filter(scope_q(actor), pk=classification_id)
        .select_related("root_case", "via", "person", "person__unit")
        .first()
    )
    if found is None:
        raise not_found()
    return found


def level_path(*, actor: Any, classification: Classification) -> list[PathStep]:
    """The chain from the F0 to this person, names shown only inside the reader's area (the receiving unit
    sees the minimum needed about the source)."""
    ids = list(classification.path or [])
    people = {p.pk: p for p in Person.objects.filter(pk__in=ids).only("full_name", "unit_path")}
    steps = []
    for i, pid in enumerate(ids):
        person = people.get(pid)
        visible = person is not None and in_jurisdiction(actor, person.unit_path)
        label = person.full_name if visible and person else _("F%(n)s (ngoài địa bàn)") % {"n": i}
        steps.append(PathStep(pid, label, i, visible))
    return steps


def level_history(*, actor: Any, classification: Classification, limit: int = 50) -> list[LevelChange]:
    require_perm(actor, Perm.CASE_VIEW)
    return list(classification.changes.select_related("case")[:limit])


def tracing_queue(
    *,
    actor: Any,
    within: str | None = None,
    level: int | None = None,
    status: str = "",
    cursor: str | None = None,
    limit: int = 50,
) -> Page[Classification]:
    """People to reach in the reader's area: F1 before F2, earliest exposure first. By default those not yet
    reached (pending or unreachable); `status` narrows to one outcome."""
    require_perm(actor, Perm.CASE_VIEW)
    qs = Classification.objects.filter(scope_q(actor, within=within), level__gte=1).select_related(
        "person", "person__unit", "root_case"
    )
    if level:
        qs = qs.filter(level=level)
    if status:
        qs = qs.filter(trace_status=status)
    else:
        qs = qs.filter(trace_status__in=[TraceStatus.PENDING, TraceStatus.UNREACHABLE])
    return keyset_page(qs, order=["level", "exposure_at", "id"], cursor=cursor, limit=limit)


def level_counts(*, actor: Any, within: str | None = None) -> dict[int, int]:
    require_perm(actor, Perm.CASE_VIEW)
    rows = Classification.objects.filter(scope_q(actor, within=within)).exclude(level=None).values_list("level")
    return dict(Counter(level for (level,) in rows if level is not None))


@dataclass
class CaseNumbers:
    """The cases and tracing lines of a bulletin or briefing, over [start, end) in a jurisdiction."""

    new_by_way: dict[str, int]  # DetectionWay → new F0 detected in the window
    new_total: int
    new_community: int
    active: int
    new_f1: int  # people found as F1 in the window: newly classified, or moved up from F2 or farther
    new_f2: int
    to_trace: int  # F1/F2 not yet reached (pending or unreachable), whenever classified
    fives_overdue: int


def case_numbers(*, actor: Any, within: str | None = None, start: dt.datetime, end: dt.datetime) -> CaseNumbers:
    """Counts for the daily briefing and bulletins: a fixed handful of aggregate queries, whatever the size."""
    require_perm(actor, Perm.CASE_VIEW)
    by_way = Counter(
        way
        for (way,) in case_visible_qs(actor, within=within)
        .filter(detected_at__gte=start, detected_at__lt=end)
        .exclude(status=CaseStatus.RULED_OUT)
        .values_list("detection_way")
    )
    active = case_visible_qs(actor, within=within).filter(status=CaseStatus.ACTIVE).count()
    scoped = Classification.objects.filter(scope_q(actor, within=within))
    # Found = newly classified at that level, or moved up to it from a farther one (F2 → F1); not an F0 withdrawn.
    became = Counter(
        to_level
        for (to_level,) in LevelChange.objects.filter(
            Q(from_level=None) | Q(from_level__gt=F("to_level")),
            classification__in=scoped,
            at__gte=start,
            at__lt=end,
            to_level__in=[1, 2],
        ).values_list("to_level")
    )
    to_trace = scoped.filter(level__gte=1, trace_status__in=[TraceStatus.PENDING, TraceStatus.UNREACHABLE]).count()
    return CaseNumbers(
        new_by_way=dict(by_way),
        new_total=sum(by_way.values()),
        new_community=sum(n for way, n in by_way.items() if way in COMMUNITY_WAYS),
        active=active,
        new_f1=became.get(1, 0),
        new_f2=became.get(2, 0),
        to_trace=to_trace,
        fives_overdue=len(fives_overdue(actor=actor, within=within, limit=10_000)),
    )


# --- itineraries and notices ---------------------------------------------------------------------


def itinerary_of(*, actor: Any, case: Case) -> list[ItineraryStop]:
    require_perm(actor, Perm.CASE_VIEW)
    return list(ItineraryStop.objects.filter(scope_q(actor), case=case))


def notice_list(*, actor: Any, within: str | None = None, status: str = "") -> QuerySet[ExposureNotice]:
    require_perm(actor, Perm.CASE_VIEW)
    qs = ExposureNotice.objects.filter(scope_q(actor, within=within)).select_related("case", "unit")
    if status:
        qs = qs.filter(status=status)
    return qs


def notice_get(*, actor: Any, notice_id: int) -> ExposureNotice:
    found = notice_list(actor=actor).filter(pk=notice_id).first()
    if found is None:
        raise not_found()
    return found


def public_notices(*, unit_path: str = "", limit: int = 100) -> list[ExposureNotice]:
    """Approved notices, newest first; the public reads only title, unit, advice and items."""
    qs = (
        ExposureNotice.objects.filter(status=NoticeStatus.APPROVED)
        .select_related("unit")
        .only("title", "advice", "items", "approved_at", "unit__name", "unit__path", "unit_path")
    )
    if unit_path:
        qs = qs.filter(unit_path__startswith=unit_path)
    return list(qs.order_by("-approved_at", "-id")[:limit])


# --- clusters ------------------------------------------------------------------------------------


def cluster_list(*, actor: Any, within: str | None = None, status: str = "") -> QuerySet[Cluster]:
    require_perm(actor, Perm.CASE_VIEW)
    qs = Cluster.objects.filter(scope_q(actor, within=within)).select_related("unit")
    if status:
        qs = qs.filter(status=status)
    return qs


def cluster_get(*, actor: Any, cluster_id: int) -> Cluster:
    found = cluster_list(actor=actor).filter(pk=cluster_id).first()
    if found is None:
        raise not_found()
    return found


@dataclass
class ClusterSummary:
    cases: list[Case]
    generations: dict[int, int]  # case id → generation (1 = no known infector inside the cluster)
    epi_curve: list[tuple[dt.date, int]]
    unknown_source: list[Case]
    contacts_by_level: dict[int, int]


def cluster_summary(*, actor: Any, cluster: Cluster) -> ClusterSummary:
    require_perm(actor, Perm.CASE_VIEW)
    cases = list(Case.objects.filter(cluster=cluster).select_related("person", "unit").order_by("detected_at", "id"))
    ids = {c.pk for c in cases}
    parents: dict[int, list[int]] = {}
    for infector, infectee in CaseSource.objects.filter(infectee_id__in=ids).values_list("infector_id", "infectee_id"):
        if infector in ids:
            parents.setdefault(infectee, []).append(infector)
    generations: dict[int, int] = {}

    def generation(case_id: int, seen: frozenset[int] = frozenset()) -> int:
        if case_id in generations:
            return generations[case_id]
        inside = [p for p in parents.get(case_id, []) if p not in seen]
        value = 1 + max((generation(p, seen | {case_id}) for p in inside), default=0)
        generations[case_id] = value
        return value

    for case in cases:
        generation(case.pk)
    by_day = Counter(clock.localdate(c.detected_at) for c in cases)
    curve: list[tuple[dt.date, int]] = []
    if by_day:
        day, last = min(by_day), max(by_day)
        while day <= last:
            curve.append((day, by_day.get(day, 0)))
            day += dt.timedelta(days=1)
    contact_levels: Counter[int] = Counter(
        level
        for (level,) in Classification.objects.filter(root_case_id__in=ids, level__gte=1).values_list("level")
        if level is not None
    )
    return ClusterSummary(
        cases=cases,
        generations=generations,
        epi_curve=curve,
        unknown_source=[c for c in cases if not c.source_known],
        contacts_by_level=dict(sorted(contact_levels.items())),
    )


@dataclass
class ClusterSuggestion:
    kind: str
    reason: str
    case_ids: list[int]
    cluster_id: int | None  # an existing cluster to join, if any


def cluster_suggestions(*, actor: Any, within: str | None = None, limit: int = 20) -> list[ClusterSuggestion]:
    """Active cases not in a cluster that share a source case or a household, or whose infector already
    sits in a cluster. The commune decides: nothing is filed without a person."""
    require_perm(actor, Perm.CASE_VIEW)
    loose = list(
        case_visible_qs(actor, within=within)
        .filter(cluster__isnull=True, status=CaseStatus.ACTIVE)
        .select_related("person")[:2000]
    )
    if not loose:
        return []
    ids = [c.pk for c in loose]
    by_id = {c.pk: c for c in loose}
    suggestions: list[ClusterSuggestion] = []
    infectors: dict[int, list[int]] = {}
    for infector, infectee in CaseSource.objects.filter(infectee_id__in=ids).values_list("infector_id", "infectee_id"):
        infectors.setdefault(infector, []).append(infectee)
    clusters_of = dict(Case.objects.filter(pk__in=infectors, cluster__isnull=False).values_list("pk", "cluster_id"))
    for infector, infectees in infectors.items():
        number = Case.objects.filter(pk=infector).values_list("number", flat=True).first()
        group = sorted(set(infectees) | ({infector} if infector in by_id else set()))
        if infector in clusters_of:
            suggestions.append(
                ClusterSuggestion(
                    "source_case",
                    _("Bị lây từ %(n)s, đã thuộc một ổ dịch.") % {"n": number},
                    sorted(infectees),
                    clusters_of[infector],
                )
            )
        elif len(group) >= 2:
            suggestions.append(
                ClusterSuggestion("source_case", _("Cùng nguồn lây %(n)s.") % {"n": number}, group, None)
            )
    households: dict[int, list[int]] = {}
    for case in loose:
        if case.person and case.person.household_id:
            households.setdefault(case.person.household_id, []).append(case.pk)
    for _household, members in households.items():
        if len(members) >= 2:
            suggestions.append(ClusterSuggestion("household", _("Cùng hộ gia đình."), sorted(members), None))
    return suggestions[:limit]


# --- the 5S clock --------------------------------------------------------------------------------

STEPS = ["report", "tracing", "isolation", "treatment"]


def step_labels() -> dict[str, str]:
    return {
        "report": _("Báo cáo"),
        "tracing": _("Truy vết xong (mọi F1 đã liên hệ)"),
        "isolation": _("Mọi F1 đã cách ly"),
        "treatment": _("F0 được điều trị"),
    }


def _step_times(case: Case) -> dict[str, tuple[dt.datetime, dt.datetime | None]]:
    """Each step: (the time it starts from, the time it was done)."""
    return {
        "report": (case.detected_at, case.reported_at),
        "tracing": (case.reported_at, case.tracing_done_at),
        "isolation": (case.reported_at, case.f1_isolated_at),
        "treatment": (case.reported_at, case.treatment_at),
    }


@dataclass
class FivesStep:
    step: str
    label: str
    started_at: dt.datetime
    done_at: dt.datetime | None
    due_at: dt.datetime
    hours: float | None  # how long it took (or has taken so far, if not done)
    late: bool  # done after its target, or still open past it


def case_timeline(*, actor: Any, case: Case) -> list[FivesStep]:
    """The 5S clock of one case: each step with its start, completion and target (the policy in force on the
    report day)."""
    require_perm(actor, Perm.CASE_VIEW)
    targets = policy_get("fives.targets_hours", on=clock.localdate(case.reported_at))
    labels = step_labels()
    now = clock.now()
    steps = []
    for step, (start, done) in _step_times(case).items():
        due = start + dt.timedelta(hours=float(targets[step]))
        end = done or now
        steps.append(
            FivesStep(
                step,
                str(labels[step]),
                start,
                done,
                due,
                round((end - start).total_seconds() / 3600, 1),
                end > due,
            )
        )
    return steps


@dataclass
class OverdueStep:
    case: Case
    step: str
    due_at: dt.datetime
    hours_late: float


def fives_overdue(*, actor: Any, within: str | None = None, limit: int = 500) -> list[OverdueStep]:
    """Active cases with a 5S step not done past its target (policy), most late first."""
    require_perm(actor, Perm.CASE_VIEW)
    now = clock.now()
    found: list[OverdueStep] = []
    cases = (
        case_visible_qs(actor, within=within)
        .filter(status=CaseStatus.ACTIVE)
        .filter(Q(tracing_done_at=None) | Q(f1_isolated_at=None) | Q(treatment_at=None))
        # A case without a person (imported from a historical line list) has no contacts to trace here: it
        # would stay "overdue" for ever and, oldest first, crowd the real ones out of the capped list.
        .filter(person__isnull=False)
        .select_related("person", "unit")
        .order_by("reported_at")[:5000]
    )
    targets_by_day: dict[dt.date, dict[str, Any]] = {}
    for case in cases:
        day = clock.localdate(case.reported_at)
        if day not in targets_by_day:
            targets_by_day[day] = policy_get("fives.targets_hours", on=day)
        targets = targets_by_day[day]
        for step, (start, done) in _step_times(case).items():
            if done is not None:
                continue
            due = start + dt.timedelta(hours=float(targets[step]))
            if now > due:
                found.append(OverdueStep(case, step, due, round((now - due).total_seconds() / 3600, 1)))
    found.sort(key=lambda s: -s.hours_late)
    return found[:limit]


def fives_medians(*, actor: Any, within: str | None = None, days: int = 7) -> dict[str, dict[str, Any]]:
    """Median hours per 5S step over cases reported in the last `days` days, with how many were done."""
    require_perm(actor, Perm.CASE_VIEW)
    since = clock.now() - dt.timedelta(days=days)
    hours: dict[str, list[float]] = {step: [] for step in STEPS}
    total = 0
    for case in (
        case_visible_qs(actor, within=within)
        .filter(reported_at__gte=since)
        .only("detected_at", "reported_at", "tracing_done_at", "f1_isolated_at", "treatment_at")
    ):
        total += 1
        for step, (start, done) in _step_times(case).items():
            if done is not None:
                hours[step].append((done - start).total_seconds() / 3600)
    return {
        step: {
            "median_hours": round(statistics.median(values), 1) if values else None,
            "done": len(values),
            "cases": total,
        }
        for step, values in hours.items()
    }


# --- for response (orchestration across domains) -----------------------------------------------------


@dataclass(frozen=True)
class PersonStanding:
    """What another domain's rule needs to know of a person: the F-level, whether they are isolated, and the
    active case if they are an F0 already."""

    level: int | None
    quarantined: bool
    active_case_number: str | None


def person_standing(person_ids: list[int]) -> dict[int, PersonStanding]:
    """Unscoped: for `response` applying a rule to people a tube already identified (never for display)."""
    ids = list(set(person_ids))
    levels = {
        pid: (level, status)
        for pid, level, status in Classification.objects.filter(person_id__in=ids).values_list(
            "person_id", "level", "trace_status"
        )
    }
    active = dict(Case.objects.filter(person_id__in=ids, status=CaseStatus.ACTIVE).values_list("person_id", "number"))
    return {
        pid: PersonStanding(
            level=levels.get(pid, (None, ""))[0],
            quarantined=levels.get(pid, (None, ""))[1] == TraceStatus.QUARANTINED,
            active_case_number=active.get(pid),
        )
        for pid in ids
    }


def cluster_contact_ids(*, actor: Any, cluster: Cluster, max_level: int = 1) -> list[int]:
    """People of the reader's area currently F1 (… up to `max_level`) of the cluster's active cases."""
    require_perm(actor, Perm.CASE_VIEW)
    return list(
        Classification.objects.filter(
            scope_q(actor),
            root_case__cluster=cluster,
            root_case__status=CaseStatus.ACTIVE,
            level__gte=1,
            level__lte=max_level,
        )
        .order_by("person_id")
        .values_list("person_id", flat=True)
    )


@dataclass(frozen=True)
class CaseWindow:
    """An active F0 with a registry person, and the days of its infectious window (until: None = still open)."""

    case_id: int
    number: str
    person_id: int
    unit_path: str
    infectious_from: dt.date
    infectious_until: dt.date | None


def active_case_windows(
    *, case_ids: list[int] | None = None, person_ids: list[int] | None = None, within: str | None = None
) -> list[CaseWindow]:
    """Active cases (system read for the exposure engine: callers have checked who asks), oldest first."""
    qs = Case.objects.filter(status=CaseStatus.ACTIVE, person__isnull=False)
    if case_ids is not None:
        qs = qs.filter(pk__in=case_ids)
    if person_ids is not None:
        qs = qs.filter(person_id__in=person_ids)
    if within:
        qs = qs.filter(unit_path__startswith=within)
    rows = qs.order_by("detected_at", "id").values_list(
        "id", "number", "person_id", "unit_path", "infectious_from", "infectious_until"
    )
    return [CaseWindow(*row) for row in rows]
