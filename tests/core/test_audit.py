"""Audit snapshots and diffs: JSON-ready values, only changed fields, the request context recorded."""

from __future__ import annotations

import datetime as dt
from typing import Any

from chihuy.core.audit import audit_context, audit_record, diff, snapshot
from chihuy.core.models import AuditEvent
from chihuy.people.models import Person


def test_snapshot_is_json_ready_and_leaves_out_timestamps_and_passwords(make_person: Any, admin_user: Any) -> None:
    person = make_person(full_name="Lò Văn Pằn", birth_date=dt.date(1990, 5, 17), phone="0912345678")
    data = snapshot(person)
    assert data["birth_date"] == "1990-05-17"
    assert data["unit_id"] == person.unit_id
    assert data["full_name"] == "Lò Văn Pằn"
    assert "created_at" not in data and "updated_at" not in data
    assert "password" not in snapshot(admin_user)
    assert snapshot(person, ["phone", "birth_year"]) == {"birth_year": 1990, "phone": "0912345678"}


def test_diff_keeps_only_changed_fields_on_both_sides() -> None:
    before = {"full_name": "A", "phone": "0912345678", "birth_year": 1990}
    after = {"full_name": "B", "phone": "0912345678", "birth_year": None}
    assert diff(before, after) == ({"full_name": "A", "birth_year": 1990}, {"full_name": "B", "birth_year": None})
    assert diff(after, after) == ({}, {})


def test_audit_record_takes_the_record_unit_and_request_context(make_person: Any, admin_user: Any) -> None:
    person = make_person(full_name="Lò Văn Pằn")
    with audit_context(ip_address="10.0.0.7", channel="api"):
        event = audit_record(actor=admin_user, action="view", obj=person)
    event.refresh_from_db()
    assert (event.object_type, event.object_id, event.object_repr) == ("people.person", str(person.pk), "Lò Văn Pằn")
    assert (event.unit_path, event.actor_id) == (person.unit_path, admin_user.pk)
    assert event.actor_username == admin_user.username
    assert (event.ip_address, event.channel) == ("10.0.0.7", "api")


def test_without_an_actor_or_context_the_event_is_anonymous(make_person: Any) -> None:
    person = make_person()
    event = audit_record(actor=None, action="update", obj=person, before={"x": dt.date(2021, 1, 2)}, after={"x": None})
    assert (event.actor_id, event.actor_username, event.ip_address, event.channel) == (None, "", None, "")
    assert AuditEvent.objects.get(pk=event.pk).before == {"x": "2021-01-02"}


def test_person_create_is_audited_with_its_snapshot(make_person: Any, admin_user: Any) -> None:
    person = make_person(full_name="Tòng Thị Ơn", birth_year=1975, sex="F")
    event = AuditEvent.objects.get(object_type="people.person", object_id=str(person.pk), action="create")
    assert event.after == snapshot(Person.objects.get(pk=person.pk))
    assert event.actor_username == admin_user.username
