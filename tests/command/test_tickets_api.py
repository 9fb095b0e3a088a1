"""Tickets through HTTP: the permission matrix of every /api/command/tickets endpoint (every role × own unit,
parent, sibling commune, other district; a refused write changes nothing), the Zalo OA webhook's signature
(good, wrong, missing, unconfigured; a redelivery makes no second ticket), and the public page's abuse guard
(too fast, too old, honeypot, 429 per phone and per IP)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from chihuy.accounts.roles import ROLE_PERMS, Perm, Role
from chihuy.command.models import Ticket, TicketEvent
from chihuy.command.tickets import services
from chihuy.command.tickets.enums import TicketChannel
from chihuy.command.tickets.inbound import SIGNATURE_HEADER, sign
from chihuy.core.audit import snapshot
from chihuy.places.models import Unit
from tests.conftest import BAN_GIANG, BINH_LU, PHONG_THO, TAM_DUONG

POSITIONS = {"own": BAN_GIANG, "parent": TAM_DUONG, "sibling": BINH_LU, "other_district": PHONG_THO}
INSIDE = {"own": True, "parent": True, "sibling": False, "other_district": False}
BASE = "/api/command/tickets"


def _ticket(make_user: Callable[..., Any]) -> Ticket:
    operator = make_user(Role.DUTY_OFFICER, BAN_GIANG)
    return services.ticket_intake(
        actor=operator,
        channel=TicketChannel.HOTLINE,
        category="essentials",
        text="Hộ ông Lò Văn Pằn đang cách ly tại nhà, hết gạo.",
        unit=Unit.objects.get(path=BAN_GIANG),
        caller_phone="0912345678",
    )


# endpoint: (method, path template, payload builder, perm needed beyond CENTRE_VIEW, success status)
def _endpoints(officer_id: int) -> dict[str, tuple[str, str, Any, str | None, int]]:
    return {
        "list": ("get", BASE + "/", None, None, 200),
        "get": ("get", BASE + "/{id}", None, None, 200),
        "patch": ("patch", BASE + "/{id}", {"priority": "urgent"}, Perm.TICKET_WORK, 200),
        "assign": ("post", BASE + "/{id}/assign", {"owner_user_id": officer_id}, Perm.TICKET_WORK, 200),
        "comment": ("post", BASE + "/{id}/comments", {"text": "Đã gọi lại."}, Perm.TICKET_INTAKE, 201),
        "transition": ("post", BASE + "/{id}/transition", {"to": "in_progress"}, Perm.TICKET_WORK, 200),
        "escalate": ("post", BASE + "/{id}/escalate", {"reason": "Cần huyện hỗ trợ"}, Perm.TICKET_WORK, 200),
        "close": ("post", BASE + "/{id}/close", {"outcome": "support_given"}, Perm.TICKET_WORK, 200),
        "links": ("post", BASE + "/{id}/links", {"case_number": ""}, Perm.TICKET_WORK, 200),
    }


def _expected(role: str, position: str, endpoint: str, perm: str | None, success: int) -> int:
    perms = ROLE_PERMS[role]
    if Perm.CENTRE_VIEW not in perms:
        return 403
    if endpoint == "list":
        return 200
    if not INSIDE[position]:
        return 404
    if perm is not None and perm not in perms:
        return 403
    return success


def _state(ticket: Ticket) -> tuple[dict[str, Any], int]:
    ticket.refresh_from_db()
    return snapshot(ticket), TicketEvent.objects.filter(ticket=ticket).count()


ENDPOINT_NAMES = ["list", "get", "patch", "assign", "comment", "transition", "escalate", "close", "links"]


@pytest.mark.parametrize("endpoint", ENDPOINT_NAMES)
@pytest.mark.parametrize("position", list(POSITIONS))
@pytest.mark.parametrize("role", list(Role))
def test_permission_matrix(
    role: str, position: str, endpoint: str, make_user: Callable[..., Any], api_client: Any
) -> None:
    ticket = _ticket(make_user)
    officer = make_user(Role.DUTY_OFFICER, BAN_GIANG)
    method, template, payload, perm, success = _endpoints(officer.pk)[endpoint]
    caller = api_client(make_user(role, POSITIONS[position]))
    before = _state(ticket)
    call = getattr(caller, method)
    response = (
        call(template.format(id=ticket.pk), payload) if payload is not None else call(template.format(id=ticket.pk))
    )
    expected = _expected(role, position, endpoint, perm, success)
    assert response.status_code == expected, response.content
    if expected >= 400 or method == "get":
        assert _state(ticket) == before  # nothing changed on a denied path (nor on a read)
    if endpoint == "list" and expected == 200:
        numbers = [t["number"] for t in response.json()["items"]]
        assert numbers == ([ticket.number] if INSIDE[position] else [])


@pytest.mark.parametrize("position", list(POSITIONS))
@pytest.mark.parametrize("role", list(Role))
def test_intake_matrix(role: str, position: str, make_user: Callable[..., Any], api_client: Any) -> None:
    caller = api_client(make_user(role, POSITIONS[position]))
    commune = Unit.objects.get(path=BAN_GIANG)
    payload = {"category": "suspected_case", "text": "Sốt, ho", "unit_id": commune.pk, "caller_phone": "0912345678"}
    response = caller.post(BASE + "/", payload)
    perms = ROLE_PERMS[role]
    expected = 403 if Perm.TICKET_INTAKE not in perms else (201 if INSIDE[position] else 404)
    assert response.status_code == expected, response.content
    assert Ticket.objects.count() == (1 if expected == 201 else 0)
    if expected == 201:
        body = response.json()
        assert re.fullmatch(r"PA-\d{4}-000001", body["number"])
        assert [e["kind"] for e in body["timeline"]] == ["created"]
        assert body["unit_path"] == BAN_GIANG and body["overdue"] is False


def test_intake_errors_name_the_field(make_user: Callable[..., Any], api_client: Any) -> None:
    caller = api_client(make_user(Role.DUTY_OFFICER, BAN_GIANG))
    commune = Unit.objects.get(path=BAN_GIANG)
    response = caller.post(BASE + "/", {"category": "other", "text": "Có người lạ", "unit_id": commune.pk})
    assert response.status_code == 422
    assert [d["field"] for d in response.json()["details"]] == ["caller_phone", "place_text"]
    response = caller.post(BASE + "/", {"category": "other", "text": "x", "unit_id": commune.pk, "caller_phone": "1"})
    assert response.status_code == 422 and response.json()["details"][0]["field"] == "caller_phone"
    assert Ticket.objects.count() == 0


def test_list_filters_and_keyset_pages(make_user: Callable[..., Any], api_client: Any) -> None:
    operator = make_user(Role.DUTY_OFFICER, BAN_GIANG)
    commune = Unit.objects.get(path=BAN_GIANG)
    made = [
        services.ticket_intake(
            actor=operator, channel="hotline", category=c, priority=p, text="x", unit=commune, place_text="Bản 1"
        )
        for c, p in [("other", "low"), ("essentials", "urgent"), ("other", "normal")]
    ]
    caller = api_client(operator)
    first = caller.get(BASE + "/?limit=2").json()
    second = caller.get(BASE + f"/?limit=2&cursor={first['next_cursor']}").json()
    # Earliest due first: urgent essentials (2 h), then normal other (24 h), then low other (72 h).
    assert [t["number"] for t in first["items"] + second["items"]] == [made[1].number, made[2].number, made[0].number]
    assert second["next_cursor"] is None
    only = caller.get(BASE + "/?category=other").json()["items"]
    assert [t["number"] for t in only] == [made[2].number, made[0].number]
    with time_machine.travel(timezone.now() + dt.timedelta(hours=3)):
        overdue = caller.get(BASE + "/?overdue=true").json()["items"]
    assert [(t["number"], t["overdue"]) for t in overdue] == [(made[1].number, True)]


def test_links_check_the_case_number_against_the_cases_app(
    make_user: Callable[..., Any], api_client: Any, make_person: Callable[..., Any]
) -> None:
    ticket = _ticket(make_user)
    caller = api_client(make_user(Role.DUTY_OFFICER, BAN_GIANG))
    response = caller.post(f"{BASE}/{ticket.pk}/links", {"case_number": "CH999999"})
    assert response.status_code == 404 and response.json()["details"][0]["field"] == "case_number"
    person = make_person(full_name="Lò Văn Pằn", birth_year=1980)
    response = caller.post(f"{BASE}/{ticket.pk}/links", {"person_id": person.pk})
    assert response.status_code == 200 and response.json()["person_id"] == person.pk
    assert response.json()["timeline"][-1]["text"] == "Liên kết: người Lò Văn Pằn"


# --- the Zalo OA webhook ---------------------------------------------------------------------------

SECRET = "zalo-webhook-secret-for-tests"


def _zalo(msg_id: str = "m-1", oa: str = "oa-tamduong") -> bytes:
    event = {
        "app_id": "123",
        "event_name": "user_send_text",
        "sender": {"id": "84912345678", "display_name": "Lò Thị Mai"},
        "recipient": {"id": oa},
        "message": {"text": "Bản Nà Tăm có 3 người từ Bắc Giang về chưa khai báo.", "msg_id": msg_id},
        "timestamp": "1636520400000",
    }
    return json.dumps(event, ensure_ascii=False).encode()


@pytest.fixture
def zalo_settings(settings: Any) -> Any:
    settings.CHIHUY_ZALO_WEBHOOK_SECRET = SECRET
    settings.CHIHUY_ZALO_OA_UNITS = {"oa-tamduong": TAM_DUONG}
    return settings


def _post_zalo(body: bytes, signature: str | None) -> Any:
    headers = {SIGNATURE_HEADER: signature} if signature is not None else {}
    return Client().post(BASE + "/inbound/zalo", body, content_type="application/json", headers=headers)


def test_a_signed_zalo_message_becomes_a_ticket_once(db: Any, zalo_settings: Any) -> None:
    body = _zalo()
    response = _post_zalo(body, sign(body, SECRET))
    assert response.status_code == 201
    ticket = Ticket.objects.get()
    assert response.json() == {"number": ticket.number, "created": True}
    assert (ticket.channel, ticket.unit_path, ticket.contact_handle, ticket.external_ref) == (
        "api",
        TAM_DUONG,
        "zalo:84912345678",
        "m-1",
    )
    assert ticket.caller_name == "Lò Thị Mai" and ticket.text.startswith("Bản Nà Tăm")
    again = _post_zalo(body, sign(body, SECRET))  # Zalo redelivers when it saw no answer in time
    assert again.status_code == 200 and again.json() == {"number": ticket.number, "created": False}
    assert Ticket.objects.count() == 1


def test_an_unmapped_official_account_goes_to_the_province(db: Any, zalo_settings: Any) -> None:
    body = _zalo(oa="oa-unknown")
    assert _post_zalo(body, sign(body, SECRET)).status_code == 201
    assert Ticket.objects.get().unit.parent_id is None


@pytest.mark.parametrize(
    "signature",
    [None, "", "sha256=" + "0" * 64, sign(b"another body", SECRET), sign(_zalo(), "wrong-secret")],
    ids=["missing", "empty", "zeros", "other-body", "wrong-secret"],
)
def test_a_bad_signature_is_401_and_writes_nothing(db: Any, zalo_settings: Any, signature: str | None) -> None:
    response = _post_zalo(_zalo(), signature)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert Ticket.objects.count() == 0 and TicketEvent.objects.count() == 0


def test_no_secret_configured_refuses_even_a_self_consistent_signature(db: Any, settings: Any) -> None:
    settings.CHIHUY_ZALO_WEBHOOK_SECRET = ""
    body = _zalo()
    assert _post_zalo(body, sign(body, "")).status_code == 401
    assert Ticket.objects.count() == 0


def test_a_signed_message_without_text_names_the_field(db: Any, zalo_settings: Any) -> None:
    body = json.dumps({"sender": {"id": "1"}, "message": {"text": " "}}).encode()
    response = _post_zalo(body, sign(body, SECRET))
    assert response.status_code == 422 and response.json()["details"][0]["field"] == "message.text"


# --- the public page's abuse guard -----------------------------------------------------------------

PUBLIC = "/cong-khai/phan-anh/"
T0 = timezone.make_aware(dt.datetime(2021, 11, 10, 9, 0))


@pytest.fixture
def clock_at(db: Any) -> Iterator[Any]:
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def _form(client: Client) -> dict[str, str]:
    html = client.get(PUBLIC).content.decode()
    token = re.search(r'name="form_token" value="([^"]+)"', html)
    assert token is not None
    commune = Unit.objects.get(path=BAN_GIANG)
    return {
        "form_token": token.group(1),
        "caller_name": "Tòng Văn Sáng",
        "caller_phone": "0987 654 321",
        "unit": str(commune.pk),
        "place_text": "Bản Nà Luông",
        "category": "from_outbreak_area",
        "text": "Nhà bên cạnh có người từ TP.HCM về hôm qua, chưa khai báo y tế.",
        "website": "",
    }


def test_a_citizen_gets_a_ticket_number(clock_at: Any) -> None:
    client = Client(REMOTE_ADDR="203.0.113.7")
    data = _form(client)
    clock_at.shift(20)
    response = client.post(PUBLIC, data)
    assert response.status_code == 201
    ticket = Ticket.objects.get()
    assert ticket.number == "PA-2021-000001" and ticket.number in response.content.decode()
    assert (ticket.channel, ticket.caller_phone, ticket.source_ip, ticket.unit_path) == (
        "public",
        "0987654321",
        "203.0.113.7",
        BAN_GIANG,
    )


def test_a_form_sent_too_fast_is_refused(clock_at: Any) -> None:
    client = Client()
    data = _form(client)
    clock_at.shift(1)
    response = client.post(PUBLIC, data)
    assert response.status_code == 422
    assert "gửi quá nhanh" in response.content.decode()
    assert Ticket.objects.count() == 0


def test_a_form_older_than_two_hours_or_tampered_is_refused(clock_at: Any) -> None:
    client = Client()
    data = _form(client)
    clock_at.shift(2 * 3600 + 1)
    assert client.post(PUBLIC, data).status_code == 422
    data = _form(client)
    clock_at.shift(10)
    data["form_token"] = data["form_token"][:-2] + "xx"
    assert client.post(PUBLIC, data).status_code == 422
    assert Ticket.objects.count() == 0


def test_the_honeypot_refuses_a_robot(clock_at: Any) -> None:
    client = Client()
    data = _form(client)
    clock_at.shift(10)
    data["website"] = "http://spam.example"
    response = client.post(PUBLIC, data)
    assert response.status_code == 422
    assert "Không gửi được phản ánh" in response.content.decode()
    assert Ticket.objects.count() == 0


def _earlier_public(n: int, *, phone: str | None = None, ip: str = "198.51.100.1") -> None:
    commune = Unit.objects.get(path=BAN_GIANG)
    for i in range(n):
        services.ticket_intake(
            actor=None,
            channel=TicketChannel.PUBLIC,
            category="other",
            text="x",
            unit=commune,
            caller_phone=phone or f"09120000{i:02d}",
            source_ip=ip,
        )


def test_the_sixth_ticket_of_a_phone_in_an_hour_is_429(clock_at: Any) -> None:
    _earlier_public(5, phone="0987654321")
    client = Client(REMOTE_ADDR="203.0.113.9")
    data = _form(client)
    clock_at.shift(30)
    response = client.post(PUBLIC, data)
    assert response.status_code == 429
    assert "Số điện thoại này đã gửi 5 phản ánh trong một giờ qua" in response.content.decode()
    assert Ticket.objects.count() == 5
    clock_at.shift(3600)  # an hour later the phone may report again
    data = _form(client)
    clock_at.shift(30)
    assert client.post(PUBLIC, data).status_code == 201


def test_the_twenty_first_ticket_from_one_ip_in_an_hour_is_429(clock_at: Any) -> None:
    _earlier_public(20, ip="203.0.113.50")
    client = Client(REMOTE_ADDR="203.0.113.50")
    data = _form(client)
    clock_at.shift(30)
    response = client.post(PUBLIC, data)
    assert response.status_code == 429
    assert "quá nhiều phản ánh gửi từ mạng này" in response.content.decode()
    assert Ticket.objects.count() == 20
    assert Client(REMOTE_ADDR="203.0.113.51").post(PUBLIC, data).status_code == 201
