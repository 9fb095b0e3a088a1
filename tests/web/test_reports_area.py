"""The screens of "Báo cáo & cấp độ dịch" share one row of tabs, the current screen marked; the navigation's
area opens the dashboard and vaccination its own screen (no longer "chưa có")."""

from __future__ import annotations

import re
from typing import Any

import pytest

from chihuy.accounts.roles import Role
from tests.conftest import LAI_CHAU, session_client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "active"),
    [("/bang-dieu-hanh/", "Bảng điều hành"), ("/cap-do-dich/", "Cấp độ dịch"), ("/bao-cao-ngay/", "Báo cáo ngày")],
)
def test_each_reports_screen_marks_its_tab(make_user: Any, url: str, active: str) -> None:
    client = session_client(make_user(Role.COMMANDER, LAI_CHAU))

    html = client.get(url).content.decode()

    tabs = re.search(r'<ul class="nav nav-tabs[^"]*" id="reports-area-tabs">(.*?)</ul>', html, re.S)
    assert tabs is not None
    marked = re.findall(r'class="nav-link active" aria-current="page" href="[^"]*">([^<]*)<', tabs.group(1))
    assert marked == [active]
    assert 'href="/giao-ban/"' in tabs.group(1)


def test_the_navigation_opens_vaccination_and_the_dashboard(make_user: Any) -> None:
    html = session_client(make_user(Role.COMMANDER, LAI_CHAU)).get("/").content.decode()

    assert 'href="/tiem-chung/"' in html and 'href="/bang-dieu-hanh/"' in html
