"""Shared fixtures: the real Lai Châu tree (loaded once per test database), users by role and unit,
API clients with session or token authentication, people made through the real services."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from chihuy.accounts.models import User
from chihuy.accounts.roles import Role
from chihuy.accounts.services import token_create, user_create
from chihuy.places.models import Unit
from chihuy.places.services import units_load_province

# Fixtures shared by the tests of one domain across tests/<app>/, tests/web/ and tests/browser/.
pytest_plugins = ["tests.labs.fixtures", "tests.isolation.fixtures", "tests.tracing.fixtures"]

PASSWORD = "Chihuy-test-2021!"

# Real GSO codes (vietnam-provinces 0.5.0).
LAI_CHAU = "12/"
TAM_DUONG = "12/106/"
BAN_GIANG = "12/106/03418/"
BINH_LU = "12/106/03412/"  # Xã Bình Lư: a sibling commune in Tam Đường
PHONG_THO = "12/109/"
MUONG_SO = "12/109/03589/"  # Xã Mường So, Phong Thổ: a commune of another district


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    """PostgreSQL-only tests are deselected (not skipped) on SQLite: `make test` runs them in its
    PostgreSQL pass, so a CI run reports zero skips on both databases."""
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return
    keep = [item for item in items if "postgres" not in item.keywords]
    dropped = [item for item in items if "postgres" in item.keywords]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    with django_db_blocker.unblock():
        units_load_province(province="Lai Châu")


def unit(path: str) -> Unit:
    return Unit.objects.get(path=path)


@pytest.fixture
def province(db: Any) -> Unit:
    return unit(LAI_CHAU)


@pytest.fixture
def district(db: Any) -> Unit:
    return unit(TAM_DUONG)


@pytest.fixture
def commune(db: Any) -> Unit:
    return unit(BAN_GIANG)


@pytest.fixture
def sibling_commune(db: Any) -> Unit:
    return unit(BINH_LU)


@pytest.fixture
def other_district(db: Any) -> Unit:
    return unit(PHONG_THO)


@pytest.fixture
def other_commune(db: Any) -> Unit:
    return unit(MUONG_SO)


_counter = itertools.count(1)


@pytest.fixture
def make_user(db: Any) -> Callable[..., User]:
    def make(roles: list[str] | str = Role.HEALTH_OFFICER, unit_path: str = BAN_GIANG, **extra: Any) -> User:
        roles_list = [roles] if isinstance(roles, str) else list(roles)
        return user_create(
            actor=None,
            username=f"u{next(_counter)}_{roles_list[0]}",
            password=PASSWORD,
            unit=unit(unit_path),
            roles=roles_list,
            full_name=extra.pop("full_name", "Cán bộ thử"),
            **extra,
        )

    return make


@pytest.fixture
def admin_user(make_user: Callable[..., User]) -> User:
    return make_user(Role.SYSADMIN, LAI_CHAU)


@pytest.fixture
def make_person(db: Any, admin_user: User) -> Callable[..., Any]:
    from chihuy.people.services import person_create

    def make(**values: Any) -> Any:
        values.setdefault("full_name", "Lò Văn Pằn")
        values.setdefault("unit", unit(values.pop("unit_path", BAN_GIANG)))
        return person_create(actor=admin_user, confirm_new=True, **values)

    return make


def session_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


class TokenClient:
    """A client that authenticates every request with a bearer token, as an external system would."""

    def __init__(self, user: User):
        _token, key = token_create(actor=user, user=user, name="tests")
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {key}"}

    def __getattr__(self, method: str) -> Callable[..., Any]:
        call = getattr(self.client, method)

        def request(path: str, data: Any = None, **kwargs: Any) -> Any:
            if (
                data is not None
                and method in ("post", "patch", "put")
                and "content_type" not in kwargs
                and not any(hasattr(v, "read") for v in (data.values() if isinstance(data, dict) else []))
            ):
                kwargs["content_type"] = "application/json"
            return call(path, data, headers=self.headers, **kwargs)

        return request


@pytest.fixture
def api_client() -> Callable[[User], TokenClient]:
    return TokenClient


@pytest.fixture(autouse=True)
def vietnamese_by_default() -> Any:
    """A request with the English cookie leaves English active in its thread; every test starts in Vietnamese,
    as code outside a request (tasks, commands) does."""
    from django.utils import translation

    translation.activate("vi")
    yield
    translation.activate("vi")
