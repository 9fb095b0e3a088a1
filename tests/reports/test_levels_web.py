"""The "Cấp độ dịch" screens: the list of a unit and its children, the unit page (explanation, inputs, the rule
table with the row used), confirm/override with a reason, reassess, capacity, the thresholds page, Excel."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from openpyxl import load_workbook

from chihuy.accounts.roles import Role
from chihuy.core.models import Policy
from chihuy.reports import assess
from chihuy.reports.enums import AssessmentStatus
from chihuy.reports.models import CapacityDeclaration, LevelAssessment
from tests.conftest import BAN_GIANG, BINH_LU, LAI_CHAU, MUONG_SO, PHONG_THO, TAM_DUONG, session_client, unit
from tests.reports.test_levels_assess import NOON, WEEK, row, scene  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def assessed(scene: None) -> None:  # noqa: F811
    with time_machine.travel(NOON, tick=False):
        assess.levels_assess_all(week_end=WEEK)


def test_list_shows_the_unit_and_its_children(assessed: None, make_user: Callable[..., Any]) -> None:
    client = session_client(make_user(Role.COMMANDER, TAM_DUONG))
    response = client.get("/cap-do-dich/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-unit-name="Huyện Tam Đường"' in body
    assert 'data-unit-name="Xã Bản Giang"' in body
    assert "Cấp 3: 60 ca cộng đồng/100.000 dân/tuần (≥ 50)" in body
    assert 'data-unit-name="Xã Mường So"' not in body
    # down the tree, and not outside it
    assert client.get(f"/cap-do-dich/?unit={unit(BAN_GIANG).pk}").status_code == 200
    assert client.get(f"/cap-do-dich/?unit={unit(PHONG_THO).pk}").status_code == 404
    assert client.get(f"/cap-do-dich/don-vi/{unit(MUONG_SO).pk}/").status_code == 404


def test_unit_page_explanation_inputs_and_rule_table(assessed: None, make_user: Callable[..., Any]) -> None:
    client = session_client(make_user(Role.ANALYST, LAI_CHAU))
    body = client.get(f"/cap-do-dich/don-vi/{unit(BAN_GIANG).pk}/").content.decode()
    assert "Cấp 3: 60 ca cộng đồng/100.000 dân/tuần (≥ 50), 80 % người ≥ 18 tuổi" in body
    assert (
        '<tr data-input="population"><th scope="row" class="fw-normal">Dân số</th><td class="text-end">5.000</td>'
        in body
    )
    assert 'rule-used">\n    <th scope="row" class="rule-band">50 – &lt; 150</th>' in body
    assert 'id="decide-form"' not in body  # an analyst cannot decide


def test_decide_through_the_form(assessed: None, make_user: Callable[..., Any]) -> None:
    commander = make_user(Role.COMMANDER, LAI_CHAU)
    client = session_client(commander)
    target = row(BAN_GIANG)
    url = f"/cap-do-dich/danh-gia/{target.pk}/quyet-dinh/"
    with time_machine.travel(NOON, tick=False):
        refused = client.post(url, {"level": "4", "reason": ""})
        assert refused.status_code == 422
        assert "Phải ghi lý do xác nhận hoặc điều chỉnh cấp độ." in refused.content.decode()
        assert row(BAN_GIANG).status == AssessmentStatus.COMPUTED
        done = client.post(url, {"level": "4", "reason": "Ổ dịch chưa rõ nguồn", "ref": "45/QĐ-UBND"})
    assert done.status_code == 302
    decided = row(BAN_GIANG)
    assert (decided.level, decided.status, decided.decision_ref) == (4, AssessmentStatus.OVERRIDDEN, "45/QĐ-UBND")
    with time_machine.travel(NOON, tick=False):
        body = client.get(f"/cap-do-dich/don-vi/{unit(BAN_GIANG).pk}/").content.decode()
    assert "tính lại khác quyết định: hệ thống tính cấp 3" in body
    # a district commander elsewhere: 404; a health officer: 403
    other = session_client(make_user(Role.COMMANDER, PHONG_THO))
    assert other.post(url, {"level": "2", "reason": "x"}).status_code == 404
    officer = session_client(make_user(Role.HEALTH_OFFICER, LAI_CHAU))
    assert officer.post(url, {"level": "2", "reason": "x"}).status_code == 403
    assert row(BAN_GIANG).level == 4


def test_reassess_and_capacity(assessed: None, make_user: Callable[..., Any]) -> None:
    client = session_client(make_user(Role.HEALTH_OFFICER, TAM_DUONG))
    pk = unit(BAN_GIANG).pk
    with time_machine.travel(NOON, tick=False):
        missing = client.post(f"/cap-do-dich/don-vi/{pk}/nang-luc/", {"met": "0", "week_end": "2021-11-14"})
        assert missing.status_code == 422
        assert not CapacityDeclaration.objects.exists()
        client.post(
            f"/cap-do-dich/don-vi/{pk}/nang-luc/", {"met": "0", "reason": "Hết giường", "week_end": "2021-11-14"}
        )
        response = client.post(f"/cap-do-dich/don-vi/{pk}/danh-gia-lai/", {"week_end": "2021-11-14"})
    assert response.status_code == 302
    assert row(BAN_GIANG).inputs["capacity_met"] is False
    assert row(BAN_GIANG).trigger == "on_demand"
    tracer = session_client(make_user(Role.TRACER, TAM_DUONG))
    assert tracer.post(f"/cap-do-dich/don-vi/{pk}/danh-gia-lai/", {}).status_code == 403
    sibling = session_client(make_user(Role.HEALTH_OFFICER, BINH_LU))
    assert sibling.post(f"/cap-do-dich/don-vi/{pk}/danh-gia-lai/", {}).status_code == 404


def test_excel_export(assessed: None, make_user: Callable[..., Any]) -> None:
    client = session_client(make_user(Role.COMMANDER, TAM_DUONG))
    response = client.get("/cap-do-dich/excel/")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Đơn vị", "Tuần đến ngày", "Cấp đang áp dụng", "Cấp hệ thống tính")
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name["Xã Bản Giang"][1:4] == ("14/11/2021", 3, 3)
    assert by_name["Huyện Tam Đường"][7].startswith("Cấp 3: 33,3 ca cộng đồng")


def test_thresholds_page_adds_a_row_and_keeps_the_old(make_user: Callable[..., Any]) -> None:
    viewer = session_client(make_user(Role.COMMANDER, TAM_DUONG))
    page = viewer.get("/cap-do-dich/nguong/?rule_set=4800")
    assert page.status_code == 200
    assert 'id="rule-form"' not in page.content.decode()
    assert viewer.post("/cap-do-dich/nguong/", {"rule_set": "4800"}).status_code == 403
    client = session_client(make_user(Role.COMMANDER, LAI_CHAU))
    form = {
        "rule_set": "4800",
        "valid_from": "2021-12-01",
        "source_document": "Quyết định của UBND tỉnh",
        "bands": "0, 20, 50, 150",
        "matrix_high_coverage": "1, 1, 2, 3, 4",
        "matrix_low_coverage": "1, 2, 3, 4, 4",
        "coverage_high.adult_one_dose_pct": "75",
        "coverage_high.over50_full_pct": "80",
        "capacity_not_met": "up",
    }
    bad = client.post("/cap-do-dich/nguong/", {**form, "bands": "0, 50, 20"})
    assert bad.status_code == 422
    assert "Các ngưỡng phải bắt đầu bằng 0 và tăng dần." in bad.content.decode()
    assert client.post("/cap-do-dich/nguong/", form).status_code == 302
    rows = list(Policy.objects.filter(key="level.4800").order_by("valid_from").values_list("valid_from", "valid_to"))
    assert rows == [(dt.date(2021, 10, 12), dt.date(2021, 12, 1)), (dt.date(2021, 12, 1), None)]
    new = Policy.objects.get(key="level.4800", valid_from=dt.date(2021, 12, 1)).value
    assert new["coverage_high"] == {"adult_one_dose_pct": 75, "over50_full_pct": 80}
    assert new["capacity_not_met"] == "up"
    assert LevelAssessment.objects.count() == 0


def test_the_list_reads_the_same_number_of_statements_for_any_number_of_children(
    assessed: None, make_user: Callable[..., Any]
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = session_client(make_user(Role.COMMANDER, LAI_CHAU))
    counts = []
    for path in (TAM_DUONG, PHONG_THO, BAN_GIANG):  # two districts of different sizes, a commune (none below)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/cap-do-dich/?unit={unit(path).pk}").status_code == 200
        counts.append(len(ctx))
    assert len(set(counts)) == 1, counts
