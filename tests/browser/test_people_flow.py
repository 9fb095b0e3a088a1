"""The walk of issue 2 in a real browser: a commune health officer logs in, searches without diacritics,
creates a person, meets the duplicate warning, confirms; a district user cannot open another district's person."""

from __future__ import annotations

import re
from typing import Any

import pytest

from chihuy.accounts.roles import Role
from chihuy.accounts.services import user_create
from chihuy.people.models import Person
from chihuy.people.services import person_create
from chihuy.places.models import Unit
from tests.conftest import BAN_GIANG, MUONG_SO, PASSWORD, TAM_DUONG

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _user(username: str, role: str, path: str) -> Any:
    return user_create(
        actor=None,
        username=username,
        password=PASSWORD,
        unit=Unit.objects.get(path=path),
        roles=[role],
        full_name=username,
    )


def _person(actor: Any, name: str, path: str, **values: Any) -> Person:
    return person_create(actor=actor, confirm_new=True, full_name=name, unit=Unit.objects.get(path=path), **values)


def _login(page: Any, live_server: Any, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")


def test_commune_officer_searches_creates_and_confirms_a_duplicate(page: Any, live_server: Any, lai_chau: None) -> None:
    admin = _user("quantri", Role.SYSADMIN, "12/")
    existing = _person(admin, "Nguyễn Văn A", BAN_GIANG, birth_year=1985, sex="M")
    _person(admin, "Lò Thị Bình", BAN_GIANG, birth_year=1990, sex="F")
    _user("yte.bangiang", Role.HEALTH_OFFICER, BAN_GIANG)

    _login(page, live_server, "yte.bangiang")
    page.wait_for_url(f"{live_server.url}/")
    commune = Unit.objects.get(path=BAN_GIANG)
    assert page.locator("#home-unit").inner_text().strip() == commune.name

    page.click("nav >> text=Người")
    page.wait_for_url(re.compile(r"/people/$"))
    page.fill("#people-q", "nguyen van a")  # typed without diacritics; htmx answers as one types
    page.wait_for_function("document.querySelectorAll('#people-list .person-name').length === 1")
    assert page.locator("#people-list .person-name").all_inner_texts() == ["Nguyễn Văn A"]
    assert "q=nguyen+van+a" in page.url or "q=nguyen%20van%20a" in page.url

    page.click("text=Thêm người")
    page.fill("#id_full_name", "Nguyễn Văn A")
    page.fill("#id_birth_year", "1985")
    page.select_option("#id_sex", "M")
    page.select_option("#id_unit", str(commune.pk))
    page.click("#save-person")
    warning = page.locator("#duplicate-warning")
    warning.wait_for()
    assert "có thể đã có trong hệ thống" in warning.inner_text()
    assert warning.locator("a.duplicate-candidate").get_attribute("href") == f"/people/{existing.pk}/"
    assert Person.objects.filter(full_name="Nguyễn Văn A").count() == 1

    page.click("#confirm-new")
    page.wait_for_url(re.compile(r"/people/\d+/$"))
    assert page.locator("#person-name").inner_text() == "Nguyễn Văn A"
    created = Person.objects.filter(full_name="Nguyễn Văn A").exclude(pk=existing.pk).get()
    assert page.url.endswith(f"/people/{created.pk}/")
    assert created.unit_path == BAN_GIANG


def test_district_user_cannot_open_a_person_of_another_district(page: Any, live_server: Any, lai_chau: None) -> None:
    admin = _user("quantri", Role.SYSADMIN, "12/")
    stranger = _person(admin, "Giàng A Xà", MUONG_SO, birth_year=1990, sex="M")
    _user("chihuy.tamduong", Role.COMMANDER, TAM_DUONG)

    _login(page, live_server, "chihuy.tamduong")
    page.wait_for_url(f"{live_server.url}/")
    response = page.goto(f"{live_server.url}/people/{stranger.pk}/")
    assert response.status == 404
    assert "Không tìm thấy" in page.locator("main").inner_text()
    assert "Giàng A Xà" not in page.content()


def test_wrong_password_shows_a_message(page: Any, live_server: Any, lai_chau: None) -> None:
    _user("yte.bangiang", Role.HEALTH_OFFICER, BAN_GIANG)
    _login(page, live_server, "yte.bangiang", "sai-mat-khau")
    alert = page.locator("form .alert-danger")
    alert.wait_for()
    assert "tên đăng nhập" in alert.inner_text().lower() or "mật khẩu" in alert.inner_text().lower()
    assert page.url.startswith(f"{live_server.url}/accounts/login/")


@pytest.mark.parametrize("viewport", [{"width": 390, "height": 844}, {"width": 1366, "height": 900}])
def test_people_page_screenshots(browser: Any, live_server: Any, lai_chau: None, viewport: dict[str, int]) -> None:
    admin = _user("quantri", Role.SYSADMIN, "12/")
    for i, name in enumerate(["Nguyễn Văn A", "Lò Thị Bình", "Giàng A Páo"]):
        _person(admin, name, BAN_GIANG, birth_year=1980 + i)
    _user("yte.bangiang", Role.HEALTH_OFFICER, BAN_GIANG)
    context = browser.new_context(locale="vi-VN", viewport=viewport)
    page = context.new_page()
    _login(page, live_server, "yte.bangiang")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/people/")
    assert page.locator("#people-list .person-name").count() == 3
    # Nothing wider than the screen: the phone layout must not scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    page.screenshot(path=f"/tmp/chihuy-people-{viewport['width']}.png", full_page=True)
    page.goto(f"{live_server.url}/people/new/")
    page.fill("#id_full_name", "Nguyễn Văn A")
    page.fill("#id_birth_year", "1980")
    page.select_option("#id_unit", str(Unit.objects.get(path=BAN_GIANG).pk))
    page.click("#save-person")
    page.locator("#duplicate-warning").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    page.screenshot(path=f"/tmp/chihuy-duplicate-{viewport['width']}.png", full_page=True)
    page.goto(f"{live_server.url}/units/{Unit.objects.get(path=TAM_DUONG).pk}/")
    assert page.locator("#unit-children tbody tr").count() == Unit.objects.filter(parent__path=TAM_DUONG).count()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    page.screenshot(path=f"/tmp/chihuy-unit-{viewport['width']}.png", full_page=True)
    context.close()
