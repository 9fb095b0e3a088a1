"""Reads of home isolation, jurisdiction applied: households with what needs attention first (danger signs, missed
check-ins), a household's members with their clocks and their checks by day, the registry's households and the
commune's officers for the register form, and what the door sign's public page shows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from chihuy.accounts.access import require_perm, scope_q
from chihuy.accounts.models import User
from chihuy.accounts.roles import Perm
from chihuy.core import clock
from chihuy.core.text import fold
from chihuy.isolation import policies, selectors
from chihuy.isolation.enums import HOLDING_STATUSES, StayKind, StayStatus
from chihuy.isolation.models import CheckIn, HomeIsolation, Stay
from chihuy.people.models import Household, Person
from chihuy.places.models import Unit

ATTENTION_DANGER = 2
ATTENTION_MISSED = 1


def missed_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    now = now or clock.now()
    return now - dt.timedelta(hours=int(policies.home_care(clock.localdate(now))["missed_after_hours"]))


def _missed_q(prefix: str, cutoff: dt.datetime) -> Q:
    """Active home stays whose last check (or admission, when none yet) is older than the cutoff."""
    return Q(**{f"{prefix}status": StayStatus.ACTIVE}) & (
        Q(**{f"{prefix}last_check_at__lt": cutoff})
        | Q(**{f"{prefix}last_check_at__isnull": True, f"{prefix}admitted_at__lt": cutoff})
    )


def home_rows(
    *, actor: Any, within: str | None = None, status: str = "", attention: str = "", q: str = ""
) -> QuerySet[HomeIsolation]:
    """Households of the area, each with its active members, those with a transfer proposed (danger signs) and
    those past the check-in deadline, and `attention` (2 danger, 1 missed, 0) to order the list by."""
    cutoff = missed_cutoff()
    active = Q(stays__status=StayStatus.ACTIVE)
    qs = selectors.home_list(actor=actor, within=within, status=status).annotate(
        members_active=Count("stays", filter=active, distinct=True),
        members_danger=Count("stays", filter=active & Q(stays__transfer_proposed_at__isnull=False), distinct=True),
        members_missed=Count("stays", filter=_missed_q("stays__", cutoff), distinct=True),
    )
    qs = qs.annotate(
        attention=Case(
            When(members_danger__gt=0, then=Value(ATTENTION_DANGER)),
            When(members_missed__gt=0, then=Value(ATTENTION_MISSED)),
            default=Value(0),
            output_field=IntegerField(),
        )
    )
    if attention == "danger":
        qs = qs.filter(members_danger__gt=0)
    elif attention == "missed":
        qs = qs.filter(members_missed__gt=0)
    elif attention == "any":
        qs = qs.filter(attention__gt=0)
    text = (q or "").strip()
    if text:
        folded = fold(text)
        people = Stay.objects.filter(kind=StayKind.HOME, person__name_folded__contains=folded).values("home_id")
        qs = qs.filter(Q(code__icontains=text) | Q(address__icontains=text) | Q(pk__in=people))
    return qs


HOME_ORDER = ["-attention", "-started_on", "-id"]


@dataclass
class MemberRow:
    stay: Stay
    day: int | None  # day of the clock today
    last_check: CheckIn | None
    missed: bool


@dataclass
class DayChecks:
    on: dt.date
    checks: list[CheckIn] = field(default_factory=list)


def home_members(*, home: HomeIsolation, now: dt.datetime | None = None) -> list[MemberRow]:
    now = now or clock.now()
    today = clock.localdate(now)
    cutoff = missed_cutoff(now)
    stays = list(Stay.objects.filter(home=home).select_related("person").order_by("-status", "pk"))
    stays.sort(key=lambda s: (s.status not in HOLDING_STATUSES, s.pk))
    last: dict[int, CheckIn] = {}
    for check in CheckIn.objects.filter(stay__in=stays).order_by("stay_id", "at"):
        last[check.stay_id] = check
    rows = []
    for stay in stays:
        reference = stay.last_check_at or stay.admitted_at
        rows.append(
            MemberRow(
                stay=stay,
                day=(today - stay.clock_start_on).days + 1 if stay.status == StayStatus.ACTIVE else None,
                last_check=last.get(stay.pk),
                missed=stay.status == StayStatus.ACTIVE and reference is not None and reference < cutoff,
            )
        )
    return rows


def home_checks_by_day(*, home: HomeIsolation, limit_days: int = 30) -> list[DayChecks]:
    """The household's checks, newest day first (the last `limit_days` days that have any)."""
    days: dict[dt.date, DayChecks] = {}
    qs = CheckIn.objects.filter(stay__home=home).select_related("stay__person", "recorded_by").order_by("-on", "at")
    for check in qs[:2000]:
        if check.on not in days:
            if len(days) >= limit_days:
                break
            days[check.on] = DayChecks(on=check.on)
        days[check.on].checks.append(check)
    return list(days.values())


