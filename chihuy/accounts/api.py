"""The signed-in user and their API tokens."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from chihuy.accounts import services

router = Router(tags=["accounts"])


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    unit_id: int | None
    unit_path: str
    roles: list[str]
    permissions: list[str]


class TokenIn(Schema):
    name: str


class TokenCreatedOut(Schema):
    id: int
    name: str
    prefix: str
    key: str
    created_at: dt.datetime


@router.get("/me", response=MeOut, summary="Tài khoản đang đăng nhập, vai trò và quyền")
def me(request: HttpRequest) -> Any:
    user: Any = request.auth  # type: ignore[attr-defined]
    return {
        **{f: getattr(user, f) for f in ("id", "username", "full_name", "unit_id", "unit_path", "roles")},
        "permissions": sorted(user.perms),
    }


@router.post("/tokens", response={201: TokenCreatedOut}, summary="Tạo khóa API cho chính mình (hiện một lần)")
def create_token(request: HttpRequest, payload: TokenIn) -> Any:
    user: Any = request.auth  # type: ignore[attr-defined]
    token, key = services.token_create(actor=user, user=user, name=payload.name)
    body = {"id": token.pk, "name": token.name, "prefix": token.prefix, "key": key, "created_at": token.created_at}
    return Status(201, body)
