"""The person registry's writes: create with the duplicate check, update, bad input, merge and its undo."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from chihuy.core import clock
from chihuy.core.audit import snapshot
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.core.models import AuditEvent
from chihuy.people.models import Household, Person, PersonNameKey
from chihuy.people.services import (
    household_create,
    person_create,
    person_deactivate,
    person_merge,
    person_unmerge,
    person_update,
)
from chihuy.places.services import village_create
from tests.conftest import BAN_GIANG, MUONG_SO, TAM_DUONG

CCCD = "012090000123"  # Lai Châu, born 1990, male


def registry() -> list[tuple[Any, ...]]:
    """Everything the registry holds, to prove that a refused write changed nothing."""
    people = [tuple(snapshot(p).items()) for p in Person.objects.order_by("pk")]
    keys = list(PersonNameKey.objects.order_by("pk").values_list("person_id", "key", "unit_path"))
    return [tuple(people), tuple(keys), AuditEvent.objects.count(), Household.objects.count()]


@pytest.fixture
def officer(make_user: Any) -> Any:
    return make_user("health_officer", BAN_GIANG)


def refused(actor: Any, **values: Any) -> ApplicationError:
    before = registry()
    with pytest.raises(ApplicationError) as exc:
        person_create(actor=actor, **values)
    assert registry() == before
    return exc.value


# --- create and the duplicate rules -------------------------------------------------------------


def test_create_cleans_and_indexes_the_person(officer: Any, commune: Any) -> None:
    person = person_create(
        actor=officer,
        full_name="  nguyễn  Văn   An ",
        birth_date=dt.date(1990, 3, 4),
        sex="M",
        national_id="012 090 000 123",
        phone="+84 912 345 678",
        unit=commune,
    )
    person.refresh_from_db()
    assert (person.full_name, person.name_folded, person.birth_year) == ("nguyễn Văn An", "nguyen van an", 1990)
    assert (person.national_id, person.phone, person.unit_path) == (CCCD, "0912345678", BAN_GIANG)
    assert sorted(PersonNameKey.objects.filter(person=person).values_list("key", "unit_path")) == [
        ("an", BAN_GIANG),
        ("nguyen van an", BAN_GIANG),
        ("van an", BAN_GIANG),
    ]
    event = AuditEvent.objects.get(object_type="people.person", object_id=str(person.pk))
    assert (event.action, event.actor_username, event.details) == ("create", officer.username, {})


def test_address_text_is_parsed_into_a_commune(officer: Any, commune: Any) -> None:
    person = person_create(actor=officer, full_name="Lò Văn Pằn", address_text="Xã Bản Giang, Tam Đường, Lai Châu")
    assert person.unit_id == commune.pk


def test_same_id_is_a_candidate(officer: Any, make_person: Any) -> None:
    existing = make_person(full_name="Nguyễn Văn An", national_id=CCCD)
    exc = refused(officer, full_name="Hoàng Văn Bình", national_id=CCCD, unit=existing.unit)
    assert exc.code == ErrorCode.DUPLICATE_CANDIDATES
    assert [(d["person_id"], d["reasons"]) for d in exc.details] == [(existing.pk, ["national_id"])]


def test_same_folded_name_birth_year_and_commune_is_a_candidate(
    officer: Any, make_person: Any, commune: Any, sibling_commune: Any
) -> None:
    village = village_create(commune=commune, code="01", name="Bản Một")
    existing = make_person(full_name="Nguyễn Văn An", birth_year=1990, unit=village)
    make_person(full_name="Nguyễn Văn An", birth_year=1990, unit=sibling_commune)  # another commune: not a candidate
    make_person(full_name="Nguyễn Văn An", birth_year=1991)  # another year: not a candidate
    exc = refused(officer, full_name="NGUYEN VAN AN", birth_year=1990, unit=commune)
    assert [(d["person_id"], d["reasons"]) for d in exc.details] == [(existing.pk, ["name_birth_commune"])]


def test_same_phone_and_a_similar_name_is_a_candidate(officer: Any, make_person: Any, commune: Any) -> None:
    existing = make_person(full_name="Nguyễn Văn An", phone="0912345678")
    make_person(full_name="Tòng Thị Ơn", phone="0912345678")  # same phone, another name: a relative
    exc = refused(officer, full_name="Nguyen Van Anh", phone="+84912345678", unit=commune)
    assert [(d["person_id"], d["reasons"]) for d in exc.details] == [(existing.pk, ["phone_name"])]


def test_several_rules_on_one_person_are_listed_together(officer: Any, make_person: Any, commune: Any) -> None:
    existing = make_person(full_name="Nguyễn Văn An", birth_year=1990, national_id=CCCD, phone="0912345678")
    exc = refused(
        officer, full_name="Nguyễn Văn An", birth_year=1990, national_id=CCCD, phone="0912345678", unit=commune
    )
    assert [(d["person_id"], d["reasons"]) for d in exc.details] == [
        (existing.pk, ["national_id", "name_birth_commune", "phone_name"])
    ]


def test_a_match_outside_the_jurisdiction_is_counted_not_shown(officer: Any, make_person: Any, commune: Any) -> None:
    make_person(full_name="Giàng A Páo", national_id=CCCD, unit_path=MUONG_SO)
    exc = refused(officer, full_name="Lò Văn Pằn", national_id=CCCD, unit=commune)
    assert exc.details == [
        {
            "field": "national_id",
            "hidden_matches": 1,
            "message": "Có 1 hồ sơ trùng ở địa bàn khác; liên hệ cấp trên để xử lý.",
        }
    ]
    assert "Giàng" not in str(exc.details)


def test_confirm_new_creates_despite_candidates_and_says_so(officer: Any, make_person: Any, commune: Any) -> None:
    existing = make_person(full_name="Nguyễn Văn An", national_id=CCCD)
    person = person_create(actor=officer, full_name="Nguyễn Văn An", national_id=CCCD, unit=commune, confirm_new=True)
    event = AuditEvent.objects.get(object_type="people.person", object_id=str(person.pk))
    assert event.details == {"confirmed_despite": [existing.pk]}


def test_inactive_people_are_not_candidates(officer: Any, make_person: Any, admin_user: Any, commune: Any) -> None:
    old = make_person(full_name="Nguyễn Văn An", national_id=CCCD)
    person_deactivate(actor=admin_user, person=old, reason="nhập nhầm")
    assert person_create(actor=officer, full_name="Nguyễn Văn An", national_id=CCCD, unit=commune).pk != old.pk


# --- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"birth_date": "tomorrow"}, "birth_date"),
        ({"birth_date": dt.date(1899, 12, 31)}, "birth_date"),
        ({"birth_year": "next year"}, "birth_year"),
        ({"birth_date": dt.date(1990, 1, 1), "birth_year": 1991}, "birth_year"),
        ({"national_id": "12345"}, "national_id"),
        ({"national_id": "012090000123", "birth_year": 1985}, "national_id"),
        ({"phone": "0123"}, "phone"),
        ({"full_name": " - "}, "full_name"),
        ({"sex": "X"}, "sex"),
        ({"chronic_conditions": ["flu"]}, "chronic_conditions"),
        ({"is_pregnant": True, "sex": "M"}, "is_pregnant"),
        ({"unit": None, "address_text": "Nowhere at all"}, "unit"),
        ({"unit": "district"}, "unit"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(
    officer: Any, commune: Any, district: Any, values: dict[str, Any], field: str
) -> None:
    data = {"full_name": "Lò Văn Pằn", "unit": commune, **values}
    if data.get("birth_date") == "tomorrow":
        data["birth_date"] = clock.today() + dt.timedelta(days=1)
    if data.get("birth_year") == "next year":
        data["birth_year"] = clock.today().year + 1
    if data.get("unit") == "district":
        data["unit"] = district
    exc = refused(officer, **data)
    assert exc.code == ErrorCode.VALIDATION
    assert exc.details[0]["field"] == field


def test_a_unit_outside_the_jurisdiction_is_not_found(officer: Any, other_commune: Any) -> None:
    exc = refused(officer, full_name="Lò Văn Pằn", unit=other_commune)
    assert (exc.code, exc.details[0]["field"]) == (ErrorCode.NOT_FOUND, "unit")


def test_without_the_change_permission_nothing_is_created(make_user: Any, commune: Any) -> None:
    exc = refused(make_user("analyst", BAN_GIANG), full_name="Lò Văn Pằn", unit=commune)
    assert exc.code == ErrorCode.PERMISSION_DENIED


# --- update and deactivate ------------------------------------------------------------------------


def test_update_reindexes_the_name_and_audits_the_change(officer: Any, make_person: Any) -> None:
    person = make_person(full_name="Lò Văn Pằn", birth_year=1980)
    person_update(actor=officer, person=person, full_name="Lò Thị Hoa", sex="F")
    assert sorted(PersonNameKey.objects.filter(person=person).values_list("key", flat=True)) == [
        "hoa",
        "lo thi hoa",
        "thi hoa",
    ]
    event = AuditEvent.objects.filter(object_id=str(person.pk), action="update").get()
    assert (event.before, event.after) == (
        {"full_name": "Lò Văn Pằn", "name_folded": "lo van pan", "sex": "U"},
        {"full_name": "Lò Thị Hoa", "name_folded": "lo thi hoa", "sex": "F"},
    )


def test_moving_a_person_moves_the_name_keys_too(officer: Any, make_person: Any, commune: Any) -> None:
    village = village_create(commune=commune, code="02", name="Bản Hai")
    person = make_person(full_name="Lò Văn Pằn")
    person_update(actor=officer, person=person, unit=village)
    assert set(PersonNameKey.objects.filter(person=person).values_list("unit_path", flat=True)) == {village.path}


def test_an_update_that_changes_nothing_is_not_audited(officer: Any, make_person: Any) -> None:
    person = make_person(full_name="Lò Văn Pằn")
    person_update(actor=officer, person=person, full_name="Lò Văn Pằn")
    assert not AuditEvent.objects.filter(object_id=str(person.pk), action="update").exists()


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"phone": "12"}, "phone", ErrorCode.VALIDATION),
        ({"merged_into": None}, "merged_into", ErrorCode.VALIDATION),
        ({"unit": "other"}, "unit", ErrorCode.NOT_FOUND),
        ({"birth_date": "tomorrow"}, "birth_date", ErrorCode.VALIDATION),
    ],
)
def test_a_bad_update_changes_nothing(
    officer: Any, make_person: Any, other_commune: Any, changes: dict[str, Any], field: str, code: str
) -> None:
    person = make_person(full_name="Lò Văn Pằn", phone="0912345678")
    if changes.get("unit") == "other":
        changes = {"unit": other_commune}
    if changes.get("birth_date") == "tomorrow":
        changes = {"birth_date": clock.today() + dt.timedelta(days=1)}
    before = registry()
    with pytest.raises(ApplicationError) as exc:
        person_update(actor=officer, person=person, **changes)
    assert (exc.value.code, exc.value.details[0]["field"]) == (code, field)
    assert registry() == before


def test_a_person_outside_the_jurisdiction_cannot_be_updated(make_user: Any, make_person: Any) -> None:
    person = make_person(full_name="Giàng A Páo", unit_path=MUONG_SO)
    district_officer = make_user("health_officer", TAM_DUONG)
    before = registry()
    with pytest.raises(ApplicationError) as exc:
        person_update(actor=district_officer, person=person, full_name="X Y")
    assert (exc.value.code, exc.value.details[0]["field"]) == (ErrorCode.NOT_FOUND, "person")
    assert registry() == before


def test_deactivate_needs_a_reason_and_is_audited_once(officer: Any, make_person: Any) -> None:
    person = make_person()
    with pytest.raises(ApplicationError) as exc:
        person_deactivate(actor=officer, person=person, reason="  ")
    assert exc.value.details[0]["field"] == "reason"
    person_deactivate(actor=officer, person=person, reason="trùng")
    person_deactivate(actor=officer, person=person, reason="trùng")
    person.refresh_from_db()
    assert person.is_active is False
    assert AuditEvent.objects.filter(object_id=str(person.pk), action="deactivate").count() == 1
    with pytest.raises(ApplicationError) as exc:
        person_update(actor=officer, person=person, full_name="Lò Văn Khác")
    assert exc.value.code == ErrorCode.CONFLICT


# --- merge and its undo ---------------------------------------------------------------------------


def test_merge_moves_every_link_fills_gaps_and_unmerge_puts_everything_back(
    officer: Any, make_person: Any, commune: Any
) -> None:
    source = make_person(full_name="Lò Văn Pằn", birth_year=1990, national_id=CCCD, phone="0912345678")
    target = make_person(full_name="Lò Văn Pằn", birth_year=1990)
    household = household_create(actor=officer, unit=commune, address="Bản Một", members=[source])
    assert household.head_id == source.pk
    other = household_create(actor=officer, unit=commune, address="Bản Hai")
    Household.objects.filter(pk=other.pk).update(head=source)
    target_before = snapshot(Person.objects.get(pk=target.pk))

    kept = person_merge(actor=officer, source=source, target=target, reason="cùng một người")

    source.refresh_from_db()
    assert (source.is_active, source.merged_into_id) == (False, target.pk)
    assert set(Household.objects.filter(head=target).values_list("pk", flat=True)) == {household.pk, other.pk}
    assert not Household.objects.filter(head=source).exists()
    assert (kept.national_id, kept.phone, kept.household_id) == (CCCD, "0912345678", household.pk)
    event = AuditEvent.objects.get(action="merge", object_id=str(source.pk))
    assert event.details["moved"] == {"people.Household.head": sorted([household.pk, other.pk])}
    assert event.details["target_before"] == {"national_id": "", "phone": "", "household_id": None}

    person_unmerge(actor=officer, event_id=event.pk, reason="gộp nhầm")

    source.refresh_from_db()
    assert (source.is_active, source.merged_into_id) == (True, None)
    assert set(Household.objects.filter(head=source).values_list("pk", flat=True)) == {household.pk, other.pk}
    assert snapshot(Person.objects.get(pk=target.pk)) == target_before
    event.refresh_from_db()
    undo = AuditEvent.objects.get(action="unmerge", object_id=str(source.pk))
    assert event.details["undone_by"] == undo.pk
    assert undo.details == {"merge_event": event.pk, "reason": "gộp nhầm", "kept_target_fields": []}


def test_a_merge_is_undone_once(officer: Any, make_person: Any) -> None:
    source, target = make_person(full_name="A Pằn"), make_person(full_name="A Pằn")
    person_merge(actor=officer, source=source, target=target, reason="trùng")
    event = AuditEvent.objects.get(action="merge")
    person_unmerge(actor=officer, event_id=event.pk, reason="nhầm")
    before = registry()
    with pytest.raises(ApplicationError) as exc:
        person_unmerge(actor=officer, event_id=event.pk, reason="lại")
    assert exc.value.code == ErrorCode.CONFLICT
    assert registry() == before


@pytest.mark.parametrize("case", ["self", "no reason", "inactive", "outside", "no permission"])
def test_refused_merges_change_nothing(make_user: Any, officer: Any, make_person: Any, case: str) -> None:
    source = make_person(full_name="A Pằn", phone="0912345678")
    target = make_person(full_name="A Pằn", unit_path=MUONG_SO if case == "outside" else BAN_GIANG)
    actor, reason, expected = officer, "trùng", ErrorCode.VALIDATION
    if case == "self":
        target = source
    elif case == "no reason":
        reason = " "
    elif case == "inactive":
        person_deactivate(actor=officer, person=target, reason="x")
        expected = ErrorCode.CONFLICT
    elif case == "outside":
        expected = ErrorCode.NOT_FOUND
    elif case == "no permission":
        actor, expected = make_user("tracer", BAN_GIANG), ErrorCode.PERMISSION_DENIED
    before = registry()
    with pytest.raises(ApplicationError) as exc:
        person_merge(actor=actor, source=source, target=target, reason=reason)
    assert exc.value.code == expected
    assert registry() == before
