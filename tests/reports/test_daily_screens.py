"""Báo cáo ngày screens: the commune fills and submits, a bad figure is shown beside its field, the district's
queue and approval, another district is 404, the bulletin exports open (Excel with openpyxl, PDF bytes)."""

from __future__ import annotations

import io
from typing import Any

import pytest
import time_machine
from django.utils import timezone
from openpyxl import load_workbook

from chihuy.reports import daily
from chihuy.reports.enums import ReportStatus
from chihuy.reports.facts import facts_updated_at
from chihuy.reports.models import DailyReport
from tests.conftest import BAN_GIANG, BINH_LU, TAM_DUONG, session_client, unit
from tests.reports.test_daily import AFTER_CUT, D11, scene  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def page(client: Any, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_the_commune_submits_and_the_district_approves(scene: dict[str, Any]) -> None:  # noqa: F811
    commune = session_client(scene["commune"])
    district = session_client(scene["district"])
    bg = unit(BAN_GIANG)
    with time_machine.travel(AFTER_CUT, tick=False):
        html = page(commune, "/bao-cao-ngay/")
        assert "Xã Bản Giang" in html and 'id="report-submit"' in html
        assert "từ 16h00 ngày 10/11/2021 đến 16h00 ngày 11/11/2021" in html
        assert '<tr data-indicator="f0_new"><td>F0 mới trong ngày</td><td class="text-end fw-semibold">2</td>' in html
        facts_at = timezone.localtime(facts_updated_at())  # a draft says how fresh its computed figures are
        assert f"số liệu cập nhật đến {facts_at:%H:%M %d/%m/%Y} (mỗi phút)" in html

        bad = commune.post("/bao-cao-ngay/", {"m_oxygen_cylinders": "-3", "action": "submit", "ngay": "2021-11-11"})
        assert bad.status_code == 200
        assert 'data-field="m_oxygen_cylinders">Bình oxy: nhập số nguyên không âm.' in bad.content.decode()
        assert not DailyReport.objects.exists()

        done = commune.post(
            "/bao-cao-ngay/", {"m_oxygen_cylinders": "4", "m_f0_new": "3", "action": "submit", "note": "Ổn"}
        )
        assert done.status_code == 302
        report = DailyReport.objects.get(unit=bg, day=D11)
        assert (report.status, report.manual) == (ReportStatus.SUBMITTED, {"oxygen_cylinders": 4, "f0_new": 3})

        queue = page(district, f"/bao-cao-ngay/don-vi-cap-duoi/?ngay={D11}")
        assert f'<tr data-unit="{BAN_GIANG}" data-state="submitted">' in queue
        assert f'<tr data-unit="{BINH_LU}" data-state="pending">' in queue
        review = page(district, f"/bao-cao-ngay/?don_vi={bg.pk}&ngay={D11}")
        assert 'id="report-approve"' in review and 'id="reconciliation"' in review
        assert district.post(f"/bao-cao-ngay/{report.pk}/duyet/").status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED
    with time_machine.travel(AFTER_CUT, tick=False):
        approved = page(commune, f"/bao-cao-ngay/?ngay={D11}")
        assert "Đã duyệt" in approved and 'id="report-facts-at"' not in approved  # frozen: the time no longer applies


def test_outside_the_area_is_404_and_self_approval_403(scene: dict[str, Any]) -> None:  # noqa: F811
    bg = unit(BAN_GIANG)
    with time_machine.travel(AFTER_CUT, tick=False):
        report = daily.report_submit(actor=scene["commune"], unit=bg, day=D11)
        other = session_client(scene["other_district"])
        assert other.get(f"/bao-cao-ngay/?don_vi={bg.pk}&ngay={D11}").status_code == 404
        assert other.post(f"/bao-cao-ngay/{report.pk}/duyet/").status_code == 404
        assert session_client(scene["commune"]).post(f"/bao-cao-ngay/{report.pk}/duyet/").status_code == 403
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def test_bulletin_exports(scene: dict[str, Any]) -> None:  # noqa: F811
    district = session_client(scene["district"])
    td = unit(TAM_DUONG)
    with time_machine.travel(AFTER_CUT, tick=False):
        daily.report_submit(actor=scene["commune"], unit=unit(BAN_GIANG), day=D11, manual={"oxygen_cylinders": 2})
        xlsx = district.get(f"/bao-cao-ngay/ban-tin.xlsx?don_vi={td.pk}&ngay={D11}&loai=tong-hop")
        pdf = district.get(f"/bao-cao-ngay/ban-tin.pdf?don_vi={td.pk}&ngay={D11}&loai=tong-hop")
        week = district.get(f"/bao-cao-ngay/ban-tin.xlsx?don_vi={td.pk}&ngay={D11}&loai=ky&ky=tuan")
        rollup = page(district, f"/bao-cao-ngay/tong-hop-ky/?don_vi={td.pk}&ngay={D11}&ky=thang")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["BẢN TIN · HUYỆN TAM ĐƯỜNG"]
    assert rows[1] == ["Tình hình dịch COVID-19 từ 16h00 ngày 10/11/2021 đến 16h00 ngày 11/11/2021"]
    assert ["F0 mới trong ngày", "3"] in rows
    assert ["Giường bệnh, oxy: Bình oxy", "2"] in rows
    assert ["Xã Bản Giang", "Đã gửi, chờ duyệt", "16:30 11/11"] in rows
    assert pdf.status_code in (200, 503)
    if pdf.status_code == 200:
        assert pdf.content.startswith(b"%PDF")
    week_rows = [
        [c for c in r if c is not None]
        for r in load_workbook(io.BytesIO(week.content)).active.iter_rows(values_only=True)
    ]
    assert week_rows[1] == ["Tình hình dịch COVID-19 từ 16h00 ngày 07/11/2021 đến 16h00 ngày 11/11/2021"]
    assert 'id="rollup-period">Tình hình dịch COVID-19 từ 16h00 ngày 31/10/2021 đến 16h00 ngày 11/11/2021' in rollup
