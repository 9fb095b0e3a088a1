"""Vaccination priority list in a real browser (issue 8): Bản Giang's vaccinator, on a phone-sized screen, opens the
priority list of Bản 1, sees the two unvaccinated people aged ≥ 50 (oldest first; not the vaccinated neighbour, not
the young one, not Bản 2's), records a dose for the oldest from the list, comes back to the list, and sees only the
other one; in "not fully vaccinated" mode the first shows as having one dose. Her person page shows the dose."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from chihuy.accounts.roles import Role
from chihuy.accounts.services import user_create
from chihuy.people.services import person_create
from chihuy.places.models import Unit
from chihuy.places.services import village_create
from chihuy.vaccination.models import Dose, Vaccine
from chihuy.vaccination.services import dose_record
from tests.conftest import BAN_GIANG, PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ICT = dt.timezone(dt.timedelta(hours=7))
START = dt.datetime(2021, 11, 10, 9, 0, tzinfo=ICT)


def test_vaccinator_priority_list_record_dose(page: Any, live_server: Any, lai_chau: None, settings: Any) -> None:
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    settings.CSRF_COOKIE_AGE = None
    with time_machine.travel(START, tick=True):
        commune = Unit.objects.get(path=BAN_GIANG)
        ban1 = village_create(commune=commune, code="01", name="Bản Nà Hiêng")
        ban2 = village_create(commune=commune, code="02", name="Bản Phiêng Phát")
        vaccinator = user_create(
            actor=None,
            username="tiemchung.bangiang",
            password=PASSWORD,
            unit=commune,
            roles=[Role.VACCINATOR],
            full_name="Lò Thị Tiêm",
        )

        def person(name: str, year: int, village: Any) -> Any:
            return person_create(actor=vaccinator, confirm_new=True, full_name=name, birth_year=year, unit=village)

        oldest = person("Tẩn Láo Sài", 1938, ban1)
        second = person("Lò Thị Ún", 1962, ban1)
        neighbour = person("Giàng A Chớ", 1955, ban1)
        person("Lò Văn Trẻ", 1995, ban1)
        person("Vàng A Dình", 1950, ban2)
        dose_record(
            actor=vaccinator,
            person=neighbour,
            dose_number=1,
            vaccine=Vaccine.objects.get(code="AZ"),
            given_on=dt.date(2021, 9, 1),
        )

        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", "tiemchung.bangiang")
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")

        page.goto(f"{live_server.url}/tiem-chung/uu-tien/")
        page.select_option("#priority-unit", str(ban1.pk))
        page.click("#priority-filter")
        page.wait_for_url("**unit=*")
        rows = page.locator("#priority-list [data-person]")
        assert rows.count() == 2
        assert rows.nth(0).locator("strong").inner_text() == "Tẩn Láo Sài"
        assert rows.nth(1).locator("strong").inner_text() == "Lò Thị Ún"
        assert "chưa tiêm" in rows.nth(0).inner_text()

        page.click(f"[data-record='{oldest.pk}']")
        page.wait_for_selector("#dose-form")
        assert page.inner_text("#record-person") == "Tẩn Láo Sài"
        assert page.input_value("#id_dose_number") == "1"
        page.select_option("#id_vaccine", label="AstraZeneca (Vaxzevria)")
        page.fill("#id_lot", "NJ0345")
        page.click("#dose-save")

        page.wait_for_url("**/tiem-chung/uu-tien/?*unit=*")
        assert "Đã ghi mũi 1" in page.content()
        names = page.locator("#priority-list [data-person] strong").all_inner_texts()
        assert names == ["Lò Thị Ún"]

        page.select_option("#priority-mode", "incomplete")
        page.click("#priority-filter")
        page.wait_for_url("**mode=incomplete*")
        row = page.locator(f"#priority-list [data-person='{oldest.pk}']")
        assert "đã tiêm 1 mũi" in row.inner_text()

        page.goto(f"{live_server.url}/people/{oldest.pk}/")
        page.wait_for_selector("#person-doses")
        assert "AstraZeneca (Vaxzevria)" in page.inner_text("#person-doses")
        assert second.pk != oldest.pk
        dose = Dose.objects.get(person=oldest)
        assert (dose.lot, dose.entered_by_id, dose.is_active) == ("NJ0345", vaccinator.pk, True)
