"""Audit log API: administrators read the events of their subtree."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from chihuy.accounts.selectors import audit_list
from chihuy.core.pagination import keyset_page

router = Router(tags=["audit"])


class AuditOut(Schema):
    id: int
    at: dt.datetime
    actor_username: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    unit_path: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    details: dict[str, Any]
    ip_address: str | None
    channel: str


class AuditPage(Schema):
    items: list[AuditOut]
    next_cursor: str | None


class AuditFilter(Schema):
    action: str = ""
    object_type: str = ""
    username: str = ""
    object_id: str = ""
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    cursor: str | None = None
    limit: int = 50


@router.get("/events", response=AuditPage, summary="Nhật ký truy cập và thay đổi (theo địa bàn)")
def list_events(request: HttpRequest, filters: Query[AuditFilter]) -> Any:
    qs = audit_list(
        actor=request.auth,  # type: ignore[attr-defined]
        action=filters.action,
        object_type=filters.object_type,
        username=filters.username,
        object_id=filters.object_id,
        since=filters.since,
        until=filters.until,
    )
    return keyset_page(qs, order=["-at", "-id"], cursor=filters.cursor, limit=filters.limit)
