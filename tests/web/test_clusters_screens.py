"""Commander screens of issue 3: clusters (list, create, suggestions, page), the chain graph (JSON, CSV) and the
5S clock (overdue list, medians, Excel). The clock is pinned to Bản Giang's November 2021."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from chihuy.accounts.roles import Role
from chihuy.cases import services
from chihuy.cases.enums import ClusterStatus, DetectionWay, Setting
from chihuy.cases.models import Case, Cluster
from chihuy.core.models import AuditEvent
from chihuy.core.policies import policy_set
from chihuy.places.models import Unit
from tests.conftest import BAN_GIANG, LAI_CHAU, PHONG_THO, TAM_DUONG, session_client

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2021, 11, 10, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))


def at(day: int, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2021, 11, day, hour, 0))


@pytest.fixture(autouse=True)
def pinned_clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def officer(make_user: Callable[..., Any]) -> Any:
    return make_user(Role.HEALTH_OFFICER, BAN_GIANG)


@pytest.fixture
def commander(make_user: Callable[..., Any]) -> Any:
    return make_user(Role.COMMANDER, TAM_DUONG)


@pytest.fixture
def report(officer: Any) -> Callable[..., Case]:
    def make(person: Any, **values: Any) -> Case:
        values.setdefault("detection_way", DetectionWay.COMMUNITY)
        values.setdefault("detected_at", at(8))
        values.setdefault("sample_date", timezone.localdate(values["detected_at"]) - dt.timedelta(days=1))
        return services.case_report(actor=officer, person=person, **values)

    return make


@pytest.fixture
def chain(make_person: Any, report: Any, officer: Any, commander: Any) -> dict[str, Any]:
    """A cluster in Bản Giang: F0 A (unknown source) infected F0 B; A's colleague C is an F1 of A."""
    a = make_person(full_name="Lò Văn An", birth_year=1980)
    b = make_person(full_name="Lò Thị Bé", birth_year=1985)
    c = make_person(full_name="Tẩn Văn Cường", birth_year=1990)
    case_a = report(a, number="BN9001", detected_at=at(6))
    case_b = report(b, number="BN9002", source_case_ids=[case_a.pk], detected_at=at(8))
    services.contact_add(
        actor=officer,
        source_person=a,
        contact_person=c,
        exposure_at=at(5),
        setting=Setting.WORKPLACE,
        distance_m=1,
        masked=False,
    )
    cluster = services.cluster_create(
        actor=commander,
        name="Ổ dịch Bản Giang",
        unit=Unit.objects.get(path=BAN_GIANG),
        kind="community",
        case_ids=[case_a.pk, case_b.pk],
    )
    return {"a": a, "b": b, "c": c, "case_a": case_a, "case_b": case_b, "cluster": cluster}


# --- clusters ------------------------------------------------------------------------------------


def test_cluster_list_flags_unknown_source_cases(commander: Any, chain: dict[str, Any]) -> None:
    response = session_client(commander).get("/clusters/")
    assert response.status_code == 200
    [row] = response.context["page"].items
    assert (row.name, row.case_count, row.unknown_count) == ("Ổ dịch Bản Giang", 2, 1)
    html = response.content.decode()
    assert 'class="badge text-bg-danger fs-6 unknown-badge"' in html
    assert "1 ca không rõ nguồn" in html
    assert "Ổ dịch tự đóng sau 28 ngày không có ca mới." in html


def test_cluster_list_status_filter(commander: Any, chain: dict[str, Any]) -> None:
    client = session_client(commander)
    assert [c.pk for c in client.get("/clusters/", {"status": "active"}).context["page"].items] == [chain["cluster"].pk]
    assert client.get("/clusters/", {"status": "closed"}).context["page"].items == []


def test_cluster_page_shows_generations_unknown_source_first_contacts_and_curve(
    commander: Any, chain: dict[str, Any]
) -> None:
    response = session_client(commander).get(f"/clusters/{chain['cluster'].pk}/")
    assert response.status_code == 200
    rows = response.context["cases"]
    assert [(r["case"].number, r["generation"], r["unknown"]) for r in rows] == [
        ("BN9001", 1, True),
        ("BN9002", 2, False),
    ]
    assert response.context["contact_levels"] == [{"level": 1, "count": 1}]
    assert response.context["curve"]["labels"] == ["06/11", "07/11", "08/11"]
    assert response.context["curve"]["counts"] == [1, 0, 1]
    assert response.context["closes_on"] == dt.date(2021, 12, 7)  # last case 8/11 + 28 days, closed the day after
    html = response.content.decode()
    assert 'id="unknown-source"' in html
    assert 'id="epi-curve"' in html
    assert f'href="/clusters/{chain["cluster"].pk}/graph/"' in html
    assert "Ổ dịch tự đóng sau 28 ngày không có ca mới" in html


