"""Audit events: every write to a person-level record and every view of a person's record.

The request context (IP, channel) is carried in a context variable set by the web and API layers,
so that services record it without taking a request argument.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import decimal
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import models

from chihuy.core import clock
from chihuy.core.models import AuditEvent

_context: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar("audit_context", default=None)


@contextmanager
def audit_context(*, ip_address: str | None = None, channel: str = "") -> Iterator[None]:
    token = _context.set({"ip_address": ip_address, "channel": channel})
    try:
        yield
    finally:
        _context.reset(token)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The concrete field values of a record, JSON-ready, for before/after."""
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if field.name in {"created_at", "updated_at", "password"}:
            continue
        data[field.attname] = _jsonable(getattr(obj, field.attname))
    return data


def diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that changed, both sides."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    unit_path: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    ctx = _context.get() or {}
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:300]
        if unit_path is None:
            unit_path = getattr(obj, "unit_path", "") or ""
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        at=clock.now(),
        actor=actor if is_user else None,
        actor_username=getattr(actor, "username", "") if is_user else "",
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:300],
        unit_path=unit_path or "",
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
        details=_jsonable(details or {}),
        ip_address=ctx.get("ip_address"),
        channel=ctx.get("channel", "") or "",
    )


def audit_record_many(*, actor: Any, action: str, objs: list[models.Model], afters: list[dict[str, Any]]) -> int:
    """`audit_record` for many records of one write (e.g. the F0 of a lab's result file), in one insert."""
    ctx = _context.get() or {}
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    now = clock.now()
    events = [
        AuditEvent(
            at=now,
            actor=actor if is_user else None,
            actor_username=getattr(actor, "username", "") if is_user else "",
            action=action,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            object_repr=str(obj)[:300],
            unit_path=getattr(obj, "unit_path", "") or "",
            after=_jsonable(after),
            details={},
            ip_address=ctx.get("ip_address"),
            channel=ctx.get("channel", "") or "",
        )
        for obj, after in zip(objs, afters, strict=True)
    ]
    AuditEvent.objects.bulk_create(events, batch_size=1000)
    return len(events)
