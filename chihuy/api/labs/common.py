"""What every labs endpoint shares: the caller, the sub-unit a query narrows to, a lab or campaign named by id
in a body or a query (not found on its field), and what of a person a reader may see.

A lab technician sees a person only as a name and a birth year (through the tubes sent to their lab); the
officers of the person's area who take samples or work cases also see the phone, ID number and address.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from chihuy.accounts.access import has_perm, in_jurisdiction, require_perm, scope_q
from chihuy.accounts.access import within_unit as _within  # noqa: F401  (re-exported to the routers)
from chihuy.accounts.roles import Perm
from chihuy.core.errors import ApplicationError, not_found
from chihuy.core.errors import not_found_on as _on_field
from chihuy.labs import selectors
from chihuy.labs.models import Campaign, CampaignTarget, Lab, Sample, SampleMember
from chihuy.people.models import Person
from chihuy.places.selectors import unit_get


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _lab(actor: Any, lab_id: int | None, field: str = "lab_id") -> Lab | None:
    if lab_id is None:
        return None
    try:
        return selectors.lab_get(actor=actor, lab_id=lab_id)
    except ApplicationError as exc:
        raise _on_field(exc, field, _("Không tìm thấy phòng xét nghiệm.")) from exc


def _campaign(actor: Any, campaign_id: int | None, field: str = "campaign_id") -> Campaign | None:
    if campaign_id is None:
        return None
    try:
        return selectors.campaign_get(actor=actor, campaign_id=campaign_id)
    except ApplicationError as exc:
        raise _on_field(exc, field, _("Không tìm thấy đợt lấy mẫu trong địa bàn của bạn.")) from exc


def _unit(unit_id: int | None, field: str = "unit_id") -> Any:
    if unit_id is None:
        raise ApplicationError.field(field, _("Chọn đơn vị."))
    try:
        return unit_get(unit_id=unit_id)
    except ApplicationError as exc:
        raise _on_field(exc, field, _("Không tìm thấy đơn vị trong địa bàn của bạn.")) from exc


def _person(actor: Any, person_id: int, field: str = "person_id") -> Person:
    from chihuy.people.selectors import person_get

    try:
        return person_get(actor=actor, person_id=person_id, audit=False)
    except ApplicationError as exc:
        raise _on_field(exc, field, _("Không tìm thấy người này trong địa bàn của bạn.")) from exc


def _target(actor: Any, target_id: int) -> CampaignTarget:
    """A person on a campaign's list or a follow-up, in the reader's area (the lab layer has no such read). A lab
    technician (lab work, no sampling) marks no one: for them it is not found, whatever their unit's area."""
    require_perm(actor, Perm.SAMPLE_VIEW)
    if selectors.lab_only(actor):
        raise not_found()
    target = (
        CampaignTarget.objects.filter(scope_q(actor), pk=target_id)
        .select_related("person", "person__unit", "sample", "source_sample")
        .first()
    )
    if target is None:
        raise not_found()
    return target


# --- what of a person a reader sees ----------------------------------------------------------------


def _sees_contacts(actor: Any) -> bool:
    return has_perm(actor, Perm.PERSON_VIEW) and (has_perm(actor, Perm.SAMPLE_TAKE) or has_perm(actor, Perm.CASE_VIEW))


def _contact(actor: Any, person: Person, allowed: bool) -> dict[str, Any] | None:
    if not allowed or not in_jurisdiction(actor, person.unit_path):
        return None
    return {
        "phone": person.phone,
        "national_id": person.national_id,
        "address_text": person.address_text,
        "unit_id": person.unit_id,
        "unit_name": person.unit.name,
    }


def _targets_out(actor: Any, targets: list[CampaignTarget]) -> list[CampaignTarget]:
    allowed = _sees_contacts(actor)
    for target in targets:
        target.contact = _contact(actor, target.person, allowed)  # type: ignore[attr-defined]
    return targets


def _sample_detail(actor: Any, sample: Sample) -> Sample:
    allowed = _sees_contacts(actor)
    members: list[SampleMember] = selectors.sample_members(sample)
    sample.member_rows = [  # type: ignore[attr-defined]
        {"position": m.position, "person": m.person, "contact": _contact(actor, m.person, allowed)} for m in members
    ]
    return sample
