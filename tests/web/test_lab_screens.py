"""The lab's screens: its home (boxes on the road, the queue overdue first), receiving a box by scanning with
the discrepancy shown, one result by form (a single positive becomes an F0), a result file through its job
page with the row errors, and the turnaround dashboard."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from chihuy.accounts.roles import Role
from chihuy.cases.models import Case, Classification
from chihuy.core.models import Job, JobStatus
from chihuy.labs import services
from chihuy.labs.enums import CampaignKind, Result, SampleStatus, ShipmentStatus, TargetReason
from chihuy.labs.models import CampaignTarget, Lab, Sample
from chihuy.places.enums import SiteKind
from chihuy.places.models import Site, Unit
from chihuy.response import labs as response
from tests.conftest import LAI_CHAU, TAM_DUONG

# Bản Giang, November 2021 (seed 001), the clock pinned like tests/labs.
NOW = dt.datetime(2021, 11, 10, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))


@pytest.fixture(autouse=True)
def pinned_clock() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


pytestmark = pytest.mark.django_db


def client_of(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _take(officer: Any, code: str, people: list[Any], **extra: Any) -> Sample:
    return services.sample_take(actor=officer, code=code, person_ids=[p.pk for p in people], **extra)


def test_lab_home_for_a_member_and_not_found_for_another_labs_technician(
    officer, technician, lab, residents, ship_and_receive, admin_user, make_user
) -> None:
    _take(officer, "BG-0001", residents[:1], collected_at=NOW - dt.timedelta(hours=13))
    _take(officer, "BG-0002", residents[1:2])
    ship_and_receive(["BG-0001", "BG-0002"])
    _take(officer, "BG-0003", residents[2:3])
    services.shipment_create(actor=officer, lab=lab, sample_codes=["BG-0003"])

    page = client_of(technician).get(f"/xet-nghiem/phong/{lab.pk}/")
    body = page.content.decode()
    assert page.status_code == 200
    # Overdue first, with the hours: BG-0001 was due an hour ago, BG-0002 has 12 hours left.
    rows = body.split('class="queue-row')[1:]
    assert [r.split('data-code="')[1].split('"')[0] for r in rows] == ["BG-0001", "BG-0002"]
    assert "table-danger" in rows[0] and "quá 1,0 giờ" in rows[0]
    assert "còn 12,0 giờ" in rows[1]
    assert 'id="count-boxes">1<' in body and 'id="count-overdue">1<' in body
    assert 'class="box-row' in body and f"/xet-nghiem/phong/{lab.pk}/nhan/" in body

    elsewhere = make_user(Role.LAB_TECHNICIAN, TAM_DUONG)
    site = Site.objects.create(
        kind=SiteKind.LAB,
        name="Phòng xét nghiệm TTYT Tam Đường",
        unit=Unit.objects.get(path=TAM_DUONG),
        unit_path=TAM_DUONG,
    )
    other = services.lab_upsert(actor=admin_user, site=site, daily_capacity=300, member_ids=[elsewhere.pk])
    stranger = client_of(elsewhere)
    assert stranger.get(f"/xet-nghiem/phong/{lab.pk}/").status_code == 404
    assert stranger.get(f"/xet-nghiem/phong/{other.pk}/").status_code == 200
    assert client_of(officer).get(f"/xet-nghiem/phong/{lab.pk}/").status_code == 404


def test_receiving_with_one_missing_code_shows_the_discrepancy(officer, technician, lab, residents) -> None:
    for i, person in enumerate(residents[:3]):
        _take(officer, f"BG-000{i + 1}", [person])
    shipment = services.shipment_create(actor=officer, lab=lab, sample_codes=["BG-0001", "BG-0002", "BG-0003"])
    client = client_of(technician)
    url = f"/xet-nghiem/phong/{lab.pk}/nhan/{shipment.pk}/"
    assert 'id="scan-declared">3<' in client.get(url).content.decode()

    # The scanner: a running count against the declared count; a second scan of the same code is ignored.
    scan = client.post(url + "quet/", {"codes": "BG-0001", "scan": "bg-0002"}, headers={"HX-Request": "true"})
    fragment = scan.content.decode()
    assert fragment.lstrip().startswith('<div id="scan-state"')
    assert 'id="scan-count">2<' in fragment and 'id="scan-missing">còn thiếu 1<' in fragment
    again = client.post(url + "quet/", {"codes": "BG-0001\nBG-0002", "scan": "BG-0002"}, headers={"HX-Request": "1"})
    assert 'id="scan-count">2<' in again.content.decode() and "bỏ qua: BG-0002" in again.content.decode()
    stray = client.post(url + "quet/", {"codes": "BG-0001\nBG-0002", "scan": "XX-9"}, headers={"HX-Request": "1"})
    assert 'id="scan-unexpected">1 không thuộc chuyến<' in stray.content.decode()

    done = client.post(url, {"codes": "BG-0001\nBG-0002\nBG-0002"})
    assert done.status_code == 302 and done["Location"] == url
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.DISCREPANCY and shipment.missing_codes == ["BG-0003"]
    body = client.get(url).content.decode()
    assert 'data-status="discrepancy"' in body
    assert 'id="missing-codes">BG-0003<' in body
    assert Sample.objects.get(code="BG-0001").status == SampleStatus.RECEIVED
    assert Sample.objects.get(code="BG-0003").status == SampleStatus.SHIPPED


def test_result_form_positive_single_tube_creates_the_f0(
    officer, technician, lab, residents, ship_and_receive, make_user
) -> None:
    _take(officer, "BG-0007", residents[:1])
    _take(officer, "BG-0008", residents[1:2])
    ship_and_receive(["BG-0007"])
    client = client_of(technician)
    url = f"/xet-nghiem/phong/{lab.pk}/ket-qua/"

    found = client.get(url, {"ma": "bg-0007"}).content.decode()
    assert 'id="result-form"' in found and "Lò Văn An" in found and 'name="ct_orf1ab"' in found

    # Errors beside the field: Ct out of range; a tube never received is refused at the scan.
    wrong = client.post(url, {"ma": "BG-0007", "result": "positive", "ct_e": "52"})
    assert wrong.status_code == 422
    assert 'data-field="ct_e">Ct gen E = 52 ngoài khoảng' in wrong.content.decode()
    never = client.get(url, {"ma": "BG-0008"}).content.decode()
    assert 'id="tube-error"' in never and 'id="result-form"' not in never

    saved = client.post(url, {"ma": "BG-0007", "result": "positive", "ct_e": "21,5", "ct_n": "23"})
    assert saved.status_code == 302
    case = Case.objects.get(person=residents[0])
    assert case.result_ref == "BG-0007" and case.ct_value == 21.5
    assert Classification.objects.get(person=residents[0]).level == 0
    outcome = client.get(url).content.decode()
    assert f'<strong class="case-number">{case.number}</strong>' in outcome  # a technician sees the number

    # Entered twice: nothing changes, and the screen says so.
    client.post(url, {"ma": "BG-0007", "result": "positive", "ct_e": "21.5", "ct_n": "23"})
    assert 'id="result-unchanged"' in client.get(url).content.decode()
    assert Case.objects.filter(person=residents[0]).count() == 1


def test_upload_runs_as_a_job_and_its_page_lists_the_row_errors(
    officer, technician, lab, residents, ship_and_receive, django_capture_on_commit_callbacks
) -> None:
    campaign = services.campaign_create(
        actor=officer,
        name="Sàng lọc bản",
        kind=CampaignKind.VILLAGE,
        unit=residents[0].unit,
        planned_on=NOW.date(),
        pool_size=5,
        lab=lab,
    )
    _take(officer, "BG-P001", residents[:5], campaign=campaign)
    _take(officer, "BG-P002", residents[5:], campaign=campaign)
    ship_and_receive(["BG-P001", "BG-P002"])
    data = "ma_mau,ket_qua,so_mau_gop,ct_e\nBG-P001,dương tính,5,25\nBG-P002,âm tính,1,\nBG-NOPE,âm tính,,\n".encode()
    client = client_of(technician)
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(f"/xet-nghiem/phong/{lab.pk}/tai-ket-qua/", {"file": SimpleUploadedFile("kq.csv", data)})
    job = Job.objects.get(kind="labs.results")
    assert started.status_code == 302 and started["Location"] == f"/xet-nghiem/phong/{lab.pk}/tep/{job.pk}/"
    assert job.status == JobStatus.SUCCEEDED
    body = client.get(started["Location"]).content.decode()
    assert 'id="report-applied">2<' in body and 'id="report-positives">1<' in body
    assert 'id="report-follow-ups">5<' in body
    assert '<tr class="error-row" data-row="4" data-field="ma_mau">' in body
    assert "hx-trigger" not in body
    assert CampaignTarget.objects.filter(reason=TargetReason.RETEST).count() == 5

    export = client.get(f"/xet-nghiem/phong/{lab.pk}/tep/{job.pk}/loi.xlsx")
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[0][:2] == ["ma_mau", "ket_qua"] and rows[0][-2:] == ["dong_goc", "loi"]
    assert len(rows) == 2 and rows[1][0] == "BG-NOPE" and rows[1][-2] == 4

    bad = client.post(f"/xet-nghiem/phong/{lab.pk}/tai-ket-qua/", {"file": SimpleUploadedFile("kq.pdf", b"%PDF")})
    assert bad.status_code == 422 and "Chỉ nhận tệp CSV" in bad.content.decode()
    assert Job.objects.count() == 1


def test_turnaround_dashboard_shows_the_median_and_the_overdue_tubes(
    officer, technician, lab, residents, ship_and_receive, make_user
) -> None:
    for i, hours in enumerate([5, 6, 8]):
        _take(officer, f"BG-T00{i}", [residents[i]], collected_at=NOW - dt.timedelta(hours=hours))
    _take(officer, "BG-LATE", [residents[3]], collected_at=NOW - dt.timedelta(hours=14))
    ship_and_receive(["BG-T000", "BG-T001", "BG-T002", "BG-LATE"])
    for i in range(3):
        response.result_record(actor=technician, sample=Sample.objects.get(code=f"BG-T00{i}"), result=Result.NEGATIVE)

    commander = make_user(Role.COMMANDER, TAM_DUONG)
    page = client_of(commander).get("/xet-nghiem/thoi-gian/")
    body = page.content.decode()
    assert page.status_code == 200
    assert 'id="stat-median">6,0<' in body
    assert 'id="stat-overdue">1<' in body and 'id="stat-backlog">1<' in body
    assert f'data-lab="{lab.pk}"' in body
    assert '<tr class="overdue-row table-danger" data-code="BG-LATE">' in body
    assert '<td class="text-end fw-bold hours-late">2,0</td>' in body
    assert 'hx-trigger="every 60s"' in body
    fragment = client_of(commander).get("/xet-nghiem/thoi-gian/", headers={"HX-Request": "true"}).content.decode()
    assert 'id="stat-median">6,0<' in fragment and "<html" not in fragment

    export = client_of(commander).get("/xet-nghiem/thoi-gian/qua-han.xlsx")
    sheet = load_workbook(io.BytesIO(export.content)).active
    row = [c.value for c in sheet[2]]
    assert row[0] == "BG-LATE" and row[-1] == 2.0


def test_lab_queue_query_count_does_not_grow_with_the_tubes(
    officer, technician, lab, make_person, village, ship_and_receive
) -> None:
    people = [make_person(full_name=f"Lò Văn Số {i}", unit=village) for i in range(12)]
    client = client_of(technician)

    def queries(codes: list[str], persons: list[Any]) -> int:
        for code, person in zip(codes, persons, strict=True):
            _take(officer, code, [person])
        ship_and_receive(codes)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/xet-nghiem/phong/{lab.pk}/").status_code == 200
        return len(ctx.captured_queries)

    few = queries(["Q-001", "Q-002"], people[:2])
    many = queries([f"Q-1{i:02d}" for i in range(10)], people[2:])
    assert few == many


def test_lab_manager_and_unknown_lab(admin_user: Any, lab: Lab, make_user: Any) -> None:
    client = client_of(admin_user)  # a sysadmin of the province manages its labs
    assert client.get(f"/xet-nghiem/phong/{lab.pk}/").status_code == 200
    assert client.get(f"/xet-nghiem/phong/{lab.pk + 100}/").status_code == 404
    assert client.get(f"/xet-nghiem/phong/{lab.pk}/ket-qua/").status_code == 200
    commander = client_of(make_user(Role.COMMANDER, LAI_CHAU))  # sees samples, does no lab work
    assert commander.get(f"/xet-nghiem/phong/{lab.pk}/").status_code == 404
    assert commander.get(f"/xet-nghiem/phong/{lab.pk}/ket-qua/").status_code == 403


def test_turnaround_dashboard_query_count_does_not_grow_with_the_overdue_tubes(
    officer, technician, lab, make_person, village, ship_and_receive
) -> None:
    people = [make_person(full_name=f"Tao Thị Số {i}", unit=village) for i in range(12)]
    client = client_of(officer)
    late = NOW - dt.timedelta(hours=13)

    def queries(codes: list[str], persons: list[Any]) -> int:
        for code, person in zip(codes, persons, strict=True):
            _take(officer, code, [person], collected_at=late)
        ship_and_receive(codes)
        with CaptureQueriesContext(connection) as ctx:
            body = client.get("/xet-nghiem/thoi-gian/").content.decode()
        assert body.count('class="overdue-row') == len(persons) + (2 if len(persons) > 2 else 0)
        return len(ctx.captured_queries)

    few = queries(["L-001", "L-002"], people[:2])
    many = queries([f"L-1{i:02d}" for i in range(10)], people[2:])
    assert few == many
