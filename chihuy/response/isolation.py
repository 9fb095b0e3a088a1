"""5S orchestration of isolation: what an admission, a positive result, a release or a discharge means for the
other domains. The web and the API call these for the steps that cross domains; plain facility and stay writes go
straight to `chihuy.isolation.services`.

- `stays_admitted`: F1/F2 admitted to quarantine (facility or home) close their tracing item's "isolated" step.
- `stay_release` / `stay_readiness`: release by the rule in force, counting the negatives labs holds.
- `positive_in_stays` (after a lab result or an F0 report) / `stay_positive` (the officer's action): the stay ends
  POSITIVE, the roommates' clocks restart, the people and the commune are told.
- `tests_dispatch` (daily sweep): test days due become labs targets; `results_seen`: results mark the test days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chihuy.accounts.access import require_perm, user_path
from chihuy.accounts.roles import Perm
from chihuy.cases import selectors as case_selectors
from chihuy.cases import services as case_services
from chihuy.cases.enums import TraceStatus
from chihuy.core import clock
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.isolation.enums import HOLDING_STATUSES, Cohort, StayKind, StayStatus
from chihuy.isolation.models import Monitoring, Stay, StayTest
from chihuy.isolation.services import release
from chihuy.isolation.services import stays as stays_services
from chihuy.isolation.services._common import ancestor_paths, require_stay_place, unit_recipients
from chihuy.labs import selectors as lab_selectors
from chihuy.labs import services as lab_services
from chihuy.labs.enums import CampaignKind, CampaignStatus, Result, TargetReason
from chihuy.labs.models import SampleMember
from chihuy.notify.enums import Channel
from chihuy.notify.services import BulkItem, message_enqueue_many
from chihuy.places.models import Unit


@transaction.atomic
def stays_admitted(*, actor: Any, stays: Sequence[Stay]) -> int:
    """After `isolation.services.stays.stays_admit` (or a reserved stay's arrival): every person admitted to
    quarantine who is under tracing gets the outcome "quarantined" / "home isolation" and its time (the 5S step
    "F1 isolated" of their F0). Reserved stays wait for the arrival. Returns the tracing items closed."""
    by_kind: dict[str, list[Stay]] = {}
    for stay in stays:
        if stay.status != StayStatus.ACTIVE or stay.cohort == Cohort.F0 or stay.kind == StayKind.TREATMENT:
            continue
        by_kind.setdefault(stay.kind, []).append(stay)
    closed = 0
    for kind, group in by_kind.items():
        outcome = TraceStatus.HOME_ISOLATION if kind == StayKind.HOME else TraceStatus.QUARANTINED
        place = group[0].facility.name if group[0].facility else _("cách ly tại nhà")
        closed += case_services.classifications_mark_isolated(
            actor=actor,
            person_ids=[s.person_id for s in group],
            outcome=outcome,
            note=_("Tiếp nhận cách ly: %(place)s") % {"place": place},
            at=min(s.admitted_at for s in group if s.admitted_at),
        )
    return closed


# --- release -----------------------------------------------------------------------------------------------------


def _negatives_of(stays: Sequence[Stay]) -> dict[int, list[release.Negative]]:
    if not stays:
        return {}
    since = min(s.clock_start_on for s in stays)
    start = timezone.make_aware(dt.datetime.combine(since, dt.time.min))
    return lab_selectors.negative_tests(person_ids=sorted({s.person_id for s in stays}), since=start)


def stay_readiness(*, stay: Stay) -> release.Readiness:
    """What the release rule says of a stay today, with the person's negatives read from labs (the stay page and
    the API explain why a release is not yet possible). The caller has checked the stay is visible."""
    return release.release_readiness(stay, _negatives_of([stay]).get(stay.person_id, []))


@transaction.atomic
def stay_release(*, actor: Any, stay: Stay) -> tuple[Stay, Monitoring | None]:
    """Release from quarantine by the rule at the stay's start, counting the negatives labs holds since its clock
    started; the post-release health monitoring is created."""
    return release.stay_release(actor=actor, stay=stay, negatives=_negatives_of([stay]).get(stay.person_id, []))


# --- a positive in quarantine ------------------------------------------------------------------------------------


@dataclass
class PositiveOutcome:
    ended: list[Stay] = field(default_factory=list)
    restarted: list[Stay] = field(default_factory=list)
    messages: int = 0


def _roommates(stay: Stay) -> list[Stay]:
    qs = Stay.objects.filter(status__in=HOLDING_STATUSES).exclude(person_id=stay.person_id).exclude(cohort=Cohort.F0)
    if stay.kind == StayKind.HOME and stay.home_id:
        return list(qs.filter(home_id=stay.home_id).select_related("person").order_by("pk"))
    if stay.room_id:
        return list(qs.filter(room_id=stay.room_id).select_related("person").order_by("pk"))
    return []


def _commune_path(unit_path: str) -> str:
    unit = Unit.objects.filter(path=unit_path).only("path", "level").first()
    return unit.commune_path if unit is not None else unit_path


@transaction.atomic
def positive_in_stays(
    *, actor: Any, person_ids: Sequence[int], case_numbers: Mapping[int, str], positive_on: dt.date | None = None
) -> PositiveOutcome:
    """People confirmed F0 (a lab result, an F0 report) who are in quarantine: each holding quarantine stay ends
    POSITIVE with the case named, the clock of every roommate (same room; same household at home) restarts from
    today under the rule in force, the roommates are told by SMS, and the person's commune and the place's units
    are told at once. Authorised by the result or the report that caused it (the lab technician holds no stay
    permission). A person with no quarantine stay changes nothing."""
    from chihuy.isolation import notifications  # noqa: F401  (registers the templates)

    outcome = PositiveOutcome()
    if not person_ids:
        return outcome
    today = clock.today()
    stays = list(
        Stay.objects.filter(person_id__in=list(person_ids), status__in=HOLDING_STATUSES)
        .exclude(kind=StayKind.TREATMENT)
        .exclude(cohort=Cohort.F0)
        .select_related("person", "facility", "room", "home")
        .order_by("pk")
    )
    if not stays:
        return outcome
    release.tests_results_record(negatives={}, positives={s.person_id: positive_on or today for s in stays})
    reasons = {}
    for stay in stays:
        number = case_numbers.get(stay.person_id, "")
        reasons[stay.pk] = (
            _("Dương tính, ca %(n)s: chuyển điều trị F0.") % {"n": number}
            if number
            else _("Dương tính: chuyển điều trị F0.")
        )
    outcome.ended = release.stays_end_positive(actor=actor, stays=stays, reasons=reasons)
    room_items: list[BulkItem] = []
    person_items: list[BulkItem] = []
    for stay in outcome.ended:
        roommates = _roommates(stay)
        where_room = stay.room.code if stay.room else (stay.home.code if stay.home else "")
        where = (
            stay.facility.name
            if stay.facility
            else _("Cách ly tại nhà — %(a)s") % {"a": stay.home.address if stay.home else ""}
        )
        number = case_numbers.get(stay.person_id, "")
        reason = _("%(who)s (cùng %(what)s %(room)s) dương tính%(case)s ngày %(d)s: tính lại thời gian cách ly.") % {
            "who": stay.person.full_name,
            "what": _("hộ") if stay.kind == StayKind.HOME else _("phòng"),
            "room": where_room,
            "case": _(", ca %(n)s") % {"n": number} if number else "",
            "d": today.strftime("%d/%m/%Y"),
        }
        restarted = (
            stays_services.clocks_restart(actor=actor, stays=roommates, start_on=today, reason=reason)
            if roommates
            else []
        )
        outcome.restarted += restarted
        for mate in restarted:
            phone = (mate.person.phone or "").strip()
            if not phone:
                continue
            person_items.append(
                BulkItem(
                    context={
                        "room": where_room,
                        "facility": where,
                        "start": mate.clock_start_on.strftime("%d/%m/%Y"),
                        "release": mate.release_on.strftime("%d/%m/%Y") if mate.release_on else "",
                    },
                    addresses=[(Channel.SMS, phone)],
                    unit_path=mate.unit_path,
                    source=f"isolation.stay:{mate.pk}",
                )
            )
        paths = {_commune_path(stay.unit_path)} | set(ancestor_paths(stay.place_path)[1:])
        recipients = unit_recipients(paths)
        for path in sorted(paths):
            room_items.append(
                BulkItem(
                    context={
                        "person": stay.person.full_name,
                        "room": where_room,
                        "facility": where,
                        "case": number,
                        "count": len(restarted),
                        "start": today.strftime("%d/%m/%Y"),
                    },
                    users=recipients.get(path, []),
                    unit_path=path,
                    source=f"isolation.stay:{stay.pk}",
                )
            )
    outcome.messages = message_enqueue_many(template="isolation.clock_restarted_person", items=person_items)
    outcome.messages += message_enqueue_many(template="isolation.positive_in_room", items=room_items, urgent=True)
    return outcome


@transaction.atomic
def stay_positive(*, actor: Any, stay: Stay) -> PositiveOutcome:
    """The officer's action "Ghi nhận dương tính" on a stay whose person already has an active F0 case (reported
    elsewhere, e.g. by the hospital): the same as a lab result's positive."""
    require_perm(actor, Perm.HOME_ISOLATION if stay.kind == StayKind.HOME else Perm.STAY_WORK)
    require_stay_place(actor, stay)
    if stay.status not in HOLDING_STATUSES:
        raise ApplicationError(ErrorCode.INVALID_TRANSITION, _("Lượt cách ly này đã kết thúc."))
    if stay.kind == StayKind.TREATMENT or stay.cohort == Cohort.F0:
        raise ApplicationError(ErrorCode.INVALID_TRANSITION, _("Người này đang điều trị F0."))
    standing = case_selectors.person_standing([stay.person_id])[stay.person_id]
    if not standing.active_case_number:
        raise ApplicationError.field(
            "person",
            _("Người này chưa có ca F0 đang hoạt động: báo cáo ca bệnh (hoặc nhập kết quả xét nghiệm) trước."),
            ErrorCode.CONFLICT,
        )
    return positive_in_stays(
        actor=actor, person_ids=[stay.person_id], case_numbers={stay.person_id: standing.active_case_number}
    )


