"""Jurisdiction: which records a user may see and change.

Every person-level record carries `unit_path`; a user sees records whose path starts with their
unit's path (`unit_path__under`). A record outside answers 404, the same as a missing one, so
that its existence is not revealed. Users above commune level may narrow their view to a sub-unit.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from chihuy.core.errors import ApplicationError, ErrorCode


def user_path(user: Any) -> str:
    """The user's jurisdiction. A user without a unit sees nothing (an impossible prefix)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return "\x00none/"
    return user.unit_path or "\x00none/"


def in_jurisdiction(user: Any, unit_path: str) -> bool:
    return bool(unit_path) and unit_path.startswith(user_path(user))


def scope_q(user: Any, *, field: str = "unit_path", within: str | None = None) -> Q:
    """The filter for records visible to `user`, optionally narrowed to the sub-unit `within`."""
    return Q(**{f"{field}__under": view_path(user, within)})


def view_path(user: Any, within: str | None) -> str:
    """`within` if it lies inside the user's jurisdiction, else the user's own path."""
    base = user_path(user)
    if within and within.startswith(base):
        return within
    return base


def has_perm(user: Any, perm: str) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and perm in user.perms)


def require_perm(user: Any, perm: str) -> None:
    if not has_perm(user, perm):
        raise ApplicationError(ErrorCode.PERMISSION_DENIED, _("Bạn không có quyền thực hiện thao tác này."))


def require_in_jurisdiction(user: Any, unit_path: str, *, field: str = "unit") -> None:
    """For writes that name a unit: outside the user's area is "not found", never "forbidden"."""
    if not in_jurisdiction(user, unit_path):
        raise ApplicationError.field(field, _("Không tìm thấy đơn vị trong địa bàn của bạn."), ErrorCode.NOT_FOUND)


def within_unit(user: Any, unit_id: int | None, *, field: str = "within_unit_id") -> str | None:
    """The path of the sub-unit a list narrows to (`?within_unit_id=`); None for the user's whole area. A unit
    that does not exist or lies outside the user's area is "not found" on `field`."""
    from chihuy.places.selectors import unit_get

    if not unit_id:
        return None
    try:
        path = unit_get(unit_id=unit_id).path
    except ApplicationError as exc:
        raise ApplicationError.field(
            field, _("Không tìm thấy đơn vị trong địa bàn của bạn."), ErrorCode.NOT_FOUND
        ) from exc
    require_in_jurisdiction(user, path, field=field)
    return path
