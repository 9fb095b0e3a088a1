"""Shared pieces of the labs services: sample codes, running numbers, lab membership, who at a commune is told."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.db.models import Model
from django.utils.translation import gettext as _

from chihuy.accounts.access import has_perm
from chihuy.accounts.models import User
from chihuy.accounts.roles import Perm
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.labs.models import Lab

_CODE = re.compile(r"^[A-Z0-9][A-Z0-9._/-]{2,39}$")


def clean_code(raw: str, *, field: str = "code") -> str:
    """A tube's code as printed on its label: upper case, no spaces; 3–40 letters, digits, . _ / -."""
    code = "".join(str(raw or "").split()).upper()
    if not code:
        raise ApplicationError.field(field, _("Nhập hoặc quét mã mẫu."))
    if not _CODE.match(code):
        raise ApplicationError.field(
            field, _("Mã mẫu “%(c)s” không hợp lệ (3–40 ký tự: chữ, số, . _ / -).") % {"c": code[:40]}
        )
    return code


def code_or_none(raw: str) -> str | None:
    code = "".join(str(raw or "").split()).upper()
    return code if _CODE.match(code) else None


def next_number(model: type[Model], prefix: str, *, field: str = "code", width: int = 4) -> str:
    """`prefix` + a running number (e.g. "LM-2021-0007"); the unique constraint catches a race."""
    last = (
        model._default_manager.filter(**{f"{field}__startswith": prefix})  # type: ignore[attr-defined]
        .order_by(f"-{field}")
        .values_list(field, flat=True)
        .first()
    )
    tail = last[len(prefix) :] if last else ""
    n = int(tail) + 1 if tail.isdigit() else 1
    return f"{prefix}{n:0{width}d}"


def lab_ids_of(actor: Any) -> set[int]:
    """The labs a user works in (cached on the user object for the request)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return set()
    cached = getattr(actor, "_chihuy_lab_ids", None)
    if cached is None:
        cached = set(Lab.objects.filter(members=actor, is_active=True).values_list("pk", flat=True))
        actor._chihuy_lab_ids = cached
    return cached


def require_lab_member(actor: Any, lab: Lab, *, field: str = "lab") -> None:
    """Lab work is done by the lab's own technicians (or a lab manager whose area holds the lab)."""
    if lab.pk in lab_ids_of(actor):
        return
    if has_perm(actor, Perm.LAB_MANAGE) and lab.unit_path.startswith(actor.unit_path or "\x00"):
        return
    raise ApplicationError.field(field, _("Không tìm thấy phòng xét nghiệm của bạn."), ErrorCode.NOT_FOUND)


def commune_path_of(unit: Any) -> str:
    return str(unit.commune_path)


def commune_recipients(paths: Iterable[str]) -> dict[str, list[User]]:
    """Who at each commune is told of a positive or an overdue tube: its active users who see samples or cases."""
    wanted = sorted(set(paths))
    found: dict[str, list[User]] = {p: [] for p in wanted}
    if not wanted:
        return found
    for user in User.objects.filter(unit_path__in=wanted, is_active=True):
        if Perm.SAMPLE_VIEW in user.perms or Perm.CASE_VIEW in user.perms:
            found[user.unit_path].append(user)
    return found


def lab_recipients(lab_ids: Iterable[int]) -> dict[int, list[User]]:
    found: dict[int, list[User]] = {}
    through = Lab.members.through
    rows = through.objects.filter(lab_id__in=set(lab_ids), user__is_active=True).select_related("user")
    for row in rows:
        found.setdefault(row.lab_id, []).append(row.user)
    return found
