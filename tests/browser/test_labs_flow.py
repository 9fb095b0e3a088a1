"""The testing walk of issue 5 in a real browser: a Bản Giang village campaign of 200 people in 40 pools of 5,
planned on the campaign screen and the first tube closed on the phone sampling screen; the lab receives the box
by scanning, uploads a result file with 2 positive pools and 38 negatives, and sees the 10 retests; the retests
are taken and received, the lab enters one positive by form and the F0 is created with tracing started; the
people and the commune are told; the turnaround dashboard shows the median. Then a retest tube stays without a
result: the clock passes 12 h after its collection, the sweep alerts the lab and the commune, and the dashboard
lists the tube as overdue.

The live server runs on the real clock (the browser's session cookie must not be in the past): the other 39
pools are made 6 hours ago, and for the overdue step the clock is moved forward (time-machine moves it for the
live server's thread too), where the officer logs in again."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from chihuy.accounts.roles import Role
from chihuy.accounts.services import user_create
from chihuy.cases.models import Case, Classification
from chihuy.labs import services
from chihuy.labs.enums import TargetReason, TargetStatus
from chihuy.labs.models import Campaign, CampaignTarget, Sample
from chihuy.notify.models import Delivery, Message
from chihuy.people.services import person_create
from chihuy.places.enums import SiteKind
from chihuy.places.models import Site, Unit
from tests.conftest import BAN_GIANG, LAI_CHAU, PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _user(username: str, role: str, path: str) -> Any:
    return user_create(
        actor=None,
        username=username,
        password=PASSWORD,
        unit=Unit.objects.get(path=path),
        roles=[role],
        full_name=username,
        phone=f"09120{len(username):05d}",
    )


def _login(page: Any, live_server: Any, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def _village() -> Unit:
    commune = Unit.objects.get(path=BAN_GIANG)
    return Unit.objects.filter(parent=commune, level="village").order_by("path").first() or Unit.objects.create(
        code="90001",
        name="Bản Giang",
        level="village",
        parent=commune,
        path=f"{BAN_GIANG}90001/",
        depth=commune.depth + 1,
    )


def _result_file(pools: list[str], positive: set[str]) -> bytes:
    rows = ["ma_mau,ket_qua,so_mau_gop,ct_e,ct_n,ct_rdrp,ct_orf1ab,ghi_chu"]
    for code in pools:
        if code in positive:
            rows.append(f"{code},dương tính,5,24.5,26.1,27.0,,")
        else:
            rows.append(f"{code},âm tính,5,,,,,")
    return ("\n".join(rows) + "\n").encode()


def test_village_campaign_pools_retests_f0_turnaround_and_overdue_alert(
    browser: Any, page: Any, live_server: Any, lai_chau: None
) -> None:
    officer = _user("yte.bangiang", Role.HEALTH_OFFICER, BAN_GIANG)
    technician = _user("ktv.cdclaichau", Role.LAB_TECHNICIAN, LAI_CHAU)
    admin = _user("quantri.laichau", Role.SYSADMIN, LAI_CHAU)
    site = Site.objects.create(
        kind=SiteKind.LAB,
        name="Phòng xét nghiệm CDC Lai Châu",
        unit=Unit.objects.get(path=LAI_CHAU),
        unit_path=LAI_CHAU,
    )
    lab = services.lab_upsert(actor=admin, site=site, daily_capacity=2000, member_ids=[technician.pk])
    village = _village()
    people = [
        person_create(
            actor=admin,
            confirm_new=True,
            full_name=f"Lò Văn Giang {i:03d}",
            unit=village,
            birth_year=1950 + i % 60,
            phone=f"0913{i:06d}",
        )
        for i in range(200)
    ]
    today = timezone.localdate()

    # 1. The commune health officer plans the campaign: the village, pools of 5, the provincial lab.
    _login(page, live_server, "yte.bangiang")
    page.click("nav >> [data-area=labs]")
    page.wait_for_url(re.compile(r"/xet-nghiem/$"))
    page.click("#campaign-new")
    page.fill("#id_name", "Sàng lọc bản Bản Giang")
    page.select_option("#id_kind", "village")
    page.select_option("#id_unit", str(village.pk))
    page.fill("#id_planned_on", today.isoformat())
    page.select_option("#id_pool_size", "5")
    page.select_option("#id_lab", str(lab.pk))
    page.click("#campaign-save")
    page.wait_for_url(re.compile(r"/xet-nghiem/dot/\d+/$"))
    campaign = Campaign.objects.get(name="Sàng lọc bản Bản Giang")
    assert (campaign.pool_size, campaign.lab_id, campaign.targets.count()) == (5, lab.pk, 200)

    # 2. The first tube on the phone sampling screen: five people found (by phone), the tube's code, Enter.
    page.click("#sampling-link")
    page.wait_for_url(re.compile(r"/lay-mau/$"))
    for person in people[:5]:
        page.fill("#search-q", person.phone)
        page.locator(f"#search-results [data-person='{person.pk}']").click()
    assert page.locator("#tube-count").inner_text() == "5"
    page.fill("#id_code", "BG-P01")
    page.locator("#id_code").press("Enter")
    page.wait_for_selector("#saved-tube")
    assert sorted(Sample.objects.get(code="BG-P01").members.values_list("person_id", flat=True)) == sorted(
        p.pk for p in people[:5]
    )
    # The other 39 pools were taken this morning, 6 hours ago.
    morning = timezone.now() - dt.timedelta(hours=6)
    for n in range(2, 41):
        group = people[(n - 1) * 5 : n * 5]
        services.sample_take(
            actor=officer,
            code=f"BG-P{n:02d}",
            person_ids=[p.pk for p in group],
            campaign=campaign,
            collected_at=morning,
        )
    pools = [f"BG-P{n:02d}" for n in range(1, 41)]
    shipment = services.shipment_create(actor=officer, lab=lab, sample_codes=pools)

    # 3. The lab receives the box by scanning each tube (one scanned twice: ignored).
    lab_context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    lab_page = lab_context.new_page()
    _login(lab_page, live_server, "ktv.cdclaichau")
    lab_page.goto(f"{live_server.url}/xet-nghiem/phong/{lab.pk}/")
    lab_page.locator(f".box-row[data-code='{shipment.code}'] .receive-link").click()
    lab_page.wait_for_url(re.compile(rf"/nhan/{shipment.pk}/$"))
    for i, code in enumerate([*pools, "BG-P07"]):
        lab_page.fill("#scan-input", code.lower())
        lab_page.locator("#scan-input").press("Enter")
        expected = str(min(i + 1, 40))
        lab_page.wait_for_function(
            f"document.getElementById('scan-count').textContent === '{expected}'"
            " && document.getElementById('scan-input').value === ''"
        )
    assert "bỏ qua: BG-P07" in lab_page.locator("#scan-notice").inner_text()
    assert lab_page.locator("#scan-declared").inner_text() == "40"
    lab_page.click("#receive-submit")
    lab_page.wait_for_selector("#receive-outcome[data-status='received']")

    # 4. The result file: pools 03 and 17 positive, 38 negative.
    lab_page.click("#lab-nav-upload")
    lab_page.set_input_files(
        "#id_file",
        files=[{"name": "ket-qua.csv", "mimeType": "text/csv", "buffer": _result_file(pools, {"BG-P03", "BG-P17"})}],
    )
    lab_page.click("#upload-submit")
    lab_page.wait_for_selector("#job-progress[data-status='succeeded'] #results-report")
    assert lab_page.locator("#report-applied").inner_text() == "40"
    assert lab_page.locator("#report-positives").inner_text() == "2"
    assert lab_page.locator("#report-follow-ups").inner_text() == "10"
    assert lab_page.locator("#report-no-errors").is_visible()
    retests = CampaignTarget.objects.filter(reason=TargetReason.RETEST, status=TargetStatus.PENDING)
    positive_people = {p.pk for p in people[10:15] + people[80:85]}
    assert set(retests.values_list("person_id", flat=True)) == positive_people

    # 5. The retests are taken and sent; the lab pastes their codes and receives them.
    retest_people = people[10:15] + people[80:85]
    for i, person in enumerate(retest_people):
        services.sample_take(actor=officer, code=f"BG-R{i:02d}", person_ids=[person.pk], campaign=campaign)
    retest_codes = [f"BG-R{i:02d}" for i in range(10)]
    second = services.shipment_create(actor=officer, lab=lab, sample_codes=retest_codes)
    lab_page.goto(f"{live_server.url}/xet-nghiem/phong/{lab.pk}/nhan/{second.pk}/")
    lab_page.fill("#paste-input", "\n".join(retest_codes))
    lab_page.click("#paste-add")
    lab_page.wait_for_function("document.getElementById('scan-count').textContent === '10'")
    lab_page.click("#receive-submit")
    lab_page.wait_for_selector("#receive-outcome[data-status='received']")

    # 6. One person positive by form: the F0 is created at once.
    confirmed = retest_people[7]
    lab_page.click("#lab-nav-result")
    lab_page.fill("#id_ma", "bg-r07")
    lab_page.locator("#id_ma").press("Enter")
    lab_page.wait_for_selector("#result-form")
    assert confirmed.full_name in lab_page.locator("#tube-members").inner_text()
    lab_page.check("input[name=result][value=positive]")
    lab_page.fill("#id_ct_e", "22,4")
    lab_page.fill("#id_ct_n", "23.9")
    lab_page.click("#result-submit")
    lab_page.wait_for_selector("#result-outcome")
    case = Case.objects.get(person=confirmed)
    assert case.result_ref == "BG-R07" and case.ct_value == 22.4
    assert lab_page.locator("#result-cases .case-number").inner_text() == case.number
    assert Classification.objects.get(person=confirmed).level == 0
    lab_context.close()

    # Tracing started: the commune opens the case.
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    assert case.number in page.locator("main").inner_text()
    assert confirmed.full_name in page.locator("main").inner_text()

    # Results told: every person of a resulted tube, and the commune for each positive tube (2 pools + 1 person).
    told = Delivery.objects.filter(message__template="labs.result_person")
    retest = Sample.objects.get(code="BG-R07")
    assert told.filter(message__source=f"labs.sample:{retest.pk}").get().address == confirmed.phone
    assert told.filter(address=people[0].phone).count() == 1  # the first pool's negative
    assert Message.objects.filter(template="labs.positive_commune").count() == 3

    # 7. The turnaround on the dashboard: 39 pools at 6 h; the first pool and the retest within minutes.
    page.goto(f"{live_server.url}/xet-nghiem/")
    page.click("#turnaround-link")
    page.wait_for_url(re.compile(r"/xet-nghiem/thoi-gian/$"))
    assert page.locator("#stat-median").inner_text() == "6,0"
    assert page.locator("#stat-within").inner_text() == "100,0%"
    assert page.locator(f"#per-campaign .campaign-row[data-campaign='{campaign.pk}'] .stat-taken").inner_text() == "50"
    assert page.locator("#stat-overdue").inner_text() == "0"
    assert page.locator("#overdue-empty").is_visible()

    # 8. Nine retests still have no result. Not yet overdue; 12 hours after their collection, the sweep alerts.
    assert services.overdue_alert() == 0
    pending = Sample.objects.get(code="BG-R02")
    with time_machine.travel(pending.collected_at + dt.timedelta(hours=12, minutes=5), tick=True):
        assert services.overdue_alert() == 9
        alerts = Delivery.objects.filter(message__template="labs.overdue")
        assert {technician.pk, officer.pk} <= set(alerts.values_list("user_id", flat=True))
        assert "9 mẫu" in alerts.filter(user=officer).first().message.subject  # type: ignore[union-attr]
        _login(page, live_server, "yte.bangiang")  # 12 hours later: a new session
        page.goto(f"{live_server.url}/xet-nghiem/thoi-gian/")
        assert page.locator("#stat-overdue").inner_text() == "9"
        row = page.locator("#overdue-table .overdue-row[data-code='BG-R02']")
        assert row.locator(".hours-late").inner_text() == "0,1"
        assert page.locator("#overdue-table .overdue-row").count() == 9
        assert page.locator("#overdue-table .overdue-row[data-code='BG-R07']").count() == 0