def test_another_districts_cluster_is_not_found(make_user: Any, chain: dict[str, Any]) -> None:
    stranger = make_user(Role.COMMANDER, PHONG_THO)
    client = session_client(stranger)
    pk = chain["cluster"].pk
    for url in [
        f"/clusters/{pk}/",
        f"/clusters/{pk}/graph/",
        f"/clusters/{pk}/graph.json",
        f"/clusters/{pk}/graph.csv",
    ]:
        assert client.get(url).status_code == 404, url
    assert client.get(f"/people/{chain['a'].pk}/graph.json").status_code == 404
    assert client.get("/clusters/").context["page"].items == []


def test_screens_refuse_users_without_the_permission(make_user: Any, chain: dict[str, Any]) -> None:
    lab = session_client(make_user(Role.LAB_TECHNICIAN, TAM_DUONG))  # no case.view
    for url in ["/clusters/", f"/clusters/{chain['cluster'].pk}/", "/fives/", "/fives/overdue.xlsx"]:
        assert lab.get(url).status_code == 403, url
    duty = session_client(make_user(Role.DUTY_OFFICER, TAM_DUONG))  # case.view, not cluster.change
    assert duty.get("/clusters/").status_code == 200
    assert duty.get("/clusters/new/").status_code == 403
    before = Cluster.objects.count()
    response = duty.post(
        "/clusters/suggestions/accept/",
        {"case_ids": str(chain["case_a"].pk), "name": "X", "unit_path": BAN_GIANG, "kind": "household"},
    )
    assert response.status_code == 403
    assert Cluster.objects.count() == before


def test_create_a_cluster_from_the_form(commander: Any, make_person: Any, report: Any) -> None:
    one = report(make_person(full_name="Vàng A Một"), number="BN9101")
    two = report(make_person(full_name="Vàng A Hai"), number="BN9102")
    client = session_client(commander)
    page = client.get("/clusters/new/")
    assert page.status_code == 200
    assert {pk for pk, _label in page.context["form"].fields["cases"].choices} == {one.pk, two.pk}
    commune = Unit.objects.get(path=BAN_GIANG)

    response = client.post(
        "/clusters/new/",
        {"name": "Ổ dịch chợ Bản Giang", "unit": commune.pk, "kind": "venue", "cases": [one.pk], "numbers": "bn9102"},
    )

    cluster = Cluster.objects.get(name="Ổ dịch chợ Bản Giang")
    assert response.status_code == 302 and response["Location"] == f"/clusters/{cluster.pk}/"
    assert (cluster.unit_path, cluster.kind, cluster.last_case_on) == (BAN_GIANG, "venue", dt.date(2021, 11, 8))
    assert set(Case.objects.filter(cluster=cluster).values_list("number", flat=True)) == {"BN9101", "BN9102"}


