"""What every cases endpoint shares: the caller, the sub-unit a query narrows to, people named by id or
created inline."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from chihuy.accounts.access import within_unit as _within  # noqa: F401  (re-exported to the routers)
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.people import selectors as people_selectors
from chihuy.people import services as people_services
from chihuy.people.api import PersonIn
from chihuy.people.models import Person
from chihuy.places.selectors import unit_get


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _person(actor: Any, person_id: int, field: str) -> Person:
    try:
        return people_selectors.person_get(actor=actor, person_id=person_id, audit=False)
    except ApplicationError as exc:
        if exc.code != ErrorCode.NOT_FOUND:
            raise
        raise ApplicationError.field(field, _("Không tìm thấy người này trong địa bàn của bạn."), exc.code) from exc


def _new_person(actor: Any, values: PersonIn, *, confirm_new: bool, referral: bool = False) -> Person:
    data = values.dict()
    unit_id = data.pop("unit_id", None)
    data["unit"] = unit_get(unit_id=unit_id) if unit_id else None
    data["chronic_conditions"] = [str(c) for c in data.get("chronic_conditions") or []]
    return people_services.person_create(actor=actor, confirm_new=confirm_new, referral=referral, **data)
