"""The house stands: units loaded, a person created through the service is found without diacritics."""

from __future__ import annotations

from typing import Any

from chihuy.people.selectors import person_search


def test_units_loaded(province: Any) -> None:
    assert province.name == "Tỉnh Lai Châu"
    assert province.children.count() == 8


def test_person_found_without_diacritics(make_person: Any, make_user: Any) -> None:
    person = make_person(full_name="Nguyễn Văn An", birth_year=1980)
    officer = make_user("health_officer")
    page = person_search(actor=officer, q="nguyen van an")
    assert [p.pk for p in page.items] == [person.pk]
    assert [p.pk for p in person_search(actor=officer, q="AN").items] == [person.pk]


def test_covered_paths_finds_units_with_descendants_in_one_pass() -> None:
    from chihuy.places.selectors import covered_paths

    paths = {"12/", "12/106/", "12/106/03418/", "12/106/03418/01/", "12/109/03589/", "12/1060/"}
    assert covered_paths(paths) == {"12/", "12/106/", "12/106/03418/"}


def test_vietnamese_is_the_default_whatever_the_browser_says(client: Any, make_user: Any) -> None:
    response = client.get("/accounts/login/", headers={"accept-language": "en-US,en;q=0.9"})
    assert response.headers["Content-Language"] == "vi"
    client.cookies["django_language"] = "en"
    assert client.get("/accounts/login/").headers["Content-Language"] == "en"


def test_commune_path_of_a_village_is_its_commune(commune: Any) -> None:
    from chihuy.places.services import village_create

    village = village_create(commune=commune, code="07", name="Bản Bảy")
    assert village.commune_path == commune.path == commune.commune_path == "12/106/03418/"
