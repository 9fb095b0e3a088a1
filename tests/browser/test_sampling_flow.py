"""The sampling screen on a phone, in a real browser: the Bản Giang health officer searches the campaign's list,
taps three people into the tube, types the tube's code as a scanner does (code + Enter) and the tube is closed
by htmx with the counters updated and the screen ready for the next tube; a reused code is refused beside the
code, the people stay in the tube."""

from __future__ import annotations

from typing import Any

import pytest

from chihuy.accounts.roles import Role
from chihuy.accounts.services import user_create
from chihuy.core import clock
from chihuy.labs import services
from chihuy.labs.enums import CampaignKind
from chihuy.labs.models import Sample
from chihuy.people.services import person_create
from chihuy.places.models import Unit
from tests.conftest import BAN_GIANG, PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pooled_tube_on_a_phone(browser: Any, live_server: Any, lai_chau: None) -> None:
    commune = Unit.objects.get(path=BAN_GIANG)
    officer = user_create(
        actor=None, username="ytbg", password=PASSWORD, unit=commune, roles=[Role.HEALTH_OFFICER], full_name="Y tế"
    )
    names = ["Lò Văn An", "Lò Văn Bình", "Lò Văn Cường", "Tao Thị Dung"]
    people = [person_create(actor=officer, confirm_new=True, full_name=n, unit=commune) for n in names]
    campaign = services.campaign_create(
        actor=officer,
        name="Sàng lọc xã",
        kind=CampaignKind.COMMUNE,
        unit=commune,
        planned_on=clock.today(),
        pool_size=5,
    )
    context = browser.new_context(locale="vi-VN", viewport={"width": 390, "height": 844}, is_mobile=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "ytbg")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/xet-nghiem/dot/{campaign.pk}/lay-mau/")
    assert page.evaluate("document.activeElement.id") == "id_code"
    for name in names[:3]:
        page.fill("#search-q", name)
        page.locator(f"#search-results [data-person]:has-text('{name}')").click()
    assert page.locator("#tube-people [name=person_ids]").count() == 3
    page.fill("#id_code", "bg-0001")
    page.press("#id_code", "Enter")
    page.wait_for_selector("#saved-tube")
    assert page.text_content("#count-sampled") == "3"
    assert page.locator("#tube-people li").count() == 0
    assert page.evaluate("document.activeElement.id") == "id_code"
    sample = Sample.objects.get(code="BG-0001")
    assert sorted(sample.members.values_list("person_id", flat=True)) == sorted(p.pk for p in people[:3])

    # The same code again: refused beside the code; Dung stays in the tube.
    page.fill("#search-q", "Dung")
    page.locator("#search-results [data-person]").first.click()
    page.fill("#id_code", "BG-0001")
    page.press("#id_code", "Enter")
    page.wait_for_selector(".field-error[data-field=code]")
    assert "đã dùng" in page.text_content(".field-error[data-field=code]")
    assert page.locator("#tube-people [name=person_ids]").count() == 1
    assert Sample.objects.count() == 1
    context.close()
