"""The field testing screens: the testing index, planning a campaign, the campaign page with its Excel, labels and
tally sheet, the phone sampling screen (pooled tubes, reused codes, people already sampled), follow-up tubes,
rapid antigen entry, shipments, and the test history on a person's page. A commune officer of another district
gets 404; a lab technician cannot plan campaigns."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from chihuy.accounts.roles import Role
from chihuy.labs import services
from chihuy.labs.enums import CampaignKind, CampaignStatus, Result, SampleKind, TargetReason, TargetStatus
from chihuy.labs.models import Campaign, CampaignTarget, Lab, Sample, Shipment
from chihuy.places.models import Unit
from chihuy.response import labs as response
from tests.conftest import BAN_GIANG, MUONG_SO, session_client

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2021, 11, 10, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))


@pytest.fixture(autouse=True)
def pinned_clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def campaign(officer: Any, lab: Lab, village: Unit, residents: list[Any]) -> Campaign:
    return services.campaign_create(
        actor=officer,
        name="Sàng lọc bản",
        kind=CampaignKind.VILLAGE,
        unit=village,
        planned_on=NOW.date(),
        pool_size=5,
        lab=lab,
        teams=["Tổ 1", "Tổ 2"],
        sites=["Nhà văn hóa"],
    )


def test_every_screen_renders_for_a_ban_giang_officer(officer: Any, campaign: Campaign) -> None:
    client = session_client(officer)
    sample = services.sample_take(
        actor=officer, code="BG-0001", person_ids=[CampaignTarget.objects.first().person_id], campaign=campaign
    )  # type: ignore[union-attr]
    shipment = services.shipment_create(actor=officer, lab=campaign.lab, sample_codes=[sample.code])  # type: ignore[arg-type]
    urls = [
        "/xet-nghiem/",
        "/xet-nghiem/dot/moi/",
        f"/xet-nghiem/dot/{campaign.pk}/",
        f"/xet-nghiem/dot/{campaign.pk}/lay-mau/",
        f"/xet-nghiem/dot/{campaign.pk}/lay-mau/tim/?q=lo van",
        f"/xet-nghiem/dot/{campaign.pk}/nhan-ong/",
        f"/xet-nghiem/dot/{campaign.pk}/kiem-dem/",
        f"/xet-nghiem/dot/{campaign.pk}/kiem-dem.xlsx",
        f"/xet-nghiem/dot/{campaign.pk}/danh-sach.xlsx",
        "/xet-nghiem/test-nhanh/",
        "/xet-nghiem/tim-nguoi/?q=Bình",
        "/xet-nghiem/chuyen-mau/",
        "/xet-nghiem/chuyen-mau/moi/",
        f"/xet-nghiem/chuyen-mau/{shipment.pk}/",
    ]
    for url in urls:
        assert client.get(url).status_code == 200, url
    index = client.get("/xet-nghiem/").content.decode()
    assert campaign.code in index and 'href="/xet-nghiem/"' in index  # the "Xét nghiệm" area is wired
    assert "chưa có" not in re.search(r'data-area="labs">[^<]*', index).group(0)  # type: ignore[union-attr]
    assert "BG-0001" in client.get(f"/xet-nghiem/chuyen-mau/{shipment.pk}/").content.decode()


def test_empty_states(officer: Any) -> None:
    client = session_client(officer)
    assert 'id="campaigns-empty"' in client.get("/xet-nghiem/").content.decode()
    assert 'id="follow-up-empty"' in client.get("/xet-nghiem/").content.decode()
    assert 'id="shipments-empty"' in client.get("/xet-nghiem/chuyen-mau/").content.decode()


def test_create_campaign_by_post(officer: Any, lab: Lab, village: Unit, residents: list[Any]) -> None:
    client = session_client(officer)
    response_ = client.post(
        "/xet-nghiem/dot/moi/",
        {
            "name": "Sàng lọc bản lần 2",
            "kind": "village",
            "unit": village.pk,
            "planned_on": "2021-11-11",
            "pool_size": "5",
            "test_method": "rt_pcr",
            "lab": lab.pk,
            "teams": "Tổ 1\n\nTổ 2\n",
            "sites": "Nhà văn hóa",
        },
    )
    campaign = Campaign.objects.get(name="Sàng lọc bản lần 2")
    assert response_.status_code == 302 and response_["Location"] == f"/xet-nghiem/dot/{campaign.pk}/"
    assert (campaign.code, campaign.pool_size, campaign.lab_id) == ("LM-2021-0001", 5, lab.pk)
    assert campaign.teams == ["Tổ 1", "Tổ 2"] and campaign.sites == ["Nhà văn hóa"]
    assert campaign.targets.count() == 6


def test_create_campaign_errors_beside_the_field(officer: Any, village: Unit, residents: list[Any]) -> None:
    client = session_client(officer)
    values = {"name": "Sai", "kind": "commune", "unit": village.pk, "planned_on": "2021-11-11", "pool_size": "5"}
    answer = client.post("/xet-nghiem/dot/moi/", {**values, "test_method": "rt_pcr"})
    assert answer.status_code == 422
    assert answer.context["form"].errors["unit"] == ["Đợt lấy mẫu theo xã: chọn một xã, phường, thị trấn."]
    # A pool size the policy does not offer is refused by the form's choices.
    answer = client.post("/xet-nghiem/dot/moi/", {**values, "kind": "village", "pool_size": "7"})
    assert answer.status_code == 422 and "pool_size" in answer.context["form"].errors
    assert not Campaign.objects.exists()


def test_create_list_campaign_from_pasted_ids(officer: Any, residents: list[Any]) -> None:
    client = session_client(officer)
    answer = client.post(
        "/xet-nghiem/dot/moi/",
        {
            "name": "Nơi làm việc",
            "kind": "workplace",
            "unit": Unit.objects.get(path=BAN_GIANG).pk,
            "planned_on": "2021-11-10",
            "pool_size": "1",
            "test_method": "rt_pcr",
            "person_ids": f"{residents[0].pk}, #{residents[1].pk}\n{residents[2].pk}",
        },
    )
    assert answer.status_code == 302
    campaign = Campaign.objects.get(name="Nơi làm việc")
    assert sorted(campaign.targets.values_list("person_id", flat=True)) == sorted(p.pk for p in residents[:3])


def test_lab_technician_cannot_plan_a_campaign(technician: Any, village: Unit) -> None:
    client = session_client(technician)
    assert client.get("/xet-nghiem/dot/moi/").status_code == 403
    assert client.post("/xet-nghiem/dot/moi/", {"name": "x", "kind": "village", "unit": village.pk}).status_code == 403
    assert not Campaign.objects.exists()


def test_officer_of_another_district_gets_404(make_user: Callable[..., Any], campaign: Campaign) -> None:
    client = session_client(make_user(Role.HEALTH_OFFICER, MUONG_SO))
    for url in [
        f"/xet-nghiem/dot/{campaign.pk}/",
        f"/xet-nghiem/dot/{campaign.pk}/lay-mau/",
        f"/xet-nghiem/dot/{campaign.pk}/nhan-ong/",
        f"/xet-nghiem/dot/{campaign.pk}/kiem-dem/",
        f"/xet-nghiem/dot/{campaign.pk}/danh-sach.xlsx",
    ]:
        assert client.get(url).status_code == 404, url
    person = campaign.targets.first().person_id  # type: ignore[union-attr]
    taken = client.post(f"/xet-nghiem/dot/{campaign.pk}/lay-mau/", {"code": "BG-9", "person_ids": [person]})
    assert taken.status_code == 404 and not Sample.objects.exists()
    assert client.post(f"/xet-nghiem/dot/{campaign.pk}/ket-thuc/").status_code == 404
    assert Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.PLANNED


def test_take_a_pooled_tube_and_see_it_counted(officer: Any, campaign: Campaign, residents: list[Any]) -> None:
    client = session_client(officer)
    ids = [p.pk for p in residents[:3]]
    answer = client.post(
        f"/xet-nghiem/dot/{campaign.pk}/lay-mau/", {"code": " bg-0001 ", "person_ids": ids, "team": "Tổ 2"}
    )
    assert answer.status_code == 302 and answer["Location"] == f"/xet-nghiem/dot/{campaign.pk}/lay-mau/"
    sample = Sample.objects.get(code="BG-0001")
    assert sample.kind == SampleKind.POOLED and sample.team == "Tổ 2"
    assert sorted(sample.members.values_list("person_id", flat=True)) == sorted(ids)
    page = client.get(answer["Location"])
    html = page.content.decode()
    assert re.search(r'id="count-sampled">3<', html) and re.search(r'id="count-pending">3<', html)
    assert re.search(r'id="count-tubes">1<', html)
    assert 'data-code="BG-0001"' in html and "Đã đóng ống BG-0001: 3 người." in html
    # The search lists only people still to sample.
    found = client.get(f"/xet-nghiem/dot/{campaign.pk}/lay-mau/tim/?q=lo van").content.decode()
    assert "Lò Văn Em" in found and "Lò Văn An" not in found and "Lò Văn Cường" not in found


def test_htmx_take_returns_the_panel_ready_for_the_next_tube(
    officer: Any, campaign: Campaign, residents: list[Any]
) -> None:
    client = session_client(officer)
    answer = client.post(
        f"/xet-nghiem/dot/{campaign.pk}/lay-mau/",
        {"code": "BG-0002", "person_ids": [residents[0].pk], "team": "Tổ 1"},
        headers={"HX-Request": "true"},
    )
    html = answer.content.decode()
    assert answer.status_code == 200 and html.startswith('<div id="sampling-panel">')
    assert 'id="saved-tube"' in html and re.search(r'id="count-sampled">1<', html)
    assert answer.context["form"]["code"].value() is None
    assert answer.context["form"]["team"].value() == "Tổ 1"


def test_reused_code_is_shown_beside_the_code(officer: Any, campaign: Campaign, residents: list[Any]) -> None:
    client = session_client(officer)
    client.post(f"/xet-nghiem/dot/{campaign.pk}/lay-mau/", {"code": "BG-0001", "person_ids": [residents[0].pk]})
    answer = client.post(
        f"/xet-nghiem/dot/{campaign.pk}/lay-mau/", {"code": "BG-0001", "person_ids": [residents[1].pk]}
    )
    assert answer.status_code == 422
    assert answer.context["form"].errors["code"] == [
        "Mã mẫu BG-0001 đã dùng cho ống lấy lúc 09:00 10/11/2021: dùng ống có mã khác."
    ]
    html = answer.content.decode()
    assert 'data-field="code"' in html
    # The people chosen stay in the tube for the next try.
    assert f'name="person_ids" value="{residents[1].pk}"' in html
    assert Sample.objects.count() == 1


def test_person_already_sampled_is_refused(officer: Any, campaign: Campaign, residents: list[Any]) -> None:
    client = session_client(officer)
    client.post(f"/xet-nghiem/dot/{campaign.pk}/lay-mau/", {"code": "BG-0001", "person_ids": [residents[0].pk]})
    answer = client.post(
        f"/xet-nghiem/dot/{campaign.pk}/lay-mau/", {"code": "BG-0002", "person_ids": [residents[0].pk]}
    )
    assert answer.status_code == 422
    assert answer.context["form"].errors["person_ids"] == ["Lò Văn An đã được lấy mẫu trong đợt này (ống BG-0001)."]
    assert 'data-field="person_ids"' in answer.content.decode()
    assert not Sample.objects.filter(code="BG-0002").exists()


def test_labels_page_has_a_qr_svg_for_each_tube(officer: Any, campaign: Campaign) -> None:
    html = session_client(officer).get(f"/xet-nghiem/dot/{campaign.pk}/nhan-ong/").content.decode()
    # 6 people in pools of 5: 2 tubes + 1 spare (10 %, rounded up).
    codes = re.findall(r'class="tube-label" data-code="([^"]+)"', html)
    assert codes == ["LM-2021-0001-001", "LM-2021-0001-002", "LM-2021-0001-003"]
    assert html.count("<svg") == 3
    assert "cdn" not in html.lower()


def test_tally_sheet_puts_people_in_tubes(officer: Any, campaign: Campaign) -> None:
    client = session_client(officer)
    html = client.get(f"/xet-nghiem/dot/{campaign.pk}/kiem-dem/").content.decode()
    assert re.findall(r'tbody class="tube" data-code="([^"]+)"', html) == ["LM-2021-0001-001", "LM-2021-0001-002"]
    sheet = load_workbook(io.BytesIO(client.get(f"/xet-nghiem/dot/{campaign.pk}/kiem-dem.xlsx").content)).active
    rows = list(sheet.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert rows[0][:4] == ("mã ống", "thứ tự trong ống", "mã người", "họ tên")
    assert [r[0] for r in rows[1:]] == ["LM-2021-0001-001"] * 5 + ["LM-2021-0001-002"]


def test_excel_export_lists_the_targets(officer: Any, campaign: Campaign, residents: list[Any]) -> None:
    client = session_client(officer)
    services.sample_take(actor=officer, code="BG-0001", person_ids=[residents[0].pk], campaign=campaign)
    answer = client.get(f"/xet-nghiem/dot/{campaign.pk}/danh-sach.xlsx")
    assert answer["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(answer.content)).active
    rows = list(sheet.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert rows[0][:2] == ("mã người", "họ tên")
    assert sorted(r[1] for r in rows[1:]) == sorted(p.full_name for p in residents)
    an = next(r for r in rows[1:] if r[1] == "Lò Văn An")
    assert an[9:12] == ("Đã lấy mẫu", "BG-0001", "Chờ kết quả")


def test_mark_absent_and_close(officer: Any, campaign: Campaign) -> None:
    client = session_client(officer)
    target = campaign.targets.order_by("id").first()
    assert target is not None
    answer = client.post(f"/xet-nghiem/dot/{campaign.pk}/nguoi/{target.pk}/", {"status": "absent"})
    assert answer.status_code == 302
    assert CampaignTarget.objects.get(pk=target.pk).status == TargetStatus.ABSENT
    filtered = client.get(f"/xet-nghiem/dot/{campaign.pk}/?status=absent")
    assert [t.pk for t in filtered.context["page"].items] == [target.pk]
    assert client.post(f"/xet-nghiem/dot/{campaign.pk}/ket-thuc/").status_code == 302
    assert Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.CLOSED


def test_target_list_search_by_name(officer: Any, campaign: Campaign) -> None:
    page = session_client(officer).get(f"/xet-nghiem/dot/{campaign.pk}/?q=tao thi")
    assert [t.person.full_name for t in page.context["page"].items] == ["Tao Thị Bình"]


def test_target_list_query_count_does_not_grow(
    officer: Any, lab: Lab, village: Unit, make_person: Callable[..., Any], django_assert_max_num_queries: Any
) -> None:
    make_person(full_name="Người Một", unit=village)
    campaign = services.campaign_create(
        actor=officer, name="Nhỏ", kind=CampaignKind.VILLAGE, unit=village, planned_on=NOW.date(), pool_size=5
    )
    client = session_client(officer)
    with CaptureQueriesContext(connection) as few:
        client.get(f"/xet-nghiem/dot/{campaign.pk}/")
    people = [make_person(full_name=f"Người Số {i}", unit=village).pk for i in range(30)]
    services.campaign_add_people(actor=officer, campaign=campaign, person_ids=people)
    services.sample_take(actor=officer, code="BG-0001", person_ids=people[:5], campaign=campaign)
    with django_assert_max_num_queries(len(few.captured_queries)):
        answer = client.get(f"/xet-nghiem/dot/{campaign.pk}/")
    assert len(answer.context["page"].items) == 31


def test_person_page_shows_test_history(officer: Any, campaign: Campaign, residents: list[Any]) -> None:
    services.sample_take(
        actor=officer, code="BG-0001", person_ids=[residents[0].pk, residents[1].pk], campaign=campaign
    )
    html = session_client(officer).get(f"/people/{residents[0].pk}/").content.decode()
    row = re.search(r'<tr data-code="BG-0001">.*?</tr>', html, re.S)
    assert row is not None and "Chờ kết quả" in row.group(0) and "gộp" in row.group(0)
    assert 'id="person-tests-empty"' in session_client(officer).get(f"/people/{residents[5].pk}/").content.decode()


def test_person_page_without_sample_view_has_no_tests(
    make_user: Callable[..., Any], officer: Any, campaign: Campaign, residents: list[Any]
) -> None:
    services.sample_take(actor=officer, code="BG-0001", person_ids=[residents[0].pk], campaign=campaign)
    tracer = session_client(make_user(Role.TRACER, BAN_GIANG))
    answer = tracer.get(f"/people/{residents[0].pk}/")
    assert answer.status_code == 200 and answer.context["tests"] is None
    assert "BG-0001" not in answer.content.decode()


def _positive_pool(officer: Any, technician: Any, campaign: Campaign, residents: list[Any]) -> None:
    services.sample_take(actor=officer, code="BG-0001", person_ids=[p.pk for p in residents[:2]], campaign=campaign)
    shipment = services.shipment_create(actor=officer, lab=campaign.lab, sample_codes=["BG-0001"])  # type: ignore[arg-type]
    services.shipment_receive(actor=technician, shipment=shipment, scanned_codes=["BG-0001"])
    response.result_record(actor=technician, sample=Sample.objects.get(code="BG-0001"), result=Result.POSITIVE)


def test_follow_up_tube_from_the_index(officer: Any, technician: Any, campaign: Campaign, residents: list[Any]) -> None:
    _positive_pool(officer, technician, campaign, residents)
    client = session_client(officer)
    index = client.get("/xet-nghiem/")
    retests = index.context["follow_ups"]
    assert sorted(t.person_id for t in retests) == sorted(p.pk for p in residents[:2])
    target = next(t for t in retests if t.person_id == residents[0].pk)
    answer = client.post(f"/xet-nghiem/lay-lai/{target.pk}/", {"code": "BG-R1"})
    assert answer.status_code == 302 and answer["Location"] == "/xet-nghiem/"
    sample = Sample.objects.get(code="BG-R1")
    assert sample.kind == SampleKind.SINGLE and list(sample.members.values_list("person_id", flat=True)) == [
        residents[0].pk
    ]
    assert CampaignTarget.objects.get(pk=target.pk).status == TargetStatus.SAMPLED


def test_retest_taken_on_the_sampling_screen_is_single(
    officer: Any, technician: Any, campaign: Campaign, residents: list[Any]
) -> None:
    _positive_pool(officer, technician, campaign, residents)
    client = session_client(officer)
    found = client.get(f"/xet-nghiem/dot/{campaign.pk}/lay-mau/tim/?q=Bình").content.decode()
    assert f'data-person="{residents[1].pk}"' in found and 'data-follow="1"' in found
    answer = client.post(f"/xet-nghiem/dot/{campaign.pk}/lay-mau/", {"code": "BG-R2", "person_ids": [residents[1].pk]})
    assert answer.status_code == 302
    assert Sample.objects.get(code="BG-R2").kind == SampleKind.SINGLE
    assert CampaignTarget.objects.get(person=residents[1], reason=TargetReason.RETEST).status == TargetStatus.SAMPLED


def test_rapid_positive_asks_for_rt_pcr_confirmation(officer: Any, residents: list[Any]) -> None:
    client = session_client(officer)
    answer = client.post("/xet-nghiem/test-nhanh/", {"person": residents[3].pk, "result": "positive"})
    assert answer.status_code == 200
    html = answer.content.decode()
    assert 'id="rapid-outcome"' in html and 'id="rapid-confirm"' in html
    assert CampaignTarget.objects.get(person=residents[3]).reason == TargetReason.CONFIRM
    assert answer.context["outcome"].sample.result == Result.POSITIVE


def test_rapid_without_person_is_an_error_beside_the_picker(officer: Any) -> None:
    answer = session_client(officer).post("/xet-nghiem/test-nhanh/", {"result": "negative"})
    assert answer.status_code == 422 and 'data-field="person"' in answer.content.decode()
    assert not Sample.objects.exists()


def test_shipment_lists_each_bad_code_then_ships(
    officer: Any, lab: Lab, campaign: Campaign, residents: list[Any]
) -> None:
    services.sample_take(actor=officer, code="BG-0001", person_ids=[residents[0].pk], campaign=campaign)
    services.sample_take(actor=officer, code="BG-0002", person_ids=[residents[1].pk], campaign=campaign)
    client = session_client(officer)
    form = client.get("/xet-nghiem/chuyen-mau/moi/")
    assert [s.code for s in form.context["collected"]] == ["BG-0001", "BG-0002"]
    bad = client.post("/xet-nghiem/chuyen-mau/moi/", {"lab": lab.pk, "codes": "BG-0001\nBG-9999\nXX-0001"})
    assert bad.status_code == 422
    assert bad.context["code_errors"] == ["BG-9999: không có mẫu này.", "XX-0001: không có mẫu này."]
    assert not Shipment.objects.exists()
    good = client.post("/xet-nghiem/chuyen-mau/moi/", {"lab": lab.pk, "codes": "BG-0001", "tick": ["BG-0002"]})
    shipment = Shipment.objects.get()
    assert good.status_code == 302 and good["Location"] == f"/xet-nghiem/chuyen-mau/{shipment.pk}/"
    assert shipment.declared_count == 2
    manifest = client.get(good["Location"]).content.decode()
    assert re.findall(r'<tr data-code="([^"]+)"', manifest) == ["BG-0001", "BG-0002"]
    listing = client.get("/xet-nghiem/chuyen-mau/").content.decode()
    assert shipment.code in listing and "Đang vận chuyển" in listing


def test_lab_technician_sees_the_campaign_not_its_residents(technician: Any, campaign: Campaign) -> None:
    client = session_client(technician)
    page = client.get(f"/xet-nghiem/dot/{campaign.pk}/")
    assert page.status_code == 200 and page.context["page"].items == []
    html = page.content.decode()
    assert "Lò Văn An" not in html and 'id="export-link"' not in html
    for url in [f"/xet-nghiem/dot/{campaign.pk}/danh-sach.xlsx", f"/xet-nghiem/dot/{campaign.pk}/kiem-dem/"]:
        assert client.get(url).status_code == 404, url
    assert client.get(f"/xet-nghiem/dot/{campaign.pk}/lay-mau/").status_code == 403


def test_create_campaign_for_the_f1_of_a_cluster(officer: Any, lab: Lab, residents: list[Any]) -> None:
    from chihuy.cases import services as case_services

    case = case_services.case_report(
        actor=officer, person=residents[0], detection_way="community", detected_at=NOW, sample_date=NOW.date()
    )
    for person in residents[1:3]:
        case_services.contact_add(
            actor=officer, source_person=residents[0], contact_person=person, exposure_at=NOW, setting="household"
        )
    cluster = case_services.cluster_create(actor=officer, name="Ổ dịch bản", unit=residents[0].unit, case_ids=[case.pk])
    client = session_client(officer)
    assert (cluster.pk, "Ổ dịch bản · " + cluster.unit.name) in client.get("/xet-nghiem/dot/moi/").context[
        "form"
    ].fields["cluster"].choices
    values = {"name": "F1 ổ dịch bản", "planned_on": "2021-11-10", "pool_size": "1", "test_method": "rt_pcr"}
    wrong = client.post("/xet-nghiem/dot/moi/", {**values, "kind": "village", "cluster": cluster.pk})
    assert wrong.status_code == 422 and wrong.context["form"].errors["cluster"] == [
        "Chọn ổ dịch chỉ với loại “Danh sách”."
    ]
    answer = client.post("/xet-nghiem/dot/moi/", {**values, "kind": "list", "cluster": cluster.pk, "lab": lab.pk})
    campaign = Campaign.objects.get(name="F1 ổ dịch bản")
    assert answer.status_code == 302 and campaign.kind == CampaignKind.LIST and campaign.lab_id == lab.pk
    assert sorted(campaign.targets.values_list("person_id", flat=True)) == sorted(p.pk for p in residents[1:3])
