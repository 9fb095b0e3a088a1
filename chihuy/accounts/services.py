"""Writes of accounts: users inside the administrator's subtree, roles, API tokens."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from chihuy.accounts.access import require_in_jurisdiction, require_perm
from chihuy.accounts.models import ApiToken, User
from chihuy.accounts.roles import Perm, Role
from chihuy.core import clock
from chihuy.core.audit import audit_record, diff, snapshot
from chihuy.core.errors import ApplicationError, ErrorCode, from_django_validation

USER_AUDIT_FIELDS = ["username", "full_name", "phone", "email", "unit", "unit_path", "roles", "is_active"]


def _check_roles(roles: list[str]) -> list[str]:
    if not roles:
        raise ApplicationError.field("roles", _("Chọn ít nhất một vai trò."))
    unknown = [r for r in roles if r not in Role.values]
    if unknown:
        raise ApplicationError.field("roles", _("Vai trò không hợp lệ: %(r)s.") % {"r": ", ".join(unknown)})
    return sorted(set(roles))


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ApplicationError(
            ErrorCode.VALIDATION, exc.messages[0], [{"field": "password", "message": m} for m in exc.messages]
        ) from exc


@transaction.atomic
def user_create(
    *,
    actor: Any,
    username: str,
    password: str,
    unit: Any,
    roles: list[str],
    full_name: str = "",
    phone: str = "",
    email: str = "",
    is_staff: bool = False,
) -> User:
    """Create an account. An administrator (actor) creates users only inside their own subtree."""
    if actor is not None:
        require_perm(actor, Perm.USER_MANAGE)
        require_in_jurisdiction(actor, unit.path)
        if Role.SYSADMIN in roles and unit.path == actor.unit_path and not actor.is_superuser:
            # A unit's administrator may appoint administrators below, not peers of their own unit.
            raise ApplicationError.field(
                "roles", _("Chỉ tạo được quản trị viên cho đơn vị cấp dưới."), ErrorCode.PERMISSION_DENIED
            )
    username = username.strip().lower()
    if User.objects.filter(username__iexact=username).exists():
        raise ApplicationError.field("username", _("Tên đăng nhập đã được dùng."), ErrorCode.CONFLICT)
    user = User(
        username=username,
        full_name=full_name.strip(),
        phone=phone.strip(),
        email=email.strip(),
        unit=unit,
        unit_path=unit.path,
        roles=_check_roles(roles),
        is_staff=is_staff,
    )
    _check_password(password, user)
    user.set_password(password)
    try:
        user.full_clean()
    except ValidationError as exc:
        raise from_django_validation(exc) from exc
    user.save()
    audit_record(actor=actor, action="create", obj=user, unit_path=unit.path, after=snapshot(user, USER_AUDIT_FIELDS))
    return user


@transaction.atomic
def user_update(
    *,
    actor: Any,
    user: User,
    unit: Any = None,
    roles: list[str] | None = None,
    full_name: str | None = None,
    phone: str | None = None,
    is_active: bool | None = None,
) -> User:
    require_perm(actor, Perm.USER_MANAGE)
    require_in_jurisdiction(actor, user.unit_path, field="user")
    before = snapshot(user, USER_AUDIT_FIELDS)
    if unit is not None:
        require_in_jurisdiction(actor, unit.path)
        user.unit, user.unit_path = unit, unit.path
    if roles is not None:
        user.roles = _check_roles(roles)
    if full_name is not None:
        user.full_name = full_name.strip()
    if phone is not None:
        user.phone = phone.strip()
    if is_active is not None:
        if user.pk == actor.pk and not is_active:
            raise ApplicationError.field("is_active", _("Không thể tự khóa tài khoản của mình."))
        user.is_active = is_active
    user.save()
    old, new = diff(before, snapshot(user, USER_AUDIT_FIELDS))
    audit_record(actor=actor, action="update", obj=user, unit_path=user.unit_path, before=old, after=new)
    return user


@transaction.atomic
def user_set_password(*, actor: Any, user: User, password: str) -> User:
    if actor.pk != user.pk:
        require_perm(actor, Perm.USER_MANAGE)
        require_in_jurisdiction(actor, user.unit_path, field="user")
    _check_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(actor=actor, action="update", obj=user, unit_path=user.unit_path, after={"password": "***"})
    return user


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def token_create(*, actor: Any, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token; returns it with the plain key, which is never stored."""
    if actor.pk != user.pk:
        require_perm(actor, Perm.USER_MANAGE)
        require_in_jurisdiction(actor, user.unit_path, field="user")
    if not name.strip():
        raise ApplicationError.field("name", _("Đặt tên cho khóa API."))
    key = "chy_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name.strip(), prefix=key[:12], key_hash=_hash(key))
    audit_record(actor=actor, action="create", obj=token, unit_path=user.unit_path, after={"name": token.name})
    return token, key


@transaction.atomic
def token_revoke(*, actor: Any, token: ApiToken) -> ApiToken:
    if actor.pk != token.user_id:
        require_perm(actor, Perm.USER_MANAGE)
        require_in_jurisdiction(actor, token.user.unit_path, field="token")
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at", "updated_at"])
        audit_record(actor=actor, action="deactivate", obj=token, unit_path=token.user.unit_path)
    return token


def token_authenticate(key: str) -> User | None:
    """The active user behind a bearer key, or None. Touches last_used_at at most once a minute."""
    if not key or not key.startswith("chy_"):
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=_hash(key), revoked_at__isnull=True).first()
    if token is None or not token.user.is_active:
        return None
    now = clock.now()
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
