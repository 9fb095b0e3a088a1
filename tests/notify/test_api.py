"""/api/notify through the real API with bearer tokens: operators' outbox and retry, broadcasts readable by the
units they concern, acknowledgement by the receiving unit only, tally for the sender, my preferences."""

from __future__ import annotations

from typing import Any

import pytest

from chihuy.accounts.roles import Role
from chihuy.notify.enums import DeliveryStatus
from chihuy.notify.models import BroadcastReceipt, Delivery, NotificationPreference
from chihuy.notify.services import BroadcastTarget, broadcast_send, message_enqueue
from tests.conftest import BAN_GIANG, BINH_LU, LAI_CHAU, MUONG_SO, PHONG_THO, TAM_DUONG, unit

pytestmark = pytest.mark.django_db


def _messages() -> tuple[Delivery, Delivery]:
    [here] = message_enqueue(
        template="notify.broadcast",
        context={"title": "Tam Đường"},
        addresses=[("sms", "0912000001")],
        unit=unit(BAN_GIANG),
    )
    [there] = message_enqueue(
        template="notify.broadcast",
        context={"title": "Phong Thổ"},
        addresses=[("sms", "0912000002")],
        unit=unit(MUONG_SO),
    )
    d_here = Delivery.objects.get(message=here)
    d_there = Delivery.objects.get(message=there)
    Delivery.objects.filter(pk__in=[d_here.pk, d_there.pk]).update(status=DeliveryStatus.DEAD, attempts=8)
    return d_here, d_there


def test_outbox_is_for_operators_and_scoped_to_their_area(make_user: Any, api_client: Any) -> None:
    d_here, d_there = _messages()
    district_operator = make_user(Role.SYSADMIN, TAM_DUONG)
    commander = make_user(Role.COMMANDER, LAI_CHAU)
    client = api_client(district_operator)

    page = client.get("/api/notify/deliveries?status=dead").json()
    assert [d["id"] for d in page["items"]] == [d_here.pk]
    assert client.get("/api/notify/deliveries/counts").json()["dead"] == 1
    assert [d["id"] for d in client.get("/api/notify/dead-letters").json()["items"]] == [d_here.pk]
    status = client.get(f"/api/notify/messages/{d_here.message_id}").json()
    assert [(d["channel"], d["address"], d["status"]) for d in status["deliveries"]] == [("sms", "0912000001", "dead")]
    assert client.get(f"/api/notify/messages/{d_there.message_id}").status_code == 404

    # Another district's dead letter: 404 and nothing changed.
    assert client.post(f"/api/notify/deliveries/{d_there.pk}/retry").status_code == 404
    d_there.refresh_from_db()
    assert d_there.status == DeliveryStatus.DEAD
    # A commander without OUTBOX_MANAGE: 403, nothing changed.
    assert api_client(commander).get("/api/notify/deliveries").status_code == 403
    assert api_client(commander).post(f"/api/notify/deliveries/{d_here.pk}/retry").status_code == 403
    d_here.refresh_from_db()
    assert d_here.status == DeliveryStatus.DEAD

    response = client.post(f"/api/notify/deliveries/{d_here.pk}/retry")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["attempts"]) == ("pending", 0)
    again = client.post(f"/api/notify/deliveries/{d_here.pk}/retry")
    assert (again.status_code, again.json()["code"]) == (409, "invalid_transition")


def test_broadcast_read_acknowledge_and_tally(make_user: Any, api_client: Any) -> None:
    commander = make_user(Role.COMMANDER, LAI_CHAU)
    district = make_user(Role.DUTY_OFFICER, TAM_DUONG)
    commune = make_user(Role.DUTY_OFFICER, BAN_GIANG)
    outsider = make_user(Role.DUTY_OFFICER, PHONG_THO)
    lab = make_user(Role.LAB_TECHNICIAN, BAN_GIANG)  # no CENTRE_VIEW
    broadcast = broadcast_send(
        sender=commander,
        unit=unit(LAI_CHAU),
        title="Báo cáo nhanh trước 16 giờ",
        body="Các đơn vị gửi báo cáo.",
        urgent=False,
        targets=[BroadcastTarget(unit=unit(TAM_DUONG)), BroadcastTarget(unit=unit(BAN_GIANG))],
    )
    url = f"/api/notify/broadcasts/{broadcast.pk}"

    mine = api_client(commune).get("/api/notify/broadcasts?addressed_to_me=true").json()
    assert [b["id"] for b in mine["items"]] == [broadcast.pk]
    detail = api_client(commune).get(url).json()
    assert detail["my_receipt"]["acknowledged_at"] is None
    assert detail["tally"] is None  # a receiving commune does not see the other units' answers
    assert api_client(commune).get(f"{url}/tally").status_code == 404
    assert api_client(outsider).get(url).status_code == 404
    assert api_client(outsider).post(f"{url}/acknowledge").status_code == 404
    assert api_client(lab).get(url).status_code == 403
    assert api_client(commander).post(f"{url}/acknowledge").status_code == 404  # not addressed to the province
    assert BroadcastReceipt.objects.filter(acknowledged_at__isnull=False).count() == 0

    ack = api_client(commune).post(f"{url}/acknowledge")
    assert ack.status_code == 200
    assert ack.json()["unit"]["path"] == BAN_GIANG
    assert ack.json()["acknowledged_by_id"] == commune.pk

    tally = api_client(commander).get(f"{url}/tally").json()
    assert (tally["total"], tally["acknowledged_count"], tally["pending_count"]) == (2, 1, 1)
    assert [u["path"] for u in tally["acknowledged"]] == [BAN_GIANG]
    assert [u["path"] for u in tally["pending"]] == [TAM_DUONG]
    assert api_client(district).get(f"{url}/tally").status_code == 404
    assert api_client(commander).get(url).json()["tally"]["acknowledged_count"] == 1


def test_my_preferences(make_user: Any, api_client: Any) -> None:
    user = make_user(Role.DUTY_OFFICER, BINH_LU, email="o@example.vn", phone="0912000003")
    client = api_client(user)
    before = client.get("/api/notify/preferences/me").json()
    assert before["effective"] == [["email", "o@example.vn"], ["sms", "0912000003"]]
    response = client.put(
        "/api/notify/preferences/me",
        {"channels": ["sms", "zalo"], "zalo_id": "zl-7", "quiet_start": "22:00", "quiet_end": "06:00"},
    )
    assert response.status_code == 200
    assert response.json()["effective"] == [["sms", "0912000003"], ["zalo", "zl-7"]]
    bad = client.put("/api/notify/preferences/me", {"channels": ["zalo"], "zalo_id": ""})
    assert (bad.status_code, bad.json()["details"][0]["field"]) == (422, "zalo_id")
    half = client.put("/api/notify/preferences/me", {"channels": ["sms"], "quiet_start": "22:00"})
    assert (half.status_code, half.json()["details"][0]["field"]) == (422, "quiet_end")
    assert NotificationPreference.objects.get(user=user).channels == ["sms", "zalo"]
