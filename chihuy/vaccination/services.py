"""Writes of the vaccination domain: a dose recorded (at a site, from an imported row, by the demo) with every rule of
the schedule checked, a dose entered by mistake deactivated, the import review queue decided, campaign targets set.

Every rule error names its field: `dose_number` (a dose before the one it follows, a number already given),
`given_on` (in the future, before the vaccine was approved in Viet Nam, too soon after the previous dose, before an
earlier dose), `vaccine` (unknown or withdrawn), `person` (outside the actor's area: not found, as a missing one).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from chihuy.accounts.access import has_perm, in_jurisdiction, require_in_jurisdiction, require_perm
from chihuy.accounts.roles import Perm
from chihuy.core import clock
from chihuy.core.audit import audit_record, snapshot
from chihuy.core.errors import ApplicationError, ErrorCode, save_validated
from chihuy.people.models import Person
from chihuy.places.enums import age_band_of
from chihuy.places.models import Site, Unit
from chihuy.vaccination.enums import DoseSource
from chihuy.vaccination.models import (
    CampaignTarget,
    Dose,
    DoseReview,
    ReviewStatus,
    TargetGroup,
    TargetKind,
    Vaccine,
)

MAX_DOSE_NUMBER = 5


def _person_not_found() -> ApplicationError:
    return ApplicationError.field("person", _("Không tìm thấy người trong địa bàn của bạn."), ErrorCode.NOT_FOUND)


def _check_right(actor: Any, source: str) -> None:
    if source == DoseSource.IMPORT and has_perm(actor, Perm.DOSE_IMPORT):
        return
    if source == DoseSource.DEMO and actor is None:
        return
    require_perm(actor, Perm.DOSE_RECORD)


@transaction.atomic
def dose_record(
    *,
    actor: Any,
    person: Person,
    dose_number: int,
    vaccine: Vaccine | None,
    given_on: dt.date,
    lot: str = "",
    site: Site | None = None,
    site_name: str = "",
    source: str = DoseSource.SITE,
    source_ref: str = "",
    is_demo: bool = False,
) -> Dose:
    """Record dose `dose_number` of `person`. Dose n needs dose n−1 given at least the earlier vaccine's interval
    before; the vaccine must be active and approved by `given_on`, which may not be in the future."""
    _check_right(actor, source)
    if actor is not None and not in_jurisdiction(actor, person.unit_path):
        raise _person_not_found()
    # One writer per person at a time: two vaccinators recording the same person's next dose wait for each other.
    locked = Person.objects.select_for_update().filter(pk=person.pk).first()
    if locked is None or not locked.is_active:
        raise ApplicationError.field("person", _("Hồ sơ người này đã bị vô hiệu hóa hoặc đã gộp."))
    person = locked
    if vaccine is None:
        raise ApplicationError.field("vaccine", _("Chưa chọn vắc xin hoặc không có loại vắc xin này."))
    if not vaccine.is_active:
        raise ApplicationError.field("vaccine", _("Vắc xin %(v)s không còn được dùng.") % {"v": vaccine.name})
    if not isinstance(dose_number, int) or not 1 <= dose_number <= MAX_DOSE_NUMBER:
        raise ApplicationError.field("dose_number", _("Mũi tiêm phải là số từ 1 đến %(n)s.") % {"n": MAX_DOSE_NUMBER})
    if given_on > clock.today():
        raise ApplicationError.field("given_on", _("Ngày tiêm không được ở tương lai."))
    if given_on < vaccine.available_from:
        raise ApplicationError.field(
            "given_on",
            _("Ngày tiêm %(d)s trước ngày vắc xin %(v)s được phép dùng tại Việt Nam (%(a)s).")
            % {"d": f"{given_on:%d/%m/%Y}", "v": vaccine.name, "a": f"{vaccine.available_from:%d/%m/%Y}"},
        )
    if site is not None and actor is not None:
        require_in_jurisdiction(actor, site.unit_path, field="site")
    earlier = {d.dose_number: d for d in Dose.objects.filter(person=person, is_active=True).select_related("vaccine")}
    if dose_number in earlier:
        raise ApplicationError.field(
            "dose_number",
            _("Người này đã có mũi %(n)s (ngày %(d)s).")
            % {"n": dose_number, "d": f"{earlier[dose_number].given_on:%d/%m/%Y}"},
            ErrorCode.CONFLICT,
        )
    if dose_number > 1:
        previous = earlier.get(dose_number - 1)
        if previous is None:
            raise ApplicationError.field(
                "dose_number",
                _("Ghi mũi %(n)s trước mũi %(p)s: chưa có mũi %(p)s của người này.")
                % {"n": dose_number, "p": dose_number - 1},
            )
        ready_on = previous.given_on + dt.timedelta(days=previous.vaccine.min_interval_days)
        if given_on < ready_on:
            raise ApplicationError.field(
                "given_on",
                _("Mũi %(n)s ngày %(d)s quá sớm: mũi %(p)s tiêm ngày %(pd)s, cần cách ít nhất %(k)s ngày (từ %(r)s).")
                % {
                    "n": dose_number,
                    "d": f"{given_on:%d/%m/%Y}",
                    "p": dose_number - 1,
                    "pd": f"{previous.given_on:%d/%m/%Y}",
                    "k": previous.vaccine.min_interval_days,
                    "r": f"{ready_on:%d/%m/%Y}",
                },
            )
    later = [d for n, d in earlier.items() if n > dose_number]
    if later:
        first_later = min(later, key=lambda d: d.dose_number)
        if given_on > first_later.given_on:
            raise ApplicationError.field(
                "given_on",
                _("Mũi %(n)s ngày %(d)s sau mũi %(m)s (ngày %(md)s).")
                % {
                    "n": dose_number,
                    "d": f"{given_on:%d/%m/%Y}",
                    "m": first_later.dose_number,
                    "md": f"{first_later.given_on:%d/%m/%Y}",
                },
            )
    # The primary series is the first dose's vaccine's (a mixed second dose completes it; after Janssen's single
    # dose, dose 2 is the booster).
    series = earlier[1].vaccine if dose_number > 1 and 1 in earlier else vaccine
    age = person.age(given_on)
    dose = Dose(
        person=person,
        unit_path=person.unit_path,
        dose_number=dose_number,
        vaccine=vaccine,
        lot=(lot or "").strip()[:40],
        given_on=given_on,
        site=site,
        site_name=(site_name or (site.name if site is not None else "")).strip()[:200],
        age_band=age_band_of(age) if age is not None and age >= 0 else "",
        completes_primary=dose_number == series.primary_doses,
        is_booster=dose_number == series.primary_doses + 1,
        source=source,
        source_ref=source_ref[:60],
        entered_by=actor if getattr(actor, "is_authenticated", False) else None,
        is_demo=is_demo,
    )
    try:
        with transaction.atomic():
            save_validated(dose, exclude=["person", "vaccine", "site", "entered_by"])
    except IntegrityError as exc:  # the same dose number recorded by someone else meanwhile
        raise ApplicationError.field(
            "dose_number", _("Người này vừa được ghi mũi %(n)s.") % {"n": dose_number}, ErrorCode.CONFLICT
        ) from exc
    audit_record(actor=actor, action="create", obj=dose, after=snapshot(dose))
    return dose


@transaction.atomic
def dose_deactivate(*, actor: Any, dose: Dose, reason: str) -> Dose:
    """Withdraw a dose entered by mistake; a later active dose of the same person blocks it (withdraw that first)."""
    require_perm(actor, Perm.DOSE_RECORD)
    dose = Dose.objects.select_for_update().get(pk=dose.pk)
    if not in_jurisdiction(actor, dose.unit_path):
        raise ApplicationError(ErrorCode.NOT_FOUND, _("Không tìm thấy."))
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError.field("reason", _("Ghi lý do hủy mũi tiêm."))
    if not dose.is_active:
        raise ApplicationError(ErrorCode.INVALID_TRANSITION, _("Mũi tiêm này đã bị hủy."))
    later = (
        Dose.objects.filter(person_id=dose.person_id, is_active=True, dose_number__gt=dose.dose_number)
        .order_by("dose_number")
        .first()
    )
    if later is not None:
        raise ApplicationError.field(
            "dose",
            _("Không thể hủy mũi %(n)s khi còn mũi %(m)s: hủy mũi %(m)s trước.")
            % {"n": dose.dose_number, "m": later.dose_number},
            ErrorCode.CONFLICT,
        )
    before = snapshot(dose, ["is_active", "deactivated_reason"])
    dose.is_active = False
    dose.deactivated_reason = reason[:300]
    dose.save(update_fields=["is_active", "deactivated_reason", "updated_at"])
    audit_record(
        actor=actor,
        action="deactivate",
        obj=dose,
        before=before,
        after=snapshot(dose, ["is_active", "deactivated_reason"]),
    )
    return dose


# --- the import review queue --------------------------------------------------------------------------------


def _review_locked(actor: Any, review: DoseReview) -> DoseReview:
    require_perm(actor, Perm.DOSE_IMPORT)
    locked = DoseReview.objects.select_for_update().filter(pk=review.pk).first()
    if locked is None or not in_jurisdiction(actor, locked.unit_path):
        raise ApplicationError(ErrorCode.NOT_FOUND, _("Không tìm thấy."))
    if locked.status != ReviewStatus.PENDING:
        raise ApplicationError(ErrorCode.INVALID_TRANSITION, _("Dòng này đã được xử lý."))
    return locked


@transaction.atomic
def review_resolve(*, actor: Any, review: DoseReview, person: Person) -> DoseReview:
    """The vaccinator says who the row is: the dose is recorded for that person (all rules apply; an error names
    its field and leaves the row pending)."""
    review = _review_locked(actor, review)
    if not in_jurisdiction(actor, person.unit_path):
        raise _person_not_found()
    p = review.parsed
    vaccine = Vaccine.objects.filter(pk=p.get("vaccine_id")).first()
    existing = Dose.objects.filter(
        person=person, is_active=True, dose_number=p["dose_number"], given_on=dt.date.fromisoformat(p["given_on"])
    ).first()
    if existing is not None:  # already there (recorded by hand meanwhile): link it, do not duplicate
        dose = existing
    else:
        dose = dose_record(
            actor=actor,
            person=person,
            dose_number=int(p["dose_number"]),
            vaccine=vaccine,
            given_on=dt.date.fromisoformat(p["given_on"]),
            lot=p.get("lot", ""),
            site_name=p.get("site_name", ""),
            source=DoseSource.IMPORT,
            source_ref=_source_ref(review),
        )
    before = snapshot(review, ["status", "person", "dose"])
    review.status = ReviewStatus.RESOLVED
    review.person = person
    review.dose = dose
    review.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    review.decided_at = clock.now()
    review.save(update_fields=["status", "person", "dose", "decided_by", "decided_at", "updated_at"])
    audit_record(
        actor=actor, action="update", obj=review, before=before, after=snapshot(review, ["status", "person", "dose"])
    )
    return review


@transaction.atomic
def review_reject(*, actor: Any, review: DoseReview, reason: str) -> DoseReview:
    review = _review_locked(actor, review)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError.field("reason", _("Ghi lý do loại dòng này."))
    review.status = ReviewStatus.REJECTED
    review.reject_reason = reason[:300]
    review.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    review.decided_at = clock.now()
    review.save(update_fields=["status", "reject_reason", "decided_by", "decided_at", "updated_at"])
    audit_record(actor=actor, action="update", obj=review, after=snapshot(review, ["status", "reject_reason"]))
    return review


def _source_ref(review: DoseReview) -> str:
    return f"import#{review.job_id or 0} row {review.row_number}"


# --- campaign targets ----------------------------------------------------------------------------------------


@transaction.atomic
def target_set(
    *,
    actor: Any,
    unit: Unit,
    age_group: str,
    kind: str,
    target_pct: Decimal | float | int,
    due_on: dt.date,
    note: str = "",
) -> CampaignTarget:
    require_perm(actor, Perm.VACCINATION_PLAN)
    require_in_jurisdiction(actor, unit.path)
    if age_group not in TargetGroup.values:
        raise ApplicationError.field("age_group", _("Nhóm tuổi không hợp lệ."))
    if kind not in TargetKind.values:
        raise ApplicationError.field("kind", _("Loại chỉ tiêu không hợp lệ."))
    pct = Decimal(str(target_pct))
    if not Decimal(0) < pct <= Decimal(100):
        raise ApplicationError.field("target_pct", _("Chỉ tiêu phải lớn hơn 0 và không quá 100 %."))
    target = CampaignTarget(
        unit=unit,
        unit_path=unit.path,
        age_group=age_group,
        kind=kind,
        target_pct=pct.quantize(Decimal("0.1")),
        due_on=due_on,
        note=(note or "").strip()[:300],
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    save_validated(target, exclude=["unit", "created_by"])
    audit_record(actor=actor, action="create", obj=target, after=snapshot(target))
    return target


@transaction.atomic
def target_deactivate(*, actor: Any, target: CampaignTarget) -> CampaignTarget:
    require_perm(actor, Perm.VACCINATION_PLAN)
    if not in_jurisdiction(actor, target.unit_path):
        raise ApplicationError(ErrorCode.NOT_FOUND, _("Không tìm thấy."))
    target.is_active = False
    target.save(update_fields=["is_active", "updated_at"])
    audit_record(actor=actor, action="deactivate", obj=target)
    return target
