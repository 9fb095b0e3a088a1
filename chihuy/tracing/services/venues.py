"""Venues: registered by a commune officer (active at once) or by the owner from the public page (pending until
the commune approves), edited, deactivated and reactivated — each change audited with its reason."""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from chihuy.accounts.access import require_in_jurisdiction, require_perm
from chihuy.accounts.roles import Perm
from chihuy.core.audit import audit_record, diff, snapshot
from chihuy.core.errors import ApplicationError, ErrorCode, save_validated
from chihuy.people.validators import normalize_phone
from chihuy.places.enums import SiteKind, UnitLevel
from chihuy.places.models import Unit
from chihuy.places.services import site_create, site_update
from chihuy.tracing.enums import VENUE_TRANSITIONS, VenueCategory, VenueStatus
from chihuy.tracing.models import Venue

# No 0/O, 1/I/L: the code is read aloud on the phone and typed from a poster.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
VENUE_FIELDS = ["category", "owner_name", "owner_phone"]
SITE_FIELDS = ["name", "address", "phone", "latitude", "longitude"]


def new_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not Venue.objects.filter(code=code).exists():
            return code


def _clean(category: str, owner_phone: str) -> str:
    if category not in VenueCategory.values:
        raise ApplicationError.field("category", _("Chọn loại địa điểm."))
    try:
        return normalize_phone(owner_phone) if owner_phone else ""
    except ApplicationError as exc:  # the validator names "phone": here it is the owner's (the site has its own)
        raise ApplicationError.field("owner_phone", exc.message) from exc


def _unit_of_venue(unit: Unit) -> Unit:
    if unit.level not in (UnitLevel.COMMUNE, UnitLevel.VILLAGE):
        raise ApplicationError.field("unit", _("Địa điểm phải thuộc một xã (hoặc thôn)."))
    return unit


@transaction.atomic
def venue_register(
    *,
    actor: Any,
    unit: Unit,
    name: str,
    category: str,
    address: str = "",
    phone: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    owner_name: str = "",
    owner_phone: str = "",
) -> Venue:
    """A commune officer registers a venue of their area: active at once, with its QR code."""
    require_perm(actor, Perm.VENUE_MANAGE)
    require_in_jurisdiction(actor, unit.path, field="unit")
    return _create(
        actor=actor,
        unit=unit,
        name=name,
        category=category,
        address=address,
        phone=phone,
        latitude=latitude,
        longitude=longitude,
        owner_name=owner_name,
        owner_phone=owner_phone,
        status=VenueStatus.ACTIVE,
    )


@transaction.atomic
def venue_register_public(
    *, unit: Unit, name: str, category: str, address: str, owner_name: str, owner_phone: str
) -> Venue:
    """The owner registers from the public page: pending until an officer of the commune approves it. The owner
    keeps the private link of `manage_token`."""
    if not owner_name.strip():
        raise ApplicationError.field("owner_name", _("Nhập họ tên chủ địa điểm."))
    if not owner_phone.strip():
        raise ApplicationError.field("owner_phone", _("Nhập số điện thoại chủ địa điểm."))
    if not address.strip():
        raise ApplicationError.field("address", _("Nhập địa chỉ."))
    return _create(
        actor=None,
        unit=unit,
        name=name,
        category=category,
        address=address,
        phone="",
        latitude=None,
        longitude=None,
        owner_name=owner_name,
        owner_phone=owner_phone,
        status=VenueStatus.PENDING,
    )


def _create(*, actor: Any, unit: Unit, name: str, category: str, status: str, **fields: Any) -> Venue:
    _unit_of_venue(unit)
    if not name.strip():
        raise ApplicationError.field("name", _("Nhập tên địa điểm."))
    owner_phone = _clean(category, fields.pop("owner_phone"))
    owner_name = fields.pop("owner_name").strip()
    try:
        site = site_create(actor=actor, unit=unit, kind=SiteKind.VENUE, name=name, **fields)
    except ApplicationError as exc:
        if exc.code == ErrorCode.CONFLICT:
            raise ApplicationError.field(
                "name", _("Xã đã có địa điểm tên “%(n)s”.") % {"n": name.strip()}, ErrorCode.CONFLICT
            ) from exc
        raise
    venue = Venue(
        site=site,
        unit=unit,
        unit_path=unit.path,
        code=new_code(),
        category=category,
        status=status,
        owner_name=owner_name[:200],
        owner_phone=owner_phone,
        manage_token=secrets.token_urlsafe(32),
        registered_by=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
    )
    save_validated(venue, exclude=["site", "unit"])
    audit_record(actor=actor, action="venue.register", obj=venue, after=snapshot(venue, ["code", "category", "status"]))
    return venue


@transaction.atomic
def venue_update(*, actor: Any, venue: Venue, **changes: Any) -> Venue:
    require_perm(actor, Perm.VENUE_MANAGE)
    require_in_jurisdiction(actor, venue.unit_path, field="venue")
    before = snapshot(venue, VENUE_FIELDS)
    site_changes = {k: v for k, v in changes.items() if k in SITE_FIELDS}
    for key in changes:
        if key not in VENUE_FIELDS and key not in SITE_FIELDS:
            raise ApplicationError.field(key, _("Không sửa được trường này."))
    if "category" in changes or "owner_phone" in changes:
        changes["owner_phone"] = _clean(
            changes.get("category", venue.category), changes.get("owner_phone", venue.owner_phone)
        )
    if site_changes:
        if "name" in site_changes and not str(site_changes["name"]).strip():
            raise ApplicationError.field("name", _("Nhập tên địa điểm."))
        site_update(actor=actor, site=venue.site, **site_changes)
    for key in VENUE_FIELDS:
        if key in changes:
            setattr(venue, key, changes[key].strip() if isinstance(changes[key], str) else changes[key])
    save_validated(venue, exclude=["site", "unit"])
    old, new = diff(before, snapshot(venue, VENUE_FIELDS))
    if old or new:
        audit_record(actor=actor, action="venue.update", obj=venue, before=old, after=new)
    return venue


@transaction.atomic
def venue_transition(*, actor: Any, venue: Venue, to: str, reason: str = "") -> Venue:
    """Approve a pending venue, deactivate (a reason is required: the QR stops accepting check-ins) or reactivate."""
    require_perm(actor, Perm.VENUE_MANAGE)
    require_in_jurisdiction(actor, venue.unit_path, field="venue")
    venue = Venue.objects.select_for_update().select_related("site").get(pk=venue.pk)
    if to not in VENUE_TRANSITIONS.get(venue.status, set()):
        raise ApplicationError(
            ErrorCode.INVALID_TRANSITION,
            _("Không chuyển được địa điểm từ “%(a)s” sang “%(b)s”.")
            % {"a": VenueStatus(venue.status).label, "b": VenueStatus(to).label if to in VenueStatus.values else to},
            [{"field": "to", "message": _("Trạng thái không hợp lệ.")}],
        )
    if to == VenueStatus.INACTIVE and not reason.strip():
        raise ApplicationError.field("reason", _("Nhập lý do ngừng hoạt động."))
    before = venue.status
    venue.status = to
    venue.status_reason = reason.strip()[:300]
    venue.save(update_fields=["status", "status_reason", "updated_at"])
    venue.site.is_active = to != VenueStatus.INACTIVE
    venue.site.save(update_fields=["is_active", "updated_at"])
    audit_record(
        actor=actor,
        action="venue.transition",
        obj=venue,
        before={"status": before},
        after={"status": to},
        details={"reason": venue.status_reason},
    )
    return venue
