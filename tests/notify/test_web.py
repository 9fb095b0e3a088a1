"""The notify screens: inbox and acknowledge, the sender's live tally fragment, the outbox with retry, preferences."""

from __future__ import annotations

from typing import Any

import pytest

from chihuy.accounts.roles import Role
from chihuy.notify.enums import DeliveryStatus
from chihuy.notify.models import BroadcastReceipt, Delivery, NotificationPreference
from chihuy.notify.services import BroadcastTarget, broadcast_send, message_enqueue
from tests.conftest import BAN_GIANG, LAI_CHAU, PHONG_THO, TAM_DUONG, session_client, unit

pytestmark = pytest.mark.django_db


def _broadcast(commander: Any) -> Any:
    return broadcast_send(
        sender=commander,
        unit=unit(LAI_CHAU),
        title="Tăng cường trực 24/24",
        body="Từ 18 giờ hôm nay.",
        urgent=True,
        targets=[BroadcastTarget(unit=unit(TAM_DUONG)), BroadcastTarget(unit=unit(BAN_GIANG))],
    )


def test_inbox_acknowledge_and_the_senders_tally(make_user: Any) -> None:
    commander = make_user(Role.COMMANDER, LAI_CHAU)
    commune = make_user(Role.DUTY_OFFICER, BAN_GIANG)
    outsider = make_user(Role.DUTY_OFFICER, PHONG_THO)
    broadcast = _broadcast(commander)
    client = session_client(commune)

    inbox = client.get("/notify/").content.decode()
    assert f'data-broadcast="{broadcast.pk}"' in inbox and 'id="nav-notify"' in inbox
    assert 'id="broadcasts-empty"' in session_client(outsider).get("/notify/").content.decode()
    assert session_client(outsider).get(f"/notify/broadcasts/{broadcast.pk}/").status_code == 404
    assert session_client(outsider).post(f"/notify/broadcasts/{broadcast.pk}/ack/").status_code == 404

    page = client.get(f"/notify/broadcasts/{broadcast.pk}/").content.decode()
    assert 'id="acknowledge"' in page and 'id="tally"' not in page
    response = client.post(f"/notify/broadcasts/{broadcast.pk}/ack/")
    assert response.status_code == 302
    receipt = BroadcastReceipt.objects.get(broadcast=broadcast, unit__path=BAN_GIANG)
    assert receipt.acknowledged_by == commune

    sender_page = session_client(commander).get(f"/notify/broadcasts/{broadcast.pk}/").content.decode()
    assert 'hx-trigger="every 5s"' in sender_page
    fragment = session_client(commander).get(f"/notify/broadcasts/{broadcast.pk}/tally/").content.decode()
    assert "Đã xác nhận 1/2 đơn vị" in fragment
    assert f'<li data-unit="{TAM_DUONG}">' in fragment
    assert session_client(commune).get(f"/notify/broadcasts/{broadcast.pk}/tally/").status_code == 404


def test_outbox_counts_and_retry_of_a_dead_letter(make_user: Any) -> None:
    operator = make_user(Role.SYSADMIN, LAI_CHAU)
    [message] = message_enqueue(
        template="notify.broadcast", context={"title": "X"}, addresses=[("sms", "0912")], unit=unit(BAN_GIANG)
    )
    delivery = Delivery.objects.get(message=message)
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.DEAD, attempts=8, last_error="HTTP 500")
    client = session_client(operator)
    page = client.get("/notify/outbox/").content.decode()
    assert f'data-delivery="{delivery.pk}"' in page and "HTTP 500" in page
    assert session_client(make_user(Role.COMMANDER, LAI_CHAU)).get("/notify/outbox/").status_code == 403
    assert client.post(f"/notify/outbox/{delivery.pk}/retry/").status_code == 302
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 0)
    assert 'id="deliveries-empty"' in client.get("/notify/outbox/?status=dead").content.decode()


def test_preferences_form(make_user: Any) -> None:
    user = make_user(Role.TRACER, BAN_GIANG, phone="0912000005")
    client = session_client(user)
    assert "0912000005" in client.get("/notify/preferences/").content.decode()
    bad = client.post("/notify/preferences/", {"channels": ["zalo"], "zalo_id": ""})
    assert bad.status_code == 200 and "Nhập mã người dùng Zalo" in bad.content.decode()
    assert not NotificationPreference.objects.exists()
    ok = client.post("/notify/preferences/", {"channels": ["sms"], "quiet_start": "21:30", "quiet_end": "06:00"})
    assert ok.status_code == 302
    pref = NotificationPreference.objects.get(user=user)
    assert (pref.channels, str(pref.quiet_start), str(pref.quiet_end)) == (["sms"], "21:30:00", "06:00:00")
