"""Search: diacritics- and case-insensitive by full, middle+given or given name, by ID or phone; keyset
pages without overlap; only inside the reader's jurisdiction."""

from __future__ import annotations

from typing import Any

import pytest

from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.people.selectors import person_search
from chihuy.people.services import person_deactivate
from tests.conftest import BAN_GIANG, BINH_LU, MUONG_SO, TAM_DUONG


def ids(page: Any) -> list[int]:
    return [p.pk for p in page.items]


def all_pages(actor: Any, q: str, limit: int) -> list[list[int]]:
    pages, cursor = [], None
    while True:
        page = person_search(actor=actor, q=q, cursor=cursor, limit=limit)
        pages.append(ids(page))
        cursor = page.next_cursor
        if cursor is None:
            return pages


@pytest.fixture
def officer(make_user: Any) -> Any:
    return make_user("health_officer", BAN_GIANG)


@pytest.mark.parametrize("q", ["nguyen van a", "NGUYỄN VĂN A", "Nguyễn  văn a", "van a", "a"])
def test_name_without_diacritics_finds_the_person(officer: Any, make_person: Any, q: str) -> None:
    person = make_person(full_name="Nguyễn Văn A")
    make_person(full_name="Nguyễn Văn Bình")
    assert ids(person_search(actor=officer, q=q)) == [person.pk]


def test_given_name_prefix_finds_every_match(officer: Any, make_person: Any) -> None:
    an = make_person(full_name="Lò Văn An")
    anh = make_person(full_name="Tòng Thị Ánh")
    make_person(full_name="Lò Văn Bình")
    assert sorted(ids(person_search(actor=officer, q="an"))) == sorted([an.pk, anh.pk])
    assert ids(person_search(actor=officer, q="anh")) == [anh.pk]


@pytest.mark.parametrize("q", ["012090000123", "012 090 000 123"])
def test_by_cccd(officer: Any, make_person: Any, q: str) -> None:
    person = make_person(full_name="Lò Văn Pằn", national_id="012090000123")
    make_person(full_name="Lò Văn Pằn")
    assert ids(person_search(actor=officer, q=q)) == [person.pk]


@pytest.mark.parametrize("q", ["0912345678", "+84 912 345 678", "84912345678", "0912.345.678"])
def test_by_phone_in_any_form(officer: Any, make_person: Any, q: str) -> None:
    person = make_person(full_name="Lò Văn Pằn", phone="0912345678")
    assert ids(person_search(actor=officer, q=q)) == [person.pk]


def test_inactive_people_are_not_found(officer: Any, make_person: Any) -> None:
    person = make_person(full_name="Lò Văn Pằn", phone="0912345678")
    person_deactivate(actor=officer, person=person, reason="trùng")
    assert ids(person_search(actor=officer, q="lo van pan")) == []
    assert ids(person_search(actor=officer, q="0912345678")) == []


def test_name_pages_follow_each_other_without_overlap(officer: Any, make_person: Any) -> None:
    people = [make_person(full_name=f"Lò Văn {name}") for name in ["Ân", "Ba", "Bảy", "Bốn", "Chín", "Hai", "Một"]]
    pages = all_pages(officer, "lo van", 3)
    assert [len(p) for p in pages] == [3, 3, 1]
    found = [pk for page in pages for pk in page]
    assert sorted(found) == sorted(p.pk for p in people)
    assert len(set(found)) == len(found)


def test_a_person_matching_on_two_name_keys_is_listed_once_across_pages(officer: Any, make_person: Any) -> None:
    # "Lò An Anh" has the keys "an anh" and "anh": both start with "an". Between them sort the keys
    # of the others ("an b…", "an c…"): the person must still come once, on one page.
    twice = make_person(full_name="Lò An Anh")
    others = [make_person(full_name=f"Vàng An {n}") for n in ["Ba", "Ca", "Da", "Ea"]]
    pages = all_pages(officer, "an", 2)
    found = [pk for page in pages for pk in page]
    assert sorted(found) == sorted([twice.pk, *(p.pk for p in others)])
    assert len(found) == 5


def test_number_pages_follow_each_other_without_overlap(officer: Any, make_person: Any) -> None:
    family = [make_person(full_name=f"Lò Văn {n}", phone="0912345678") for n in ["Một", "Hai", "Ba", "Bốn", "Năm"]]
    pages = all_pages(officer, "0912345678", 2)
    assert pages == [[family[4].pk, family[3].pk], [family[2].pk, family[1].pk], [family[0].pk]]


def test_search_stays_inside_the_jurisdiction(make_user: Any, make_person: Any) -> None:
    mine = make_person(full_name="Nguyễn Văn An", phone="0912345678", unit_path=BAN_GIANG)
    sibling = make_person(full_name="Nguyễn Văn An", phone="0912345678", unit_path=BINH_LU)
    far = make_person(full_name="Nguyễn Văn An", phone="0912345678", unit_path=MUONG_SO)
    commune_officer = make_user("tracer", BAN_GIANG)
    district_officer = make_user("tracer", TAM_DUONG)
    province_officer = make_user("tracer", "12/")
    for q in ("nguyen van an", "0912345678"):
        assert sorted(ids(person_search(actor=commune_officer, q=q))) == [mine.pk]
        assert sorted(ids(person_search(actor=district_officer, q=q))) == sorted([mine.pk, sibling.pk])
        assert sorted(ids(person_search(actor=province_officer, q=q))) == sorted([mine.pk, sibling.pk, far.pk])
    narrowed = person_search(actor=district_officer, q="nguyen van an", within=BINH_LU)
    assert ids(narrowed) == [sibling.pk]
    # Narrowing to a unit outside one's area falls back to one's own area, never beyond it.
    assert ids(person_search(actor=commune_officer, q="nguyen van an", within=MUONG_SO)) == [mine.pk]


def test_an_empty_query_lists_the_newest_first(officer: Any, make_person: Any) -> None:
    a, b = make_person(full_name="Lò Văn A"), make_person(full_name="Lò Văn B")
    assert ids(person_search(actor=officer, q="")) == [b.pk, a.pk]


def test_a_broken_cursor_is_a_field_error(officer: Any) -> None:
    with pytest.raises(ApplicationError) as exc:
        person_search(actor=officer, q="lo van", cursor="garbage!")
    assert (exc.value.code, exc.value.details[0]["field"]) == (ErrorCode.VALIDATION, "cursor")
