"""Reads of the vaccination domain, scoped to the reader's area: vaccines (and finding one by the name a file
writes), a person's doses, the doses of an area, the import review queue, campaign targets, and the priority
lists per village (people ≥ 50 or vulnerable still unvaccinated, or not fully vaccinated)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from chihuy.accounts.access import in_jurisdiction, require_perm, scope_q
from chihuy.accounts.roles import Perm
from chihuy.core import clock
from chihuy.core.errors import not_found
from chihuy.core.text import fold
from chihuy.people.models import Person
from chihuy.vaccination.models import CampaignTarget, Dose, DoseReview, ReviewStatus, Vaccine

DOSE_ORDER = ["-given_on", "-id"]
REVIEW_ORDER = ["-id"]
# Village, then the oldest first (unknown birth last), then the record.
PRIORITY_ORDER = ["unit_path", "birth_key", "id"]
PRIORITY_MODES = ("unvaccinated", "incomplete")
PRIORITY_AGE = 50


def vaccine_list(*, include_inactive: bool = False) -> list[Vaccine]:
    qs = Vaccine.objects.all()
    if not include_inactive:
        qs = qs.filter(is_active=True)
    return list(qs.order_by("name"))


def vaccine_index() -> dict[str, Vaccine]:
    """Every way a file may write a vaccine (code, name, aliases; folded) → the vaccine; inactive ones included,
    so that the importer can tell "withdrawn" from "unknown"."""
    index: dict[str, Vaccine] = {}
    for vaccine in Vaccine.objects.all():
        for text in [vaccine.code, vaccine.name, *(vaccine.aliases or [])]:
            key = fold(str(text))
            if key:
                index.setdefault(key, vaccine)
    return index


def vaccine_find(text: str, *, index: dict[str, Vaccine] | None = None) -> Vaccine | None:
    """The vaccine a file means by `text` ("Vero Cell", "ASTRAZENECA", "Pfizer-BioNTech"): its code, name or an
    alias, folded; also the name before a parenthesis ("AstraZeneca (Vaxzevria)")."""
    index = index if index is not None else vaccine_index()
    key = fold(text)
    if not key:
        return None
    if key in index:
        return index[key]
    head = fold(str(text).split("(")[0])
    return index.get(head)


def dose_qs(actor: Any, *, within: str | None = None, include_inactive: bool = False) -> QuerySet[Dose]:
    require_perm(actor, Perm.VACCINATION_VIEW)
    qs = Dose.objects.filter(scope_q(actor, within=within)).select_related("vaccine", "person")
    if not include_inactive:
        qs = qs.filter(is_active=True)
    return qs


def dose_get(*, actor: Any, dose_id: int) -> Dose:
    dose = dose_qs(actor, include_inactive=True).filter(pk=dose_id).first()
    if dose is None:
        raise not_found()
    return dose


def person_doses(*, actor: Any, person: Person) -> list[Dose]:
    """All doses of a person the reader may see (withdrawn ones too, marked), in dose order."""
    require_perm(actor, Perm.VACCINATION_VIEW)
    if not in_jurisdiction(actor, person.unit_path):
        raise not_found()
    return list(
        Dose.objects.filter(person=person)
        .select_related("vaccine", "site", "entered_by")
        .order_by("-is_active", "dose_number", "id")
    )


def next_dose_number(person: Person) -> int:
    """The dose the person is due next (the count of active doses + 1)."""
    return Dose.objects.filter(person=person, is_active=True).count() + 1


def review_qs(
    actor: Any, *, within: str | None = None, status: str | None = ReviewStatus.PENDING
) -> QuerySet[DoseReview]:
    require_perm(actor, Perm.DOSE_IMPORT)
    qs = DoseReview.objects.filter(scope_q(actor, within=within)).select_related("person", "decided_by")
    if status:
        qs = qs.filter(status=status)
    return qs


def review_get(*, actor: Any, review_id: int) -> DoseReview:
    review = review_qs(actor, status=None).filter(pk=review_id).first()
    if review is None:
        raise not_found()
    return review


def review_candidates(*, actor: Any, review: DoseReview) -> list[Person]:
    """The candidate people of a queued row that the reader may see, in the order the importer found them."""
    ids = [int(i) for i in review.candidates or []]
    found = {p.pk: p for p in Person.objects.filter(scope_q(actor), pk__in=ids, is_active=True).select_related("unit")}
    return [found[i] for i in ids if i in found]


def target_qs(actor: Any, *, within: str | None = None, include_inactive: bool = False) -> QuerySet[CampaignTarget]:
    require_perm(actor, Perm.VACCINATION_VIEW)
    qs = CampaignTarget.objects.filter(scope_q(actor, within=within)).select_related("unit", "created_by")
    if not include_inactive:
        qs = qs.filter(is_active=True)
    return qs


def target_get(*, actor: Any, target_id: int) -> CampaignTarget:
    target = target_qs(actor, include_inactive=True).filter(pk=target_id).first()
    if target is None:
        raise not_found()
    return target


def priority_qs(
    actor: Any, *, within: str | None = None, mode: str = "unvaccinated", on: dt.date | None = None
) -> QuerySet[Person]:
    """People of the area aged ≥ 50 on `on` (today), or with a chronic condition, or pregnant, who have no active
    dose (`unvaccinated`) or have not completed the primary series (`incomplete`); annotated with `dose_count`
    (active doses) and `birth_key` (the birth year, 9999 when unknown: the order of the list). Paginate with
    PRIORITY_ORDER."""
    require_perm(actor, Perm.VACCINATION_VIEW)
    on = on or clock.today()
    born_by = (
        on.replace(year=on.year - PRIORITY_AGE)
        if not (on.month == 2 and on.day == 29)
        else dt.date(on.year - PRIORITY_AGE, 2, 28)
    )
    old = Q(birth_date__lte=born_by) | Q(birth_date__isnull=True, birth_year__lte=on.year - PRIORITY_AGE)
    vulnerable = ~Q(chronic_conditions=[]) | Q(is_pregnant=True)
    active_doses = Dose.objects.filter(person=OuterRef("pk"), is_active=True)
    qs = Person.objects.filter(scope_q(actor, within=within), is_active=True).filter(old | vulnerable)
    if mode == "incomplete":
        qs = qs.filter(~Exists(active_doses.filter(completes_primary=True)))
    else:
        qs = qs.filter(~Exists(active_doses))
    count = active_doses.order_by().values("person").annotate(n=Count("pk")).values("n")
    return qs.select_related("unit").annotate(
        birth_key=Coalesce("birth_year", Value(9999), output_field=IntegerField()),
        dose_count=Coalesce(Subquery(count, output_field=IntegerField()), Value(0)),
    )
