"""The overview counts people in view, but never scans a province to do it: the count stops at a cap."""

from __future__ import annotations

from typing import Any

from django.test import Client

from chihuy.people import selectors


def test_people_count_is_exact_below_the_cap_and_marked_above_it(
    make_user: Any, make_person: Any, monkeypatch: Any
) -> None:
    for name in ("Lò Văn Một", "Lò Văn Hai", "Lò Văn Ba"):
        make_person(full_name=name, birth_year=1980)
    client = Client()
    client.force_login(make_user("health_officer"))
    assert 'id="home-people-count">3<' in client.get("/").content.decode()
    monkeypatch.setattr(selectors, "COUNT_CAP", 2)
    assert 'id="home-people-count">≥ 2<' in client.get("/").content.decode()
