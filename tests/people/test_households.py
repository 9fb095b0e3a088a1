"""Households: created in the officer's area, members of the same commune only, first member is head."""

from __future__ import annotations

from typing import Any

import pytest

from chihuy.core.errors import ApplicationError
from chihuy.people.models import Household
from tests.conftest import BAN_GIANG, MUONG_SO


def test_household_created_with_members_through_the_api(
    make_user: Any, make_person: Any, commune: Any, api_client: Any
) -> None:
    officer = make_user("health_officer", BAN_GIANG)
    a = make_person(full_name="Lò Văn Một", birth_year=1970)
    b = make_person(full_name="Lò Thị Hai", birth_year=1972, sex="F")
    response = api_client(officer).post(
        "/api/people/households", {"unit_id": commune.pk, "address": "Bản 1, Bản Giang", "member_ids": [a.pk, b.pk]}
    )
    assert response.status_code == 201, response.content
    household = Household.objects.get(pk=response.json()["id"])
    assert household.head_id == a.pk
    assert sorted(household.members.values_list("pk", flat=True)) == sorted([a.pk, b.pk])
    assert response.json()["unit_path"] == BAN_GIANG


def test_member_from_another_commune_is_refused_and_nothing_written(
    make_user: Any, make_person: Any, commune: Any
) -> None:
    from chihuy.people.services import household_create

    admin = make_user("sysadmin", "12/")
    stranger = make_person(full_name="Giàng A Xà", birth_year=1990, unit_path=MUONG_SO)
    with pytest.raises(ApplicationError) as exc:
        household_create(actor=admin, unit=commune, address="Bản 2", members=[stranger])
    assert exc.value.details[0]["field"] == "person"
    assert not Household.objects.exists()
    stranger.refresh_from_db()
    assert stranger.household_id is None


def test_officer_cannot_make_a_household_outside_their_commune(
    make_user: Any, other_commune: Any, api_client: Any
) -> None:
    officer = make_user("health_officer", BAN_GIANG)
    response = api_client(officer).post("/api/people/households", {"unit_id": other_commune.pk, "address": "X"})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert not Household.objects.exists()


def test_narrowing_the_search_to_a_unit_outside_the_jurisdiction_is_not_found(
    make_user: Any, make_person: Any, district: Any, commune: Any, other_commune: Any, api_client: Any
) -> None:
    officer = make_user("health_officer", "12/106/")
    inside = make_person(full_name="Vàng A Sinh", birth_year=1988)
    client = api_client(officer)
    narrowed = client.get(f"/api/people/?q=vang a sinh&within_unit_id={commune.pk}")
    assert [p["id"] for p in narrowed.json()["items"]] == [inside.pk]
    outside = client.get(f"/api/people/?q=vang a sinh&within_unit_id={other_commune.pk}")
    assert outside.status_code == 404
