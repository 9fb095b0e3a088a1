"""Shared pieces of the isolation services: running numbers, who is told, locking a facility's beds."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Model
from django.utils.translation import gettext as _

from chihuy.accounts.access import in_jurisdiction
from chihuy.accounts.models import User
from chihuy.accounts.roles import Perm
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.isolation.models import Stay


def next_number(model: type[Model], prefix: str, *, field: str = "code", width: int = 4) -> str:
    """`prefix` + a running number (e.g. "CLN-2021-0007"); the unique constraint catches a race."""
    last = (
        model._default_manager.filter(**{f"{field}__startswith": prefix})  # type: ignore[attr-defined]
        .order_by(f"-{field}")
        .values_list(field, flat=True)
        .first()
    )
    tail = last[len(prefix) :] if last else ""
    n = int(tail) + 1 if tail.isdigit() else 1
    return f"{prefix}{n:0{width}d}"


def require_stay_place(actor: Any, stay: Stay, *, field: str = "stay") -> None:
    """Writes on a stay belong to the place keeping it (the facility's or the household's area). The person's
    commune of residence follows the stay (it reads it) but does not write there: forbidden, not "not found";
    anyone else: not found."""
    if in_jurisdiction(actor, stay.place_path):
        return
    if in_jurisdiction(actor, stay.unit_path):
        raise ApplicationError(
            ErrorCode.PERMISSION_DENIED,
            _("Lượt này do nơi cách ly, điều trị ngoài địa bàn của bạn quản lý: bạn chỉ xem được."),
            [{"field": field, "message": _("Nơi cách ly, điều trị ngoài địa bàn của bạn.")}],
        )
    raise ApplicationError.field(field, _("Không tìm thấy lượt cách ly trong địa bàn của bạn."), ErrorCode.NOT_FOUND)


def unit_recipients(paths: Iterable[str], *, perms: Iterable[str] = (Perm.ISOLATION_VIEW,)) -> dict[str, list[User]]:
    """Active users at each of `paths` (exact unit) holding any of `perms`: who at a commune or district is told."""
    wanted = sorted(set(paths))
    want_perms = set(perms)
    found: dict[str, list[User]] = {p: [] for p in wanted}
    if not wanted:
        return found
    for user in User.objects.filter(unit_path__in=wanted, is_active=True).order_by("pk"):
        if want_perms & set(user.perms):
            found[user.unit_path].append(user)
    return found


def ancestor_paths(path: str) -> list[str]:
    parts = path.strip("/").split("/")
    return ["/".join(parts[: i + 1]) + "/" for i in range(len(parts))]