def stay_checks(*, actor: Any, stay: Stay) -> QuerySet[CheckIn]:
    require_perm(actor, Perm.ISOLATION_VIEW)
    return CheckIn.objects.filter(stay=stay).select_related("recorded_by").order_by("-at", "-id")


def home_stay_get(*, actor: Any, home: HomeIsolation, stay_id: int) -> Stay:
    stay = selectors.stay_get(actor=actor, stay_id=stay_id)
    if stay.home_id != home.pk:
        from django.utils.translation import gettext as _

        from chihuy.core.errors import not_found

        raise not_found(_("người cách ly trong hộ này"))
    return stay


# --- register form ------------------------------------------------------------------------------------------


def households_in_area(*, actor: Any, within: str | None = None, q: str = "", limit: int = 30) -> list[Household]:
    """Registry households of the area (by address, or by a member's name), with their active members."""
    require_perm(actor, Perm.HOME_ISOLATION)
    qs = Household.objects.filter(scope_q(actor, within=within), is_active=True).select_related("unit")
    text = (q or "").strip()
    if text:
        folded = fold(text)
        qs = qs.filter(Q(address__icontains=text) | Q(members__name_folded__contains=folded)).distinct()
    found = list(qs.order_by("unit_path", "address", "pk")[:limit])
    members: dict[int, list[Person]] = {h.pk: [] for h in found}
    for person in Person.objects.filter(household__in=found, is_active=True, merged_into__isnull=True).order_by(
        "birth_year", "pk"
    ):
        members[person.household_id or 0].append(person)
    for h in found:
        h.people = members[h.pk]  # type: ignore[attr-defined]
    return found


def household_members(household: Household) -> list[Person]:
    """The registry members of a household read in the reader's area (active, not merged), eldest first."""
    return list(
        Person.objects.filter(household=household, is_active=True, merged_into__isnull=True).order_by(
            "birth_year", "pk"
        )
    )


def household_get(*, actor: Any, household_id: int) -> Household | None:
    require_perm(actor, Perm.HOME_ISOLATION)
    return Household.objects.filter(scope_q(actor), pk=household_id, is_active=True).select_related("unit").first()


def people_of(*, actor: Any, ids: Iterable[int]) -> dict[int, Person]:
    """People of the area by id (the register form's ticked members)."""
    require_perm(actor, Perm.HOME_ISOLATION)
    return {p.pk: p for p in selectors.people_in_area(actor=actor, ids=ids)}


def officers_of(*, units: Iterable[Unit]) -> list[User]:
    """Users of the units' communes who can run home isolation (the responsible officer)."""
    paths = sorted({u.commune_path for u in units})
    if not paths:
        return []
    q = Q()
    for p in paths:
        q |= Q(unit_path__startswith=p)
    return [
        u for u in User.objects.filter(q, is_active=True).order_by("full_name", "pk") if Perm.HOME_ISOLATION in u.perms
    ]


def household_candidates(*, home: HomeIsolation) -> list[Person]:
    """Registry members of the household not in a stay now (someone who came home, a member found later)."""
    if home.household_id is None:
        return []
    busy = Stay.objects.filter(status__in=HOLDING_STATUSES).values("person_id")
    return list(
        Person.objects.filter(household_id=home.household_id, is_active=True, merged_into__isnull=True)
        .exclude(pk__in=busy)
        .order_by("birth_year", "pk")
    )


# --- public page ------------------------------------------------------------------------------------------------


def public_members(home: HomeIsolation) -> list[Stay]:
    """The members who may declare on the door sign's page: active stays only; names only are shown."""
    return list(Stay.objects.filter(home=home, status=StayStatus.ACTIVE).select_related("person").order_by("pk"))


def officer_get(*, officer_id: int | None) -> User | None:
    """An active user by id (the service checks they belong to the household's commune)."""
    if officer_id is None:
        return None
    return User.objects.filter(pk=officer_id, is_active=True).first()