def test_create_form_reports_an_unknown_case_number_beside_the_field(commander: Any) -> None:
    commune = Unit.objects.get(path=BAN_GIANG)
    response = session_client(commander).post(
        "/clusters/new/", {"name": "Ổ dịch X", "unit": commune.pk, "kind": "other", "numbers": "BN0404"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["numbers"] == ["Không tìm thấy ca BN0404."]
    assert not Cluster.objects.filter(name="Ổ dịch X").exists()


def test_accept_a_suggestion_creates_the_cluster(commander: Any, make_person: Any, report: Any) -> None:
    source = report(make_person(full_name="Lò Văn Nguồn"), number="BN9201", detected_at=at(5))
    first = report(make_person(full_name="Lò Văn Một"), number="BN9202", source_case_ids=[source.pk])
    second = report(make_person(full_name="Lò Văn Hai"), number="BN9203", source_case_ids=[source.pk])
    client = session_client(commander)
    [suggestion] = client.get("/clusters/").context["suggestions"]
    assert suggestion["reason"] == "Cùng nguồn lây BN9201."
    assert [c.number for c in suggestion["cases"]] == ["BN9201", "BN9202", "BN9203"]
    assert (suggestion["name"], suggestion["unit_path"], suggestion["cluster"]) == ("Ổ dịch BN9201", BAN_GIANG, None)

    response = client.post(
        "/clusters/suggestions/accept/",
        {
            "case_ids": suggestion["case_ids"],
            "kind": suggestion["kind"],
            "name": suggestion["name"],
            "unit_path": suggestion["unit_path"],
        },
    )

    cluster = Cluster.objects.get(name="Ổ dịch BN9201")
    assert response["Location"] == f"/clusters/{cluster.pk}/"
    assert (cluster.kind, cluster.unit_path) == ("source_case", BAN_GIANG)
    assert sorted(Case.objects.filter(cluster=cluster).values_list("pk", flat=True)) == sorted(
        [source.pk, first.pk, second.pk]
    )
    assert client.get("/clusters/").context["suggestions"] == []


def test_accept_a_suggestion_to_join_the_infectors_cluster(
    commander: Any, make_person: Any, report: Any, chain: dict[str, Any]
) -> None:
    newcomer = report(make_person(full_name="Lò Văn Mới"), number="BN9301", source_case_ids=[chain["case_b"].pk])
    client = session_client(commander)
    [suggestion] = client.get("/clusters/").context["suggestions"]
    assert suggestion["cluster"] == chain["cluster"]

    client.post(
        "/clusters/suggestions/accept/", {"case_ids": suggestion["case_ids"], "cluster_id": chain["cluster"].pk}
    )

    newcomer.refresh_from_db()
    assert newcomer.cluster_id == chain["cluster"].pk


# --- the chain graph -----------------------------------------------------------------------------


def test_cluster_graph_json(commander: Any, chain: dict[str, Any]) -> None:
    client = session_client(commander)
    page = client.get(f"/clusters/{chain['cluster'].pk}/graph/")
    assert page.status_code == 200
    assert f'data-json-url="/clusters/{chain["cluster"].pk}/graph.json"' in page.content.decode()

    data = client.get(f"/clusters/{chain['cluster'].pk}/graph.json").json()

    assert (data["truncated"], data["message"]) == (False, "")
    nodes = {n["id"]: n for n in data["nodes"]}
    a, b, c = (f"p{chain[k].pk}" for k in "abc")
    assert {k: (n["label"], n["level"], n["status"]) for k, n in nodes.items()} == {
        a: ("BN9001", 0, "active"),
        b: ("BN9002", 0, "active"),
        c: ("Tẩn Văn Cường", 1, "pending"),
    }
    assert nodes[a]["case_id"] == chain["case_a"].pk and nodes[a]["y"] < nodes[b]["y"]
    edges = {(e["source"], e["target"], e["kind"], e["setting"], e["qualifies"]) for e in data["edges"]}
    assert edges == {(a, b, "transmission", "", None), (a, c, "contact", "workplace", True)}
    contact = next(e for e in data["edges"] if e["kind"] == "contact")
    assert contact["exposure_at"] == "2021-11-05T09:00:00+07:00"


def test_graph_beyond_the_node_limit_asks_for_a_narrower_window(commander: Any, chain: dict[str, Any]) -> None:
    policy_set(
        key="graph.max_nodes", value={"screen": 2, "api": 2}, valid_from=dt.date(2021, 11, 1), source_document="t"
    )
    client = session_client(commander)
    data = client.get(f"/clusters/{chain['cluster'].pk}/graph.json").json()
    assert data["truncated"] is True and data["nodes"] == [] and data["edges"] == []
    assert data["message"].endswith("hãy thu hẹp khoảng thời gian.")
    # The window of 8/11 holds case B only.
    narrow = client.get(f"/clusters/{chain['cluster'].pk}/graph.json", {"from": "2021-11-08", "to": "2021-11-08"})
    assert [n["label"] for n in narrow.json()["nodes"]] == ["BN9002"]


def test_graph_csv_export(commander: Any, chain: dict[str, Any]) -> None:
    response = session_client(commander).get(f"/clusters/{chain['cluster'].pk}/graph.csv")
    assert response.status_code == 200
    assert (
        response["Content-Disposition"] == f'attachment; filename="chuoi-lay-o-dich-{chain["cluster"].pk}-20211110.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Từ", "Đến", "Loại"]
    assert sorted(r[:3] for r in rows[1:]) == [
        ["BN9001", "BN9002", "Lây truyền giữa ca bệnh"],
        ["BN9001", "Tẩn Văn Cường", "Tiếp xúc"],
    ]
    assert AuditEvent.objects.filter(action="export", object_type="cases.cluster", actor=commander).count() == 1


def test_person_graph_json_and_page(commander: Any, chain: dict[str, Any]) -> None:
    client = session_client(commander)
    assert client.get(f"/people/{chain['c'].pk}/graph/").status_code == 200
    data = client.get(f"/people/{chain['c'].pk}/graph.json", {"hops": "1"}).json()
    assert sorted(n["label"] for n in data["nodes"]) == ["BN9001", "Tẩn Văn Cường"]
    assert [(e["kind"], e["setting"]) for e in data["edges"]] == [("contact", "workplace")]


# --- the 5S clock --------------------------------------------------------------------------------


def test_overdue_list_most_late_first(commander: Any, make_person: Any, report: Any) -> None:
    with time_machine.travel(at(8), tick=False):
        early = report(make_person(full_name="Lò Văn Sớm"), number="BN9401", detected_at=at(8, 7))
    with time_machine.travel(at(9, 3), tick=False):
        late = report(
            make_person(full_name="Lò Văn Muộn"),
            number="BN9402",
            detected_at=at(9, 1),
            treatment_place="TTYT Tam Đường",
        )
    response = session_client(commander).get("/fives/")
    assert response.status_code == 200
    rows = [(r["item"].case.number, r["item"].step, r["item"].hours_late) for r in response.context["overdue"]]
    # Reported 8/11 09:00: tracing, isolation, treatment due 9/11 09:00 → 24 h late at 10/11 09:00.
    # Reported 9/11 03:00 with a treatment place: tracing and isolation due 10/11 03:00 → 6 h late.
    assert sorted(rows[:3]) == [
        ("BN9401", "isolation", 24.0),
        ("BN9401", "tracing", 24.0),
        ("BN9401", "treatment", 24.0),
    ]
    assert sorted(rows[3:]) == [("BN9402", "isolation", 6.0), ("BN9402", "tracing", 6.0)]
    assert early.pk != late.pk
    html = response.content.decode()
    assert "Truy vết xong (mọi F1 đã liên hệ)" in html
    assert [s["target"] for s in response.context["steps"]] == [2, 24, 24, 24]
    area = response.context["medians"][0]
    assert area["is_area"] and area["unit"].path == TAM_DUONG
    report_7 = next(c for c in area["cells"] if c["step"] == "report" and c["days"] == 7)
    assert (report_7["median_hours"], report_7["done"], report_7["cases"]) == (2.0, 2, 2)
    assert report_7["over"] is False
    # The district's communes follow, each with its own row.
    assert len(response.context["medians"]) > 1
    assert all(row["unit"].path.startswith(TAM_DUONG) for row in response.context["medians"])


def test_overdue_respects_the_scope_switcher(make_user: Any, make_person: Any, report: Any) -> None:
    with time_machine.travel(at(8), tick=False):
        report(make_person(full_name="Lò Văn Sớm"), number="BN9501", detected_at=at(8, 7))
    provincial = make_user(Role.COMMANDER, LAI_CHAU)
    client = session_client(provincial)
    assert len(client.get("/fives/").context["overdue"]) == 3
    client.post("/scope/", {"path": PHONG_THO, "next": "/fives/"})
    response = client.get("/fives/")
    assert response.context["unit"].path == PHONG_THO
    assert response.context["overdue"] == []


def test_overdue_excel_export(commander: Any, make_person: Any, report: Any) -> None:
    with time_machine.travel(at(8), tick=False):
        report(make_person(full_name="Lò Văn Sớm"), number="BN9601", detected_at=at(8, 7), treatment_place="TTYT")
    response = session_client(commander).get("/fives/overdue.xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="5s-qua-han-20211110.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["mã ca", "họ tên", "đơn vị", "bước 5S", "hạn", "số giờ trễ"]
    assert sorted(rows[1:]) == [
        ["BN9601", "Lò Văn Sớm", "Xã Bản Giang", "Mọi F1 đã cách ly", "09/11/2021 09:00", 24],
        ["BN9601", "Lò Văn Sớm", "Xã Bản Giang", "Truy vết xong (mọi F1 đã liên hệ)", "09/11/2021 09:00", 24],
    ]
    event = AuditEvent.objects.get(action="export", object_type="cases.fives_overdue")
    assert (event.actor_id, event.details["rows"], event.unit_path) == (commander.pk, 2, TAM_DUONG)


# --- the sweep -----------------------------------------------------------------------------------


def test_close_stale_clusters_command(chain: dict[str, Any]) -> None:
    cluster = chain["cluster"]
    assert cluster.last_case_on == dt.date(2021, 11, 8)
    out = io.StringIO()
    call_command("close_stale_clusters", "--on", "2021-12-06", stdout=out)  # 28 days after the last case: not yet
    cluster.refresh_from_db()
    assert cluster.status == ClusterStatus.ACTIVE
    assert out.getvalue().strip() == "Đã đóng 0 ổ dịch."

    out = io.StringIO()
    call_command("close_stale_clusters", "--on", "2021-12-07", stdout=out)
    cluster.refresh_from_db()
    assert (cluster.status, cluster.closed_on) == (ClusterStatus.CLOSED, dt.date(2021, 12, 7))
    assert out.getvalue().strip() == f"Đã đóng 1 ổ dịch: {cluster.pk}."


def test_close_stale_clusters_task(chain: dict[str, Any]) -> None:
    from chihuy.cases.tasks import cluster_close_stale_task

    with time_machine.travel(dt.datetime(2021, 12, 7, 9, tzinfo=dt.UTC), tick=False):
        closed = cluster_close_stale_task.call()
    assert closed == [chain["cluster"].pk]
    assert Cluster.objects.get(pk=chain["cluster"].pk).status == ClusterStatus.CLOSED
