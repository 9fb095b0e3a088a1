"""Effective-dated rules: read "the policy in force on date D"; write only through `policy_set`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from chihuy.core import clock
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.core.models import Policy


def policy_get(key: str, *, on: dt.date | None = None, default: Any = ApplicationError) -> Any:
    """The value of `key` in force on `on` (today by default)."""
    row = policy_row(key, on=on)
    if row is None:
        if default is ApplicationError:
            raise ApplicationError(
                ErrorCode.NOT_FOUND,
                _("Chưa có quy định “%(key)s” hiệu lực ngày %(day)s.") % {"key": key, "day": on or clock.today()},
            )
        return default
    return row.value


def policy_row(key: str, *, on: dt.date | None = None) -> Policy | None:
    day = on or clock.today()
    return (
        Policy.objects.filter(key=key, valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
        .order_by("-valid_from")
        .first()
    )


@transaction.atomic
def policy_set(
    *,
    key: str,
    value: Any,
    valid_from: dt.date,
    source_document: str,
    verified: bool = False,
    note: str = "",
    actor: Any = None,
) -> Policy:
    """Add a rule value from `valid_from`; the row in force before it ends the day before."""
    from chihuy.core.audit import audit_record

    previous = (
        Policy.objects.select_for_update()
        .filter(key=key, valid_from__lt=valid_from)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=valid_from))
        .order_by("-valid_from")
        .first()
    )
    following = Policy.objects.filter(key=key, valid_from__gt=valid_from).order_by("valid_from").first()
    if Policy.objects.filter(key=key, valid_from=valid_from).exists():
        raise ApplicationError.field("valid_from", _("Đã có quy định này từ ngày đó."), ErrorCode.CONFLICT)
    if previous is not None:
        previous.valid_to = valid_from
        previous.full_clean()
        previous.save(update_fields=["valid_to", "updated_at"])
    row = Policy(
        key=key,
        value=value,
        valid_from=valid_from,
        valid_to=following.valid_from if following else None,
        source_document=source_document,
        verified=verified,
        note=note,
    )
    row.full_clean()
    row.save()
    audit_record(
        actor=actor,
        action="create",
        obj=row,
        after={"key": key, "value": value, "valid_from": str(valid_from)},
    )
    return row