# --- test days to labs, results back -------------------------------------------------------------------------------


@dataclass
class Dispatch:
    campaigns: list[str] = field(default_factory=list)
    tests: int = 0
    skipped: list[str] = field(default_factory=list)


def _campaign_name(place: str, on: dt.date) -> str:
    return (_("Xét nghiệm theo lịch cách ly — %(p)s — %(d)s") % {"p": place, "d": on.strftime("%d/%m/%Y")})[:200]


def _dispatch_group(actor: Any, kind: str, unit: Unit, name: str, on: dt.date, person_ids: list[int]) -> Any:
    campaign = (
        lab_selectors.campaign_list(actor=actor)
        .filter(kind=kind, unit_id=unit.pk, planned_on=on, name=name)
        .exclude(status=CampaignStatus.CLOSED)
        .first()
    )
    if campaign is None:
        campaign = lab_services.campaign_create(
            actor=actor,
            name=name,
            kind=kind,
            unit=unit,
            planned_on=on,
            pool_size=1,
            person_ids=person_ids,
            note=_("Lập tự động từ lịch xét nghiệm của người cách ly (mẫu đơn, không gộp)."),
        )
    else:
        lab_services.campaign_add_people(actor=actor, campaign=campaign, person_ids=person_ids)
    return campaign


