"""The capacity landing page and the treatment screens (helper E): figures with their time, Excel export, the htmx
body, out-of-area facilities hidden; admit an F0 by case number, record, transfer with a reason, discharge refused
with the criteria explained."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from openpyxl import load_workbook

from chihuy.accounts.roles import Role
from chihuy.cases import services as case_services
from chihuy.isolation.enums import StayStatus
from chihuy.isolation.models import Facility, Stay, TreatmentRecord
from tests.conftest import PHONG_THO, session_client
from tests.isolation.fixtures import free_beds
from tests.labs.fixtures import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def f0_case(make_person: Any, commune_officer: Any) -> Any:
    person = make_person(full_name="Lò Văn Pằn", sex="M", birth_year=1980)
    return case_services.case_report(
        actor=commune_officer,
        person=person,
        detection_way="community",
        detected_at=at(8),
        sample_date=dt.date(2021, 11, 7),
    )


def test_capacity_page_shows_figures_with_their_time(
    treatment_facilities: dict[int, Facility], quarantine: Facility, manager: Any, pinned_clock: Any
):
    pinned_clock.move_to(at(10, 9, 3))
    client = session_client(manager)
    response = client.get("/cach-ly/")
    assert response.status_code == 200
    body = response.content.decode()
    # Figures were set at 09:00 by the fixtures; read at 09:03.
    assert "Số liệu cập nhật lúc 09:00 (3 phút trước)" in body
    rows = response.context["facilities"]
    assert [(r["row"].label, r["row"].total, r["row"].free) for r in rows] == [
        (treatment_facilities[1].name, 16, 16),  # "Cơ sở …", "Khu …", "Trung tâm …": by unit, then name
        (quarantine.name, 22, 22),
        (treatment_facilities[2].name, 6, 6),
    ]
    assert [r["row"].key for r in response.context["tiers"]] == ["quarantine", "tier1", "tier2"]
    assert 'href="/cach-ly/co-so/"' in body and 'href="/cach-ly/tai-nha/"' in body
    htmx = client.get("/cach-ly/cong-suat/bang/")
    assert htmx.status_code == 200 and 'hx-trigger="every 60s"' in htmx.content.decode()
    export = client.get("/cach-ly/cong-suat.xlsx")
    sheet = load_workbook(io.BytesIO(export.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][:4] == ["nhóm", "tên", "số cơ sở", "tổng giường"]
    assert values[1][1:8] == ["Toàn địa bàn", 3, 44, 0, 0, 0, 44]
    assert values[1][10] == "09:00 10/11/2021"


def test_capacity_of_another_district_is_not_shown(treatment_facilities: dict[int, Facility], make_user: Any):
    other = make_user(Role.FACILITY_MANAGER, PHONG_THO)
    response = session_client(other).get("/cach-ly/")
    assert response.context["facilities"] == []
    assert 'id="capacity-empty"' in response.content.decode()


def test_admit_record_transfer_and_discharge_on_screens(
    treatment_facilities: dict[int, Facility], f0_case: Any, commune_officer: Any
):
    client = session_client(commune_officer)
    tier1, tier2 = treatment_facilities[1], treatment_facilities[2]
    queue = client.get("/cach-ly/dieu-tri/tiep-nhan/")
    assert [c.number for c in queue.context["waiting"].items] == [f0_case.number]
    assert f'data-case="{f0_case.number}"' in queue.content.decode()
    page = client.get("/cach-ly/dieu-tri/tiep-nhan/", {"ma_ca": f0_case.number})
    assert page.context["case"] == f0_case
    beds = client.get("/cach-ly/dieu-tri/giuong/", {"facility": tier1.pk}).content.decode()
    bed = free_beds(tier1, "T1-01")[0]
    assert f'value="{bed.pk}"' in beds
    response = client.post(
        "/cach-ly/dieu-tri/tiep-nhan/",
        {"ma_ca": f0_case.number, "facility": tier1.pk, "bed": bed.pk, "clinical_state": "mild", "oxygen_mode": "none"},
    )
    stay = Stay.objects.get(person=f0_case.person, status=StayStatus.ACTIVE)
    assert response.status_code == 302 and response["Location"] == f"/cach-ly/dieu-tri/{stay.pk}/"
    response = client.post(
        f"/cach-ly/dieu-tri/{stay.pk}/ghi-nhan/",
        {"on": "2021-11-10", "clinical_state": "moderate", "oxygen_mode": "mask", "spo2": "93"},
    )
    assert response.status_code == 302
    assert TreatmentRecord.objects.get(stay=stay).oxygen_mode == "mask"
    assert client.get("/cach-ly/dieu-tri/tiep-nhan/").context["waiting"].items == []
    # Transfer without a reason: the error sits beside the field; nothing moved.
    tier2_bed = free_beds(tier2, "T2-01")[0]
    response = client.post(f"/cach-ly/dieu-tri/{stay.pk}/chuyen/", {"facility": tier2.pk, "bed": tier2_bed.pk})
    assert response.status_code == 422
    assert response.context["transfer_form"].errors["reason"]
    response = client.post(
        f"/cach-ly/dieu-tri/{stay.pk}/chuyen/",
        {"facility": tier2.pk, "bed": tier2_bed.pk, "reason": "SpO2 93 %, thở oxy"},
    )
    new = Stay.objects.get(person=f0_case.person, status=StayStatus.ACTIVE)
    assert response["Location"] == f"/cach-ly/dieu-tri/{new.pk}/"
    assert (new.tier, new.previous_id, new.oxygen_mode) == (2, stay.pk, "mask")
    page = client.get(f"/cach-ly/dieu-tri/{new.pk}/")
    assert [s.pk for s in page.context["chain"]] == [stay.pk, new.pk]
    assert 'id="transfer-reason"' in page.content.decode()
    # Discharge on day 1: refused, the verdict and the missing criteria are on the page.
    response = client.post(f"/cach-ly/dieu-tri/{new.pk}/ra-vien/", {"outcome": "recovered"})
    assert response.status_code == 422
    assert "Chưa đủ tiêu chuẩn ra viện" in response.context["discharge_form"].errors["outcome"][0]
    listing = client.get("/cach-ly/dieu-tri/", {"tang": 2})
    assert [s.pk for s in listing.context["page"].items] == [new.pk]
    assert client.get("/cach-ly/dieu-tri/", {"oxy": "hfnc"}).context["page"].items == []
    export = client.get("/cach-ly/dieu-tri/xuat.xlsx", {"trang_thai": "all"})
    rows = [[c.value for c in r] for r in load_workbook(io.BytesIO(export.content)).active.iter_rows()]
    assert [r[2:5] + r[8:9] + r[10:11] for r in rows[1:]] == [
        [f0_case.number, tier2.name, 2, "Oxy gọng mũi / mặt nạ", "Đang cách ly / điều trị"],
        [f0_case.number, tier1.name, 1, "Oxy gọng mũi / mặt nạ", "Đã chuyển nơi khác"],
    ]
