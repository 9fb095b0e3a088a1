"""The labs API end to end with bearer tokens: a Bản Giang village campaign, a pooled tube and a single one,
shipped to the province's lab and received there, the lab's result file uploaded as a background job (a positive
pool → retests listed), a single retest positive → an F0 number in the response; then the bad input (a reused
code, a Ct out of range), another lab's technician, and what a technician sees of the people in a tube."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from chihuy.accounts.roles import Role
from chihuy.cases.models import Case
from chihuy.labs import services
from chihuy.labs.enums import CampaignKind
from chihuy.labs.models import CampaignTarget, Sample
from chihuy.places.enums import SiteKind
from chihuy.places.models import Site, Unit
from tests.conftest import PHONG_THO
from tests.labs.conftest import NOW

pytestmark = pytest.mark.django_db


def _csv(rows: list[str]) -> bytes:
    return ("ma_mau,ket_qua,so_mau_gop,ct_e,ct_n\n" + "\n".join(rows) + "\n").encode()


@pytest.fixture
def other_lab_technician(make_user: Any, admin_user: Any) -> Any:
    """A technician of Phong Thổ's lab: works there, sees nothing of Lai Châu's lab."""
    user = make_user(Role.LAB_TECHNICIAN, PHONG_THO)
    site = Site.objects.create(
        kind=SiteKind.LAB,
        name="Phòng xét nghiệm TTYT Phong Thổ",
        unit=Unit.objects.get(path=PHONG_THO),
        unit_path=PHONG_THO,
    )
    services.lab_upsert(actor=admin_user, site=site, daily_capacity=300, member_ids=[user.pk])
    return user


@pytest.fixture
def campaign(officer: Any, lab: Any, village: Unit, residents: list[Any]) -> Any:
    return services.campaign_create(
        actor=officer,
        name="Sàng lọc bản",
        kind=CampaignKind.VILLAGE,
        unit=village,
        planned_on=NOW.date(),
        pool_size=5,
        lab=lab,
    )


def test_campaign_pool_ship_receive_upload_retest_f0(
    officer: Any,
    technician: Any,
    lab: Any,
    village: Unit,
    residents: list[Any],
    api_client: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    field = api_client(officer)
    bench = api_client(technician)

    created = field.post(
        "/api/labs/campaigns",
        {
            "name": "Sàng lọc bản Bản Giang",
            "kind": "village",
            "unit_id": village.pk,
            "planned_on": "2021-11-10",
            "pool_size": 5,
            "lab_id": lab.pk,
            "teams": ["Tổ 1 – Trạm y tế"],
        },
    )
    assert created.status_code == 201, created.content
    campaign = created.json()
    assert campaign["code"] == "LM-2021-0001"
    assert campaign["progress"]["targets"] == 6 and campaign["progress"]["by_status"] == {"pending": 6}
    targets = field.get(f"/api/labs/campaigns/{campaign['id']}/targets?limit=4").json()
    assert len(targets["items"]) == 4 and targets["next_cursor"]
    rest = field.get(f"/api/labs/campaigns/{campaign['id']}/targets?cursor={targets['next_cursor']}").json()
    assert sorted(t["person"]["id"] for t in targets["items"] + rest["items"]) == sorted(p.pk for p in residents)

    pool = field.post(
        "/api/labs/samples",
        {"code": "bg-0001", "person_ids": [p.pk for p in residents[:5]], "campaign_id": campaign["id"]},
    )
    assert pool.status_code == 201, pool.content
    assert (pool.json()["code"], pool.json()["kind"], len(pool.json()["members"])) == ("BG-0001", "pooled", 5)
    assert pool.json()["members"][0]["contact"]["phone"] == residents[0].phone  # the commune's officer sees it
    assert (
        field.post(
            "/api/labs/samples", {"code": "BG-0002", "person_ids": [residents[5].pk], "campaign_id": campaign["id"]}
        ).status_code
        == 201
    )

    shipped = field.post("/api/labs/shipments", {"lab_id": lab.pk, "sample_codes": ["BG-0001", "BG-0002"]})
    assert shipped.status_code == 201, shipped.content
    assert shipped.json()["declared_count"] == 2 and shipped.json()["status"] == "in_transit"
    assert (
        field.post(
            f"/api/labs/shipments/{shipped.json()['id']}/receive", {"scanned_codes": ["BG-0001", "BG-0002"]}
        ).status_code
        == 403
    )  # a health officer does not receive at the lab
    received = bench.post(
        f"/api/labs/shipments/{shipped.json()['id']}/receive", {"scanned_codes": ["BG-0001", "BG-0002"]}
    )
    assert received.status_code == 200, received.content
    assert received.json()["status"] == "received" and received.json()["received_count"] == 2
    assert [s["status"] for s in received.json()["samples"]] == ["received", "received"]

    with django_capture_on_commit_callbacks(execute=True):
        queued = bench.post(
            "/api/labs/results/upload",
            {
                "lab_id": str(lab.pk),
                "file": SimpleUploadedFile(
                    "ket_qua.csv", _csv(["BG-0001,dương tính,5,24.1,25.3", "BG-0002,âm tính,1,,"])
                ),
            },
        )
    assert queued.status_code == 202, queued.content
    job = bench.get(queued.json()["status_url"]).json()
    assert job["status"] == "succeeded"
    assert {k: job["result"][k] for k in ("rows", "applied", "errors", "positives", "follow_ups", "cases")} == {
        "rows": 2,
        "applied": 2,
        "errors": [],
        "positives": 1,
        "follow_ups": 5,
        "cases": [],
    }

    follow_ups = field.get("/api/labs/follow-ups").json()["items"]
    assert sorted(f["person"]["id"] for f in follow_ups) == sorted(p.pk for p in residents[:5])
    assert {(f["reason"], f["source_sample_code"]) for f in follow_ups} == {("retest", "BG-0001")}

    retest = field.post(
        "/api/labs/samples", {"code": "BG-R2", "person_ids": [residents[2].pk], "campaign_id": campaign["id"]}
    )
    assert retest.json()["kind"] == "single"
    shipment = field.post("/api/labs/shipments", {"lab_id": lab.pk, "sample_codes": ["BG-R2"]}).json()
    bench.post(f"/api/labs/shipments/{shipment['id']}/receive", {"scanned_codes": ["BG-R2"]})
    result = bench.post(
        f"/api/labs/samples/{retest.json()['id']}/result", {"result": "positive", "ct_values": {"E": 22.0}}
    )
    assert result.status_code == 200, result.content
    case = Case.objects.get(person=residents[2])
    assert result.json()["case_numbers"] == [case.number]
    assert result.json()["sample"]["case_number"] == case.number and result.json()["sample"]["ct_min"] == 22.0
    history = {t["code"]: t for t in field.get(f"/api/labs/people/{residents[2].pk}/tests").json()}
    assert sorted(history) == ["BG-0001", "BG-R2"]  # the pool, then the retest
    assert history["BG-0001"]["result"] == "positive" and history["BG-0001"]["case_number"] == ""
    assert history["BG-R2"] == {
        "sample_id": retest.json()["id"],
        "code": "BG-R2",
        "collected_at": "2021-11-10T02:00:00Z",
        "test_method": "rt_pcr",
        "kind": "single",
        "status": "resulted",
        "result": "positive",
        "ct_min": 22.0,
        "resulted_at": "2021-11-10T02:00:00Z",
        "lab_name": "Phòng xét nghiệm CDC Lai Châu",
        "campaign_code": "LM-2021-0001",
        "case_number": case.number,
    }

    progress = field.get(f"/api/labs/campaigns/{campaign['id']}").json()["progress"]
    assert progress["by_result"] == {"positive": 2, "negative": 1} and progress["follow_ups_pending"] == 4


def test_a_reused_code_is_409_on_code(officer: Any, campaign: Any, residents: list[Any], api_client: Any) -> None:
    client = api_client(officer)
    first = client.post("/api/labs/samples", {"code": "BG-0009", "person_ids": [residents[0].pk]})
    assert first.status_code == 201
    again = client.post("/api/labs/samples", {"code": " bg-0009 ", "person_ids": [residents[1].pk]})
    assert again.status_code == 409
    assert again.json()["code"] == "conflict" and [d["field"] for d in again.json()["details"]] == ["code"]
    assert Sample.objects.count() == 1
    from chihuy.core.models import AuditEvent

    (event,) = AuditEvent.objects.filter(object_type="labs.sample")
    assert (event.action, event.object_id, event.channel) == ("create", str(first.json()["id"]), "api")


def test_a_ct_out_of_range_is_422_on_its_gene(
    officer: Any, technician: Any, residents: list[Any], ship_and_receive: Any, api_client: Any
) -> None:
    sample = services.sample_take(actor=officer, code="BG-0100", person_ids=[residents[0].pk])
    ship_and_receive(["BG-0100"])
    response = api_client(technician).post(
        f"/api/labs/samples/{sample.pk}/result", {"result": "positive", "ct_values": {"E": 51}}
    )
    assert response.status_code == 422
    assert [d["field"] for d in response.json()["details"]] == ["ct.E"]
    sample.refresh_from_db()
    assert (sample.result, sample.ct_values, Case.objects.count()) == ("pending", {}, 0)


def test_a_bad_body_names_the_field(officer: Any, campaign: Any, api_client: Any) -> None:
    response = api_client(officer).post("/api/labs/samples", {"code": "BG-1", "person_ids": "many"})
    assert response.status_code == 422
    assert [d["field"] for d in response.json()["details"]] == ["body.payload.person_ids"]


def test_another_labs_technician_does_not_find_the_tube(
    officer: Any,
    other_lab_technician: Any,
    residents: list[Any],
    ship_and_receive: Any,
    api_client: Any,
) -> None:
    sample = services.sample_take(actor=officer, code="BG-0200", person_ids=[residents[0].pk])
    shipment = ship_and_receive(["BG-0200"])
    client = api_client(other_lab_technician)
    assert client.get(f"/api/labs/samples/{sample.pk}").status_code == 404
    assert client.get("/api/labs/samples/by-code/BG-0200").status_code == 404
    assert client.get(f"/api/labs/shipments/{shipment.pk}").status_code == 404
    refused = client.post(f"/api/labs/samples/{sample.pk}/result", {"result": "negative"})
    assert refused.status_code == 404 and refused.json()["code"] == "not_found"
    assert client.get("/api/labs/samples").json() == {"items": [], "next_cursor": None}
    sample.refresh_from_db()
    assert sample.result == "pending"


def test_a_technician_sees_name_and_birth_year_only(
    officer: Any, technician: Any, residents: list[Any], ship_and_receive: Any, api_client: Any
) -> None:
    sample = services.sample_take(actor=officer, code="BG-0300", person_ids=[residents[0].pk, residents[1].pk])
    ship_and_receive(["BG-0300"])
    response = api_client(technician).get(f"/api/labs/samples/{sample.pk}")
    assert response.status_code == 200
    assert response.json()["members"] == [
        {
            "position": 1,
            "person": {"id": residents[0].pk, "full_name": "Lò Văn An", "birth_year": 1980},
            "contact": None,
        },
        {
            "position": 2,
            "person": {"id": residents[1].pk, "full_name": "Tao Thị Bình", "birth_year": 1981},
            "contact": None,
        },
    ]
    assert residents[0].phone.encode() not in response.content
    by_code = api_client(technician).get("/api/labs/samples/by-code/bg-0300")
    assert by_code.json()["id"] == sample.pk and residents[1].phone.encode() not in by_code.content


def test_a_campaign_for_a_clusters_f1(officer: Any, lab: Any, residents: list[Any], api_client: Any) -> None:
    """from_cluster_id: every current F1 of the cluster, through response.labs.campaign_for_cluster."""
    from chihuy.cases import services as case_services

    case = case_services.case_report(
        actor=officer,
        person=residents[0],
        detection_way="community",
        detected_at=NOW,
        sample_date=NOW.date(),
    )
    for person in residents[1:3]:
        case_services.contact_add(
            actor=officer, source_person=residents[0], contact_person=person, exposure_at=NOW, setting="household"
        )
    cluster = case_services.cluster_create(
        actor=officer, name="Ổ dịch bản Bản Giang", unit=residents[0].unit, case_ids=[case.pk]
    )
    response = api_client(officer).post(
        "/api/labs/campaigns",
        {"name": "F1 ổ dịch bản", "planned_on": "2021-11-10", "from_cluster_id": cluster.pk, "lab_id": lab.pk},
    )
    assert response.status_code == 201, response.content
    assert response.json()["kind"] == "list"
    assert sorted(CampaignTarget.objects.values_list("person_id", flat=True)) == sorted(p.pk for p in residents[1:3])


def test_a_positive_rapid_test_asks_for_confirmation(officer: Any, residents: list[Any], api_client: Any) -> None:
    """Before 11042 (the policy in force by default) a positive rapid test alone is no F0: an RT-PCR follow-up."""
    response = api_client(officer).post(
        "/api/labs/samples/rapid", {"person_id": residents[0].pk, "result": "positive", "code": "TN-0001"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["case_numbers"], body["follow_ups"], body["sample"]["code"]) == ([], 1, "TN-0001")
    assert body["sample"]["test_method"] == "rapid_antigen" and body["sample"]["status"] == "resulted"
    (follow_up,) = api_client(officer).get("/api/labs/follow-ups").json()["items"]
    assert (follow_up["person"]["id"], follow_up["reason"]) == (residents[0].pk, "confirm")
    assert Case.objects.count() == 0


def test_bad_uploads_and_shipments_are_named_and_queue_nothing(
    officer: Any, technician: Any, lab: Any, residents: list[Any], api_client: Any
) -> None:
    from chihuy.core.models import Job
    from chihuy.labs.models import Shipment

    wrong_kind = api_client(technician).post(
        "/api/labs/results/upload",
        {"lab_id": str(lab.pk), "file": SimpleUploadedFile("ket_qua.pdf", b"%PDF-1.4")},
    )
    assert wrong_kind.status_code == 422
    assert (wrong_kind.json()["code"], wrong_kind.json()["details"][0]["field"]) == ("bad_file", "file")
    assert not Job.objects.exists()

    services.sample_take(actor=officer, code="BG-0400", person_ids=[residents[0].pk])
    shipped = api_client(officer).post("/api/labs/shipments", {"lab_id": lab.pk, "sample_codes": ["BG-0400", "NOPE-9"]})
    assert shipped.status_code == 422
    assert [d["field"] for d in shipped.json()["details"]] == ["sample_codes.NOPE-9"]
    assert not Shipment.objects.exists() and Sample.objects.get(code="BG-0400").status == "collected"


def test_a_closed_campaign_cannot_reopen(officer: Any, campaign: Any, api_client: Any) -> None:
    client = api_client(officer)
    closed = client.post(f"/api/labs/campaigns/{campaign.pk}/transition", {"to": "closed"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    again = client.post(f"/api/labs/campaigns/{campaign.pk}/transition", {"to": "sampling"})
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"


def test_lists_page_by_cursor_and_narrow_inside_the_area(
    officer: Any, campaign: Any, residents: list[Any], api_client: Any
) -> None:
    client = api_client(officer)
    for i, person in enumerate(residents):
        services.sample_take(actor=officer, code=f"BG-P{i}", person_ids=[person.pk], campaign=campaign)
    first = client.get(f"/api/labs/samples?campaign_id={campaign.pk}&limit=4").json()
    rest = client.get(f"/api/labs/samples?campaign_id={campaign.pk}&limit=4&cursor={first['next_cursor']}").json()
    assert len(first["items"]) == 4 and rest["next_cursor"] is None
    assert sorted(s["code"] for s in first["items"] + rest["items"]) == [f"BG-P{i}" for i in range(6)]
    outside = client.get(f"/api/labs/samples?within_unit_id={Unit.objects.get(path=PHONG_THO).pk}")
    assert outside.status_code == 404 and outside.json()["details"][0]["field"] == "within_unit_id"
    assert client.get("/api/labs/samples?cursor=@@@").json()["details"] == [
        {"field": "cursor", "message": "Con trỏ trang không hợp lệ."}
    ]


@pytest.mark.parametrize("path", ["/api/labs/samples", "/api/labs/campaigns/{c}/targets"])
def test_list_queries_do_not_grow_with_the_page(
    path: str, officer: Any, campaign: Any, residents: list[Any], api_client: Any
) -> None:
    """A page of 2 rows and a page of 6 cost the same queries (nothing fetched per row)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api_client(officer)
    url = path.replace("{c}", str(campaign.pk))
    services.sample_take(actor=officer, code="BG-Q0", person_ids=[residents[0].pk], campaign=campaign)
    services.sample_take(actor=officer, code="BG-Q1", person_ids=[residents[1].pk], campaign=campaign)
    client.get(url)  # the token's first use is recorded once
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for i, person in enumerate(residents[2:], 2):
        services.sample_take(actor=officer, code=f"BG-Q{i}", person_ids=[person.pk], campaign=campaign)
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(small) == len(large) == 3  # the token, the campaign or the lab membership, the page
