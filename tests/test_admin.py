"""The Django admin: open to the installation's superuser only; policies are added through policy_set
(the row in force before is closed, history never edited); service-written records are read-only."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from chihuy.core.models import AuditEvent, Policy


@pytest.fixture
def superuser_client(make_user: Any) -> Client:
    user = make_user("sysadmin", "12/")
    user.is_staff = user.is_superuser = True
    user.save()
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/admin/core/policy/",
        "/admin/core/auditevent/",
        "/admin/places/unit/",
        "/admin/places/site/",
        "/admin/places/population/",
        "/admin/accounts/user/",
        "/admin/accounts/apitoken/",
    ],
)
def test_superuser_reads_every_registered_model(superuser_client: Client, url: str) -> None:
    assert superuser_client.get(url).status_code == 200


def test_an_officer_is_sent_to_the_admin_login(make_user: Any) -> None:
    client = Client()
    client.force_login(make_user("sysadmin", "12/106/"))
    response = client.get("/admin/core/policy/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_adding_a_policy_in_the_admin_closes_the_row_in_force(superuser_client: Client) -> None:
    before = Policy.objects.get(key="labs.turnaround_hours")
    assert before.valid_to is None
    response = superuser_client.post(
        "/admin/core/policy/add/",
        {
            "key": "labs.turnaround_hours",
            "value": '{"hours": 8}',
            "valid_from": "2022-01-01",
            "source_document": "Công văn thử nghiệm",
            "verified": "",
            "note": "",
        },
    )
    assert response.status_code == 302, response.content
    before.refresh_from_db()
    assert before.valid_to == dt.date(2022, 1, 1)
    new = Policy.objects.get(key="labs.turnaround_hours", valid_from=dt.date(2022, 1, 1))
    assert new.value == {"hours": 8}
    assert AuditEvent.objects.filter(object_type="core.policy", object_id=str(new.pk), action="create").exists()


def test_audit_events_cannot_be_changed_or_deleted_in_the_admin(superuser_client: Client, make_user: Any) -> None:
    make_user("health_officer")  # writes a "create" audit event
    event = AuditEvent.objects.first()
    assert event is not None
    assert superuser_client.post(f"/admin/core/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()
