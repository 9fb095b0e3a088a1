"""The API's contract: errors as {code, message, details} with field paths, 401 without credentials,
the OpenAPI document served locally, query counts pinned on search."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from chihuy.people.models import Person
from tests.conftest import BAN_GIANG


@pytest.fixture
def officer_client(make_user: Any, api_client: Any) -> Any:
    return api_client(make_user("health_officer", BAN_GIANG))


def test_a_bad_body_field_is_422_with_its_path(officer_client: Any, commune: Any) -> None:
    response = officer_client.post(
        "/api/people/", {"full_name": "Lò Văn Pằn", "birth_date": "17/05/1990", "unit_id": commune.pk}
    )
    assert response.status_code == 422
    body = response.json()
    assert set(body) == {"code", "message", "details"}
    assert body["code"] == "validation_error"
    assert [d["field"] for d in body["details"]] == ["body.payload.birth_date"]
    assert body["message"].startswith("Dữ liệu không hợp lệ ở “body.payload.birth_date”")
    assert not Person.objects.exists()


def test_a_service_error_names_the_field(officer_client: Any, commune: Any) -> None:
    response = officer_client.post("/api/people/", {"full_name": "Lò Văn Pằn", "phone": "0123", "unit_id": commune.pk})
    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "phone"
    assert not Person.objects.exists()


def test_an_unknown_unit_is_not_found_on_its_field(officer_client: Any) -> None:
    response = officer_client.post("/api/people/", {"full_name": "Lò Văn Pằn", "unit_id": 987654321})
    assert response.status_code == 404
    assert response.json() == {
        "code": "not_found",
        "message": "Không tìm thấy đơn vị trong địa bàn của bạn.",
        "details": [{"field": "unit_id", "message": "Không tìm thấy đơn vị trong địa bàn của bạn."}],
    }
    assert not Person.objects.exists()


def test_duplicates_are_409_with_the_candidates(officer_client: Any, make_person: Any, commune: Any) -> None:
    existing = make_person(full_name="Lò Văn Pằn", national_id="012090000123")
    payload = {"full_name": "Lò Văn Pằn", "national_id": "012090000123", "unit_id": commune.pk}
    response = officer_client.post("/api/people/", payload)
    assert response.status_code == 409
    assert response.json()["code"] == "duplicate_candidates"
    assert [d["person_id"] for d in response.json()["details"]] == [existing.pk]
    assert Person.objects.count() == 1
    confirmed = officer_client.post("/api/people/", {**payload, "confirm_new": True})
    assert confirmed.status_code == 201
    assert Person.objects.count() == 2


def test_a_broken_cursor_is_422_on_the_cursor(officer_client: Any) -> None:
    response = officer_client.get("/api/people/?q=lo&cursor=@@@")
    assert response.status_code == 422
    assert response.json()["details"] == [{"field": "cursor", "message": "Con trỏ trang không hợp lệ."}]


@pytest.mark.parametrize("path", ["/api/people/", "/api/units/", "/api/accounts/me", "/api/audit/events"])
def test_without_credentials_it_is_401(db: Any, path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 401
    assert response.json() == {
        "code": "not_authenticated",
        "message": "Chưa đăng nhập hoặc khóa API không hợp lệ.",
        "details": [],
    }


def test_without_credentials_nothing_is_written(db: Any, commune: Any) -> None:
    response = Client().post(
        "/api/people/", {"full_name": "Lò Văn Pằn", "unit_id": commune.pk}, content_type="application/json"
    )
    assert response.status_code == 401
    assert not Person.objects.exists()


def test_a_session_without_csrf_cannot_write(make_user: Any, commune: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("health_officer", BAN_GIANG))
    response = client.post(
        "/api/people/", {"full_name": "Lò Văn Pằn", "unit_id": commune.pk}, content_type="application/json"
    )
    assert response.status_code in (401, 403)
    assert not Person.objects.exists()
    assert client.get("/api/accounts/me").status_code == 200


def test_the_openapi_document_lists_every_endpoint(db: Any) -> None:
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert sorted(document["paths"]) == sorted(
        {
            "/api/accounts/me",
            "/api/accounts/tokens",
            "/api/audit/events",
            "/api/jobs/{job_id}",
            "/api/case-imports",
            "/api/case-imports/{job_id}",
            "/api/cases/",
            "/api/cases/{case_id}",
            "/api/cases/{case_id}/transition",
            "/api/cases/{case_id}/sources",
            "/api/cases/{case_id}/timeline",
            "/api/cases/{case_id}/itinerary",
            "/api/cases/contacts",
            "/api/cases/contacts/lines",
            "/api/cases/contacts/import",
            "/api/cases/contacts/{contact_id}/deactivate",
            "/api/cases/levels/{person_id}",
            "/api/cases/tracing",
            "/api/cases/tracing/{classification_id}/attempts",
            "/api/cases/notices",
            "/api/cases/notices/{notice_id}/transition",
            "/api/cases/public/notices",
            "/api/cases/clusters",
            "/api/cases/clusters/suggestions",
            "/api/cases/clusters/{cluster_id}",
            "/api/cases/clusters/{cluster_id}/cases",
            "/api/cases/clusters/{cluster_id}/graph",
            "/api/cases/graph/person/{person_id}",
            "/api/cases/fives/overdue",
            "/api/cases/fives/medians",
            "/api/people/",
            "/api/people/duplicates",
            "/api/people/households",
            "/api/people/import",
            "/api/people/merge",
            "/api/people/merges/{event_id}/undo",
            "/api/people/{person_id}",
            "/api/people/{person_id}/deactivate",
            "/api/units/",
            "/api/units/sites",
            "/api/units/{unit_id}",
            "/api/command/centres",
            "/api/command/centres/{centre_id}",
            "/api/command/centres/{centre_id}/gaps",
            "/api/command/centres/{centre_id}/members",
            "/api/command/centres/{centre_id}/on-duty",
            "/api/command/centres/{centre_id}/roster/plan",
            "/api/command/centres/{centre_id}/shifts",
            "/api/command/completion",
            "/api/command/directives",
            "/api/command/directives/{directive_id}",
            "/api/command/directives/{directive_id}/close",
            "/api/command/directives/{directive_id}/issue",
            "/api/command/handovers/{handover_id}/acknowledge",
            "/api/command/members/{member_id}",
            "/api/command/members/{member_id}/deactivate",
            "/api/command/on-duty",
            "/api/command/shifts/{shift_id}/cancel",
            "/api/command/shifts/{shift_id}/handover",
            "/api/command/shifts/{shift_id}/swaps",
            "/api/command/swaps/{swap_id}",
            "/api/command/tasks",
            "/api/command/tasks/{task_id}",
            "/api/command/tasks/{task_id}/reports",
            "/api/command/tickets/",
            "/api/command/tickets/inbound/zalo",
            "/api/command/tickets/{ticket_id}",
            "/api/command/tickets/{ticket_id}/assign",
            "/api/command/tickets/{ticket_id}/close",
            "/api/command/tickets/{ticket_id}/comments",
            "/api/command/tickets/{ticket_id}/escalate",
            "/api/command/tickets/{ticket_id}/links",
            "/api/command/tickets/{ticket_id}/transition",
            "/api/notify/broadcasts",
            "/api/notify/broadcasts/{broadcast_id}",
            "/api/notify/broadcasts/{broadcast_id}/acknowledge",
            "/api/notify/broadcasts/{broadcast_id}/tally",
            "/api/notify/dead-letters",
            "/api/notify/deliveries",
            "/api/notify/deliveries/counts",
            "/api/notify/deliveries/{delivery_id}/retry",
            "/api/notify/messages/{message_id}",
            "/api/notify/preferences/me",
            "/api/labs/",
            "/api/labs/mine",
            "/api/labs/campaigns",
            "/api/labs/campaigns/{campaign_id}",
            "/api/labs/campaigns/{campaign_id}/people",
            "/api/labs/campaigns/{campaign_id}/transition",
            "/api/labs/campaigns/{campaign_id}/targets",
            "/api/labs/targets/{target_id}/mark",
            "/api/labs/follow-ups",
            "/api/labs/samples",
            "/api/labs/samples/rapid",
            "/api/labs/samples/{sample_id}",
            "/api/labs/samples/by-code/{code}",
            "/api/labs/samples/{sample_id}/result",
            "/api/labs/results/upload",
            "/api/labs/shipments",
            "/api/labs/shipments/{shipment_id}",
            "/api/labs/shipments/{shipment_id}/receive",
            "/api/labs/turnaround",
            "/api/labs/overdue",
            "/api/labs/people/{person_id}/tests",
            "/api/isolation/facilities",
            "/api/isolation/facilities/{facility_id}",
            "/api/isolation/facilities/{facility_id}/zones",
            "/api/isolation/zones/{zone_id}/rooms",
            "/api/isolation/rooms/{room_id}",
            "/api/isolation/zones/{zone_id}/map",
            "/api/isolation/facilities/{facility_id}/beds",
            "/api/isolation/facilities/{facility_id}/occupants",
            "/api/isolation/facilities/{facility_id}/proposal",
            "/api/isolation/facilities/{facility_id}/admissions",
            "/api/isolation/facilities/{facility_id}/admissions/group",
            "/api/isolation/stays/{stay_id}/move",
            "/api/isolation/facilities/{facility_id}/arrivals",
            "/api/isolation/stays",
            "/api/isolation/stays/{stay_id}",
            "/api/isolation/stays/{stay_id}/release",
            "/api/isolation/stays/{stay_id}/positive",
            "/api/isolation/stays/tests-dispatch",
            "/api/isolation/monitorings",
            "/api/isolation/homes",
            "/api/isolation/homes/{home_id}",
            "/api/isolation/homes/{home_id}/members",
            "/api/isolation/homes/{home_id}/end",
            "/api/isolation/homes/{home_id}/doorsign.pdf",
            "/api/isolation/stays/{stay_id}/checkins",
            "/api/isolation/public/checkins/{token}",
            "/api/isolation/capacity",
            "/api/isolation/treatment/stays",
            "/api/isolation/treatment/admissions",
            "/api/isolation/treatment/stays/{stay_id}",
            "/api/isolation/treatment/stays/{stay_id}/records",
            "/api/isolation/treatment/stays/{stay_id}/transfer",
            "/api/isolation/treatment/stays/{stay_id}/discharge-criteria",
            "/api/isolation/treatment/stays/{stay_id}/discharge",
            "/api/tracing/venues",
            "/api/tracing/venues/map",
            "/api/tracing/venues/{venue_id}",
            "/api/tracing/venues/{venue_id}/status",
            "/api/tracing/venues/{venue_id}/qr.svg",
            "/api/tracing/venues/{venue_id}/qr.png",
            "/api/tracing/venues/{venue_id}/poster.pdf",
            "/api/tracing/public/venues/{code}",
            "/api/tracing/checkins/bulk",
            "/api/tracing/checkins/batches",
            "/api/tracing/checkins/batches/{batch_id}",
            "/api/tracing/public/checkins",
            "/api/tracing/public/checkins/{checkin_id}/checkout",
            "/api/tracing/exposures/query",
            "/api/tracing/candidates",
            "/api/tracing/candidates/{candidate_id}",
            "/api/tracing/candidates/{candidate_id}/confirm",
            "/api/tracing/candidates/{candidate_id}/dismiss",
            "/api/tracing/exposures/batch",
            "/api/tracing/people/{person_id}/checkins",
            "/api/vaccination/vaccines",
            "/api/vaccination/doses",
            "/api/vaccination/doses/{dose_id}",
            "/api/vaccination/doses/{dose_id}/deactivate",
            "/api/vaccination/imports",
            "/api/vaccination/reviews",
            "/api/vaccination/reviews/{review_id}",
            "/api/vaccination/reviews/{review_id}/resolve",
            "/api/vaccination/reviews/{review_id}/reject",
            "/api/vaccination/coverage",
            "/api/vaccination/priority",
            "/api/vaccination/targets",
            "/api/vaccination/targets/{target_id}/deactivate",
            "/api/reports/levels",
            "/api/reports/levels/latest",
            "/api/reports/levels/{assessment_id}",
            "/api/reports/levels/assess",
            "/api/reports/levels/{assessment_id}/decision",
            "/api/reports/levels/capacity",
            "/api/reports/levels/rules",
            "/api/reports/daily/indicators",
            "/api/reports/daily/{unit_id}/rollup",
            "/api/reports/daily/{unit_id}/{day}",
            "/api/reports/daily/{unit_id}/{day}/submit",
            "/api/reports/daily/reports/{report_id}/approve",
            "/api/reports/daily/reports/{report_id}/return",
            "/api/reports/daily/{unit_id}/{day}/missing",
            "/api/reports/daily/{unit_id}/{day}/consolidated",
            "/api/reports/daily/{unit_id}/{day}/export",
            "/api/reports/dashboard",
            "/api/reports/facts",
            "/api/reports/public",
        }
    )


def test_the_docs_page_is_served_locally(make_user: Any) -> None:
    client = Client()
    client.force_login(make_user("analyst"))
    response = client.get("/api/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert "https://" not in page
    assert "/static/ninja/swagger-ui-bundle.js" in page
    for asset in ("/static/ninja/swagger-ui-bundle.js", "/static/vendor/htmx/htmx.min.js"):
        assert client.get(asset).status_code == 200, asset


@pytest.mark.parametrize("q", ["lo van", "0912345678", ""])
def test_search_costs_a_fixed_number_of_queries(
    officer_client: Any, make_person: Any, django_assert_max_num_queries: Any, q: str
) -> None:
    for i in range(30):
        make_person(full_name=f"Lò Văn Số {i}", phone="0912345678")
    officer_client.get("/api/people/?q=warm")  # the token's last_used_at is written on first use
    with django_assert_max_num_queries(4):
        response = officer_client.get(f"/api/people/?q={q}&limit=25")
    assert response.status_code == 200
    assert len(response.json()["items"]) == 25
