"""Signing in: bearer tokens (revoked, expired, inactive users), lockout after 5 failures, session age."""

from __future__ import annotations

import datetime as dt
from typing import Any

import time_machine
from django.conf import settings
from django.test import Client

from chihuy.accounts.models import ApiToken
from chihuy.accounts.services import token_create, token_revoke
from chihuy.core.models import AuditEvent
from tests.conftest import PASSWORD

LOGIN = "/accounts/login/"


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_a_token_authenticates_its_user_and_records_its_use(make_user: Any) -> None:
    user = make_user("tracer")
    token, key = token_create(actor=user, user=user, name="hệ thống khác")
    assert key.startswith("chy_") and token.prefix == key[:12]
    assert ApiToken.objects.filter(key_hash=key).count() == 0  # only the hash is stored
    response = Client().get("/api/accounts/me", headers=bearer(key))
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["roles"], body["unit_path"]) == (user.pk, ["tracer"], user.unit_path)
    assert body["permissions"] == [
        "case.view",
        "centre.view",
        "checkin.view",
        "contact.change",
        "exposure.work",
        "isolation.view",
        "person.change",
        "person.view",
        "report.view",
        "trace.work",
        "venue.view",
    ]
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_revoked_token_is_refused(make_user: Any) -> None:
    user = make_user("tracer")
    token, key = token_create(actor=user, user=user, name="x")
    token_revoke(actor=user, token=token)
    response = Client().get("/api/accounts/me", headers=bearer(key))
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_an_expired_token_is_refused_from_its_expiry_on(make_user: Any) -> None:
    user = make_user("tracer")
    token, key = token_create(actor=user, user=user, name="x")
    expiry = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=expiry)
    with time_machine.travel(expiry - dt.timedelta(seconds=1), tick=False):
        assert Client().get("/api/accounts/me", headers=bearer(key)).status_code == 200
    with time_machine.travel(expiry, tick=False):
        assert Client().get("/api/accounts/me", headers=bearer(key)).status_code == 401


def test_a_token_of_a_deactivated_user_is_refused(make_user: Any) -> None:
    user = make_user("tracer")
    _token, key = token_create(actor=user, user=user, name="x")
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert Client().get("/api/accounts/me", headers=bearer(key)).status_code == 401


def test_a_made_up_token_is_refused(db: Any) -> None:
    for key in ("chy_made-up", "not-even-ours", ""):
        assert Client().get("/api/accounts/me", headers=bearer(key)).status_code == 401


def test_a_user_creates_their_own_token_through_the_api(make_user: Any, api_client: Any) -> None:
    user = make_user("analyst")
    response = api_client(user).post("/api/accounts/tokens", {"name": "báo cáo"})
    assert response.status_code == 201
    key = response.json()["key"]
    assert Client().get("/api/accounts/me", headers=bearer(key)).json()["id"] == user.pk
    assert ApiToken.objects.filter(user=user).count() == 2  # the client's own and the new one


def test_login_works_and_is_audited(make_user: Any) -> None:
    user = make_user("tracer")
    client = Client()
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    assert AuditEvent.objects.filter(action="login", actor=user).count() == 1


def test_five_failures_lock_the_account_even_for_the_right_password(make_user: Any) -> None:
    user = make_user("tracer")
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(LOGIN, {"username": user.username, "password": "wrong-Password-1"})
        assert response.status_code == 200  # the form again, with its error
    fifth = client.post(LOGIN, {"username": user.username, "password": "wrong-Password-1"})
    assert fifth.status_code == 429
    locked = client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    assert locked.status_code == 429
    assert "Tài khoản tạm bị khóa" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_four_failures_then_success_resets_the_count(make_user: Any) -> None:
    user = make_user("tracer")
    client = Client()
    for _ in range(4):
        client.post(LOGIN, {"username": user.username, "password": "wrong-Password-1"})
    assert client.post(LOGIN, {"username": user.username, "password": PASSWORD}).status_code == 302
    client.logout()
    for _ in range(4):
        assert client.post(LOGIN, {"username": user.username, "password": "wrong-Password-1"}).status_code == 200
    assert client.post(LOGIN, {"username": user.username, "password": PASSWORD}).status_code == 302


def test_the_session_cookie_lasts_one_duty_shift(make_user: Any) -> None:
    user = make_user("tracer")
    client = Client()
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    assert cookie["max-age"] == 8 * 3600
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
