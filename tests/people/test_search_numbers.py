"""A phone number is found however it is written, as the registry normalises it on entry."""

from __future__ import annotations

from typing import Any

import pytest

from chihuy.people.selectors import person_search


@pytest.mark.parametrize(
    "written",
    ["0912345678", "+84 912 345 678", "+84 (0) 912 345 678", "0084 912 345 678", "84912345678", "912.345.678"],
)
def test_phone_found_in_every_written_form(make_person: Any, make_user: Any, written: str) -> None:
    person = make_person(full_name="Lò Văn Điện", birth_year=1975, phone="0912345678")
    officer = make_user("health_officer")
    assert [p.pk for p in person_search(actor=officer, q=written).items] == [person.pk]
