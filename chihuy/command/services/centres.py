"""Writes of command centres and their members."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from chihuy.accounts.access import require_in_jurisdiction, require_perm
from chihuy.accounts.roles import Perm
from chihuy.command.models import CentreMember, CommandCentre, Position, Sector, Shift
from chihuy.core import clock
from chihuy.core.audit import audit_record, diff, snapshot
from chihuy.core.errors import ApplicationError, ErrorCode, save_validated
from chihuy.people.validators import normalize_phone
from chihuy.places.enums import UnitLevel
from chihuy.places.models import Unit

CENTRE_LEVELS = (UnitLevel.PROVINCE, UnitLevel.DISTRICT, UnitLevel.COMMUNE)


def default_centre_name(unit: Unit) -> str:
    return _("Trung tâm Chỉ huy phòng, chống dịch COVID-19 %(unit)s") % {"unit": unit.name}


def _phone(value: str) -> str:
    return normalize_phone(value or "")


@transaction.atomic
def centre_create(
    *,
    actor: Any,
    unit: Unit,
    name: str = "",
    phone: str = "",
    address: str = "",
    is_demo: bool = False,
) -> CommandCentre:
    """One centre per province, district or commune."""
    require_perm(actor, Perm.CENTRE_MANAGE)
    require_in_jurisdiction(actor, unit.path)
    if unit.level not in CENTRE_LEVELS:
        raise ApplicationError.field("unit", _("Chỉ tỉnh, huyện, xã có trung tâm chỉ huy."))
    if CommandCentre.objects.filter(unit=unit).exists():
        raise ApplicationError.field("unit", _("Đơn vị này đã có trung tâm chỉ huy."), ErrorCode.CONFLICT)
    centre = CommandCentre(
        unit=unit,
        unit_path=unit.path,
        name=(name.strip() or default_centre_name(unit))[:200],
        phone=_phone(phone),
        address=address.strip()[:300],
        is_demo=is_demo,
    )
    save_validated(centre)
    audit_record(actor=actor, action="create", obj=centre, after=snapshot(centre))
    return centre


_CENTRE_FIELDS = {"name", "phone", "address", "is_active"}


@transaction.atomic
def centre_update(*, actor: Any, centre: CommandCentre, **changes: Any) -> CommandCentre:
    require_perm(actor, Perm.CENTRE_MANAGE)
    centre = CommandCentre.objects.select_for_update().get(pk=centre.pk)
    require_in_jurisdiction(actor, centre.unit_path, field="centre")
    unknown = set(changes) - _CENTRE_FIELDS
    if unknown:
        raise ApplicationError.field(sorted(unknown)[0], _("Không sửa được trường này."))
    before = snapshot(centre)
    if "phone" in changes:
        changes["phone"] = _phone(changes["phone"])
    if "name" in changes and not str(changes["name"]).strip():
        raise ApplicationError.field("name", _("Nhập tên trung tâm."))
    for key, value in changes.items():
        setattr(centre, key, value.strip() if isinstance(value, str) else value)
    save_validated(centre)
    old, new = diff(before, snapshot(centre))
    audit_record(actor=actor, action="update", obj=centre, before=old, after=new)
    return centre


def _check_commander(centre: CommandCentre, position: str, *, exclude: int | None = None) -> None:
    if position != Position.COMMANDER:
        return
    current = CentreMember.objects.filter(centre=centre, position=Position.COMMANDER, is_active=True)
    if exclude is not None:
        current = current.exclude(pk=exclude)
    existing = current.first()
    if existing is not None:
        raise ApplicationError.field(
            "position",
            _("%(centre)s đã có chỉ huy trưởng: %(name)s. Chuyển người đó sang vị trí khác trước.")
            % {"centre": centre.name, "name": existing.full_name},
            ErrorCode.CONFLICT,
        )


def _check_user(centre: CommandCentre, user: Any, *, exclude: int | None = None) -> None:
    if user is None:
        return
    if not user.is_active:
        raise ApplicationError.field("user", _("Tài khoản này đã bị khóa."))
    others = CentreMember.objects.filter(centre=centre, user=user, is_active=True)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    if others.exists():
        raise ApplicationError.field("user", _("Tài khoản này đã là thành viên của trung tâm."), ErrorCode.CONFLICT)


@transaction.atomic
def member_add(
    *,
    actor: Any,
    centre: CommandCentre,
    full_name: str = "",
    position: str = Position.MEMBER,
    sector: str = Sector.OTHER,
    phone: str = "",
    title: str = "",
    user: Any = None,
) -> CentreMember:
    """A member; with an account they can be put on shifts that receive alerts. One active commander per centre."""
    require_perm(actor, Perm.CENTRE_MANAGE)
    centre = CommandCentre.objects.select_for_update().get(pk=centre.pk)
    require_in_jurisdiction(actor, centre.unit_path, field="centre")
    name = (full_name or (user.full_name or user.username if user is not None else "")).strip()
    if not name:
        raise ApplicationError.field("full_name", _("Nhập họ tên thành viên."))
    if position not in Position.values:
        raise ApplicationError.field("position", _("Vị trí không hợp lệ."))
    if sector not in Sector.values:
        raise ApplicationError.field("sector", _("Lĩnh vực không hợp lệ."))
    _check_commander(centre, position)
    _check_user(centre, user)
    member = CentreMember(
        centre=centre,
        unit_path=centre.unit_path,
        user=user,
        full_name=name[:150],
        position=position,
        sector=sector,
        title=title.strip()[:200],
        phone=_phone(phone or (getattr(user, "phone", "") if user is not None else "")),
    )
    try:
        with transaction.atomic():
            save_validated(member)
    except IntegrityError as exc:  # a concurrent commander slipped in between the check and the insert
        raise ApplicationError.field("position", _("Trung tâm đã có chỉ huy trưởng."), ErrorCode.CONFLICT) from exc
    audit_record(actor=actor, action="create", obj=member, after=snapshot(member))
    return member


_MEMBER_FIELDS = {"full_name", "position", "sector", "phone", "title", "user"}


@transaction.atomic
def member_update(*, actor: Any, member: CentreMember, **changes: Any) -> CentreMember:
    require_perm(actor, Perm.CENTRE_MANAGE)
    member = CentreMember.objects.select_for_update().select_related("centre").get(pk=member.pk)
    require_in_jurisdiction(actor, member.unit_path, field="member")
    unknown = set(changes) - _MEMBER_FIELDS
    if unknown:
        raise ApplicationError.field(sorted(unknown)[0], _("Không sửa được trường này."))
    if not member.is_active:
        raise ApplicationError(ErrorCode.INVALID_TRANSITION, _("Thành viên đã thôi tham gia trung tâm."))
    before = snapshot(member)
    if "position" in changes:
        if changes["position"] not in Position.values:
            raise ApplicationError.field("position", _("Vị trí không hợp lệ."))
        _check_commander(member.centre, changes["position"], exclude=member.pk)
    if "sector" in changes and changes["sector"] not in Sector.values:
        raise ApplicationError.field("sector", _("Lĩnh vực không hợp lệ."))
    if "user" in changes:
        _check_user(member.centre, changes["user"], exclude=member.pk)
    if "phone" in changes:
        changes["phone"] = _phone(changes["phone"])
    if "full_name" in changes and not str(changes["full_name"]).strip():
        raise ApplicationError.field("full_name", _("Nhập họ tên thành viên."))
    for key, value in changes.items():
        setattr(member, key, value.strip() if isinstance(value, str) else value)
    save_validated(member)
    if "user" in changes:
        # Future shifts follow the member's account, so that the right person receives what comes in.
        Shift.objects.filter(member=member, ends_at__gt=clock.now()).update(user=member.user)
    old, new = diff(before, snapshot(member))
    audit_record(actor=actor, action="update", obj=member, before=old, after=new)
    return member


@transaction.atomic
def member_deactivate(*, actor: Any, member: CentreMember, reason: str = "") -> CentreMember:
    """The member leaves the centre; their future shifts are cancelled (the gap sweep then alerts the commander)."""
    require_perm(actor, Perm.CENTRE_MANAGE)
    member = CentreMember.objects.select_for_update().get(pk=member.pk)
    require_in_jurisdiction(actor, member.unit_path, field="member")
    if not member.is_active:
        raise ApplicationError(ErrorCode.INVALID_TRANSITION, _("Thành viên đã thôi tham gia trung tâm."))
    member.is_active = False
    member.save(update_fields=["is_active", "updated_at"])
    cancelled = Shift.objects.filter(member=member, is_active=True, starts_at__gt=clock.now()).update(is_active=False)
    audit_record(
        actor=actor,
        action="deactivate",
        obj=member,
        before={"is_active": True},
        after={"is_active": False},
        details={"reason": reason.strip(), "future_shifts_cancelled": cancelled},
    )
    return member
