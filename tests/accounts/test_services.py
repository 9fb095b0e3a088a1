"""Accounts: administrators create users only inside their subtree, strong passwords, known roles."""

from __future__ import annotations

from typing import Any

import pytest

from chihuy.accounts.models import User
from chihuy.accounts.roles import Role
from chihuy.accounts.services import user_create, user_update
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.core.models import AuditEvent
from tests.conftest import BAN_GIANG, PASSWORD, TAM_DUONG


def create(actor: Any, unit: Any, **kwargs: Any) -> User:
    values = {"username": "moi", "password": PASSWORD, "roles": [Role.TRACER], "full_name": "Cán bộ mới"}
    values.update(kwargs)
    return user_create(actor=actor, unit=unit, **values)


def test_district_admin_creates_a_user_in_a_commune_below(make_user: Any, commune: Any) -> None:
    admin = make_user(Role.SYSADMIN, TAM_DUONG)
    user = create(admin, commune, username=" Tracer.BanGiang ", roles=[Role.TRACER, Role.HEALTH_OFFICER, Role.TRACER])
    user.refresh_from_db()
    assert (user.username, user.unit_id, user.unit_path) == ("tracer.bangiang", commune.pk, BAN_GIANG)
    assert user.roles == ["health_officer", "tracer"]
    assert user.check_password(PASSWORD)
    event = AuditEvent.objects.get(object_type="accounts.user", object_id=str(user.pk))
    assert (event.action, event.actor_username, event.unit_path) == ("create", admin.username, BAN_GIANG)
    assert "password" not in event.after


def test_admin_cannot_create_outside_their_subtree(make_user: Any, other_commune: Any) -> None:
    admin = make_user(Role.SYSADMIN, TAM_DUONG)
    before = User.objects.count()
    with pytest.raises(ApplicationError) as exc:
        create(admin, other_commune)
    assert (exc.value.code, exc.value.details[0]["field"]) == (ErrorCode.NOT_FOUND, "unit")
    assert User.objects.count() == before


def test_admin_cannot_create_a_peer_admin_of_their_own_unit(make_user: Any, district: Any, commune: Any) -> None:
    admin = make_user(Role.SYSADMIN, TAM_DUONG)
    with pytest.raises(ApplicationError) as exc:
        create(admin, district, roles=[Role.SYSADMIN])
    assert (exc.value.code, exc.value.details[0]["field"]) == (ErrorCode.PERMISSION_DENIED, "roles")
    assert not User.objects.filter(username="moi").exists()
    assert create(admin, commune, roles=[Role.SYSADMIN]).roles == ["sysadmin"]


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.SYSADMIN])
def test_only_user_managers_create_users(make_user: Any, commune: Any, role: str) -> None:
    actor = make_user(role, TAM_DUONG)
    with pytest.raises(ApplicationError) as exc:
        create(actor, commune)
    assert exc.value.code == ErrorCode.PERMISSION_DENIED
    assert not User.objects.filter(username="moi").exists()


@pytest.mark.parametrize(
    ("password", "first_message"),
    [
        # Django 5.2 changed this msgid; our locale/vi catalogue supplies the Vietnamese.
        ("Ab1!", "Mật khẩu quá ngắn: cần ít nhất 10 ký tự."),
        ("Password123", "Mật khẩu này quá phổ biến."),
        ("1234567890123", "Mật khẩu này quá phổ biến."),
        ("chihuyduty2021", "Mật khẩu phải có chữ cái, chữ số và ít nhất một chữ in hoa hoặc ký tự đặc biệt."),
        ("canbomoi-2021", "Mật khẩu quá giống với Tên đăng nhập."),
    ],
)
def test_weak_passwords_are_refused_on_the_password_field(
    make_user: Any, commune: Any, password: str, first_message: str
) -> None:
    with pytest.raises(ApplicationError) as exc:
        create(None, commune, username="canbomoi", password=password)
    assert exc.value.code == ErrorCode.VALIDATION
    assert exc.value.message == first_message
    assert {d["field"] for d in exc.value.details} == {"password"}
    assert not User.objects.filter(username="canbomoi").exists()


@pytest.mark.parametrize(
    ("roles", "message"),
    [([], "Chọn ít nhất một vai trò."), (["tracer", "god", "king"], "Vai trò không hợp lệ: god, king.")],
)
def test_roles_must_be_known(commune: Any, roles: list[str], message: str) -> None:
    with pytest.raises(ApplicationError) as exc:
        create(None, commune, roles=roles)
    assert exc.value.details == [{"field": "roles", "message": message}]
    assert not User.objects.filter(username="moi").exists()


def test_usernames_are_unique_whatever_the_case(commune: Any) -> None:
    create(None, commune, username="trucban")
    with pytest.raises(ApplicationError) as exc:
        create(None, commune, username="TrucBan")
    assert (exc.value.code, exc.value.details[0]["field"]) == (ErrorCode.CONFLICT, "username")
    assert User.objects.filter(username__iexact="trucban").count() == 1


def test_user_update_cannot_move_a_user_out_of_the_admins_subtree(
    make_user: Any, other_commune: Any, commune: Any
) -> None:
    admin = make_user(Role.SYSADMIN, TAM_DUONG)
    user = create(admin, commune)
    with pytest.raises(ApplicationError) as exc:
        user_update(actor=admin, user=user, unit=other_commune)
    assert exc.value.code == ErrorCode.NOT_FOUND
    user.refresh_from_db()
    assert user.unit_path == BAN_GIANG


def test_user_update_refuses_unknown_roles_and_keeps_the_old_ones(make_user: Any, commune: Any) -> None:
    admin = make_user(Role.SYSADMIN, TAM_DUONG)
    user = create(admin, commune)
    with pytest.raises(ApplicationError):
        user_update(actor=admin, user=user, roles=["nobody"])
    user.refresh_from_db()
    assert user.roles == ["tracer"]
