"""The commander's walk of issue 3 in a real browser: a district commander opens a cluster of Bản Giang (made
through the real services two days ago), sees the unknown-source flag and the epi curve, opens the chain graph
drawn by Cytoscape.js, and sees the overdue 5S steps."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from chihuy.accounts.roles import Role
from chihuy.accounts.services import user_create
from chihuy.cases import services
from chihuy.cases.enums import DetectionWay, Setting
from chihuy.people.services import person_create
from chihuy.places.models import Unit
from tests.conftest import BAN_GIANG, PASSWORD, TAM_DUONG

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


def _login(page: Any, live_server: Any, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def test_district_commander_opens_cluster_graph_and_overdue_list(page: Any, live_server: Any, lai_chau: None) -> None:
    officer = _user("yte.bangiang", Role.HEALTH_OFFICER, BAN_GIANG)
    _user("chihuy.tamduong", Role.COMMANDER, TAM_DUONG)
    commune = Unit.objects.get(path=BAN_GIANG)
    # Reported two days ago (the real clock: the browser's session cookie must not be in the past), nothing
    # traced since: tracing, isolation and treatment are each ~24 h late now.
    then = timezone.now() - dt.timedelta(days=2)
    with time_machine.travel(then, tick=False):
        a, b, c, d = (
            person_create(actor=officer, confirm_new=True, full_name=name, unit=commune)
            for name in ["Lò Văn An", "Lò Thị Bé", "Tẩn Văn Cường", "Giàng Thị Dung"]
        )
        detected = then - dt.timedelta(hours=1)
        sample = timezone.localdate(detected) - dt.timedelta(days=1)
        case_a = services.case_report(
            actor=officer, person=a, detection_way=DetectionWay.COMMUNITY, detected_at=detected, sample_date=sample
        )
        case_b = services.case_report(
            actor=officer,
            person=b,
            detection_way=DetectionWay.COMMUNITY,
            detected_at=detected,
            sample_date=sample,
            source_case_ids=[case_a.pk],
        )
        for contact, setting in [(c, Setting.HOUSEHOLD), (d, Setting.WORKPLACE)]:
            services.contact_add(
                actor=officer,
                source_person=a,
                contact_person=contact,
                exposure_at=detected - dt.timedelta(days=1),
                setting=setting,
                distance_m=0.5,
                masked=False,
            )
        cluster = services.cluster_create(
            actor=officer, name="Ổ dịch Bản Giang", unit=commune, kind="community", case_ids=[case_a.pk, case_b.pk]
        )

    _login(page, live_server, "chihuy.tamduong")
    page.goto(f"{live_server.url}/clusters/")
    row = page.locator(f"tr.cluster-row[data-cluster='{cluster.pk}']")
    assert row.locator(".unknown-badge").inner_text().strip() == "1 ca không rõ nguồn"

    row.locator("a").click()
    page.wait_for_url(re.compile(rf"/clusters/{cluster.pk}/$"))
    assert page.locator("#cluster-name").inner_text() == "Ổ dịch Bản Giang"
    assert case_a.number in page.locator("#unknown-source").inner_text()
    assert page.locator("#contact-levels [data-level='1']").inner_text() == "F1: 2"
    page.wait_for_function("window.chihuyEpiCurve !== undefined")
    assert page.evaluate("window.chihuyEpiCurve.data.datasets[0].data.reduce((a, b) => a + b, 0)") == 2
    assert page.locator("canvas#epi-curve").bounding_box()["height"] > 100

    page.click("#open-graph")
    page.wait_for_url(re.compile(rf"/clusters/{cluster.pk}/graph/$"))
    page.wait_for_selector("#chain-graph[data-state='ready']")
    assert page.evaluate("window.chihuyGraph.nodes().length") == 4
    assert page.evaluate("window.chihuyGraph.edges('.transmission').length") == 1
    assert page.evaluate("window.chihuyGraph.edges('.contact').length") == 2
    assert page.evaluate(f"window.chihuyGraph.getElementById('p{a.pk}').style('background-color')") == "rgb(220,53,69)"
    assert page.locator("#chain-graph canvas").count() > 0
    assert page.locator("#export-png").is_enabled()

    page.goto(f"{live_server.url}/fives/")
    rows = page.locator("#fives-overdue tr.overdue-row")
    assert rows.count() == 6  # two cases × (tracing, isolation, treatment)
    assert {rows.nth(i).get_attribute("data-step") for i in range(6)} == {"tracing", "isolation", "treatment"}
    hours = [float(h.replace(",", ".")) for h in page.locator("#fives-overdue .hours-late").all_inner_texts()]
    assert hours == sorted(hours, reverse=True) and 23 < hours[-1] < 25
