"""Merges in a chain end at the surviving record; an undo keeps what someone changed after the merge."""

from __future__ import annotations

from typing import Any

import pytest

from chihuy.core.models import AuditEvent
from chihuy.people.models import Person
from chihuy.people.services import person_merge, person_unmerge, person_update


@pytest.fixture
def officer(make_user: Any) -> Any:
    return make_user("health_officer")


def test_records_merged_earlier_follow_their_target_into_the_next_merge(officer: Any, make_person: Any) -> None:
    first = make_person(full_name="Tòng Văn Hải", birth_year=1980)
    second = make_person(full_name="Tòng Văn Hải", birth_year=1980)
    third = make_person(full_name="Tòng Văn Hải", birth_year=1980)
    person_merge(actor=officer, source=first, target=second, reason="trùng")
    person_merge(actor=officer, source=second, target=third, reason="trùng")
    assert Person.objects.get(pk=first.pk).merged_into_id == third.pk
    assert Person.objects.get(pk=second.pk).merged_into_id == third.pk

    event = AuditEvent.objects.get(action="merge", object_id=str(second.pk))
    assert event.details["moved"] == {"people.Person.merged_into": [first.pk]}
    person_unmerge(actor=officer, event_id=event.pk, reason="nhầm")
    assert Person.objects.get(pk=first.pk).merged_into_id == second.pk
    assert Person.objects.get(pk=second.pk).merged_into_id is None


def test_undo_keeps_a_field_edited_after_the_merge(officer: Any, make_person: Any) -> None:
    source = make_person(full_name="Lù Văn Sáng", birth_year=1985, phone="0912000111", occupation="Làm nông")
    target = make_person(full_name="Lù Văn Sáng", birth_year=1985)
    person_merge(actor=officer, source=source, target=target, reason="trùng")
    merged = Person.objects.get(pk=target.pk)
    assert (merged.phone, merged.occupation) == ("0912000111", "Làm nông")
    person_update(actor=officer, person=merged, phone="0987654321")

    event = AuditEvent.objects.get(action="merge", object_id=str(source.pk))
    person_unmerge(actor=officer, event_id=event.pk, reason="nhầm")

    target.refresh_from_db()
    assert target.phone == "0987654321"  # the later edit stays
    assert target.occupation == ""  # the field the merge filled is emptied again
    undo = AuditEvent.objects.get(action="unmerge", object_id=str(source.pk))
    assert undo.details["kept_target_fields"] == ["phone"]