def tests_dispatch(*, actor: Any, on: dt.date | None = None) -> Dispatch:
    """The test days due by `on` (today) of active quarantine stays in the actor's area become sampling targets:
    one labs campaign of kind "facility" per quarantine area and day, one list campaign per commune and day for
    home isolation; each test day becomes "requested" with its target. A group that cannot be dispatched (e.g.
    people living outside the actor's area) is skipped and named; the others stand. Idempotent."""
    require_perm(actor, Perm.CAMPAIGN_MANAGE)
    on = on or clock.today()
    result = Dispatch()
    groups: dict[tuple[str, str], list[StayTest]] = {}
    places: dict[tuple[str, str], tuple[Unit, str]] = {}
    for test in release.tests_due(on=on, place_path=user_path(actor)):
        stay = test.stay
        if stay.kind == StayKind.HOME and stay.home is not None:
            commune = _commune_path(stay.home.unit_path)
            key = (str(CampaignKind.LIST), commune)
            if key not in places:
                unit = Unit.objects.get(path=commune)
                places[key] = (unit, _campaign_name(_("cách ly tại nhà %(u)s") % {"u": unit.name}, on))
        elif stay.facility is not None:
            key = (str(CampaignKind.FACILITY), str(stay.facility_id))
            if key not in places:
                places[key] = (Unit.objects.get(pk=stay.facility.unit_id), _campaign_name(stay.facility.name, on))
        else:
            continue
        groups.setdefault(key, []).append(test)
    for key, tests in groups.items():
        unit, name = places[key]
        person_ids = sorted({t.stay.person_id for t in tests})
        try:
            with transaction.atomic():
                campaign = _dispatch_group(actor, key[0], unit, name, on, person_ids)
                targets = dict(
                    lab_selectors.campaign_targets(actor=actor, campaign=campaign, reason=TargetReason.PLANNED)
                    .filter(person_id__in=person_ids)
                    .values_list("person_id", "pk")
                )
                result.tests += release.tests_requested(links=[(t.pk, targets[t.stay.person_id]) for t in tests])
        except ApplicationError as exc:
            result.skipped.append(f"{name}: {exc.message}")
            continue
        if campaign.code not in result.campaigns:
            result.campaigns.append(campaign.code)
    return result


def results_seen(*, sample_ids: Sequence[int]) -> int:
    """After lab results: the test days of the people of those tubes who are in quarantine are marked from their
    negatives (positives go through `positive_in_stays` when they make an F0). Returns the test days marked. The
    people in quarantine with a test day open are read first: a result file of the community (most of them)
    costs one query."""
    if not sample_ids:
        return 0
    waiting = release.people_with_open_tests()
    if not waiting.exists():
        return 0
    person_ids: set[int] = set()
    ids = list(sample_ids)
    for start in range(0, len(ids), 2000):
        person_ids |= set(
            SampleMember.objects.filter(
                sample_id__in=ids[start : start + 2000], sample__result=Result.NEGATIVE, person_id__in=waiting
            ).values_list("person_id", flat=True)
        )
    if not person_ids:
        return 0
    stays = list(Stay.objects.filter(person_id__in=person_ids, status__in=HOLDING_STATUSES).order_by("pk"))
    return release.tests_results_record(negatives=_negatives_of(stays))


# --- the daily sweep ---------------------------------------------------------------------------------------------


def isolation_sweep(*, actor: Any = None, on: dt.date | None = None) -> dict[str, Any]:
    """The daily sweep of isolation (idempotent): test days due go to labs (with `actor`, an account allowed to
    plan sampling campaigns over the area; skipped without one), monitorings past their last day close, and
    missed home check-ins alert the commune (chihuy.isolation.services.homes, when present)."""
    on = on or clock.today()
    result: dict[str, Any] = {"on": on.isoformat()}
    if actor is not None:
        dispatch = tests_dispatch(actor=actor, on=on)
        result.update(
            {"tests_dispatched": dispatch.tests, "campaigns": dispatch.campaigns, "dispatch_skipped": dispatch.skipped}
        )
    else:
        result["tests_dispatched"] = None
        result["dispatch_skipped"] = [_("Chưa giao xét nghiệm: chạy với --actor <tài khoản lập đợt lấy mẫu>.")]
    result["monitorings_ended"] = release.monitoring_end(on=on)
    try:
        from chihuy.isolation.services import homes
    except ImportError:
        homes = None  # type: ignore[assignment]
    alert = getattr(homes, "missed_checkins_alert", None) if homes is not None else None
    if alert is None:
        result["missed_checkins_alerted"] = None
        result["missed_checkins_skipped"] = "chihuy.isolation.services.homes.missed_checkins_alert chưa có"
    else:
        result["missed_checkins_alerted"] = alert(on=on)
    return result


# --- what the stay page shows --------------------------------------------------------------------------------------


@dataclass
class StayPage:
    """A stay's page: its detail (isolation), whether the rule allows its release today and why not, and the
    person's active F0 case if any (the "positive" action is offered only then)."""

    detail: Any
    readiness: release.Readiness | None
    active_case: str | None
    negatives: list[release.Negative]


def stay_page(*, actor: Any, stay_id: int) -> StayPage:
    from chihuy.isolation.selectors_stays import stay_detail

    detail = stay_detail(actor=actor, stay_id=stay_id)
    stay = detail.stay
    negatives: list[release.Negative] = []
    readiness = None
    active = None
    if stay.status in HOLDING_STATUSES:
        if stay.release_on is not None:
            negatives = _negatives_of([stay]).get(stay.person_id, [])
            readiness = release.release_readiness(stay, negatives)
        active = case_selectors.person_standing([stay.person_id])[stay.person_id].active_case_number
    return StayPage(detail=detail, readiness=readiness, active_case=active, negatives=negatives)
